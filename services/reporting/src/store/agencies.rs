//! The agencies the service knows (seeded, or seen in statistics and reports): the expected
//! submitters of a regime whose submitters are a pattern.
use sqlx::{AnyConnection, Row};

use crate::{domain::view::KnownAgency, error::Result};

/// Adds an agency unless it is known; returns whether it did.
pub async fn insert_agency_if_absent(
    conn: &mut AnyConnection,
    code: &str,
    name: &str,
    now: i64,
) -> Result<bool> {
    let n = sqlx::query(
        "INSERT INTO agencies (code, name, added_at) VALUES ($1, $2, $3) \
         ON CONFLICT (code) DO NOTHING",
    )
    .bind(code)
    .bind(name)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n > 0)
}

/// Every known agency, by code.
pub async fn list_agencies(conn: &mut AnyConnection) -> Result<Vec<KnownAgency>> {
    let rows = sqlx::query("SELECT code, name FROM agencies ORDER BY code")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(KnownAgency {
                code: r.try_get("code")?,
                name: r.try_get("name")?,
            })
        })
        .collect()
}
