//! The `tasks` and `task_coordinators` tables.
use lienthong_axis::{AgencyCode, DocumentId, TaskId};
use lienthong_platform::error::InfraError;
use sqlx::{AnyConnection, Row, any::AnyRow};
use time::Date;

use super::{Result, agency, changed, date_text, optional_date};
use crate::domain::{BucketFacts, DeadlineEvent, State, deadline_end};

/// A task as stored (coordinators apart).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskRow {
    pub id: TaskId,
    pub content: String,
    /// '' when none (kept as stored: older tasks were checked by a looser rule).
    pub source_document_id: String,
    pub assigner: AgencyCode,
    pub lead_agency: AgencyCode,
    pub deadline: Option<Date>,
    /// The first microsecond after the deadline day ([`deadline_end`]).
    pub deadline_end: Option<i64>,
    pub original_deadline: Option<Date>,
    pub state: State,
    pub progress_percent: i64,
    pub latest_progress: String,
    pub result: String,
    pub result_submitted_at: Option<i64>,
    pub notes: String,
    pub created_by: String,
    pub created_at: i64,
    pub completed_at: Option<i64>,
    pub refused_at: Option<i64>,
    /// The deadline for which the near-deadline event was raised.
    pub near_marker: Option<Date>,
    /// The deadline for which the overdue event was raised.
    pub overdue_marker: Option<Date>,
}

impl TaskRow {
    /// What decides the task's bucket.
    pub fn bucket_facts(&self) -> BucketFacts {
        BucketFacts {
            state: self.state,
            deadline_end: self.deadline_end,
            completed_at: self.completed_at,
            refused_at: self.refused_at,
        }
    }
}

pub(super) const TASK_COLUMNS: &str = "t.task_id, t.seq, t.content, t.source_document_id, \
    t.assigner, t.lead_agency, t.deadline, t.deadline_end, t.original_deadline, t.state, \
    t.progress_percent, t.latest_progress, t.result, t.result_submitted_at, t.notes, \
    t.created_by, t.created_at, t.completed_at, t.refused_at, t.near_marker, t.overdue_marker";

pub(super) fn state(row: &AnyRow) -> Result<State> {
    let state: i64 = row.try_get("state")?;
    State::from_i64(state).ok_or_else(|| InfraError::internal(format!("stored task state {state}")))
}

pub(super) fn task_from_row(row: &AnyRow) -> Result<TaskRow> {
    Ok(TaskRow {
        id: TaskId::from_seq(row.try_get("seq")?),
        content: row.try_get("content")?,
        source_document_id: row.try_get("source_document_id")?,
        assigner: agency(row, "assigner")?,
        lead_agency: agency(row, "lead_agency")?,
        deadline: optional_date(row, "deadline")?,
        deadline_end: row.try_get("deadline_end")?,
        original_deadline: optional_date(row, "original_deadline")?,
        state: state(row)?,
        progress_percent: row.try_get("progress_percent")?,
        latest_progress: row.try_get("latest_progress")?,
        result: row.try_get("result")?,
        result_submitted_at: row.try_get("result_submitted_at")?,
        notes: row.try_get("notes")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        completed_at: row.try_get("completed_at")?,
        refused_at: row.try_get("refused_at")?,
        near_marker: optional_date(row, "near_marker")?,
        overdue_marker: optional_date(row, "overdue_marker")?,
    })
}

/// Inserts a new task (its id taken with the `task` counter) with its coordinators. A task for
/// the same (source document, lead agency) fails with a unique violation.
pub async fn insert_task(
    conn: &mut AnyConnection,
    t: &TaskRow,
    coordinators: &[AgencyCode],
) -> Result<()> {
    sqlx::query(
        "INSERT INTO tasks (task_id, seq, content, source_document_id, assigner, lead_agency, \
         deadline, deadline_end, original_deadline, state, notes, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(t.id.to_string())
    .bind(t.id.seq())
    .bind(&t.content)
    .bind(&t.source_document_id)
    .bind(t.assigner.as_str())
    .bind(t.lead_agency.as_str())
    .bind(date_text(t.deadline))
    .bind(t.deadline_end)
    .bind(date_text(t.original_deadline))
    .bind(t.state.as_i64())
    .bind(&t.notes)
    .bind(&t.created_by)
    .bind(t.created_at)
    .execute(&mut *conn)
    .await?;
    for c in coordinators {
        sqlx::query("INSERT INTO task_coordinators (task_id, agency) VALUES ($1, $2)")
            .bind(t.id.to_string())
            .bind(c.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The next task number.
pub async fn next_task_seq(conn: &mut AnyConnection) -> Result<i64> {
    Ok(lienthong_platform::db::next_counter(conn, "task").await?)
}

pub async fn find_task(conn: &mut AnyConnection, id: TaskId) -> Result<Option<TaskRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {TASK_COLUMNS} FROM tasks t WHERE t.task_id = $1"
    )))
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(task_from_row).transpose()
}

pub async fn find_by_source(
    conn: &mut AnyConnection,
    source: &DocumentId,
    lead_agency: &AgencyCode,
) -> Result<Option<TaskRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {TASK_COLUMNS} FROM tasks t WHERE t.source_document_id = $1 AND t.lead_agency = $2"
    )))
    .bind(source.as_str())
    .bind(lead_agency.as_str())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(task_from_row).transpose()
}

/// The coordinating agencies of a task, in code order.
pub async fn coordinators(conn: &mut AnyConnection, id: TaskId) -> Result<Vec<AgencyCode>> {
    let rows =
        sqlx::query("SELECT agency FROM task_coordinators WHERE task_id = $1 ORDER BY agency")
            .bind(id.to_string())
            .fetch_all(conn)
            .await?;
    rows.iter().map(|r| agency(r, "agency")).collect()
}

/// A progress report by the lead: percentage and text, state → in progress.
pub async fn set_progress(
    conn: &mut AnyConnection,
    id: TaskId,
    expected: State,
    percent: i64,
    text: &str,
) -> Result<()> {
    let n = sqlx::query(
        "UPDATE tasks SET progress_percent = $3, latest_progress = $4, state = $5 \
         WHERE task_id = $1 AND state = $2",
    )
    .bind(id.to_string())
    .bind(expected.as_i64())
    .bind(percent)
    .bind(text)
    .bind(State::InProgress.as_i64())
    .execute(conn)
    .await?
    .rows_affected();
    changed(n, "the task")
}

/// The lead submits the result: → awaiting confirmation.
pub async fn submit_result(
    conn: &mut AnyConnection,
    id: TaskId,
    expected: State,
    result: &str,
    at: i64,
) -> Result<()> {
    let n = sqlx::query(
        "UPDATE tasks SET result = $3, result_submitted_at = $4, state = $5 \
         WHERE task_id = $1 AND state = $2",
    )
    .bind(id.to_string())
    .bind(expected.as_i64())
    .bind(result)
    .bind(at)
    .bind(State::AwaitingConfirmation.as_i64())
    .execute(conn)
    .await?
    .rows_affected();
    changed(n, "the task")
}

/// The assigner confirms: → completed, completed at the submission time.
pub async fn confirm_result(conn: &mut AnyConnection, id: TaskId, completed_at: i64) -> Result<()> {
    let n = sqlx::query(
        "UPDATE tasks SET state = $3, completed_at = $4, progress_percent = 100 \
         WHERE task_id = $1 AND state = $2",
    )
    .bind(id.to_string())
    .bind(State::AwaitingConfirmation.as_i64())
    .bind(State::Completed.as_i64())
    .bind(completed_at)
    .execute(conn)
    .await?
    .rows_affected();
    changed(n, "the task")
}

/// A plain state change (return, pause, resume).
pub async fn set_state(
    conn: &mut AnyConnection,
    id: TaskId,
    expected: State,
    new: State,
) -> Result<()> {
    let n = sqlx::query("UPDATE tasks SET state = $3 WHERE task_id = $1 AND state = $2")
        .bind(id.to_string())
        .bind(expected.as_i64())
        .bind(new.as_i64())
        .execute(conn)
        .await?
        .rows_affected();
    changed(n, "the task")
}

/// The lead refuses: → refused, at `at`.
pub async fn refuse(conn: &mut AnyConnection, id: TaskId, expected: State, at: i64) -> Result<()> {
    let n = sqlx::query(
        "UPDATE tasks SET state = $3, refused_at = $4 WHERE task_id = $1 AND state = $2",
    )
    .bind(id.to_string())
    .bind(expected.as_i64())
    .bind(State::Refused.as_i64())
    .bind(at)
    .execute(conn)
    .await?
    .rows_affected();
    changed(n, "the task")
}

/// Moves the deadline (an approved extension), if it still is `expected`.
pub async fn set_deadline(
    conn: &mut AnyConnection,
    id: TaskId,
    expected: Option<Date>,
    deadline: Date,
) -> Result<()> {
    let n = sqlx::query(
        "UPDATE tasks SET deadline = $3, deadline_end = $4 WHERE task_id = $1 AND deadline = $2",
    )
    .bind(id.to_string())
    .bind(date_text(expected))
    .bind(date_text(Some(deadline)))
    .bind(deadline_end(deadline))
    .execute(conn)
    .await?
    .rows_affected();
    changed(n, "the task's deadline")
}

/// Marks the event `event` raised for `deadline`; returns whether this call did (so that it
/// is raised once).
pub async fn set_marker(
    conn: &mut AnyConnection,
    id: TaskId,
    event: DeadlineEvent,
    deadline: Date,
) -> Result<bool> {
    let sql = match event {
        DeadlineEvent::Overdue => {
            "UPDATE tasks SET overdue_marker = $2 \
             WHERE task_id = $1 AND overdue_marker <> $2 AND deadline = $2"
        }
        DeadlineEvent::NearDeadline => {
            "UPDATE tasks SET near_marker = $2 \
             WHERE task_id = $1 AND near_marker <> $2 AND deadline = $2"
        }
    };
    let n = sqlx::query(sql)
        .bind(id.to_string())
        .bind(date_text(Some(deadline)))
        .execute(conn)
        .await?
        .rows_affected();
    Ok(n > 0)
}
