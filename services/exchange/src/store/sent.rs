//! A page of the sender's view, read in one query per table for the whole page (legs, then
//! statuses) instead of two queries per document.
use std::collections::HashMap;

use sqlx::{AnyConnection, Row};

use crate::{
    error::Result,
    store::{
        legs::{LEG_COLUMNS, Leg, leg_from_row},
        statuses::{StatusRow, status_from_row},
    },
};

/// Through the Any driver QueryBuilder writes `?` placeholders, which PostgreSQL refuses: the
/// `$n` are written out, for at most this many ids per query (a sent page is far smaller).
const IDS_PER_QUERY: usize = 500;

/// `$from, $from+1, …` for `n` values.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The legs of each of `document_ids`, by document, each document's in recipient order (as
/// [`super::legs`] gives them).
pub async fn legs_of_documents(
    conn: &mut AnyConnection,
    document_ids: &[&str],
) -> Result<HashMap<String, Vec<Leg>>> {
    let mut by_document: HashMap<String, Vec<Leg>> = HashMap::new();
    for chunk in document_ids.chunks(IDS_PER_QUERY) {
        let sql = format!(
            "SELECT document_id, {LEG_COLUMNS} FROM deliveries WHERE document_id IN ({}) \
             ORDER BY document_id, recipient",
            placeholders(1, chunk.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let id: String = row.try_get("document_id")?;
            by_document.entry(id).or_default().push(leg_from_row(&row)?);
        }
    }
    Ok(by_document)
}

/// The statuses of each of `document_ids`, by document, each document's in order (as
/// [`super::statuses_of`] gives them).
pub async fn statuses_of_documents(
    conn: &mut AnyConnection,
    document_ids: &[&str],
) -> Result<HashMap<String, Vec<StatusRow>>> {
    let mut by_document: HashMap<String, Vec<StatusRow>> = HashMap::new();
    for chunk in document_ids.chunks(IDS_PER_QUERY) {
        let sql = format!(
            "SELECT seq, document_id, recipient, code, reported_by, description, staff_info, at, \
             hub FROM statuses WHERE document_id IN ({}) ORDER BY seq",
            placeholders(1, chunk.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let status = status_from_row(&row)?;
            by_document
                .entry(status.document_id.clone())
                .or_default()
                .push(status);
        }
    }
    Ok(by_document)
}
