//! Entries of the durable outbox (the platform's table), written in the transaction of the
//! change that causes them.
use lienthong_api::tasks::v1::CreateTaskFromDocumentRequest;
use lienthong_platform::outbox::{self, TopicStats};
use prost::Message;
use sqlx::{AnyConnection, AnyPool};

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
