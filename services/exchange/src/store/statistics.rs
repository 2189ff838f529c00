//! Which days' traffic figures changed since they were last pushed (`stat_dirty`, with a version
//! so that a push racing with a new document leaves the day pending), and the legs of a day.
use lienthong_axis::local;
use lienthong_platform::statistics::PendingDay;
use sqlx::{AnyConnection, AnyPool, Row};
use time::Date;

use crate::{domain::statistics::DayLeg, error::Result};

/// Most days pushed in one round.
const DAYS_PER_ROUND: i64 = 31;

/// Marks a day's figures as changed (inside the transaction of the change).
pub async fn mark_day_dirty(conn: &mut AnyConnection, day: Date) -> Result<()> {
    sqlx::query(
        "INSERT INTO stat_dirty (day, version) VALUES ($1, 1) \
         ON CONFLICT (day) DO UPDATE SET version = stat_dirty.version + 1",
    )
    .bind(local::format_date(day))
    .execute(conn)
    .await?;
    Ok(())
}

/// The changed days, oldest first. A row whose day does not parse can never be pushed: it is
/// dropped.
pub async fn dirty_days(pool: &AnyPool) -> Result<Vec<PendingDay>> {
    let rows = sqlx::query("SELECT day, version FROM stat_dirty ORDER BY day LIMIT $1")
        .bind(DAYS_PER_ROUND)
        .fetch_all(pool)
        .await?;
    let mut days = Vec::with_capacity(rows.len());
    for row in rows {
        let day: String = row.try_get("day")?;
        let version: i64 = row.try_get("version")?;
        match local::parse_date_opt(&day) {
            Some(date) => days.push(PendingDay { day: date, version }),
            None => {
                sqlx::query("DELETE FROM stat_dirty WHERE day = $1")
                    .bind(&day)
                    .execute(pool)
                    .await?;
            }
        }
    }
    Ok(days)
}

/// The day's figures were pushed: clean unless it changed meanwhile.
pub async fn mark_day_pushed(pool: &AnyPool, day: PendingDay) -> Result<()> {
    sqlx::query("DELETE FROM stat_dirty WHERE day = $1 AND version = $2")
        .bind(local::format_date(day.day))
        .bind(day.version)
        .execute(pool)
        .await?;
    Ok(())
}

/// The legs of the documents accepted in `[start, end)`, but those hub `hub_id` bounced (no
/// such recipient: nothing was received).
pub async fn legs_accepted_between(
    pool: &AnyPool,
    hub_id: &str,
    start: i64,
    end: i64,
) -> Result<Vec<DayLeg>> {
    let rows = sqlx::query(
        "SELECT doc.document_id AS id, doc.sender AS sender, d.recipient AS recipient \
         FROM documents doc JOIN deliveries d ON d.document_id = doc.document_id \
         WHERE doc.accepted_at >= $1 AND doc.accepted_at < $2 \
         AND NOT (d.transport_state = $3 AND d.hub = $4)",
    )
    .bind(start)
    .bind(end)
    .bind(lienthong_axis::TransportState::Failed.as_i64())
    .bind(hub_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(DayLeg {
                document_id: row.try_get("id")?,
                sender: row.try_get("sender")?,
                recipient: row.try_get("recipient")?,
            })
        })
        .collect()
}
