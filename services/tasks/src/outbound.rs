//! Calls to other services: the daily task statistics pushed to the reporting service
//! (`IntakeService.PushStatistics`) by the platform's pusher.
//!
//! Per lead agency and day: `tasks.completed_on_time`, `tasks.completed_late`,
//! `tasks.in_progress` (near deadline included), `tasks.overdue`, `tasks.near_deadline`,
//! cumulative as of that day. The pending days run from the day after the last final day
//! pushed through today; a day is marked final only after a successful push, and only once its
//! figures were taken after it ended, so while reporting is down nothing is lost: the figures
//! are recomputed from the database (up to 31 days back).
use std::sync::Arc;

use lienthong_api::reporting::v1::{StatisticValue, intake_service_client::IntakeServiceClient};
use lienthong_platform::{
    client::{ClientError, TracedChannel, connect_lazy_with_deadline},
    error::InfraError,
    statistics::{PendingDay, StatisticsSource},
    tls::TlsFiles,
};

use crate::app::Tasks;

/// The tasks service as a source of statistics. A pending day's version is the instant its
/// figures are taken as of.
pub struct TaskStatistics {
    app: Arc<Tasks>,
}

impl TaskStatistics {
    pub fn new(app: Arc<Tasks>) -> Self {
        TaskStatistics { app }
    }
}

impl StatisticsSource for TaskStatistics {
    async fn pending_days(&self) -> Result<Vec<PendingDay>, InfraError> {
        self.app.pending_statistics().await
    }

    async fn figures(&self, day: PendingDay) -> Result<Vec<StatisticValue>, InfraError> {
        self.app.daily_figures(day).await
    }

    async fn mark_pushed(&self, day: PendingDay) -> Result<(), InfraError> {
        self.app.statistics_pushed(day).await
    }
}

/// A client of the reporting service at `endpoint`, connecting on first use (and again after
/// failures).
pub fn reporting_client(
    endpoint: &str,
    files: &TlsFiles,
) -> Result<IntakeServiceClient<TracedChannel>, ClientError> {
    // A push that hangs must not hold the pusher: every call has a deadline.
    Ok(IntakeServiceClient::new(connect_lazy_with_deadline(
        endpoint,
        files,
        std::time::Duration::from_secs(30),
    )?))
}
