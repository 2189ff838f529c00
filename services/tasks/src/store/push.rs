//! The `stats_push` table: the last day whose figures were pushed to the reporting service as
//! final (every day up to it is).
use sqlx::AnyConnection;
use time::Date;

use super::{Result, date, date_text};

/// The last final day pushed, if any.
pub async fn push_watermark(conn: &mut AnyConnection) -> Result<Option<Date>> {
    let row = sqlx::query("SELECT last_day_done FROM stats_push WHERE name = 'reporting'")
        .fetch_optional(conn)
        .await?;
    row.map(|r| date(&r, "last_day_done")).transpose()
}

/// Moves the watermark to `day`, never back.
pub async fn advance_push_watermark(conn: &mut AnyConnection, day: Date) -> Result<()> {
    sqlx::query(
        "INSERT INTO stats_push (name, last_day_done) VALUES ('reporting', $1) \
         ON CONFLICT (name) DO UPDATE SET last_day_done = excluded.last_day_done \
         WHERE stats_push.last_day_done < excluded.last_day_done",
    )
    .bind(date_text(Some(day)))
    .execute(conn)
    .await?;
    Ok(())
}
