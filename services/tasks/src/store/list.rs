//! Queries over many tasks: the list filter (built at run time), the sweeper's candidates and
//! the facts of the statistics.
use std::collections::HashMap;

use lienthong_axis::{AgencyCode, TaskId, local::format_date};
use sqlx::{AnyConnection, Row};

use super::{
    Result, Select, agency,
    tasks::{TASK_COLUMNS, TaskRow, state, task_from_row},
};
use crate::domain::{Bucket, BucketFacts, State, figures::TaskFacts, query::ListQuery};

/// What `ListTasks` selects.
#[derive(Clone, Copy, Debug)]
pub struct TaskFilter<'a> {
    /// Only the tasks this agency takes part in; `None`: every task (admins).
    pub party: Option<&'a AgencyCode>,
    pub query: &'a ListQuery,
    /// The clock, for the bucket.
    pub now: i64,
    /// The near-deadline threshold at `now` (`domain::bucket::near_threshold`).
    pub near: i64,
}

/// The tasks matching `filter`, newest first: one page and one more row (to tell whether
/// another page follows).
pub async fn list_tasks(conn: &mut AnyConnection, filter: &TaskFilter<'_>) -> Result<Vec<TaskRow>> {
    let q = filter.query;
    let mut s = Select::new(&format!("SELECT {TASK_COLUMNS} FROM tasks t"));
    if let Some(a) = filter.party {
        s.and().push("(t.assigner = ").text(a.as_str());
        s.push(" OR t.lead_agency = ").text(a.as_str());
        s.push(
            " OR EXISTS (SELECT 1 FROM task_coordinators c \
             WHERE c.task_id = t.task_id AND c.agency = ",
        )
        .text(a.as_str())
        .push("))");
    }
    if let Some(a) = &q.lead_agency {
        s.and().push("t.lead_agency = ").text(a.as_str());
    }
    if let Some(a) = &q.assigner {
        s.and().push("t.assigner = ").text(a.as_str());
    }
    if let Some(a) = &q.coordinating_agency {
        s.and()
            .push(
                "EXISTS (SELECT 1 FROM task_coordinators c2 \
                 WHERE c2.task_id = t.task_id AND c2.agency = ",
            )
            .text(a.as_str())
            .push(")");
    }
    if let Some(doc) = &q.source_document_id {
        s.and().push("t.source_document_id = ").text(doc.as_str());
    }
    if let Some(d) = q.deadline_from {
        s.and()
            .push("t.deadline <> '' AND t.deadline >= ")
            .text(format_date(d));
    }
    if let Some(d) = q.deadline_to {
        s.and()
            .push("t.deadline <> '' AND t.deadline <= ")
            .text(format_date(d));
    }
    if let Some(b) = q.bucket {
        bucket_condition(s.and(), b, filter.now, filter.near);
    }
    if let Some(before) = q.before_seq {
        s.and().push("t.seq < ").int(before);
    }
    s.push(" ORDER BY t.seq DESC LIMIT ").int(q.page_size + 1);
    let rows = s.fetch_all(conn).await?;
    rows.iter().map(task_from_row).collect()
}

/// The coordinating agencies of each of `ids`, by task id, each task's in code order (as
/// [`super::coordinators`] gives them): one query for a whole page of `ListTasks` instead of one
/// per task. A task without coordinators is absent.
pub async fn coordinators_of_tasks(
    conn: &mut AnyConnection,
    ids: &[TaskId],
) -> Result<HashMap<TaskId, Vec<AgencyCode>>> {
    let mut by_task: HashMap<TaskId, Vec<AgencyCode>> = HashMap::new();
    // `$n` written out: through the Any driver QueryBuilder writes `?`, which PostgreSQL
    // refuses. A page is at most a few hundred tasks; chunks keep any list within limits.
    for chunk in ids.chunks(500) {
        let list: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT task_id, agency FROM task_coordinators WHERE task_id IN ({}) \
             ORDER BY task_id, agency",
            list.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(id.to_string());
        }
        let rows = query.fetch_all(&mut *conn).await?;
        // Back to the TaskId asked for, by its stored text.
        let asked: HashMap<String, TaskId> = chunk.iter().map(|id| (id.to_string(), *id)).collect();
        for row in &rows {
            let stored: String = row.try_get("task_id")?;
            if let Some(id) = asked.get(&stored) {
                by_task.entry(*id).or_default().push(agency(row, "agency")?);
            }
        }
    }
    Ok(by_task)
}

/// How many tasks are in bucket `b` at `now` (`near`: the near-deadline threshold), for the
/// operator's gauge.
pub async fn count_in_bucket(
    conn: &mut AnyConnection,
    b: Bucket,
    now: i64,
    near: i64,
) -> Result<i64> {
    let mut s = Select::new("SELECT COUNT(*) AS n FROM tasks t");
    bucket_condition(s.and(), b, now, near);
    let rows = s.fetch_all(conn).await?;
    Ok(match rows.first() {
        Some(row) => row.try_get("n")?,
        None => 0,
    })
}

/// The SQL twin of `domain::bucket::bucket`: the tasks in bucket `b` at `now`.
fn bucket_condition(s: &mut Select, b: Bucket, now: i64, near: i64) {
    let done = State::Completed.as_i64();
    let refused = State::Refused.as_i64();
    let open = |s: &mut Select| {
        s.push("t.state NOT IN (")
            .int(done)
            .push(", ")
            .int(refused)
            .push(")");
    };
    match b {
        Bucket::CompletedOnTime => {
            s.push("t.state = ")
                .int(done)
                .push(" AND (t.deadline_end IS NULL OR t.completed_at < t.deadline_end)");
        }
        Bucket::CompletedLate => {
            s.push("t.state = ")
                .int(done)
                .push(" AND t.deadline_end IS NOT NULL AND t.completed_at >= t.deadline_end");
        }
        Bucket::Overdue => {
            open(s);
            s.push(" AND t.deadline_end IS NOT NULL AND t.deadline_end <= ")
                .int(now);
        }
        Bucket::NearDeadline => {
            open(s);
            s.push(" AND t.deadline_end IS NOT NULL AND t.deadline_end > ")
                .int(now)
                .push(" AND t.deadline_end <= ")
                .int(near);
        }
        Bucket::InProgress => {
            open(s);
            s.push(" AND (t.deadline_end IS NULL OR t.deadline_end > ")
                .int(near.max(now))
                .push(")");
        }
        Bucket::Refused => {
            s.push("t.state = ").int(refused);
        }
    }
}

/// Open tasks with a deadline ending at or before `threshold` whose near-deadline or overdue
/// event has not been raised for their current deadline, oldest first.
pub async fn sweep_candidates(conn: &mut AnyConnection, threshold: i64) -> Result<Vec<TaskRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {TASK_COLUMNS} FROM tasks t WHERE t.state NOT IN ($1, $2) \
         AND t.deadline_end IS NOT NULL AND t.deadline_end <= $3 \
         AND (t.near_marker <> t.deadline OR t.overdue_marker <> t.deadline) ORDER BY t.seq"
    )))
    .bind(State::Completed.as_i64())
    .bind(State::Refused.as_i64())
    .bind(threshold)
    .fetch_all(conn)
    .await?;
    rows.iter().map(task_from_row).collect()
}

/// The tasks (optionally of one lead agency) created before `created_before`, as the
/// statistics see them.
pub async fn statistics_facts(
    conn: &mut AnyConnection,
    lead_agency: Option<&AgencyCode>,
    created_before: i64,
) -> Result<Vec<TaskFacts>> {
    let mut s = Select::new(
        "SELECT t.lead_agency, t.created_at, t.state, t.deadline_end, t.completed_at, \
         t.refused_at FROM tasks t",
    );
    s.and().push("t.created_at < ").int(created_before);
    if let Some(lead) = lead_agency {
        s.and().push("t.lead_agency = ").text(lead.as_str());
    }
    let rows = s.fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            Ok(TaskFacts {
                lead_agency: agency(r, "lead_agency")?,
                created_at: r.try_get("created_at")?,
                bucket: BucketFacts {
                    state: state(r)?,
                    deadline_end: r.try_get("deadline_end")?,
                    completed_at: r.try_get("completed_at")?,
                    refused_at: r.try_get("refused_at")?,
                },
            })
        })
        .collect()
}
