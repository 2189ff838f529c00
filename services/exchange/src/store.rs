//! The exchange's SQL. Every function takes a connection (usually a transaction) so that the
//! use cases in [`crate::app`] decide what commits together.
use lienthong_api::exchange::v1::{Agency, DocumentHeader};
use prost::Message;
use sqlx::{AnyConnection, Row, any::AnyRow};

use crate::error::{ExchangeError, Result};

pub const KIND_DOCUMENT: i64 = 1;
pub const KIND_STATUS: i64 = 2;

pub const TRANSPORT_QUEUED: i64 = 1;
pub const TRANSPORT_DELIVERED: i64 = 2;
pub const TRANSPORT_ACKNOWLEDGED: i64 = 3;
pub const TRANSPORT_RELAYED: i64 = 4;

fn agency_from_row(row: &AnyRow) -> Result<Agency> {
    Ok(Agency {
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        phone: row.try_get("phone")?,
        address: row.try_get("address")?,
        website: row.try_get("website")?,
    })
}

pub async fn list_agencies(conn: &mut AnyConnection) -> Result<Vec<Agency>> {
    let rows = sqlx::query(
        "SELECT code, name, email, phone, address, website FROM agencies ORDER BY code",
    )
    .fetch_all(conn)
    .await?;
    rows.iter().map(agency_from_row).collect()
}

pub async fn get_agency(conn: &mut AnyConnection, code: &str) -> Result<Option<Agency>> {
    let row = sqlx::query(
        "SELECT code, name, email, phone, address, website FROM agencies WHERE code = $1",
    )
    .bind(code)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(agency_from_row).transpose()
}

/// Inserts or updates an agency; returns whether it was new.
pub async fn upsert_agency(conn: &mut AnyConnection, a: &Agency, now: i64) -> Result<bool> {
    let updated = sqlx::query(
        "UPDATE agencies SET name = $2, email = $3, phone = $4, address = $5, website = $6, \
         updated_at = $7 WHERE code = $1",
    )
    .bind(&a.code)
    .bind(&a.name)
    .bind(&a.email)
    .bind(&a.phone)
    .bind(&a.address)
    .bind(&a.website)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if updated > 0 {
        return Ok(false);
    }
    insert_agency(conn, a, now).await?;
    Ok(true)
}

/// Inserts an agency unless its code is already registered; returns whether it did.
pub async fn insert_agency_if_absent(
    conn: &mut AnyConnection,
    a: &Agency,
    now: i64,
) -> Result<bool> {
    if get_agency(&mut *conn, &a.code).await?.is_some() {
        return Ok(false);
    }
    insert_agency(conn, a, now).await?;
    Ok(true)
}

async fn insert_agency(conn: &mut AnyConnection, a: &Agency, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO agencies (code, name, email, phone, address, website, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&a.code)
    .bind(&a.name)
    .bind(&a.email)
    .bind(&a.phone)
    .bind(&a.address)
    .bind(&a.website)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn remove_agency(conn: &mut AnyConnection, code: &str) -> Result<bool> {
    let n = sqlx::query("DELETE FROM agencies WHERE code = $1")
        .bind(code)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(n > 0)
}

/// A stored document.
pub struct StoredDocument {
    pub seq: i64,
    /// The trace the document was accepted in (W3C traceparent, may be empty).
    pub traceparent: String,
    pub sender: String,
    pub fingerprint: String,
    pub accepted_at: i64,
    pub header: DocumentHeader,
}

fn decode_header(hex_pb: &str) -> Result<DocumentHeader> {
    let bytes = hex::decode(hex_pb)
        .map_err(|e| ExchangeError::Internal(format!("stored header is not hex: {e}")))?;
    DocumentHeader::decode(bytes.as_slice())
        .map_err(|e| ExchangeError::Internal(format!("stored header does not decode: {e}")))
}

fn document_from_row(row: &AnyRow) -> Result<StoredDocument> {
    Ok(StoredDocument {
        seq: row.try_get("seq")?,
        traceparent: row.try_get("traceparent")?,
        sender: row.try_get("sender")?,
        fingerprint: row.try_get("fingerprint")?,
        accepted_at: row.try_get("accepted_at")?,
        header: decode_header(&row.try_get::<String, _>("header_pb")?)?,
    })
}

pub async fn find_document(
    conn: &mut AnyConnection,
    document_id: &str,
) -> Result<Option<StoredDocument>> {
    let row = sqlx::query(
        "SELECT seq, traceparent, sender, fingerprint, accepted_at, header_pb FROM documents WHERE document_id = $1",
    )
    .bind(document_id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(document_from_row).transpose()
}

/// Stores a new document (its legs are added with [`insert_leg`]).
pub async fn insert_document(
    conn: &mut AnyConnection,
    header: &DocumentHeader,
    sender: &str,
    fingerprint: &str,
    traceparent: &str,
    now: i64,
) -> Result<()> {
    let seq = lienthong_platform::db::next_counter(&mut *conn, "document").await?;
    sqlx::query(
        "INSERT INTO documents (document_id, seq, sender, subject, fingerprint, header_pb, accepted_at, traceparent) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&header.document_id)
    .bind(seq)
    .bind(sender)
    .bind(&header.subject)
    .bind(fingerprint)
    .bind(hex::encode(header.encode_to_vec()))
    .bind(now)
    .bind(traceparent)
    .execute(conn)
    .await?;
    Ok(())
}

/// The trace a document was accepted in ("" when unknown).
pub async fn document_traceparent(conn: &mut AnyConnection, document_id: &str) -> Result<String> {
    let row = sqlx::query("SELECT traceparent FROM documents WHERE document_id = $1")
        .bind(document_id)
        .fetch_optional(conn)
        .await?;
    Ok(row
        .map(|r| r.try_get::<String, _>(0))
        .transpose()?
        .unwrap_or_default())
}

/// Adds a queued leg towards a recipient served by `hub`.
pub async fn insert_leg(
    conn: &mut AnyConnection,
    document_id: &str,
    recipient: &str,
    hub: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO deliveries (document_id, recipient, transport_state, hub) VALUES ($1, $2, $3, $4)",
    )
    .bind(document_id)
    .bind(recipient)
    .bind(TRANSPORT_QUEUED)
    .bind(hub)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_inbox_item(
    conn: &mut AnyConnection,
    agency: &str,
    kind: i64,
    document_id: &str,
    status_seq: Option<i64>,
    now: i64,
) -> Result<i64> {
    let item_id = lienthong_platform::db::next_counter(&mut *conn, "inbox").await?;
    sqlx::query(
        "INSERT INTO inbox (item_id, agency, kind, document_id, status_seq, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(item_id)
    .bind(agency)
    .bind(kind)
    .bind(document_id)
    .bind(status_seq)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(item_id)
}

/// One business status of a leg.
#[derive(Clone, Debug)]
pub struct StatusRow {
    pub seq: i64,
    pub document_id: String,
    pub recipient: String,
    pub code: String,
    pub reported_by: String,
    pub description: String,
    pub staff_info: String,
    pub at: i64,
    /// The hub where it was recorded.
    pub hub: String,
}

fn status_from_row(row: &AnyRow) -> Result<StatusRow> {
    Ok(StatusRow {
        seq: row.try_get("seq")?,
        document_id: row.try_get("document_id")?,
        recipient: row.try_get("recipient")?,
        code: row.try_get("code")?,
        reported_by: row.try_get("reported_by")?,
        description: row.try_get("description")?,
        staff_info: row.try_get("staff_info")?,
        at: row.try_get("at")?,
        hub: row.try_get("hub")?,
    })
}

/// Records a status on a leg; returns its sequence number.
pub async fn insert_status(conn: &mut AnyConnection, s: &StatusRow) -> Result<i64> {
    let seq = lienthong_platform::db::next_counter(&mut *conn, "status").await?;
    sqlx::query(
        "INSERT INTO statuses (seq, document_id, recipient, code, reported_by, description, staff_info, at, hub) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(seq)
    .bind(&s.document_id)
    .bind(&s.recipient)
    .bind(&s.code)
    .bind(&s.reported_by)
    .bind(&s.description)
    .bind(&s.staff_info)
    .bind(s.at)
    .bind(&s.hub)
    .execute(conn)
    .await?;
    Ok(seq)
}

/// An item waiting in an agency's inbox.
pub struct PendingItem {
    pub item_id: i64,
    pub kind: i64,
    pub document_id: String,
    pub created_at: i64,
    pub status: Option<StatusRow>,
}

/// The agency's unacknowledged items after `after`, oldest first.
pub async fn pending_items(
    conn: &mut AnyConnection,
    agency: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<PendingItem>> {
    let rows = sqlx::query(
        "SELECT i.item_id, i.kind, i.document_id, i.created_at, \
                s.seq, s.recipient, s.code, s.reported_by, s.description, s.staff_info, s.at, s.hub \
         FROM inbox i LEFT JOIN statuses s ON s.seq = i.status_seq \
         WHERE i.agency = $1 AND i.acked_at IS NULL AND i.item_id > $2 \
         ORDER BY i.item_id LIMIT $3",
    )
    .bind(agency)
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let kind: i64 = row.try_get("kind")?;
            let document_id: String = row.try_get("document_id")?;
            let status = if kind == KIND_STATUS {
                Some(status_from_row(row)?)
            } else {
                None
            };
            Ok(PendingItem {
                item_id: row.try_get("item_id")?,
                kind,
                document_id,
                created_at: row.try_get("created_at")?,
                status,
            })
        })
        .collect()
}

/// A recipient's leg of a document.
pub struct Leg {
    pub recipient: String,
    pub transport_state: i64,
    pub delivered_at: Option<i64>,
    pub acknowledged_at: Option<i64>,
    pub current_status: String,
    pub revoke_state: i64,
    /// The hub serving the recipient.
    pub hub: String,
}

fn leg_from_row(row: &AnyRow) -> Result<Leg> {
    Ok(Leg {
        recipient: row.try_get("recipient")?,
        transport_state: row.try_get("transport_state")?,
        delivered_at: row.try_get("delivered_at")?,
        acknowledged_at: row.try_get("acknowledged_at")?,
        current_status: row.try_get("current_status")?,
        revoke_state: row.try_get("revoke_state")?,
        hub: row.try_get("hub")?,
    })
}

const LEG_COLUMNS: &str =
    "recipient, transport_state, delivered_at, acknowledged_at, current_status, revoke_state, hub";

pub async fn leg(
    conn: &mut AnyConnection,
    document_id: &str,
    recipient: &str,
) -> Result<Option<Leg>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {LEG_COLUMNS} FROM deliveries WHERE document_id = $1 AND recipient = $2"
    )))
    .bind(document_id)
    .bind(recipient)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(leg_from_row).transpose()
}

pub async fn legs(conn: &mut AnyConnection, document_id: &str) -> Result<Vec<Leg>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {LEG_COLUMNS} FROM deliveries WHERE document_id = $1 ORDER BY recipient"
    )))
    .bind(document_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(leg_from_row).collect()
}

pub async fn statuses_of(conn: &mut AnyConnection, document_id: &str) -> Result<Vec<StatusRow>> {
    let rows = sqlx::query(
        "SELECT seq, document_id, recipient, code, reported_by, description, staff_info, at, hub \
         FROM statuses WHERE document_id = $1 ORDER BY seq",
    )
    .bind(document_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(status_from_row).collect()
}

/// Queued → delivered. Returns whether the leg changed.
pub async fn mark_delivered(
    conn: &mut AnyConnection,
    document_id: &str,
    recipient: &str,
    now: i64,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE deliveries SET transport_state = $3, delivered_at = $4 \
         WHERE document_id = $1 AND recipient = $2 AND transport_state = $5",
    )
    .bind(document_id)
    .bind(recipient)
    .bind(TRANSPORT_DELIVERED)
    .bind(now)
    .bind(TRANSPORT_QUEUED)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n > 0)
}

/// → acknowledged with status 01, unless already acknowledged. Returns whether it changed.
pub async fn mark_acknowledged(
    conn: &mut AnyConnection,
    document_id: &str,
    recipient: &str,
    now: i64,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE deliveries SET transport_state = $3, acknowledged_at = $4, \
         delivered_at = COALESCE(delivered_at, $4), current_status = '01' \
         WHERE document_id = $1 AND recipient = $2 AND transport_state <> $3",
    )
    .bind(document_id)
    .bind(recipient)
    .bind(TRANSPORT_ACKNOWLEDGED)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n > 0 {
        sqlx::query(
            "UPDATE inbox SET acked_at = $3 WHERE document_id = $1 AND agency = $2 AND kind = $4 AND acked_at IS NULL",
        )
        .bind(document_id)
        .bind(recipient)
        .bind(now)
        .bind(KIND_DOCUMENT)
        .execute(conn)
        .await?;
    }
    Ok(n > 0)
}

/// Sets a leg's business status if it still is `expected` (optimistic concurrency: two
/// concurrent reports cannot both pass the transition check). Returns whether it did.
pub async fn set_current_status(
    conn: &mut AnyConnection,
    document_id: &str,
    recipient: &str,
    expected: &str,
    code: &str,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE deliveries SET current_status = $4 \
         WHERE document_id = $1 AND recipient = $2 AND current_status = $3",
    )
    .bind(document_id)
    .bind(recipient)
    .bind(expected)
    .bind(code)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n > 0)
}

/// Sets a leg's revoke state if it still is `expected`. Returns whether it did.
pub async fn set_revoke_state(
    conn: &mut AnyConnection,
    document_id: &str,
    recipient: &str,
    expected: i64,
    state: i64,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE deliveries SET revoke_state = $4 \
         WHERE document_id = $1 AND recipient = $2 AND revoke_state = $3",
    )
    .bind(document_id)
    .bind(recipient)
    .bind(expected)
    .bind(state)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n > 0)
}

/// Marks status messages of the agency's inbox as received. Returns, per id, whether it was a
/// status item of this agency (`None` when no such item exists, `Some(false)` for a document
/// item).
pub async fn confirm_status_item(
    conn: &mut AnyConnection,
    agency: &str,
    item_id: i64,
    now: i64,
) -> Result<Option<bool>> {
    let row = sqlx::query("SELECT kind FROM inbox WHERE item_id = $1 AND agency = $2")
        .bind(item_id)
        .bind(agency)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    if row.try_get::<i64, _>("kind")? != KIND_STATUS {
        return Ok(Some(false));
    }
    sqlx::query(
        "UPDATE inbox SET acked_at = $3 WHERE item_id = $1 AND agency = $2 AND acked_at IS NULL",
    )
    .bind(item_id)
    .bind(agency)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(Some(true))
}

/// The sender's documents, newest first, before `before_seq`.
pub async fn sent_documents(
    conn: &mut AnyConnection,
    sender: &str,
    before_seq: i64,
    limit: i64,
) -> Result<Vec<StoredDocument>> {
    let rows = sqlx::query(
        "SELECT seq, traceparent, sender, fingerprint, accepted_at, header_pb FROM documents \
         WHERE sender = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3",
    )
    .bind(sender)
    .bind(before_seq)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(document_from_row).collect()
}

/// Queued → relayed, for the legs handed over to the next hub.
pub async fn mark_relayed(
    conn: &mut AnyConnection,
    document_id: &str,
    recipient: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE deliveries SET transport_state = $3 WHERE document_id = $1 AND recipient = $2 AND transport_state = $4",
    )
    .bind(document_id)
    .bind(recipient)
    .bind(TRANSPORT_RELAYED)
    .bind(TRANSPORT_QUEUED)
    .execute(conn)
    .await?;
    Ok(())
}

/// Applies a transport event reported by the recipient's hub (states only move forward).
pub async fn apply_remote_transport(
    conn: &mut AnyConnection,
    document_id: &str,
    recipient: &str,
    state: i64,
    at: i64,
) -> Result<()> {
    // Only forward moves: a late "delivered" never undoes "acknowledged".
    let sql = if state == TRANSPORT_ACKNOWLEDGED {
        "UPDATE deliveries SET transport_state = $3, acknowledged_at = $4, \
         delivered_at = COALESCE(delivered_at, $4) \
         WHERE document_id = $1 AND recipient = $2 AND (transport_state IN ($5, $6) OR transport_state < $3)"
    } else {
        "UPDATE deliveries SET transport_state = $3, delivered_at = COALESCE(delivered_at, $4) \
         WHERE document_id = $1 AND recipient = $2 AND (transport_state IN ($5, $6) OR transport_state < $3)"
    };
    sqlx::query(sql)
        .bind(document_id)
        .bind(recipient)
        .bind(state)
        .bind(at)
        .bind(TRANSPORT_QUEUED)
        .bind(TRANSPORT_RELAYED)
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets a leg's current business status as reported by the recipient's hub.
pub async fn apply_remote_status(
    conn: &mut AnyConnection,
    document_id: &str,
    recipient: &str,
    code: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE deliveries SET current_status = $3 WHERE document_id = $1 AND recipient = $2",
    )
    .bind(document_id)
    .bind(recipient)
    .bind(code)
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets a leg's revoke state as reported by another hub.
pub async fn apply_remote_revoke_state(
    conn: &mut AnyConnection,
    document_id: &str,
    recipient: &str,
    state: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE deliveries SET revoke_state = $3 WHERE document_id = $1 AND recipient = $2",
    )
    .bind(document_id)
    .bind(recipient)
    .bind(state)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records that a relayed update was applied; false when it already was.
pub async fn mark_update_seen(conn: &mut AnyConnection, update_id: &str, now: i64) -> Result<bool> {
    let seen = sqlx::query("SELECT update_id FROM relay_seen WHERE update_id = $1")
        .bind(update_id)
        .fetch_optional(&mut *conn)
        .await?;
    if seen.is_some() {
        return Ok(false);
    }
    sqlx::query("INSERT INTO relay_seen (update_id, applied_at) VALUES ($1, $2)")
        .bind(update_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(true)
}

/// Records which hub serves a leg's recipient, as learnt from the updates that hub sends.
pub async fn set_leg_hub(
    conn: &mut AnyConnection,
    document_id: &str,
    recipient: &str,
    hub: &str,
) -> Result<()> {
    sqlx::query("UPDATE deliveries SET hub = $3 WHERE document_id = $1 AND recipient = $2")
        .bind(document_id)
        .bind(recipient)
        .bind(hub)
        .execute(conn)
        .await?;
    Ok(())
}
