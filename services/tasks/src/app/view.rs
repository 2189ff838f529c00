//! Reading one task: loading it with the caller's role, and its message.
use lienthong_api::tasks::v1::{Extension, Task, TaskHistoryEntry};
use lienthong_axis::{AgencyCode, TaskId, local::format_date, timestamp::to_timestamp};
use sqlx::AnyConnection;
use time::Date;

use super::Tasks;
use crate::{
    domain::{Role, Viewer, bucket::bucket, role::Parties},
    error::{Result, TasksError},
    store::{self, ExtensionRow, HistoryRow, TaskRow},
};

/// A task read for a change: the row, its coordinators, extensions and the caller's role.
pub(super) struct Loaded {
    pub row: TaskRow,
    pub coordinators: Vec<AgencyCode>,
    pub extensions: Vec<ExtensionRow>,
    pub role: Role,
}

impl Loaded {
    /// Everyone taking part in the task, each once.
    pub fn parties(&self) -> Vec<AgencyCode> {
        parties(&self.row, &self.coordinators)
    }
}

/// Everyone taking part in a task, each once.
pub(super) fn parties(row: &TaskRow, coordinators: &[AgencyCode]) -> Vec<AgencyCode> {
    Parties {
        assigner: &row.assigner,
        lead: &row.lead_agency,
        coordinators,
    }
    .all()
}

fn not_found(task_id: TaskId) -> TasksError {
    TasksError::TaskNotFound { task_id }
}

fn text(d: Option<Date>) -> String {
    d.map(format_date).unwrap_or_default()
}

impl Tasks {
    /// Loads task `id` for `viewer`: NOT_FOUND when it does not exist or the viewer takes
    /// no part in it (the two are not told apart).
    pub(super) async fn load(
        &self,
        conn: &mut AnyConnection,
        viewer: &Viewer,
        id: TaskId,
    ) -> Result<Loaded> {
        let row = store::find_task(&mut *conn, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        let coordinators = store::coordinators(&mut *conn, id).await?;
        let role = viewer
            .role_in(&Parties {
                assigner: &row.assigner,
                lead: &row.lead_agency,
                coordinators: &coordinators,
            })
            .ok_or_else(|| not_found(id))?;
        let extensions = store::extensions(conn, id).await?;
        Ok(Loaded {
            row,
            coordinators,
            extensions,
            role,
        })
    }

    /// The full message of a task (history and extensions included), its bucket by the clock.
    pub(super) async fn view(&self, conn: &mut AnyConnection, row: &TaskRow) -> Result<Task> {
        let coordinators = store::coordinators(&mut *conn, row.id).await?;
        let mut task = self.summary(row, coordinators);
        task.history = store::history(&mut *conn, row.id)
            .await?
            .into_iter()
            .map(history_entry)
            .collect();
        task.extensions = store::extensions(conn, row.id)
            .await?
            .into_iter()
            .map(extension)
            .collect();
        Ok(task)
    }

    /// The message of a task without history and extensions (lists), from what was read; its
    /// bucket by the clock.
    pub(super) fn summary(&self, row: &TaskRow, coordinators: Vec<AgencyCode>) -> Task {
        let coordinating_agencies = coordinators.into_iter().map(String::from).collect();
        let bucket = bucket(&row.bucket_facts(), self.now(), self.near_window_days);
        Task {
            task_id: row.id.to_string(),
            content: row.content.clone(),
            source_document_id: row.source_document_id.clone(),
            assigner: row.assigner.to_string(),
            lead_agency: row.lead_agency.to_string(),
            coordinating_agencies,
            deadline: text(row.deadline),
            original_deadline: text(row.original_deadline),
            state: row.state.proto() as i32,
            bucket: bucket.proto() as i32,
            progress_percent: i32::try_from(row.progress_percent).unwrap_or_default(),
            latest_progress: row.latest_progress.clone(),
            result: row.result.clone(),
            notes: row.notes.clone(),
            create_time: Some(to_timestamp(row.created_at)),
            complete_time: row.completed_at.map(to_timestamp),
            history: Vec::new(),
            extensions: Vec::new(),
        }
    }

    /// The full message of a task, read afresh (after a change committed).
    pub(super) async fn fresh_view(&self, id: TaskId) -> Result<Task> {
        let mut conn = store::acquire(&self.db).await?;
        let row = store::find_task(&mut conn, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        self.view(&mut conn, &row).await
    }
}

fn history_entry(h: HistoryRow) -> TaskHistoryEntry {
    TaskHistoryEntry {
        seq: u64::try_from(h.seq).unwrap_or_default(),
        change_time: Some(to_timestamp(h.at)),
        actor: h.actor,
        action: h.action.proto() as i32,
        detail: h.detail,
        percent: h.percent.and_then(|p| i32::try_from(p).ok()),
    }
}

fn extension(e: ExtensionRow) -> Extension {
    Extension {
        extension_number: u32::try_from(e.number).unwrap_or_default(),
        old_deadline: format_date(e.old_deadline),
        new_deadline: format_date(e.new_deadline),
        reason: e.reason,
        state: e.state.proto() as i32,
        request_time: Some(to_timestamp(e.requested_at)),
        decide_time: e.decided_at.map(to_timestamp),
        decision_comment: e.decision_comment,
    }
}
