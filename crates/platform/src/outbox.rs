//! A durable outbox: work for another service (a task to create, a document to relay) is written
//! in the same transaction as the change that causes it, then delivered by a background worker
//! with exponential back-off and jitter until the other side accepts it. A peer that is down
//! delays the work and loses none; a crash loses none either (the rows are on disk).
//!
//! Each service's migrations create the table (the same DDL everywhere):
//! ```sql
//! CREATE TABLE outbox (
//!     id BIGINT PRIMARY KEY, topic TEXT NOT NULL, dedupe_key TEXT NOT NULL UNIQUE,
//!     payload TEXT NOT NULL, traceparent TEXT NOT NULL, attempts BIGINT NOT NULL,
//!     next_attempt_at BIGINT NOT NULL, last_error TEXT NOT NULL, created_at BIGINT NOT NULL);
//! CREATE INDEX outbox_due ON outbox (topic, next_attempt_at, id);
//! INSERT INTO counters (name, value) VALUES ('outbox', 0);
//! ```
//! Entries of a topic are delivered in order: a failing entry holds back the ones after it.
use std::{future::Future, sync::Arc, time::Duration};

use sqlx::{AnyConnection, AnyPool, Row};
use tokio::sync::Notify;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::{db::now_micros, shutdown::Shutdown};

/// Why a delivery did not happen; every failure is retried (a misconfigured peer, once fixed,
/// receives everything), with the error kept for the operator.
#[derive(Debug)]
pub struct DeliveryError(pub String);

impl From<tonic::Status> for DeliveryError {
    fn from(s: tonic::Status) -> Self {
        DeliveryError(format!("{:?}: {}", s.code(), s.message()))
    }
}

/// Delivers one entry's payload to the other side.
pub trait Deliver: Send + Sync + 'static {
    fn deliver(&self, payload: Vec<u8>) -> impl Future<Output = Result<(), DeliveryError>> + Send;
}

/// Adds an entry unless one with the same key exists. Call inside the transaction of the
/// change that causes it; then [`Outbox::wake`] after the commit. The current trace context is
/// stored, so that the delivery continues the trace of the call that caused it.
pub async fn enqueue(
    conn: &mut AnyConnection,
    topic: &str,
    dedupe_key: &str,
    payload: &[u8],
) -> Result<bool, sqlx::Error> {
    let exists = sqlx::query("SELECT id FROM outbox WHERE dedupe_key = $1")
        .bind(dedupe_key)
        .fetch_optional(&mut *conn)
        .await?;
    if exists.is_some() {
        return Ok(false);
    }
    let id = crate::db::next_counter(&mut *conn, "outbox").await?;
    let now = now_micros();
    sqlx::query(
        "INSERT INTO outbox (id, topic, dedupe_key, payload, traceparent, attempts, next_attempt_at, last_error, created_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6, '', $6)",
    )
    .bind(id)
    .bind(topic)
    .bind(dedupe_key)
    .bind(hex::encode(payload))
    .bind(crate::telemetry::current_traceparent())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(true)
}

/// What an operator sees of one topic.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TopicStats {
    pub depth: u64,
    /// Creation time (µs) of the oldest pending entry.
    pub oldest_created_at: Option<i64>,
    pub last_error: String,
}

/// Pending entries of a topic.
pub async fn stats(pool: &AnyPool, topic: &str) -> Result<TopicStats, sqlx::Error> {
    let row =
        sqlx::query("SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE topic = $1")
            .bind(topic)
            .fetch_one(pool)
            .await?;
    let last_error =
        sqlx::query("SELECT last_error FROM outbox WHERE topic = $1 ORDER BY id LIMIT 1")
            .bind(topic)
            .fetch_optional(pool)
            .await?
            .map(|r| r.try_get::<String, _>(0))
            .transpose()?
            .unwrap_or_default();
    Ok(TopicStats {
        depth: row.try_get::<i64, _>("n")?.max(0) as u64,
        oldest_created_at: row.try_get::<Option<i64>, _>("oldest")?,
        last_error,
    })
}

/// A handle to wake a topic's worker after an enqueue has committed.
#[derive(Clone, Default)]
pub struct Outbox {
    notify: Arc<Notify>,
}

impl Outbox {
    pub fn wake(&self) {
        self.notify.notify_one();
    }

    /// The worker for `topic`: delivers until shutdown (spawn it on the service's tasks).
    pub fn worker<D: Deliver>(
        &self,
        pool: AnyPool,
        topic: String,
        deliver: D,
        shutdown: Shutdown,
    ) -> impl Future<Output = ()> + Send + 'static {
        let notify = self.notify.clone();
        async move {
            loop {
                let wait = match run_once(&pool, &topic, &deliver).await {
                    Ok(wait) => wait,
                    Err(e) => {
                        tracing::warn!(%topic, error = %e, "outbox: database unavailable");
                        Duration::from_secs(1)
                    }
                };
                tokio::select! {
                    _ = notify.notified() => {}
                    _ = tokio::time::sleep(wait) => {}
                    _ = shutdown.wait() => return,
                }
            }
        }
    }
}

/// Delivers what is due, in order; returns how long to wait before looking again.
async fn run_once<D: Deliver>(
    pool: &AnyPool,
    topic: &str,
    deliver: &D,
) -> Result<Duration, sqlx::Error> {
    loop {
        let row = sqlx::query(
            "SELECT id, payload, traceparent, attempts, next_attempt_at FROM outbox \
             WHERE topic = $1 ORDER BY id LIMIT 1",
        )
        .bind(topic)
        .fetch_optional(pool)
        .await?;
        let Some(row) = row else {
            return Ok(Duration::from_secs(5));
        };
        let id: i64 = row.try_get("id")?;
        let next_attempt_at: i64 = row.try_get("next_attempt_at")?;
        let now = now_micros();
        if next_attempt_at > now {
            let wait = Duration::from_micros((next_attempt_at - now) as u64);
            return Ok(wait.min(Duration::from_secs(5)));
        }
        let attempts: i64 = row.try_get("attempts")?;
        let payload = hex::decode(row.try_get::<String, _>("payload")?).unwrap_or_default();
        let traceparent: String = row.try_get("traceparent")?;
        let span = tracing::info_span!(
            "outbox.deliver",
            otel.kind = "producer",
            topic,
            outbox.id = id,
            attempt = attempts + 1
        );
        let _ = span.set_parent(crate::telemetry::context_from_traceparent(&traceparent));
        match deliver.deliver(payload).instrument(span).await {
            Ok(()) => {
                sqlx::query("DELETE FROM outbox WHERE id = $1")
                    .bind(id)
                    .execute(pool)
                    .await?;
            }
            Err(DeliveryError(message)) => {
                let attempts = attempts + 1;
                let delay = crate::retry::delay(attempts, crate::retry::MAX_DELAY);
                tracing::info!(%topic, id, attempts, ?delay, error = %message, "outbox: delivery failed; will retry");
                sqlx::query("UPDATE outbox SET attempts = $2, next_attempt_at = $3, last_error = $4 WHERE id = $1")
                    .bind(id)
                    .bind(attempts)
                    .bind(now_micros() + delay.as_micros() as i64)
                    .bind(message)
                    .execute(pool)
                    .await?;
                return Ok(delay);
            }
        }
    }
}
