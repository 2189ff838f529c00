//! The status updates from other hubs already applied (relays are idempotent).
use sqlx::AnyConnection;

use crate::error::Result;

/// Records that a relayed update was applied; false when it already was.
pub async fn mark_update_seen(conn: &mut AnyConnection, update_id: &str, now: i64) -> Result<bool> {
    let seen = sqlx::query("SELECT update_id FROM relay_seen WHERE update_id = $1")
        .bind(update_id)
        .fetch_optional(&mut *conn)
        .await?;
    if seen.is_some() {
        return Ok(false);
    }
    sqlx::query("INSERT INTO relay_seen (update_id, applied_at) VALUES ($1, $2)")
        .bind(update_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(true)
}
