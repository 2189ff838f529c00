//! Which documents reference which attachment blobs (`document_blobs`): what the collection of
//! orphan blobs keeps. Written with the document, in its transaction.
use std::collections::HashSet;

use sqlx::{AnyConnection, Row};

use crate::{error::Result, store::documents::decode_header};

/// The counter row that says the references of the documents stored before they were kept
/// have been filled in (0: not yet).
const BACKFILLED: &str = "blob_refs_backfilled";

/// Records that `document_id` references the blobs `digests`.
pub async fn insert_blob_refs(
    conn: &mut AnyConnection,
    document_id: &str,
    digests: &[&str],
) -> Result<()> {
    let unique: HashSet<&str> = digests.iter().copied().collect();
    for digest in unique {
        sqlx::query("INSERT INTO document_blobs (sha256, document_id) VALUES ($1, $2)")
            .bind(digest)
            .bind(document_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Which of `digests` some document references.
pub async fn referenced_blobs(
    conn: &mut AnyConnection,
    digests: &[String],
) -> Result<HashSet<String>> {
    let mut found = HashSet::new();
    for chunk in digests.chunks(500) {
        // `$n` placeholders written out: through the Any driver QueryBuilder writes `?`, which
        // PostgreSQL refuses.
        let list: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT DISTINCT sha256 FROM document_blobs WHERE sha256 IN ({})",
            list.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for d in chunk {
            query = query.bind(d.as_str());
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.insert(row.try_get::<String, _>(0)?);
        }
    }
    Ok(found)
}

/// Fills in the references of the documents stored before they were kept (once; a no-op
/// afterwards). Returns how many documents were read.
pub async fn backfill_blob_refs(conn: &mut AnyConnection) -> Result<usize> {
    let done: i64 = sqlx::query("SELECT value FROM counters WHERE name = $1")
        .bind(BACKFILLED)
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?
        .unwrap_or(1);
    if done != 0 {
        return Ok(0);
    }
    let mut after = -1i64;
    let mut read = 0;
    loop {
        let rows = sqlx::query(
            "SELECT seq, document_id, header_pb FROM documents WHERE seq > $1 ORDER BY seq LIMIT 200",
        )
        .bind(after)
        .fetch_all(&mut *conn)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.try_get("seq")?;
        for row in &rows {
            let id: String = row.try_get("document_id")?;
            let header = decode_header(&row.try_get::<String, _>("header_pb")?)?;
            let digests: Vec<&str> = header
                .attachments
                .iter()
                .map(|a| a.sha256.as_str())
                .collect();
            sqlx::query("DELETE FROM document_blobs WHERE document_id = $1")
                .bind(&id)
                .execute(&mut *conn)
                .await?;
            insert_blob_refs(&mut *conn, &id, &digests).await?;
            read += 1;
        }
    }
    sqlx::query("UPDATE counters SET value = 1 WHERE name = $1")
        .bind(BACKFILLED)
        .execute(conn)
        .await?;
    Ok(read)
}
