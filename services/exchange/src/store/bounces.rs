//! Documents that cannot be delivered: the failed legs, the transport events that tell their
//! senders (a status message with a transport state instead of a business status), and what
//! this hub bounced, for the operator.
use lienthong_axis::TransportState;
use sqlx::{AnyConnection, Row, any::AnyRow};

use crate::error::{ExchangeError, Result};

/// An inbox item that carries a transport event (documents are 1, status messages 2).
pub const EVENT_ITEM_KIND: i64 = 3;

/// A transport event of a leg, as its sender reads it.
#[derive(Clone, Debug)]
pub struct TransportEvent {
    pub seq: i64,
    pub document_id: String,
    pub recipient: String,
    pub state: TransportState,
    /// Why (for FAILED: why the document cannot be delivered).
    pub reason: String,
    /// The agency of the leg.
    pub reporter: String,
    pub at: i64,
    /// The hub where it happened.
    pub hub: String,
}

/// A transport event read through an inbox item (columns `e_…` of [`EVENT_COLUMNS`]).
pub fn event_from_row(row: &AnyRow) -> Result<TransportEvent> {
    let state: i64 = row.try_get("e_state")?;
    Ok(TransportEvent {
        seq: row.try_get("e_seq")?,
        document_id: row.try_get("e_document_id")?,
        recipient: row.try_get("e_recipient")?,
        state: TransportState::from_i64(state).ok_or_else(|| {
            ExchangeError::internal(format!("stored transport state {state} is no state"))
        })?,
        reason: row.try_get("e_reason")?,
        reporter: row.try_get("e_reporter")?,
        at: row.try_get("e_at")?,
        hub: row.try_get("e_hub")?,
    })
}

/// The columns of a transport event joined as `e` to an inbox item.
pub const EVENT_COLUMNS: &str = "e.seq AS e_seq, e.document_id AS e_document_id, \
     e.recipient AS e_recipient, e.transport_state AS e_state, e.reason AS e_reason, \
     e.reporter AS e_reporter, e.at AS e_at, e.hub AS e_hub";

/// Queued or relayed → failed, with the reason. Returns whether the leg changed (a leg already
/// delivered, acknowledged or failed stays as it is).
pub async fn fail_leg(
    conn: &mut AnyConnection,
    document_id: &str,
    recipient: &str,
    reason: &str,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE deliveries SET transport_state = $3, failure_reason = $4 \
         WHERE document_id = $1 AND recipient = $2 AND transport_state IN ($5, $6)",
    )
    .bind(document_id)
    .bind(recipient)
    .bind(TransportState::Failed.as_i64())
    .bind(reason)
    .bind(TransportState::Queued.as_i64())
    .bind(TransportState::Relayed.as_i64())
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n > 0)
}

/// Records a transport event and puts it in `agency`'s inbox; returns the item id.
pub async fn insert_event_item(
    conn: &mut AnyConnection,
    agency: &str,
    e: &TransportEvent,
    created_at: i64,
) -> Result<i64> {
    let seq = lienthong_platform::db::next_counter(&mut *conn, "transport_event").await?;
    sqlx::query(
        "INSERT INTO transport_events (seq, document_id, recipient, transport_state, reason, reporter, at, hub) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(seq)
    .bind(&e.document_id)
    .bind(&e.recipient)
    .bind(e.state.as_i64())
    .bind(&e.reason)
    .bind(&e.reporter)
    .bind(e.at)
    .bind(&e.hub)
    .execute(&mut *conn)
    .await?;
    let item_id = lienthong_platform::db::next_counter(&mut *conn, "inbox").await?;
    sqlx::query(
        "INSERT INTO inbox (item_id, agency, kind, document_id, event_seq, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(item_id)
    .bind(agency)
    .bind(EVENT_ITEM_KIND)
    .bind(&e.document_id)
    .bind(seq)
    .bind(created_at)
    .execute(conn)
    .await?;
    Ok(item_id)
}

/// A document this hub could not deliver to one recipient.
#[derive(Clone, Debug)]
pub struct Undeliverable {
    pub document_id: String,
    pub sender: String,
    pub recipient: String,
    pub reason: String,
    pub at: i64,
}

/// Records that this hub bounced a document for one recipient (once).
pub async fn record_undeliverable(conn: &mut AnyConnection, u: &Undeliverable) -> Result<bool> {
    let exists =
        sqlx::query("SELECT 1 FROM undeliverable WHERE document_id = $1 AND recipient = $2")
            .bind(&u.document_id)
            .bind(&u.recipient)
            .fetch_optional(&mut *conn)
            .await?;
    if exists.is_some() {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO undeliverable (document_id, recipient, sender, reason, at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&u.document_id)
    .bind(&u.recipient)
    .bind(&u.sender)
    .bind(&u.reason)
    .bind(u.at)
    .execute(conn)
    .await?;
    Ok(true)
}

/// How many documents this hub bounced, and the most recent `limit`, newest first.
pub async fn undeliverable(
    conn: &mut AnyConnection,
    limit: i64,
) -> Result<(u64, Vec<Undeliverable>)> {
    let total: i64 = sqlx::query("SELECT COUNT(*) FROM undeliverable")
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    let rows = sqlx::query(
        "SELECT document_id, recipient, sender, reason, at FROM undeliverable \
         ORDER BY at DESC, document_id, recipient LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?;
    let recent = rows
        .iter()
        .map(|r| {
            Ok(Undeliverable {
                document_id: r.try_get("document_id")?,
                sender: r.try_get("sender")?,
                recipient: r.try_get("recipient")?,
                reason: r.try_get("reason")?,
                at: r.try_get("at")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((total.max(0) as u64, recent))
}
