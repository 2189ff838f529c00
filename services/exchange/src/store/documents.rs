//! Accepted documents: the header as stored, its sender and fingerprint, when and in which
//! trace it was accepted.
use lienthong_api::exchange::v1::DocumentHeader;
use prost::Message;
use sqlx::{AnyConnection, Row, any::AnyRow};

use crate::error::{ExchangeError, Result};

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

pub(super) fn decode_header(hex_pb: &str) -> Result<DocumentHeader> {
    let bytes = hex::decode(hex_pb)
        .map_err(|e| ExchangeError::internal(format!("stored header is not hex: {e}")))?;
    DocumentHeader::decode(bytes.as_slice())
        .map_err(|e| ExchangeError::internal(format!("stored header does not decode: {e}")))
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

/// A document to store.
pub struct NewDocument<'a> {
    pub header: &'a DocumentHeader,
    pub sender: &'a str,
    pub fingerprint: &'a str,
    pub traceparent: &'a str,
    pub accepted_at: i64,
}

/// Stores a new document (its legs are added with [`super::insert_leg`]).
pub async fn insert_document(conn: &mut AnyConnection, doc: &NewDocument<'_>) -> Result<()> {
    let seq = lienthong_platform::db::next_counter(&mut *conn, "document").await?;
    sqlx::query(
        "INSERT INTO documents (document_id, seq, sender, subject, fingerprint, header_pb, accepted_at, traceparent) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&doc.header.document_id)
    .bind(seq)
    .bind(doc.sender)
    .bind(&doc.header.subject)
    .bind(doc.fingerprint)
    .bind(hex::encode(doc.header.encode_to_vec()))
    .bind(doc.accepted_at)
    .bind(doc.traceparent)
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
