//! The `extensions` table: every extension request of a task, with both deadlines.
use lienthong_axis::TaskId;
use lienthong_platform::error::InfraError;
use sqlx::{AnyConnection, Row};
use time::Date;

use super::{Result, changed, date, date_text};
use crate::domain::{Decision, ExtensionState};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtensionRow {
    pub number: i64,
    pub old_deadline: Date,
    pub new_deadline: Date,
    pub reason: String,
    pub state: ExtensionState,
    pub requested_at: i64,
    pub decided_at: Option<i64>,
    pub decision_comment: String,
}

/// A task's extension requests, in order.
pub async fn extensions(conn: &mut AnyConnection, id: TaskId) -> Result<Vec<ExtensionRow>> {
    let rows = sqlx::query(
        "SELECT number, old_deadline, new_deadline, reason, state, requested_at, decided_at, \
         decision_comment FROM extensions WHERE task_id = $1 ORDER BY number",
    )
    .bind(id.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let state: i64 = r.try_get("state")?;
            Ok(ExtensionRow {
                number: r.try_get("number")?,
                old_deadline: date(r, "old_deadline")?,
                new_deadline: date(r, "new_deadline")?,
                reason: r.try_get("reason")?,
                state: ExtensionState::from_i64(state).ok_or_else(|| {
                    InfraError::internal(format!("stored extension state {state}"))
                })?,
                requested_at: r.try_get("requested_at")?,
                decided_at: r.try_get("decided_at")?,
                decision_comment: r.try_get("decision_comment")?,
            })
        })
        .collect()
}

/// A new extension request.
#[derive(Clone, Copy, Debug)]
pub struct NewExtension<'a> {
    pub task: TaskId,
    pub number: i64,
    pub old_deadline: Date,
    pub new_deadline: Date,
    pub reason: &'a str,
    /// The identity asking (`agency/<code>`).
    pub by: &'a str,
    pub at: i64,
}

/// Records a pending extension request numbered after the existing ones. The primary key
/// (task_id, number) refuses a concurrent second request (a conflict).
pub async fn insert_extension(conn: &mut AnyConnection, e: &NewExtension<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO extensions (task_id, number, old_deadline, new_deadline, reason, state, \
         requested_by, requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(e.task.to_string())
    .bind(e.number)
    .bind(date_text(Some(e.old_deadline)))
    .bind(date_text(Some(e.new_deadline)))
    .bind(e.reason)
    .bind(ExtensionState::Pending.as_i64())
    .bind(e.by)
    .bind(e.at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The assigner's decision on a pending request.
#[derive(Clone, Copy, Debug)]
pub struct DecidedExtension<'a> {
    pub task: TaskId,
    pub number: i64,
    pub decision: Decision,
    /// The identity deciding (`agency/<code>`).
    pub by: &'a str,
    pub at: i64,
    pub comment: &'a str,
}

/// Records the decision, if the request is still pending.
pub async fn decide_extension(conn: &mut AnyConnection, d: &DecidedExtension<'_>) -> Result<()> {
    let n = sqlx::query(
        "UPDATE extensions SET state = $3, decided_by = $4, decided_at = $5, decision_comment = $6 \
         WHERE task_id = $1 AND number = $2 AND state = $7",
    )
    .bind(d.task.to_string())
    .bind(d.number)
    .bind(d.decision.state().as_i64())
    .bind(d.by)
    .bind(d.at)
    .bind(d.comment)
    .bind(ExtensionState::Pending.as_i64())
    .execute(conn)
    .await?
    .rows_affected();
    changed(n, "the extension request")
}
