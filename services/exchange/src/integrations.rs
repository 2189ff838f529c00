//! What the hub feeds to the services beside it:
//! - tasks: a steering document with a due date becomes a task for each recipient, through the
//!   durable outbox (the tasks service being down delays the task, never loses it or blocks
//!   sending);
//! - reporting: documents sent and received per agency and day, recomputed from the database
//!   for every day that changed and pushed until the reporting service accepts them.
use std::time::Duration;

use lienthong_api::{
    reporting::v1::{
        PushStatisticsRequest, StatisticValue, intake_service_client::IntakeServiceClient,
    },
    tasks::v1::{
        CreateTaskFromDocumentRequest, task_intake_service_client::TaskIntakeServiceClient,
    },
};
use lienthong_platform::{
    client::TracedChannel,
    outbox::{Deliver, DeliveryError},
    shutdown::Shutdown,
};
use prost::Message;
use sqlx::{AnyConnection, AnyPool, Row};
use time::{Date, OffsetDateTime, UtcOffset};
use tracing::Instrument;

use crate::{
    error::Result,
    federation::{Hop, Routing},
};

pub const TASKS_TOPIC: &str = "tasks";

/// Vietnam's offset (no daylight saving).
fn vietnam() -> UtcOffset {
    UtcOffset::from_hms(7, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// The local date of a time in microseconds.
pub fn local_day(micros: i64) -> Date {
    OffsetDateTime::from_unix_timestamp_nanos(micros as i128 * 1000)
        .map(|t| t.to_offset(vietnam()).date())
        .unwrap_or(Date::MIN)
}

/// [start, end) of a local date, in microseconds.
pub fn day_bounds(day: Date) -> (i64, i64) {
    let start = day.midnight().assume_offset(vietnam()).unix_timestamp() * 1_000_000;
    (start, start + 86_400_000_000)
}

pub fn format_day(day: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        day.month() as u8,
        day.day()
    )
}

/// Marks a day's figures as changed (inside the transaction of the change).
pub async fn mark_day_dirty(conn: &mut AnyConnection, day: Date) -> Result<()> {
    sqlx::query(
        "INSERT INTO stat_dirty (day, version) VALUES ($1, 1) \
         ON CONFLICT (day) DO UPDATE SET version = stat_dirty.version + 1",
    )
    .bind(format_day(day))
    .execute(conn)
    .await?;
    Ok(())
}

/// The task-creation request for one recipient of a steering document.
pub fn task_request(
    document_id: &str,
    sender: &str,
    recipient: &str,
    recipients: &[String],
    subject: &str,
    due_date: &str,
) -> CreateTaskFromDocumentRequest {
    CreateTaskFromDocumentRequest {
        source_document_id: document_id.to_string(),
        assigner: sender.to_string(),
        lead_agency: recipient.to_string(),
        coordinating_agencies: recipients
            .iter()
            .filter(|r| *r != recipient)
            .cloned()
            .collect(),
        content: subject.to_string(),
        deadline: due_date.to_string(),
    }
}

/// Delivers outbox entries of the tasks topic.
pub struct TasksDelivery {
    pub client: TaskIntakeServiceClient<TracedChannel>,
}

impl Deliver for TasksDelivery {
    async fn deliver(&self, payload: Vec<u8>) -> Result<(), DeliveryError> {
        let request = CreateTaskFromDocumentRequest::decode(payload.as_slice())
            .map_err(|e| DeliveryError(format!("undecodable outbox entry: {e}")))?;
        let response = self
            .client
            .clone()
            .create_task_from_document(request)
            .await?;
        let r = response.into_inner();
        tracing::info!(task_id = %r.task_id, created = r.created, "task created from steering document");
        Ok(())
    }
}

/// Pushes the traffic figures of every changed day to the reporting service, every `interval`.
pub fn spawn_statistics_pusher(
    pool: AnyPool,
    routing: Routing,
    client: IntakeServiceClient<TracedChannel>,
    interval: Duration,
    shutdown: Shutdown,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut failures = 0i64;
        loop {
            let wait = match push_dirty_days(&pool, &routing, &client).await {
                Ok(pushed) => {
                    if pushed > 0 {
                        tracing::info!(days = pushed, "traffic statistics pushed to reporting");
                    }
                    failures = 0;
                    interval
                }
                Err(e) => {
                    failures += 1;
                    let delay = lienthong_platform::outbox::backoff(failures)
                        .min(interval.max(Duration::from_secs(1)));
                    tracing::warn!(error = %e, ?delay, "pushing statistics failed; will retry");
                    delay
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.wait() => return,
            }
        }
    })
}

#[derive(Debug, thiserror::Error)]
enum PushError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("reporting: {0}")]
    Rpc(#[from] tonic::Status),
}

/// Pushes each dirty day; a day is clean only once reporting has accepted its figures and no
/// document arrived meanwhile.
async fn push_dirty_days(
    pool: &AnyPool,
    routing: &Routing,
    client: &IntakeServiceClient<TracedChannel>,
) -> std::result::Result<usize, PushError> {
    let dirty = sqlx::query("SELECT day, version FROM stat_dirty ORDER BY day LIMIT 31")
        .fetch_all(pool)
        .await?;
    let mut pushed = 0;
    for row in dirty {
        let day: String = row.try_get("day")?;
        let version: i64 = row.try_get("version")?;
        let Some(date) = crate::domain::parse_date(&day, "-") else {
            sqlx::query("DELETE FROM stat_dirty WHERE day = $1")
                .bind(&day)
                .execute(pool)
                .await?;
            continue;
        };
        let (start, end) = day_bounds(date);
        let values = day_figures(pool, routing, &day, start, end).await?;
        if !values.is_empty() {
            let span = tracing::info_span!("statistics.push", day = %day, values = values.len());
            client
                .clone()
                .push_statistics(PushStatisticsRequest { values })
                .instrument(span)
                .await?;
        }
        sqlx::query("DELETE FROM stat_dirty WHERE day = $1 AND version = $2")
            .bind(&day)
            .bind(version)
            .execute(pool)
            .await?;
        pushed += 1;
    }
    Ok(pushed)
}

/// The day's figures of the agencies this hub serves, from its legs: documents sent and
/// received, and of those, sent to or received from another hub (relayed out / in).
pub async fn day_figures(
    pool: &AnyPool,
    routing: &Routing,
    day: &str,
    start: i64,
    end: i64,
) -> std::result::Result<Vec<StatisticValue>, sqlx::Error> {
    use std::collections::{BTreeMap, BTreeSet};
    let rows = sqlx::query(
        "SELECT doc.document_id AS id, doc.sender AS sender, d.recipient AS recipient \
         FROM documents doc JOIN deliveries d ON d.document_id = doc.document_id \
         WHERE doc.accepted_at >= $1 AND doc.accepted_at < $2",
    )
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    let local = |code: &str| routing.hop(code) == Hop::Local;
    let mut sent: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut relayed_out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut received: BTreeMap<String, u64> = BTreeMap::new();
    let mut relayed_in: BTreeMap<String, u64> = BTreeMap::new();
    for row in rows {
        let id: String = row.try_get("id")?;
        let sender: String = row.try_get("sender")?;
        let recipient: String = row.try_get("recipient")?;
        if local(&sender) {
            sent.entry(sender.clone()).or_default().insert(id.clone());
            if !local(&recipient) {
                relayed_out.entry(sender.clone()).or_default().insert(id);
            }
        }
        if local(&recipient) {
            *received.entry(recipient.clone()).or_default() += 1;
            if !local(&sender) {
                *relayed_in.entry(recipient).or_default() += 1;
            }
        }
    }
    let value = |indicator: &str, agency: String, n: usize| StatisticValue {
        indicator_code: indicator.to_string(),
        agency_code: agency,
        day: day.to_string(),
        value: n as f64,
    };
    let mut values = Vec::new();
    values.extend(
        sent.into_iter()
            .map(|(a, ids)| value("axis.documents_sent", a, ids.len())),
    );
    values.extend(
        received
            .into_iter()
            .map(|(a, n)| value("axis.documents_received", a, n as usize)),
    );
    values.extend(
        relayed_out
            .into_iter()
            .map(|(a, ids)| value("axis.documents_relayed_out", a, ids.len())),
    );
    values.extend(
        relayed_in
            .into_iter()
            .map(|(a, n)| value("axis.documents_relayed_in", a, n as usize)),
    );
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnam_days() {
        // 2026-11-25 17:30 UTC is 2026-11-26 00:30 in Hà Nội.
        let t = OffsetDateTime::new_utc(
            Date::from_calendar_date(2026, time::Month::November, 25).unwrap(),
            time::Time::from_hms(17, 30, 0).unwrap(),
        );
        let micros = t.unix_timestamp() * 1_000_000;
        let day = local_day(micros);
        assert_eq!(format_day(day), "2026-11-26");
        let (start, end) = day_bounds(day);
        assert!(start <= micros && micros < end);
        assert_eq!(end - start, 86_400_000_000);
    }
}
