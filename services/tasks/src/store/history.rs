//! The `task_history` table: every change of every task, who, when, what.
use lienthong_axis::TaskId;
use lienthong_platform::error::InfraError;
use sqlx::{AnyConnection, Row};

use super::Result;
use crate::domain::HistoryAction;

/// One history entry as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryRow {
    pub seq: i64,
    pub at: i64,
    /// The identity that made the change (`agency/<code>`, `service/<name>`).
    pub actor: String,
    pub action: HistoryAction,
    pub detail: String,
    pub percent: Option<i64>,
}

/// A history entry to record.
#[derive(Clone, Copy, Debug)]
pub struct NewHistory<'a> {
    pub task: TaskId,
    pub at: i64,
    /// The identity that made the change (`agency/<code>`, `service/<name>`).
    pub actor: &'a str,
    /// Stored as its name ([`HistoryAction::stored`]).
    pub action: HistoryAction,
    pub detail: &'a str,
    pub percent: Option<i64>,
}

pub async fn insert_history(conn: &mut AnyConnection, h: &NewHistory<'_>) -> Result<()> {
    let seq = lienthong_platform::db::next_counter(&mut *conn, "history").await?;
    sqlx::query(
        "INSERT INTO task_history (seq, task_id, at, actor, action, detail, percent) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(seq)
    .bind(h.task.to_string())
    .bind(h.at)
    .bind(h.actor)
    .bind(h.action.stored())
    .bind(h.detail)
    .bind(h.percent)
    .execute(conn)
    .await?;
    Ok(())
}

/// A task's history, oldest first.
pub async fn history(conn: &mut AnyConnection, id: TaskId) -> Result<Vec<HistoryRow>> {
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, detail, percent FROM task_history \
         WHERE task_id = $1 ORDER BY seq",
    )
    .bind(id.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let action: String = r.try_get("action")?;
            Ok(HistoryRow {
                seq: r.try_get("seq")?,
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                action: HistoryAction::from_stored(&action).ok_or_else(|| {
                    InfraError::internal(format!("stored history action {action:?}"))
                })?,
                detail: r.try_get("detail")?,
                percent: r.try_get("percent")?,
            })
        })
        .collect()
}
