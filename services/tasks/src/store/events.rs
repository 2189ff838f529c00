//! The `task_events` table: one row per (event, agency taking part in the task), ids
//! increasing (the `event` counter), so that a watcher resuming after event N misses nothing.
use lienthong_api::tasks::v1::TaskEventKind;
use lienthong_axis::{AgencyCode, TaskId};
use lienthong_platform::error::InfraError;
use sqlx::{AnyConnection, Row};

use super::{Result, date_text, optional_date};

/// One event (for one agency, when read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRow {
    /// 0 before it is recorded.
    pub event_id: i64,
    pub task: TaskId,
    pub kind: TaskEventKind,
    pub content: String,
    pub deadline: Option<time::Date>,
    pub actor: String,
    pub detail: String,
    pub at: i64,
}

/// Records an event for each of `agencies` under one new event id; returns the id.
pub async fn insert_event(
    conn: &mut AnyConnection,
    agencies: &[AgencyCode],
    e: &EventRow,
) -> Result<i64> {
    let event_id = lienthong_platform::db::next_counter(&mut *conn, "event").await?;
    for agency in agencies {
        sqlx::query(
            "INSERT INTO task_events (event_id, agency, task_id, kind, content, deadline, actor, \
             detail, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(event_id)
        .bind(agency.as_str())
        .bind(e.task.to_string())
        .bind(i64::from(e.kind as i32))
        .bind(&e.content)
        .bind(date_text(e.deadline))
        .bind(&e.actor)
        .bind(&e.detail)
        .bind(e.at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(event_id)
}

/// An agency's events after `after`, oldest first, at most `limit`.
pub async fn events_after(
    conn: &mut AnyConnection,
    agency: &AgencyCode,
    after: i64,
    limit: i64,
) -> Result<Vec<EventRow>> {
    let rows = sqlx::query(
        "SELECT event_id, task_id, kind, content, deadline, actor, detail, at FROM task_events \
         WHERE agency = $1 AND event_id > $2 ORDER BY event_id LIMIT $3",
    )
    .bind(agency.as_str())
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let kind: i64 = r.try_get("kind")?;
            let task: String = r.try_get("task_id")?;
            Ok(EventRow {
                event_id: r.try_get("event_id")?,
                task: task
                    .parse()
                    .map_err(|e| InfraError::internal(format!("stored task id: {e}")))?,
                kind: i32::try_from(kind)
                    .ok()
                    .and_then(|k| TaskEventKind::try_from(k).ok())
                    .ok_or_else(|| InfraError::internal(format!("stored event kind {kind}")))?,
                content: r.try_get("content")?,
                deadline: optional_date(r, "deadline")?,
                actor: r.try_get("actor")?,
                detail: r.try_get("detail")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}
