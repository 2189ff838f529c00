//! Creating tasks: an agency assigns one (`CreateTask`), or a steering document delivered by
//! the hub becomes one (`CreateTaskFromDocument`, idempotent on (document, lead agency)).
use lienthong_api::tasks::v1::{
    CreateTaskFromDocumentRequest, CreateTaskRequest, Task, TaskEventKind,
};
use lienthong_axis::{
    AgencyCode, TaskId,
    local::{format_date, local_date},
};
use lienthong_platform::{Identity, error::InfraError};

use super::{
    Tasks,
    change::{Change, Entry, record},
    view::parties,
};
use crate::{
    domain::{
        HistoryAction, State,
        create::{self, NewTask, OnDuplicate},
        deadline_end,
    },
    error::{Result, TasksError},
    store::{self, TaskRow},
};

/// What an intake call did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A new task.
    Created,
    /// The document already gave this lead agency a task: that one.
    Existing,
}

impl Tasks {
    /// An agency assigns a task (the caller is the assigner).
    pub async fn create_task(&self, assigner: &AgencyCode, r: CreateTaskRequest) -> Result<Task> {
        let today = local_date(self.now());
        let new = create::from_request(assigner, r, today)?;
        let (row, _) = self.insert(new).await?;
        let mut conn = store::acquire(&self.db).await?;
        self.view(&mut conn, &row).await
    }

    /// A steering document delivered by the hub becomes a task (service identities).
    pub async fn create_from_document(
        &self,
        caller: &Identity,
        r: CreateTaskFromDocumentRequest,
    ) -> Result<(TaskId, Outcome)> {
        let Identity::Service(service) = caller else {
            return Err(TasksError::IdentityNotAllowed {
                identity: caller.clone(),
                expected: "not a service",
            });
        };
        let new = create::from_document(service, r, local_date(self.now()))?;
        let (row, outcome) = self.insert(new).await?;
        Ok((row.id, outcome))
    }

    async fn insert(&self, new: NewTask) -> Result<(TaskRow, Outcome)> {
        if new.on_duplicate == OnDuplicate::ReturnExisting
            && let Some(existing) = self.existing(&new).await?
        {
            return Ok((existing, Outcome::Existing));
        }
        let now = self.now();
        let mut tx = store::begin(&self.db).await?;
        let seq = store::next_task_seq(&mut tx).await?;
        let row = TaskRow {
            id: TaskId::from_seq(seq),
            content: new.content.clone(),
            source_document_id: new
                .source_document_id
                .as_ref()
                .map(|d| d.to_string())
                .unwrap_or_default(),
            assigner: new.assigner.clone(),
            lead_agency: new.lead_agency.clone(),
            deadline: new.deadline,
            deadline_end: new.deadline.map(deadline_end),
            original_deadline: new.deadline,
            state: State::NotStarted,
            progress_percent: 0,
            latest_progress: String::new(),
            result: String::new(),
            result_submitted_at: None,
            notes: new.notes.clone(),
            created_by: new.created_by.clone(),
            created_at: now,
            completed_at: None,
            refused_at: None,
            near_marker: None,
            overdue_marker: None,
        };
        if let Err(e) = store::insert_task(&mut tx, &row, &new.coordinators).await {
            drop(tx);
            return self.on_insert_failure(&new, e).await;
        }
        let detail = match row.deadline {
            None => "no deadline".to_string(),
            Some(d) => format!("deadline {}", format_date(d)),
        };
        let entry = Entry {
            row: &row,
            parties: parties(&row, &new.coordinators),
            actor: &row.created_by,
            at: now,
            deadline: row.deadline,
        };
        let change = Change::event(HistoryAction::Created, detail, TaskEventKind::Assigned);
        let woken = record(&mut tx, &entry, &change).await?;
        store::commit(tx).await?;
        self.wake(&woken);
        tracing::info!(task_id = %row.id, assigner = %row.assigner, lead = %row.lead_agency, "task created");
        Ok((row, Outcome::Created))
    }

    /// The task the new task's document already gave its lead agency.
    async fn existing(&self, new: &NewTask) -> Result<Option<TaskRow>> {
        let Some(source) = &new.source_document_id else {
            return Ok(None);
        };
        let mut conn = store::acquire(&self.db).await?;
        Ok(store::find_by_source(&mut conn, source, &new.lead_agency).await?)
    }

    /// The insert failed: the same document for the same lead agency won a race, or was
    /// assigned before.
    async fn on_insert_failure(&self, new: &NewTask, e: InfraError) -> Result<(TaskRow, Outcome)> {
        let Some(existing) = self.existing(new).await? else {
            return Err(e.into());
        };
        match new.on_duplicate {
            OnDuplicate::ReturnExisting => Ok((existing, Outcome::Existing)),
            OnDuplicate::Refuse => Err(TasksError::SourceAlreadyAssigned {
                source_document_id: existing.source_document_id,
                task_id: existing.id,
                lead_agency: existing.lead_agency.to_string(),
            }),
        }
    }
}
