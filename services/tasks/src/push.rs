//! Daily task statistics pushed to the reporting service (`IntakeService.PushStatistics`).
//! Values replace by (source, indicator, agency, day), so a repeated push is harmless; days
//! are marked final only after a successful push, so nothing is lost while reporting is down:
//! the figures are recomputed from the database on the next attempt.
use std::{sync::Arc, time::Duration};

use lienthong_api::reporting::v1::{
    PushStatisticsRequest, intake_service_client::IntakeServiceClient,
};
use lienthong_platform::{client, shutdown::Shutdown, tls::TlsFiles};
use tonic::Code;

use crate::app::Tasks;

/// Most values per call (the reporting service takes at most 10000).
const BATCH: usize = 5000;
/// Attempts per push before waiting for the next interval.
const ATTEMPTS: u32 = 5;

/// Pushes the days due; returns how many values were recorded.
pub async fn push_once(
    app: &Tasks,
    endpoint: &str,
    files: &TlsFiles,
    shutdown: &Shutdown,
) -> anyhow::Result<u64> {
    let days = app.days_to_push().await?;
    let values = app.daily_figures(&days).await?;
    let mut recorded = 0u64;
    if !values.is_empty() {
        let channel = with_backoff(shutdown, "connect", || async {
            client::connect(endpoint, files)
                .await
                .map_err(|e| (true, e.to_string()))
        })
        .await?;
        let client = IntakeServiceClient::new(channel);
        for batch in values.chunks(BATCH) {
            let response = with_backoff(shutdown, "PushStatistics", || {
                let mut client = client.clone();
                let values = batch.to_vec();
                async move {
                    client
                        .push_statistics(PushStatisticsRequest { values })
                        .await
                        .map_err(|s| {
                            let retry =
                                matches!(s.code(), Code::Unavailable | Code::DeadlineExceeded);
                            (retry, format!("{:?}: {}", s.code(), s.message()))
                        })
                }
            })
            .await?;
            recorded += u64::from(response.into_inner().recorded);
        }
    }
    app.mark_pushed_until_yesterday().await?;
    Ok(recorded)
}

/// Retries `f` with exponential back-off (0.5 s, 1 s, 2 s, …) while it fails with a retryable
/// error (`(true, _)`), up to [`ATTEMPTS`] times or until shutdown.
async fn with_backoff<T, F, Fut>(shutdown: &Shutdown, what: &str, mut f: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, (bool, String)>>,
{
    let mut delay = Duration::from_millis(500);
    let mut attempt = 1;
    loop {
        match f().await {
            Ok(v) => return Ok(v),
            Err((retry, msg)) if retry && attempt < ATTEMPTS && !shutdown.is_triggered() => {
                tracing::warn!(%what, attempt, error = %msg, "reporting service unavailable, retrying");
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = shutdown.wait() => {}
                }
                delay = (delay * 2).min(Duration::from_secs(30));
                attempt += 1;
            }
            Err((_, msg)) => anyhow::bail!("{what}: {msg}"),
        }
    }
}

/// Pushes every `interval` until shutdown.
pub async fn run(
    app: Arc<Tasks>,
    endpoint: String,
    files: TlsFiles,
    interval: Duration,
    shutdown: Shutdown,
) {
    loop {
        match push_once(&app, &endpoint, &files, &shutdown).await {
            Ok(n) => tracing::debug!(recorded = n, "task statistics pushed"),
            Err(e) => tracing::warn!(error = %e, "task statistics not pushed; will retry"),
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.wait() => return,
        }
    }
}
