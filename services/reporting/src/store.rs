//! The reporting service's SQL. Every function takes a connection (usually a transaction) so
//! that the use cases in [`crate::app`] decide what commits together.
use lienthong_api::reporting::v1::Regime;
use prost::Message;
use sqlx::{AnyConnection, Row, any::AnyRow};

use crate::{
    domain::StoredValue,
    error::{ReportingError, Result},
};

// ---------------------------------------------------------------------------------------------
// Agencies

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

/// Every known agency: (code, name), by code.
pub async fn list_agencies(conn: &mut AnyConnection) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query("SELECT code, name FROM agencies ORDER BY code")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("code")?, r.try_get("name")?)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Regimes

fn decode_regime(hex_pb: &str) -> Result<Regime> {
    let bytes = hex::decode(hex_pb)
        .map_err(|e| ReportingError::Internal(format!("stored regime is not hex: {e}")))?;
    Regime::decode(bytes.as_slice())
        .map_err(|e| ReportingError::Internal(format!("stored regime does not decode: {e}")))
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

pub async fn list_regimes(conn: &mut AnyConnection) -> Result<Vec<Regime>> {
    let rows = sqlx::query("SELECT regime_pb FROM regimes ORDER BY code")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| decode_regime(&r.try_get::<String, _>(0)?))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Reports

/// A report's current state, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportRow {
    pub regime_code: String,
    pub period: String,
    pub agency: String,
    /// 1 draft, 2 submitted, 3 accepted, 4 returned (the `ReportStatus` numbers).
    pub status: i32,
    pub values: Vec<StoredValue>,
    /// 0 = not yet.
    pub first_submitted_at: i64,
    pub submitted_at: i64,
    pub accepted_at: i64,
    pub late: bool,
    pub return_reason: String,
    pub submissions: i64,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

fn encode_values(values: &[StoredValue]) -> Result<String> {
    serde_json::to_string(values).map_err(|e| ReportingError::Internal(e.to_string()))
}

fn decode_values(json: &str) -> Result<Vec<StoredValue>> {
    serde_json::from_str(json)
        .map_err(|e| ReportingError::Internal(format!("stored values do not decode: {e}")))
}

const REPORT_COLUMNS: &str = "regime_code, period, agency, status, values_json, \
    first_submitted_at, submitted_at, accepted_at, late, return_reason, submissions, version, \
    created_at, updated_at";

fn report_from_row(row: &AnyRow) -> Result<ReportRow> {
    Ok(ReportRow {
        regime_code: row.try_get("regime_code")?,
        period: row.try_get("period")?,
        agency: row.try_get("agency")?,
        status: i32::try_from(row.try_get::<i64, _>("status")?).unwrap_or(0),
        values: decode_values(&row.try_get::<String, _>("values_json")?)?,
        first_submitted_at: row.try_get("first_submitted_at")?,
        submitted_at: row.try_get("submitted_at")?,
        accepted_at: row.try_get("accepted_at")?,
        late: row.try_get::<i64, _>("late")? != 0,
        return_reason: row.try_get("return_reason")?,
        submissions: row.try_get("submissions")?,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub async fn get_report(
    conn: &mut AnyConnection,
    regime_code: &str,
    period: &str,
    agency: &str,
) -> Result<Option<ReportRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE regime_code = $1 AND period = $2 AND agency = $3"
    )))
    .bind(regime_code)
    .bind(period)
    .bind(agency)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(report_from_row).transpose()
}

/// The reports of a period, by agency.
pub async fn reports_of_period(
    conn: &mut AnyConnection,
    regime_code: &str,
    period: &str,
) -> Result<Vec<ReportRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE regime_code = $1 AND period = $2 ORDER BY agency"
    )))
    .bind(regime_code)
    .bind(period)
    .fetch_all(conn)
    .await?;
    rows.iter().map(report_from_row).collect()
}

/// An agency's reports of a regime (every period).
pub async fn reports_of_agency(
    conn: &mut AnyConnection,
    regime_code: &str,
    agency: &str,
) -> Result<Vec<ReportRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE regime_code = $1 AND agency = $2 ORDER BY period"
    )))
    .bind(regime_code)
    .bind(agency)
    .fetch_all(conn)
    .await?;
    rows.iter().map(report_from_row).collect()
}

/// The period keys that have reports, for ad hoc regimes.
pub async fn periods_with_reports(
    conn: &mut AnyConnection,
    regime_code: &str,
) -> Result<Vec<String>> {
    let rows =
        sqlx::query("SELECT DISTINCT period FROM reports WHERE regime_code = $1 ORDER BY period")
            .bind(regime_code)
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<String, _>(0)?))
        .collect()
}

pub async fn insert_report(conn: &mut AnyConnection, r: &ReportRow) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO reports ({REPORT_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    )))
    .bind(&r.regime_code)
    .bind(&r.period)
    .bind(&r.agency)
    .bind(i64::from(r.status))
    .bind(encode_values(&r.values)?)
    .bind(r.first_submitted_at)
    .bind(r.submitted_at)
    .bind(r.accepted_at)
    .bind(i64::from(r.late))
    .bind(&r.return_reason)
    .bind(r.submissions)
    .bind(r.version)
    .bind(r.created_at)
    .bind(r.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes a changed report if nobody changed it since it was read at `r.version - 1`;
/// returns whether it did.
pub async fn update_report(conn: &mut AnyConnection, r: &ReportRow) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE reports SET status = $4, values_json = $5, first_submitted_at = $6, \
         submitted_at = $7, accepted_at = $8, late = $9, return_reason = $10, submissions = $11, \
         version = $12, updated_at = $13 \
         WHERE regime_code = $1 AND period = $2 AND agency = $3 AND version = $14",
    )
    .bind(&r.regime_code)
    .bind(&r.period)
    .bind(&r.agency)
    .bind(i64::from(r.status))
    .bind(encode_values(&r.values)?)
    .bind(r.first_submitted_at)
    .bind(r.submitted_at)
    .bind(r.accepted_at)
    .bind(i64::from(r.late))
    .bind(&r.return_reason)
    .bind(r.submissions)
    .bind(r.version)
    .bind(r.updated_at)
    .bind(r.version - 1)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n > 0)
}

/// One event of a report's history.
#[derive(Clone, Debug, PartialEq)]
pub struct EventRow {
    pub seq: i64,
    pub action: i32,
    pub actor: String,
    pub at: i64,
    pub reason: String,
    pub late: bool,
    pub values: Vec<StoredValue>,
}

/// Appends an event to a report's history (numbered from the `event` counter).
pub async fn insert_event(
    conn: &mut AnyConnection,
    report: &ReportRow,
    e: &EventRow,
) -> Result<i64> {
    let seq = lienthong_platform::db::next_counter(&mut *conn, "event").await?;
    sqlx::query(
        "INSERT INTO report_events (seq, regime_code, period, agency, action, actor, at, reason, \
         late, values_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(seq)
    .bind(&report.regime_code)
    .bind(&report.period)
    .bind(&report.agency)
    .bind(i64::from(e.action))
    .bind(&e.actor)
    .bind(e.at)
    .bind(&e.reason)
    .bind(i64::from(e.late))
    .bind(encode_values(&e.values)?)
    .execute(conn)
    .await?;
    Ok(seq)
}

pub async fn events_of(
    conn: &mut AnyConnection,
    regime_code: &str,
    period: &str,
    agency: &str,
) -> Result<Vec<EventRow>> {
    let rows = sqlx::query(
        "SELECT seq, action, actor, at, reason, late, values_json FROM report_events \
         WHERE regime_code = $1 AND period = $2 AND agency = $3 ORDER BY seq",
    )
    .bind(regime_code)
    .bind(period)
    .bind(agency)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(EventRow {
                seq: r.try_get("seq")?,
                action: i32::try_from(r.try_get::<i64, _>("action")?).unwrap_or(0),
                actor: r.try_get("actor")?,
                at: r.try_get("at")?,
                reason: r.try_get("reason")?,
                late: r.try_get::<i64, _>("late")? != 0,
                values: decode_values(&r.try_get::<String, _>("values_json")?)?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Statistics

/// Records one daily figure, replacing the one with the same key.
pub async fn upsert_statistic(
    conn: &mut AnyConnection,
    source: &str,
    indicator_code: &str,
    agency: &str,
    day: &str,
    value: f64,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO statistics (source, indicator_code, agency, day, value, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (source, indicator_code, agency, day) \
         DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(source)
    .bind(indicator_code)
    .bind(agency)
    .bind(day)
    .bind(format!("{value}"))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The sum of an agency's daily figures of a statistic (every source) over `[from, to]`, and
/// how many figures there were.
pub async fn sum_statistic(
    conn: &mut AnyConnection,
    indicator_code: &str,
    agency: &str,
    from: &str,
    to: &str,
) -> Result<(f64, usize)> {
    let rows = sqlx::query(
        "SELECT value FROM statistics WHERE indicator_code = $1 AND agency = $2 \
         AND day >= $3 AND day <= $4",
    )
    .bind(indicator_code)
    .bind(agency)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?;
    let mut sum = 0.0;
    for r in &rows {
        let text: String = r.try_get(0)?;
        sum += text.parse::<f64>().unwrap_or(0.0);
    }
    Ok((sum, rows.len()))
}
