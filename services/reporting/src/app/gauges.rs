//! The counts behind the operator's gauge of reports by compliance state, refreshed in the
//! background so that a metrics collection never waits for the database.
use std::{sync::Arc, time::Duration};

use super::Reporting;
use crate::{error::Result, store};

/// The state a stored report counts under: the compliance of its first submission, or
/// `draft` when it was never submitted.
pub fn gauge_state(submitted: bool, late: bool) -> &'static str {
    match (submitted, late) {
        (false, _) => "draft",
        (true, false) => "on_time",
        (true, true) => "late",
    }
}

impl Reporting {
    /// Counts the reports by state and hands the counts to the gauge (every state, zeros
    /// included).
    pub async fn refresh_gauges(&self) -> Result<()> {
        let rows = store::count_reports(&mut *self.store.conn().await?).await?;
        let mut counts: Vec<(&'static str, u64)> = vec![("draft", 0), ("late", 0), ("on_time", 0)];
        for (submitted, late, n) in rows {
            let state = gauge_state(submitted, late);
            if let Some(c) = counts.iter_mut().find(|(s, _)| *s == state) {
                c.1 += u64::try_from(n).unwrap_or(0);
            }
        }
        self.gauges.set(counts);
        Ok(())
    }
}

/// Refreshes the gauge every `interval`, for ever (stopped with the service's tasks).
pub async fn run_gauges(app: Arc<Reporting>, interval: Duration) {
    loop {
        if let Err(e) = app.refresh_gauges().await {
            tracing::warn!(error = %e, "counting reports by state failed; will retry");
        }
        tokio::time::sleep(interval).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_counts_by_its_first_submission() {
        assert_eq!(gauge_state(false, false), "draft");
        assert_eq!(gauge_state(true, false), "on_time");
        assert_eq!(gauge_state(true, true), "late");
    }
}
