//! The directory of the agencies this hub serves.
use lienthong_api::exchange::v1::Agency;
use sqlx::{AnyConnection, Row, any::AnyRow};

use crate::error::Result;

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

/// At most `limit` agencies whose code comes after `after` ("" from the first), by code.
pub async fn list_agencies(
    conn: &mut AnyConnection,
    after: &str,
    limit: i64,
) -> Result<Vec<Agency>> {
    let rows = sqlx::query(
        "SELECT code, name, email, phone, address, website FROM agencies \
         WHERE code > $1 ORDER BY code LIMIT $2",
    )
    .bind(after)
    .bind(limit)
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
