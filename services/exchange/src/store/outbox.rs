//! Entries of the durable outbox (the platform's table), written in the transaction of the
//! change that causes them.
use lienthong_api::tasks::v1::CreateTaskFromDocumentRequest;
use lienthong_platform::outbox::{self, TopicStats};
use prost::Message;
use sqlx::{AnyConnection, AnyPool, Row};

use crate::{
    domain::outbox::{RelayEntry, TASKS_TOPIC, relay_topic},
    error::Result,
};

/// Queues an entry for peer hub `peer` (once per key).
pub async fn enqueue_relay(
    conn: &mut AnyConnection,
    peer: &str,
    key: &str,
    entry: &RelayEntry,
) -> Result<()> {
    outbox::enqueue(conn, &relay_topic(peer), key, &entry.encode_to_vec()).await?;
    Ok(())
}

/// Queues a task for the tasks service (once per key).
pub async fn enqueue_task(
    conn: &mut AnyConnection,
    key: &str,
    request: &CreateTaskFromDocumentRequest,
) -> Result<()> {
    outbox::enqueue(conn, TASKS_TOPIC, key, &request.encode_to_vec()).await?;
    Ok(())
}

/// The backlog of a topic.
pub async fn topic_stats(pool: &AnyPool, topic: &str) -> Result<TopicStats> {
    Ok(outbox::stats(pool, topic).await?)
}

/// The oldest entry of a topic: its attempts so far, when it is due (µs, system clock) and the
/// last error.
pub async fn topic_head(pool: &AnyPool, topic: &str) -> Result<Option<(i64, i64, String)>> {
    let row = sqlx::query(
        "SELECT attempts, next_attempt_at, last_error FROM outbox WHERE topic = $1 ORDER BY id LIMIT 1",
    )
    .bind(topic)
    .fetch_optional(pool)
    .await?;
    row.map(|r| -> Result<(i64, i64, String)> {
        Ok((
            r.try_get("attempts")?,
            r.try_get("next_attempt_at")?,
            r.try_get("last_error")?,
        ))
    })
    .transpose()
}

/// Makes every entry of a topic due now (the peer is back); returns how many were waiting.
pub async fn retry_topic_now(pool: &AnyPool, topic: &str, now: i64) -> Result<u64> {
    let n = sqlx::query(
        "UPDATE outbox SET next_attempt_at = $2 WHERE topic = $1 AND next_attempt_at > $2",
    )
    .bind(topic)
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(n)
}
