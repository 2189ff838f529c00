//! Reports (one row per regime, period and submitting agency: the current state) and their
//! history (every change, in order).
use lienthong_api::reporting::v1::{ReportAction, ReportStatus};
use lienthong_axis::AgencyCode;
use sqlx::{AnyConnection, Row, any::AnyRow};

use super::corrupt;
use crate::{
    domain::{
        values::StoredValue,
        workflow::{Event, ReportRecord},
    },
    error::Result,
};

fn encode_values(values: &[StoredValue]) -> Result<String> {
    Ok(serde_json::to_string(values).map_err(|e| corrupt("values", e))?)
}

fn decode_values(json: &str) -> Result<Vec<StoredValue>> {
    Ok(serde_json::from_str(json).map_err(|e| corrupt("values", e))?)
}

/// A status as stored: the `ReportStatus` number (1 draft, 2 submitted, 3 accepted,
/// 4 returned).
fn decode_status(n: i64) -> Result<ReportStatus> {
    i32::try_from(n)
        .ok()
        .and_then(|n| ReportStatus::try_from(n).ok())
        .ok_or_else(|| corrupt("report status", n).into())
}

fn decode_action(n: i64) -> Result<ReportAction> {
    i32::try_from(n)
        .ok()
        .and_then(|n| ReportAction::try_from(n).ok())
        .ok_or_else(|| corrupt("report action", n).into())
}

fn decode_agency(code: &str) -> Result<AgencyCode> {
    Ok(AgencyCode::parse("agency", code).map_err(|e| corrupt("agency code", e))?)
}

const REPORT_COLUMNS: &str = "regime_code, period, agency, status, values_json, \
    first_submitted_at, submitted_at, accepted_at, late, return_reason, submissions, version, \
    created_at, updated_at";

fn report_from_row(row: &AnyRow) -> Result<ReportRecord> {
    Ok(ReportRecord {
        regime_code: row.try_get("regime_code")?,
        period: row.try_get("period")?,
        agency: decode_agency(&row.try_get::<String, _>("agency")?)?,
        status: decode_status(row.try_get("status")?)?,
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
    agency: &AgencyCode,
) -> Result<Option<ReportRecord>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE regime_code = $1 AND period = $2 AND agency = $3"
    )))
    .bind(regime_code)
    .bind(period)
    .bind(agency.as_str())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(report_from_row).transpose()
}

/// The reports of a period, by agency.
pub async fn reports_of_period(
    conn: &mut AnyConnection,
    regime_code: &str,
    period: &str,
) -> Result<Vec<ReportRecord>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE regime_code = $1 AND period = $2 ORDER BY agency"
    )))
    .bind(regime_code)
    .bind(period)
    .fetch_all(conn)
    .await?;
    rows.iter().map(report_from_row).collect()
}

/// At most `limit` reports of a period whose agency comes after `after` ("" for the first), by
/// agency; only `only`'s when it is not empty.
pub async fn reports_after(
    conn: &mut AnyConnection,
    (regime_code, period): (&str, &str),
    only: &str,
    after: &str,
    limit: usize,
) -> Result<Vec<ReportRecord>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE regime_code = $1 AND period = $2 \
         AND agency > $3 AND ($4 = '' OR agency = $4) ORDER BY agency LIMIT $5"
    )))
    .bind(regime_code)
    .bind(period)
    .bind(after)
    .bind(only)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(conn)
    .await?;
    rows.iter().map(report_from_row).collect()
}

/// An agency's reports of a regime (every period).
pub async fn reports_of_agency(
    conn: &mut AnyConnection,
    regime_code: &str,
    agency: &AgencyCode,
) -> Result<Vec<ReportRecord>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE regime_code = $1 AND agency = $2 ORDER BY period"
    )))
    .bind(regime_code)
    .bind(agency.as_str())
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

pub async fn insert_report(conn: &mut AnyConnection, r: &ReportRecord) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO reports ({REPORT_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    )))
    .bind(&r.regime_code)
    .bind(&r.period)
    .bind(r.agency.as_str())
    .bind(i64::from(r.status as i32))
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
/// returns whether it did (false: a concurrent change won).
pub async fn update_report(conn: &mut AnyConnection, r: &ReportRecord) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE reports SET status = $4, values_json = $5, first_submitted_at = $6, \
         submitted_at = $7, accepted_at = $8, late = $9, return_reason = $10, submissions = $11, \
         version = $12, updated_at = $13 \
         WHERE regime_code = $1 AND period = $2 AND agency = $3 AND version = $14",
    )
    .bind(&r.regime_code)
    .bind(&r.period)
    .bind(r.agency.as_str())
    .bind(i64::from(r.status as i32))
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

/// Appends an event to a report's history (numbered from the `event` counter); returns its
/// number.
pub async fn insert_event(
    conn: &mut AnyConnection,
    report: &ReportRecord,
    e: &Event,
) -> Result<i64> {
    let seq = lienthong_platform::db::next_counter(&mut *conn, "event").await?;
    sqlx::query(
        "INSERT INTO report_events (seq, regime_code, period, agency, action, actor, at, reason, \
         late, values_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(seq)
    .bind(&report.regime_code)
    .bind(&report.period)
    .bind(report.agency.as_str())
    .bind(i64::from(e.action as i32))
    .bind(&e.actor)
    .bind(e.at)
    .bind(&e.reason)
    .bind(i64::from(e.late))
    .bind(encode_values(&e.values)?)
    .execute(conn)
    .await?;
    Ok(seq)
}

/// A report's history, oldest first.
pub async fn events_of(
    conn: &mut AnyConnection,
    regime_code: &str,
    period: &str,
    agency: &AgencyCode,
) -> Result<Vec<Event>> {
    let rows = sqlx::query(
        "SELECT seq, action, actor, at, reason, late, values_json FROM report_events \
         WHERE regime_code = $1 AND period = $2 AND agency = $3 ORDER BY seq",
    )
    .bind(regime_code)
    .bind(period)
    .bind(agency.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Event {
                seq: r.try_get("seq")?,
                action: decode_action(r.try_get("action")?)?,
                actor: r.try_get("actor")?,
                at: r.try_get("at")?,
                reason: r.try_get("reason")?,
                late: r.try_get::<i64, _>("late")? != 0,
                values: decode_values(&r.try_get::<String, _>("values_json")?)?,
            })
        })
        .collect()
}

/// How many reports there are by (ever submitted, first submission late), for the operator's
/// gauge.
pub async fn count_reports(conn: &mut AnyConnection) -> Result<Vec<(bool, bool, i64)>> {
    let rows = sqlx::query(
        "SELECT CASE WHEN first_submitted_at > 0 THEN 1 ELSE 0 END AS submitted, late, \
         COUNT(*) AS n FROM reports \
         GROUP BY CASE WHEN first_submitted_at > 0 THEN 1 ELSE 0 END, late",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let submitted: i32 = r.try_get("submitted")?;
            let late: i64 = r.try_get("late")?;
            Ok((submitted != 0, late != 0, r.try_get("n")?))
        })
        .collect()
}
