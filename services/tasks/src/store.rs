//! The tasks service's SQL. Every function takes a connection (usually a transaction) so that
//! the use cases in [`crate::app`] decide what commits together. Changes of a task are
//! conditional on the state read before (optimistic concurrency).
use sqlx::{AnyConnection, Row, any::AnyRow};

use crate::{
    domain::State,
    error::{Result, TasksError},
};

/// A task as stored (coordinators apart).
#[derive(Clone, Debug)]
pub struct TaskRow {
    pub task_id: String,
    pub seq: i64,
    pub content: String,
    pub source_document_id: String,
    pub assigner: String,
    pub lead_agency: String,
    pub deadline: String,
    pub deadline_end: Option<i64>,
    pub original_deadline: String,
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
    pub near_marker: String,
    pub overdue_marker: String,
}

const TASK_COLUMNS: &str = "t.task_id, t.seq, t.content, t.source_document_id, t.assigner, \
    t.lead_agency, t.deadline, t.deadline_end, t.original_deadline, t.state, t.progress_percent, \
    t.latest_progress, t.result, t.result_submitted_at, t.notes, t.created_by, t.created_at, \
    t.completed_at, t.refused_at, t.near_marker, t.overdue_marker";

fn task_from_row(row: &AnyRow) -> Result<TaskRow> {
    let state: i64 = row.try_get("state")?;
    Ok(TaskRow {
        task_id: row.try_get("task_id")?,
        seq: row.try_get("seq")?,
        content: row.try_get("content")?,
        source_document_id: row.try_get("source_document_id")?,
        assigner: row.try_get("assigner")?,
        lead_agency: row.try_get("lead_agency")?,
        deadline: row.try_get("deadline")?,
        deadline_end: row.try_get("deadline_end")?,
        original_deadline: row.try_get("original_deadline")?,
        state: State::from_i64(state)
            .ok_or_else(|| TasksError::Internal(format!("stored task state {state}")))?,
        progress_percent: row.try_get("progress_percent")?,
        latest_progress: row.try_get("latest_progress")?,
        result: row.try_get("result")?,
        result_submitted_at: row.try_get("result_submitted_at")?,
        notes: row.try_get("notes")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        completed_at: row.try_get("completed_at")?,
        refused_at: row.try_get("refused_at")?,
        near_marker: row.try_get("near_marker")?,
        overdue_marker: row.try_get("overdue_marker")?,
    })
}

/// Inserts a new task (its id and seq already taken) with its coordinators.
pub async fn insert_task(
    conn: &mut AnyConnection,
    t: &TaskRow,
    coordinators: &[String],
) -> Result<()> {
    sqlx::query(
        "INSERT INTO tasks (task_id, seq, content, source_document_id, assigner, lead_agency, \
         deadline, deadline_end, original_deadline, state, notes, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&t.task_id)
    .bind(t.seq)
    .bind(&t.content)
    .bind(&t.source_document_id)
    .bind(&t.assigner)
    .bind(&t.lead_agency)
    .bind(&t.deadline)
    .bind(t.deadline_end)
    .bind(&t.original_deadline)
    .bind(t.state as i64)
    .bind(&t.notes)
    .bind(&t.created_by)
    .bind(t.created_at)
    .execute(&mut *conn)
    .await?;
    for c in coordinators {
        sqlx::query("INSERT INTO task_coordinators (task_id, agency) VALUES ($1, $2)")
            .bind(&t.task_id)
            .bind(c)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn find_task(conn: &mut AnyConnection, task_id: &str) -> Result<Option<TaskRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {TASK_COLUMNS} FROM tasks t WHERE t.task_id = $1"
    )))
    .bind(task_id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(task_from_row).transpose()
}

pub async fn find_by_source(
    conn: &mut AnyConnection,
    source_document_id: &str,
    lead_agency: &str,
) -> Result<Option<TaskRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {TASK_COLUMNS} FROM tasks t WHERE t.source_document_id = $1 AND t.lead_agency = $2"
    )))
    .bind(source_document_id)
    .bind(lead_agency)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(task_from_row).transpose()
}

pub async fn coordinators(conn: &mut AnyConnection, task_id: &str) -> Result<Vec<String>> {
    let rows =
        sqlx::query("SELECT agency FROM task_coordinators WHERE task_id = $1 ORDER BY agency")
            .bind(task_id)
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<String, _>("agency")?))
        .collect()
}

/// One history entry.
#[derive(Clone, Debug)]
pub struct HistoryRow {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub detail: String,
    pub percent: Option<i64>,
}

pub async fn insert_history(
    conn: &mut AnyConnection,
    task_id: &str,
    at: i64,
    actor: &str,
    action: &str,
    detail: &str,
    percent: Option<i64>,
) -> Result<()> {
    let seq = lienthong_platform::db::next_counter(&mut *conn, "history").await?;
    sqlx::query(
        "INSERT INTO task_history (seq, task_id, at, actor, action, detail, percent) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(seq)
    .bind(task_id)
    .bind(at)
    .bind(actor)
    .bind(action)
    .bind(detail)
    .bind(percent)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn history(conn: &mut AnyConnection, task_id: &str) -> Result<Vec<HistoryRow>> {
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, detail, percent FROM task_history \
         WHERE task_id = $1 ORDER BY seq",
    )
    .bind(task_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(HistoryRow {
                seq: r.try_get("seq")?,
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                action: r.try_get("action")?,
                detail: r.try_get("detail")?,
                percent: r.try_get("percent")?,
            })
        })
        .collect()
}

fn changed(n: u64) -> Result<()> {
    if n > 0 {
        Ok(())
    } else {
        Err(TasksError::FailedPrecondition(
            "task_id: the task changed while this request was made; read it again and retry".into(),
        ))
    }
}

/// A progress report by the lead: percentage and text, state → in progress.
pub async fn set_progress(
    conn: &mut AnyConnection,
    task_id: &str,
    expected: State,
    percent: i64,
    text: &str,
) -> Result<()> {
    let n = sqlx::query(
        "UPDATE tasks SET progress_percent = $3, latest_progress = $4, state = $5 \
         WHERE task_id = $1 AND state = $2",
    )
    .bind(task_id)
    .bind(expected as i64)
    .bind(percent)
    .bind(text)
    .bind(State::InProgress as i64)
    .execute(conn)
    .await?
    .rows_affected();
    changed(n)
}

/// The lead submits the result: → awaiting confirmation.
pub async fn submit_result(
    conn: &mut AnyConnection,
    task_id: &str,
    expected: State,
    result: &str,
    at: i64,
) -> Result<()> {
    let n = sqlx::query(
        "UPDATE tasks SET result = $3, result_submitted_at = $4, state = $5 \
         WHERE task_id = $1 AND state = $2",
    )
    .bind(task_id)
    .bind(expected as i64)
    .bind(result)
    .bind(at)
    .bind(State::AwaitingConfirmation as i64)
    .execute(conn)
    .await?
    .rows_affected();
    changed(n)
}

/// The assigner confirms: → completed, completed at the submission time.
pub async fn confirm_result(
    conn: &mut AnyConnection,
    task_id: &str,
    completed_at: i64,
) -> Result<()> {
    let n = sqlx::query(
        "UPDATE tasks SET state = $3, completed_at = $4, progress_percent = 100 \
         WHERE task_id = $1 AND state = $2",
    )
    .bind(task_id)
    .bind(State::AwaitingConfirmation as i64)
    .bind(State::Completed as i64)
    .bind(completed_at)
    .execute(conn)
    .await?
    .rows_affected();
    changed(n)
}

/// A plain state change (return, pause, resume).
pub async fn set_state(
    conn: &mut AnyConnection,
    task_id: &str,
    expected: State,
    new: State,
) -> Result<()> {
    let n = sqlx::query("UPDATE tasks SET state = $3 WHERE task_id = $1 AND state = $2")
        .bind(task_id)
        .bind(expected as i64)
        .bind(new as i64)
        .execute(conn)
        .await?
        .rows_affected();
    changed(n)
}

pub async fn refuse(
    conn: &mut AnyConnection,
    task_id: &str,
    expected: State,
    at: i64,
) -> Result<()> {
    let n = sqlx::query(
        "UPDATE tasks SET state = $3, refused_at = $4 WHERE task_id = $1 AND state = $2",
    )
    .bind(task_id)
    .bind(expected as i64)
    .bind(State::Refused as i64)
    .bind(at)
    .execute(conn)
    .await?
    .rows_affected();
    changed(n)
}

/// Moves the deadline (an approved extension), if it still is `expected`.
pub async fn set_deadline(
    conn: &mut AnyConnection,
    task_id: &str,
    expected: &str,
    deadline: &str,
    deadline_end: i64,
) -> Result<()> {
    let n = sqlx::query(
        "UPDATE tasks SET deadline = $3, deadline_end = $4 WHERE task_id = $1 AND deadline = $2",
    )
    .bind(task_id)
    .bind(expected)
    .bind(deadline)
    .bind(deadline_end)
    .execute(conn)
    .await?
    .rows_affected();
    changed(n)
}

pub const EXTENSION_PENDING: i64 = 1;
pub const EXTENSION_APPROVED: i64 = 2;
pub const EXTENSION_REFUSED: i64 = 3;

#[derive(Clone, Debug)]
pub struct ExtensionRow {
    pub number: i64,
    pub old_deadline: String,
    pub new_deadline: String,
    pub reason: String,
    pub state: i64,
    pub requested_at: i64,
    pub decided_at: Option<i64>,
    pub decision_comment: String,
}

pub async fn extensions(conn: &mut AnyConnection, task_id: &str) -> Result<Vec<ExtensionRow>> {
    let rows = sqlx::query(
        "SELECT number, old_deadline, new_deadline, reason, state, requested_at, decided_at, \
         decision_comment FROM extensions WHERE task_id = $1 ORDER BY number",
    )
    .bind(task_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ExtensionRow {
                number: r.try_get("number")?,
                old_deadline: r.try_get("old_deadline")?,
                new_deadline: r.try_get("new_deadline")?,
                reason: r.try_get("reason")?,
                state: r.try_get("state")?,
                requested_at: r.try_get("requested_at")?,
                decided_at: r.try_get("decided_at")?,
                decision_comment: r.try_get("decision_comment")?,
            })
        })
        .collect()
}

/// A new extension request.
pub struct NewExtension<'a> {
    pub task_id: &'a str,
    pub number: i64,
    pub old_deadline: &'a str,
    pub new_deadline: &'a str,
    pub reason: &'a str,
    pub by: &'a str,
    pub at: i64,
}

/// Records a pending extension request numbered after the existing ones. The primary key
/// (task_id, number) refuses a concurrent second request.
pub async fn insert_extension(conn: &mut AnyConnection, e: &NewExtension<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO extensions (task_id, number, old_deadline, new_deadline, reason, state, \
         requested_by, requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(e.task_id)
    .bind(e.number)
    .bind(e.old_deadline)
    .bind(e.new_deadline)
    .bind(e.reason)
    .bind(EXTENSION_PENDING)
    .bind(e.by)
    .bind(e.at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn decide_extension(
    conn: &mut AnyConnection,
    task_id: &str,
    number: i64,
    state: i64,
    by: &str,
    at: i64,
    comment: &str,
) -> Result<()> {
    let n = sqlx::query(
        "UPDATE extensions SET state = $3, decided_by = $4, decided_at = $5, decision_comment = $6 \
         WHERE task_id = $1 AND number = $2 AND state = $7",
    )
    .bind(task_id)
    .bind(number)
    .bind(state)
    .bind(by)
    .bind(at)
    .bind(comment)
    .bind(EXTENSION_PENDING)
    .execute(conn)
    .await?
    .rows_affected();
    changed(n)
}

/// One event for one agency.
#[derive(Clone, Debug)]
pub struct EventRow {
    pub event_id: i64,
    pub task_id: String,
    pub kind: i64,
    pub content: String,
    pub deadline: String,
    pub actor: String,
    pub detail: String,
    pub at: i64,
}

/// Records an event for each of `agencies` under one new event id.
pub async fn insert_event(
    conn: &mut AnyConnection,
    agencies: &[String],
    e: &EventRow,
) -> Result<i64> {
    let event_id = lienthong_platform::db::next_counter(&mut *conn, "event").await?;
    for agency in agencies {
        sqlx::query(
            "INSERT INTO task_events (event_id, agency, task_id, kind, content, deadline, actor, \
             detail, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(event_id)
        .bind(agency)
        .bind(&e.task_id)
        .bind(e.kind)
        .bind(&e.content)
        .bind(&e.deadline)
        .bind(&e.actor)
        .bind(&e.detail)
        .bind(e.at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(event_id)
}

pub async fn events_after(
    conn: &mut AnyConnection,
    agency: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<EventRow>> {
    let rows = sqlx::query(
        "SELECT event_id, task_id, kind, content, deadline, actor, detail, at FROM task_events \
         WHERE agency = $1 AND event_id > $2 ORDER BY event_id LIMIT $3",
    )
    .bind(agency)
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(EventRow {
                event_id: r.try_get("event_id")?,
                task_id: r.try_get("task_id")?,
                kind: r.try_get("kind")?,
                content: r.try_get("content")?,
                deadline: r.try_get("deadline")?,
                actor: r.try_get("actor")?,
                detail: r.try_get("detail")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}

/// A value bound to a dynamically built query.
#[derive(Clone, Debug)]
pub enum Arg {
    Text(String),
    Int(i64),
}

/// A WHERE clause under construction, with `$n` placeholders.
#[derive(Default, Debug)]
pub struct Filter {
    pub clauses: Vec<String>,
    pub args: Vec<Arg>,
}

impl Filter {
    /// Adds a clause in which `?` stands for each next argument, in order.
    pub fn push(&mut self, clause: &str, args: Vec<Arg>) {
        let mut out = String::new();
        let mut it = args.into_iter();
        for ch in clause.chars() {
            if ch == '?' {
                if let Some(a) = it.next() {
                    self.args.push(a);
                    out.push_str(&format!("${}", self.args.len()));
                }
            } else {
                out.push(ch);
            }
        }
        self.clauses.push(out);
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "1 = 1".into()
        } else {
            self.clauses.join(" AND ")
        }
    }
}

/// Tasks matching the filter, newest first.
pub async fn list_tasks(
    conn: &mut AnyConnection,
    mut filter: Filter,
    limit: i64,
) -> Result<Vec<TaskRow>> {
    filter.push("1 = 1", vec![]);
    let sql = format!(
        "SELECT {TASK_COLUMNS} FROM tasks t WHERE {} ORDER BY t.seq DESC LIMIT {limit}",
        filter.sql()
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for a in filter.args {
        q = match a {
            Arg::Text(s) => q.bind(s),
            Arg::Int(i) => q.bind(i),
        };
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter().map(task_from_row).collect()
}

/// Open tasks with a deadline ending at or before `threshold` whose near-deadline or overdue
/// event has not been raised for their current deadline.
pub async fn sweep_candidates(conn: &mut AnyConnection, threshold: i64) -> Result<Vec<TaskRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {TASK_COLUMNS} FROM tasks t WHERE t.state NOT IN ($1, $2) \
         AND t.deadline_end IS NOT NULL AND t.deadline_end <= $3 \
         AND (t.near_marker <> t.deadline OR t.overdue_marker <> t.deadline) ORDER BY t.seq"
    )))
    .bind(State::Completed as i64)
    .bind(State::Refused as i64)
    .bind(threshold)
    .fetch_all(conn)
    .await?;
    rows.iter().map(task_from_row).collect()
}

/// Marks the near-deadline (`overdue` false) or overdue event raised for `deadline`; returns
/// whether this call did (so that it is raised once).
pub async fn set_marker(
    conn: &mut AnyConnection,
    task_id: &str,
    overdue: bool,
    deadline: &str,
) -> Result<bool> {
    let sql = if overdue {
        "UPDATE tasks SET overdue_marker = $2 WHERE task_id = $1 AND overdue_marker <> $2 AND deadline = $2"
    } else {
        "UPDATE tasks SET near_marker = $2 WHERE task_id = $1 AND near_marker <> $2 AND deadline = $2"
    };
    let n = sqlx::query(sql)
        .bind(task_id)
        .bind(deadline)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(n > 0)
}

/// Every task (optionally of one lead agency) created before `created_before`, for statistics.
pub async fn tasks_for_stats(
    conn: &mut AnyConnection,
    lead_agency: Option<&str>,
    created_before: i64,
) -> Result<Vec<TaskRow>> {
    let mut filter = Filter::default();
    filter.push("t.created_at < ?", vec![Arg::Int(created_before)]);
    if let Some(lead) = lead_agency {
        filter.push("t.lead_agency = ?", vec![Arg::Text(lead.into())]);
    }
    list_tasks(conn, filter, i64::MAX / 2).await
}

pub async fn push_state(conn: &mut AnyConnection) -> Result<Option<String>> {
    let row = sqlx::query("SELECT last_day_done FROM stats_push WHERE name = 'reporting'")
        .fetch_optional(conn)
        .await?;
    row.map(|r| Ok(r.try_get::<String, _>(0)?)).transpose()
}

pub async fn set_push_state(conn: &mut AnyConnection, last_day_done: &str) -> Result<()> {
    let n = sqlx::query("UPDATE stats_push SET last_day_done = $1 WHERE name = 'reporting'")
        .bind(last_day_done)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 0 {
        sqlx::query("INSERT INTO stats_push (name, last_day_done) VALUES ('reporting', $1)")
            .bind(last_day_done)
            .execute(conn)
            .await?;
    }
    Ok(())
}
