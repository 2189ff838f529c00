//! What a hub remembers of a document's way for `TrackDocument`: the relays it made (kept as
//! transport events with no inbox item, so that no agency is told of them) and the bounces.
use lienthong_axis::TransportState;
use sqlx::{AnyConnection, Row};

use crate::error::Result;

/// At most this many rows of one kind are read per document: a document has a few legs and a
/// few statuses each; the bound keeps a pathological one from filling an answer.
pub const TRACK_ROWS: i64 = 500;

/// Records that the document went to hub `peer` on its way to `recipient`, at `at`.
pub async fn record_relay(
    conn: &mut AnyConnection,
    document_id: &str,
    recipient: &str,
    peer: &str,
    at: i64,
) -> Result<()> {
    let seq = lienthong_platform::db::next_counter(&mut *conn, "transport_event").await?;
    sqlx::query(
        "INSERT INTO transport_events (seq, document_id, recipient, transport_state, reason, reporter, at, hub) \
         VALUES ($1, $2, $3, $4, '', $3, $5, $6)",
    )
    .bind(seq)
    .bind(document_id)
    .bind(recipient)
    .bind(TransportState::Relayed.as_i64())
    .bind(at)
    .bind(peer)
    .execute(conn)
    .await?;
    Ok(())
}

/// A relay or a bounce of one leg, as recorded here.
#[derive(Clone, Debug)]
pub struct LegEvent {
    pub recipient: String,
    /// Relayed or failed.
    pub state: TransportState,
    /// Relayed: the peer it went to; failed: the hub that bounced it.
    pub hub: String,
    pub reason: String,
    pub at: i64,
}

/// The relays and bounces of a document recorded here, oldest first.
pub async fn leg_events(conn: &mut AnyConnection, document_id: &str) -> Result<Vec<LegEvent>> {
    let rows = sqlx::query(
        "SELECT recipient, transport_state, hub, reason, at FROM transport_events \
         WHERE document_id = $1 AND transport_state IN ($2, $3) ORDER BY seq LIMIT $4",
    )
    .bind(document_id)
    .bind(TransportState::Relayed.as_i64())
    .bind(TransportState::Failed.as_i64())
    .bind(TRACK_ROWS)
    .fetch_all(conn)
    .await?;
    let mut events = Vec::with_capacity(rows.len());
    for row in &rows {
        let state: i64 = row.try_get("transport_state")?;
        let state = if state == TransportState::Relayed.as_i64() {
            TransportState::Relayed
        } else {
            TransportState::Failed
        };
        events.push(LegEvent {
            recipient: row.try_get("recipient")?,
            state,
            hub: row.try_get("hub")?,
            reason: row.try_get("reason")?,
            at: row.try_get("at")?,
        });
    }
    Ok(events)
}

/// The legs of a document this hub bounced: (recipient, reason, when).
pub async fn bounces_of(
    conn: &mut AnyConnection,
    document_id: &str,
) -> Result<Vec<(String, String, i64)>> {
    let rows = sqlx::query(
        "SELECT recipient, reason, at FROM undeliverable WHERE document_id = $1 \
         ORDER BY at LIMIT $2",
    )
    .bind(document_id)
    .bind(TRACK_ROWS)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("recipient")?,
                r.try_get("reason")?,
                r.try_get("at")?,
            ))
        })
        .collect()
}
