//! How a service feeds the reporting service its daily figures (`IntakeService.PushStatistics`):
//! one mechanism for every service.
//!
//! The service says which days are to be pushed and what their figures are, computed from its
//! own database ([`StatisticsSource`]); the pusher sends them, and only after the reporting
//! service accepted a day does the service mark it pushed. Values replace by (source,
//! indicator, agency, day) at the reporting service, so a repeated push is harmless; while
//! reporting is down nothing is lost: the figures are recomputed on the next attempt, which
//! comes with the platform back-off.
use std::{future::Future, sync::Arc, time::Duration};

use lienthong_api::reporting::v1::{
    PushStatisticsRequest, StatisticValue, intake_service_client::IntakeServiceClient,
};
use time::Date;
use tracing::Instrument;

use crate::{client::TracedChannel, error::InfraError, shutdown::Shutdown};

/// Most values per call (the reporting service takes at most 10000).
pub const BATCH: usize = 5000;

/// One day to push, with the version of its figures the source saw (so that a change made
/// while the push was under way keeps the day pending).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingDay {
    pub day: Date,
    pub version: i64,
}

/// Where the figures come from: a service's own database.
pub trait StatisticsSource: Send + Sync + 'static {
    /// The days whose figures are to be pushed now, oldest first.
    fn pending_days(&self) -> impl Future<Output = Result<Vec<PendingDay>, InfraError>> + Send;
    /// A day's figures.
    fn figures(
        &self,
        day: PendingDay,
    ) -> impl Future<Output = Result<Vec<StatisticValue>, InfraError>> + Send;
    /// Called once the reporting service accepted every figure of `day`.
    fn mark_pushed(&self, day: PendingDay) -> impl Future<Output = Result<(), InfraError>> + Send;
}

#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error(transparent)]
    Source(#[from] InfraError),
    #[error("reporting refused the push: {:?}: {}", .0.code(), .0.message())]
    Rpc(tonic::Status),
}

/// Pushes every pending day once; returns the days pushed.
pub async fn push_once<S: StatisticsSource>(
    source: &S,
    client: &IntakeServiceClient<TracedChannel>,
) -> Result<usize, PushError> {
    let days = source.pending_days().await?;
    let mut pushed = 0;
    for day in days {
        let values = source.figures(day).await?;
        for batch in values.chunks(BATCH) {
            let span = tracing::info_span!(
                "statistics.push",
                day = %lienthong_axis::local::format_date(day.day),
                values = batch.len()
            );
            client
                .clone()
                .push_statistics(PushStatisticsRequest {
                    values: batch.to_vec(),
                })
                .instrument(span)
                .await
                .map_err(PushError::Rpc)?;
        }
        source.mark_pushed(day).await?;
        pushed += 1;
    }
    Ok(pushed)
}

/// Pushes every `interval` until shutdown; after a failure, retries sooner with the platform
/// back-off (never later than `interval`).
pub async fn run<S: StatisticsSource>(
    source: Arc<S>,
    client: IntakeServiceClient<TracedChannel>,
    interval: Duration,
    shutdown: Shutdown,
) {
    let mut failures = 0i64;
    loop {
        let wait = match push_once(source.as_ref(), &client).await {
            Ok(days) => {
                if days > 0 {
                    tracing::info!(days, "statistics pushed to reporting");
                }
                failures = 0;
                interval
            }
            Err(e) => {
                failures += 1;
                let delay = crate::retry::delay(failures, interval).min(interval);
                tracing::warn!(error = %e, ?delay, "pushing statistics failed; will retry");
                delay
            }
        };
        if shutdown.sleep(wait).await {
            return;
        }
    }
}
