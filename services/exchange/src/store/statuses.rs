//! Every business status of every leg, in order. Statuses are stored as their two-digit edXML
//! code (`statuses.code`, `deliveries.current_status`) and read back as [`BusinessStatus`].
use lienthong_axis::BusinessStatus;
use sqlx::{AnyConnection, Row, any::AnyRow};

use crate::error::{ExchangeError, Result};

/// One business status of a leg.
#[derive(Clone, Debug)]
pub struct StatusRow {
    pub seq: i64,
    pub document_id: String,
    pub recipient: String,
    pub status: BusinessStatus,
    /// The agency that reported it.
    pub reporter: String,
    pub description: String,
    pub staff_info: String,
    /// When it was recorded (µs).
    pub at: i64,
    /// The hub where it was recorded.
    pub hub: String,
}

/// A stored status code, read back.
pub(super) fn status_of_code(code: &str) -> Result<BusinessStatus> {
    BusinessStatus::from_code(code).ok_or_else(|| {
        ExchangeError::internal(format!("stored status code {code:?} is no business status"))
    })
}

pub(super) fn status_from_row(row: &AnyRow) -> Result<StatusRow> {
    Ok(StatusRow {
        seq: row.try_get("seq")?,
        document_id: row.try_get("document_id")?,
        recipient: row.try_get("recipient")?,
        status: status_of_code(&row.try_get::<String, _>("code")?)?,
        reporter: row.try_get("reported_by")?,
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
    .bind(s.status.code())
    .bind(&s.reporter)
    .bind(&s.description)
    .bind(&s.staff_info)
    .bind(s.at)
    .bind(&s.hub)
    .execute(conn)
    .await?;
    Ok(seq)
}

/// The status number `seq`.
pub async fn status_by_seq(conn: &mut AnyConnection, seq: i64) -> Result<Option<StatusRow>> {
    let row = sqlx::query(
        "SELECT seq, document_id, recipient, code, reported_by, description, staff_info, at, hub \
         FROM statuses WHERE seq = $1",
    )
    .bind(seq)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(status_from_row).transpose()
}

/// A report made with a client request id (AIP-155): what it asked (its fingerprint) and the
/// status it recorded.
pub struct StatusRequest {
    pub fingerprint: String,
    pub status_seq: i64,
}

/// The report `reporter` made with `request_id`, if any.
pub async fn find_status_request(
    conn: &mut AnyConnection,
    reporter: &str,
    request_id: &str,
) -> Result<Option<StatusRequest>> {
    let row = sqlx::query(
        "SELECT fingerprint, status_seq FROM status_requests WHERE reporter = $1 AND request_id = $2",
    )
    .bind(reporter)
    .bind(request_id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(StatusRequest {
            fingerprint: r.try_get("fingerprint")?,
            status_seq: r.try_get("status_seq")?,
        })
    })
    .transpose()
}

/// Remembers the report `reporter` made with `request_id` (in the transaction that records its
/// status: a concurrent retry loses the race on the key and is told to retry).
pub async fn insert_status_request(
    conn: &mut AnyConnection,
    reporter: &str,
    request_id: &str,
    request: &StatusRequest,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO status_requests (reporter, request_id, fingerprint, status_seq, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(reporter)
    .bind(request_id)
    .bind(&request.fingerprint)
    .bind(request.status_seq)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
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
