//! Regimes, stored as the `Regime` message they were created with (protobuf, hex).
use lienthong_api::reporting::v1::Regime;
use prost::Message;
use sqlx::{AnyConnection, Row};

use super::corrupt;
use crate::error::Result;

fn decode_regime(hex_pb: &str) -> Result<Regime> {
    let bytes = hex::decode(hex_pb).map_err(|e| corrupt("regime", e))?;
    Ok(Regime::decode(bytes.as_slice()).map_err(|e| corrupt("regime", e))?)
}

/// Inserts a regime unless its code exists; returns whether it did.
pub async fn insert_regime_if_absent(
    conn: &mut AnyConnection,
    regime: &Regime,
    now: i64,
) -> Result<bool> {
    let n = sqlx::query(
        "INSERT INTO regimes (code, owner, regime_pb, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (code) DO NOTHING",
    )
    .bind(&regime.code)
    .bind(&regime.owner)
    .bind(hex::encode(regime.encode_to_vec()))
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n > 0)
}

pub async fn get_regime(conn: &mut AnyConnection, code: &str) -> Result<Option<Regime>> {
    let row = sqlx::query("SELECT regime_pb FROM regimes WHERE code = $1")
        .bind(code)
        .fetch_optional(conn)
        .await?;
    row.map(|r| decode_regime(&r.try_get::<String, _>(0)?))
        .transpose()
}

/// At most `limit` regimes whose code comes after `after` ("" for the first), by code.
pub async fn regimes_after(
    conn: &mut AnyConnection,
    after: &str,
    limit: usize,
) -> Result<Vec<Regime>> {
    let rows = sqlx::query("SELECT regime_pb FROM regimes WHERE code > $1 ORDER BY code LIMIT $2")
        .bind(after)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| decode_regime(&r.try_get::<String, _>(0)?))
        .collect()
}
