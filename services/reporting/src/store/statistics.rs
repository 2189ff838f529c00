//! Daily statistics pushed by other services; a value is a decimal as text, a day `yyyy-MM-dd`.
use lienthong_axis::local::format_date;
use sqlx::{AnyConnection, Row};
use time::Date;

use crate::{domain::statistics::Statistic, error::Result};

/// Records one daily figure of a source, replacing the one with the same key.
pub async fn upsert_statistic(
    conn: &mut AnyConnection,
    source: &str,
    s: &Statistic,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO statistics (source, indicator_code, agency, day, value, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (source, indicator_code, agency, day) \
         DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(source)
    .bind(&s.indicator_code)
    .bind(s.agency.as_str())
    .bind(format_date(s.day))
    .bind(format!("{}", s.value))
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
    from: Date,
    to: Date,
) -> Result<(f64, usize)> {
    let rows = sqlx::query(
        "SELECT value FROM statistics WHERE indicator_code = $1 AND agency = $2 \
         AND day >= $3 AND day <= $4",
    )
    .bind(indicator_code)
    .bind(agency)
    .bind(format_date(from))
    .bind(format_date(to))
    .fetch_all(conn)
    .await?;
    let mut sum = 0.0;
    for r in &rows {
        let text: String = r.try_get(0)?;
        sum += text.parse::<f64>().unwrap_or(0.0);
    }
    Ok((sum, rows.len()))
}
