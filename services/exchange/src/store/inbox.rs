//! Each agency's delivery channel: documents and status messages, delivered at least once
//! until acknowledged.
use sqlx::{AnyConnection, Row, any::AnyRow};

use lienthong_api::exchange::v1::DocumentHeader;

use crate::{
    error::{ExchangeError, Result},
    store::{
        bounces::{EVENT_COLUMNS, EVENT_ITEM_KIND, TransportEvent, event_from_row},
        documents::decode_header,
        statuses::{StatusRow, status_from_row},
    },
};

/// What an inbox item carries (stored as its integer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    Document,
    Status,
}

impl ItemKind {
    pub const fn as_i64(self) -> i64 {
        match self {
            ItemKind::Document => 1,
            ItemKind::Status => 2,
        }
    }
}

/// A new inbox item: a document, or the status number `status_seq` of a document.
pub struct NewItem<'a> {
    pub agency: &'a str,
    pub document_id: &'a str,
    pub status_seq: Option<i64>,
    pub created_at: i64,
}

impl NewItem<'_> {
    fn kind(&self) -> ItemKind {
        if self.status_seq.is_some() {
            ItemKind::Status
        } else {
            ItemKind::Document
        }
    }
}

pub async fn insert_inbox_item(conn: &mut AnyConnection, item: &NewItem<'_>) -> Result<i64> {
    let item_id = lienthong_platform::db::next_counter(&mut *conn, "inbox").await?;
    sqlx::query(
        "INSERT INTO inbox (item_id, agency, kind, document_id, status_seq, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(item_id)
    .bind(item.agency)
    .bind(item.kind().as_i64())
    .bind(item.document_id)
    .bind(item.status_seq)
    .bind(item.created_at)
    .execute(conn)
    .await?;
    Ok(item_id)
}

/// The id of the last item ever put in the agency's inbox (acknowledged or not), 0 when none.
pub async fn last_item_id(conn: &mut AnyConnection, agency: &str) -> Result<i64> {
    let row = sqlx::query("SELECT MAX(item_id) AS last FROM inbox WHERE agency = $1")
        .bind(agency)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get::<Option<i64>, _>("last")?.unwrap_or(0))
}

/// An item waiting in an agency's inbox.
pub struct PendingItem {
    pub item_id: i64,
    pub document_id: String,
    pub created_at: i64,
    /// The status message; `None` for a document.
    pub status: Option<StatusRow>,
    /// The transport event (a bounce) told to the sender, for an item of that kind.
    pub event: Option<TransportEvent>,
    /// The document's sender and header, for a document item (read in the same query, not one
    /// query per item).
    pub document: Option<(String, DocumentHeader)>,
}

/// The agency's unacknowledged items after `after`, oldest first, each with what it carries:
/// the status, the transport event or the document, all in one query.
pub async fn pending_items(
    conn: &mut AnyConnection,
    agency: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<PendingItem>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT i.item_id, i.kind, i.document_id, i.created_at, \
                s.seq, s.recipient, s.code, s.reported_by, s.description, s.staff_info, s.at, s.hub, \
                {EVENT_COLUMNS}, \
                CASE WHEN i.kind = {document} THEN d.sender END AS d_sender, \
                CASE WHEN i.kind = {document} THEN d.header_pb END AS d_header_pb \
         FROM inbox i LEFT JOIN statuses s ON s.seq = i.status_seq \
         LEFT JOIN transport_events e ON e.seq = i.event_seq \
         LEFT JOIN documents d ON d.document_id = i.document_id \
         WHERE i.agency = $1 AND i.acked_at IS NULL AND i.item_id > $2 \
         ORDER BY i.item_id LIMIT $3",
        document = ItemKind::Document.as_i64()
    )))
    .bind(agency)
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(pending_from_row).collect()
}

fn pending_from_row(row: &AnyRow) -> Result<PendingItem> {
    let kind: i64 = row.try_get("kind")?;
    let status = if kind == ItemKind::Status.as_i64() {
        Some(status_from_row(row)?)
    } else {
        None
    };
    let event = if kind == EVENT_ITEM_KIND {
        Some(event_from_row(row)?)
    } else {
        None
    };
    let document = if kind == ItemKind::Document.as_i64() {
        let sender = row.try_get::<Option<String>, _>("d_sender")?;
        let header = row.try_get::<Option<String>, _>("d_header_pb")?;
        match (sender, header) {
            (Some(sender), Some(header)) => Some((sender, decode_header(&header)?)),
            _ => return Err(ExchangeError::internal("inbox item without document")),
        }
    } else {
        None
    };
    Ok(PendingItem {
        item_id: row.try_get("item_id")?,
        document_id: row.try_get("document_id")?,
        created_at: row.try_get("created_at")?,
        status,
        event,
        document,
    })
}

/// What confirming one inbox item found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirmation {
    /// The agency has no such item.
    Missing,
    /// The item is a document (acknowledged, not confirmed).
    Document,
    /// A status message, now confirmed (or confirmed before).
    Confirmed,
}

/// Marks a status message of the agency's inbox as received.
pub async fn confirm_status_item(
    conn: &mut AnyConnection,
    agency: &str,
    item_id: i64,
    now: i64,
) -> Result<Confirmation> {
    let row = sqlx::query("SELECT kind FROM inbox WHERE item_id = $1 AND agency = $2")
        .bind(item_id)
        .bind(agency)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else {
        return Ok(Confirmation::Missing);
    };
    let kind = row.try_get::<i64, _>("kind")?;
    if kind != ItemKind::Status.as_i64() && kind != EVENT_ITEM_KIND {
        return Ok(Confirmation::Document);
    }
    sqlx::query(
        "UPDATE inbox SET acked_at = $3 WHERE item_id = $1 AND agency = $2 AND acked_at IS NULL",
    )
    .bind(item_id)
    .bind(agency)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(Confirmation::Confirmed)
}
