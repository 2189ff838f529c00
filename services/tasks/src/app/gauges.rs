//! The counts behind the operator's gauge of tasks by bucket, refreshed in the background so
//! that a metrics collection never waits for the database.
use std::{sync::Arc, time::Duration};

use super::Tasks;
use crate::{
    domain::{Bucket, bucket::near_threshold},
    error::Result,
    store,
};

/// Every bucket, with the name the gauge gives it (the proto name, lower case).
const BUCKETS: [(Bucket, &str); 6] = [
    (Bucket::CompletedOnTime, "completed_on_time"),
    (Bucket::CompletedLate, "completed_late"),
    (Bucket::InProgress, "in_progress"),
    (Bucket::NearDeadline, "near_deadline"),
    (Bucket::Overdue, "overdue"),
    (Bucket::Refused, "refused"),
];

impl Tasks {
    /// Counts the tasks of each bucket now and hands the counts to the gauge.
    pub async fn refresh_gauges(&self) -> Result<()> {
        let now = self.now();
        let near = near_threshold(now, self.near_window_days);
        let mut conn = store::acquire(&self.db).await?;
        let mut counts = Vec::with_capacity(BUCKETS.len());
        for (bucket, name) in BUCKETS {
            let n = store::count_in_bucket(&mut conn, bucket, now, near).await?;
            counts.push((name, u64::try_from(n).unwrap_or(0)));
        }
        self.gauges.set(counts);
        Ok(())
    }
}

/// Refreshes the gauge every `interval`, for ever (stopped with the service's tasks).
pub async fn run_gauges(app: Arc<Tasks>, interval: Duration) {
    loop {
        if let Err(e) = app.refresh_gauges().await {
            tracing::warn!(error = %e, "counting tasks by bucket failed; will retry");
        }
        tokio::time::sleep(interval).await;
    }
}
