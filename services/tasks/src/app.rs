//! The tasks service's use cases: each one applies the rules of [`crate::domain`] and commits
//! its changes (the task, a history entry, events) through [`crate::store`] in one
//! transaction, then wakes whoever watches the events.
use std::{collections::BTreeMap, sync::Arc};

use lienthong_api::{
    reporting::v1::StatisticValue,
    tasks::v1::{
        AgencyTaskStatistics, CreateTaskFromDocumentRequest, CreateTaskRequest, Extension,
        ListTasksRequest, Task, TaskBucket, TaskEvent, TaskEventKind, TaskHistoryEntry,
    },
};
use sqlx::AnyPool;
use time::Date;

use crate::{
    clock::Clock,
    domain::{self, Bucket, BucketFacts, Role, State},
    error::{Result, TasksError},
    notify::{Notifier, events_key},
    store::{self, Arg, EventRow, Filter, TaskRow},
};

/// Who calls a use case (after the policy let it through).
#[derive(Clone, Debug)]
pub enum Caller {
    Agency(String),
    Admin(String),
}

/// Everything a use case needs.
pub struct Tasks {
    pub pool: AnyPool,
    pub notifier: Notifier,
    pub clock: Arc<dyn Clock>,
    /// Days before the deadline day from which a task is near its deadline.
    pub near_window_days: u32,
}

pub fn timestamp(micros: i64) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: micros.div_euclid(1_000_000),
        nanos: (micros.rem_euclid(1_000_000) * 1000) as i32,
    }
}

fn facts(t: &TaskRow) -> BucketFacts {
    BucketFacts {
        state: t.state,
        deadline_end: t.deadline_end,
        completed_at: t.completed_at,
        refused_at: t.refused_at,
    }
}

fn bucket_from_pb(b: TaskBucket) -> Option<Bucket> {
    Some(match b {
        TaskBucket::Unspecified => return None,
        TaskBucket::CompletedOnTime => Bucket::CompletedOnTime,
        TaskBucket::CompletedLate => Bucket::CompletedLate,
        TaskBucket::InProgress => Bucket::InProgress,
        TaskBucket::NearDeadline => Bucket::NearDeadline,
        TaskBucket::Overdue => Bucket::Overdue,
        TaskBucket::Refused => Bucket::Refused,
    })
}

fn not_found(task_id: &str) -> TasksError {
    TasksError::NotFound(format!(
        "task_id: no task {task_id} (or it is not assigned to, led or coordinated by you)"
    ))
}

/// A task read for a change: the row, its coordinators and the caller's role.
struct Loaded {
    row: TaskRow,
    coordinators: Vec<String>,
    extensions: Vec<store::ExtensionRow>,
    role: Role,
}

impl Loaded {
    /// Everyone taking part in the task, each once.
    fn parties(&self) -> Vec<String> {
        let mut out = vec![self.row.assigner.clone(), self.row.lead_agency.clone()];
        for c in &self.coordinators {
            if !out.contains(c) {
                out.push(c.clone());
            }
        }
        out
    }
}

/// The role of `caller` in a task, or None when it takes no part.
fn role_of(caller: &Caller, row: &TaskRow, coordinators: &[String]) -> Option<Role> {
    match caller {
        Caller::Admin(_) => Some(Role::Admin),
        Caller::Agency(a) if *a == row.assigner => Some(Role::Assigner),
        Caller::Agency(a) if *a == row.lead_agency => Some(Role::Lead),
        Caller::Agency(a) if coordinators.contains(a) => Some(Role::Coordinator),
        Caller::Agency(_) => None,
    }
}

/// What a change does besides the task row: a history entry and, maybe, an event.
struct Change<'a> {
    action: &'a str,
    detail: String,
    percent: Option<i64>,
    event: Option<TaskEventKind>,
}

impl Tasks {
    fn now(&self) -> i64 {
        self.clock.now_micros()
    }

    async fn conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>> {
        Ok(self.pool.acquire().await?)
    }

    async fn load(
        &self,
        conn: &mut sqlx::AnyConnection,
        caller: &Caller,
        task_id: &str,
    ) -> Result<Loaded> {
        domain::parse_task_id("task_id", task_id)?;
        let row = store::find_task(&mut *conn, task_id)
            .await?
            .ok_or_else(|| not_found(task_id))?;
        let coordinators = store::coordinators(&mut *conn, task_id).await?;
        let role = role_of(caller, &row, &coordinators).ok_or_else(|| not_found(task_id))?;
        let extensions = store::extensions(conn, task_id).await?;
        Ok(Loaded {
            row,
            coordinators,
            extensions,
            role,
        })
    }

    /// The message of a task; with history and extensions when `full`.
    async fn view(
        &self,
        conn: &mut sqlx::AnyConnection,
        row: &TaskRow,
        full: bool,
    ) -> Result<Task> {
        let coordinating_agencies = store::coordinators(&mut *conn, &row.task_id).await?;
        let (history, extensions) = if full {
            let history = store::history(&mut *conn, &row.task_id)
                .await?
                .into_iter()
                .map(|h| TaskHistoryEntry {
                    seq: h.seq as u64,
                    at: Some(timestamp(h.at)),
                    actor: h.actor,
                    action: h.action,
                    detail: h.detail,
                    percent: h.percent.map(|p| p as i32),
                })
                .collect();
            let extensions = store::extensions(conn, &row.task_id)
                .await?
                .into_iter()
                .map(|e| Extension {
                    extension_number: e.number as u32,
                    old_deadline: e.old_deadline,
                    new_deadline: e.new_deadline,
                    reason: e.reason,
                    state: e.state as i32,
                    requested_at: Some(timestamp(e.requested_at)),
                    decided_at: e.decided_at.map(timestamp),
                    decision_comment: e.decision_comment,
                })
                .collect();
            (history, extensions)
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(Task {
            task_id: row.task_id.clone(),
            content: row.content.clone(),
            source_document_id: row.source_document_id.clone(),
            assigner: row.assigner.clone(),
            lead_agency: row.lead_agency.clone(),
            coordinating_agencies,
            deadline: row.deadline.clone(),
            original_deadline: row.original_deadline.clone(),
            state: row.state as i32,
            bucket: domain::bucket(&facts(row), self.now(), self.near_window_days) as i32,
            progress_percent: row.progress_percent as i32,
            latest_progress: row.latest_progress.clone(),
            result: row.result.clone(),
            notes: row.notes.clone(),
            created_at: Some(timestamp(row.created_at)),
            completed_at: row.completed_at.map(timestamp),
            history,
            extensions,
        })
    }

    /// The full view of a task, read afresh.
    async fn fresh_view(&self, task_id: &str) -> Result<Task> {
        let mut conn = self.conn().await?;
        let row = store::find_task(&mut conn, task_id)
            .await?
            .ok_or_else(|| not_found(task_id))?;
        self.view(&mut conn, &row, true).await
    }

    /// Records a change's history entry and event (inside the caller's transaction).
    async fn record(
        &self,
        conn: &mut sqlx::AnyConnection,
        loaded: &Loaded,
        actor: &str,
        change: &Change<'_>,
        now: i64,
        deadline: &str,
    ) -> Result<Option<Vec<String>>> {
        store::insert_history(
            &mut *conn,
            &loaded.row.task_id,
            now,
            actor,
            change.action,
            &change.detail,
            change.percent,
        )
        .await?;
        let Some(kind) = change.event else {
            return Ok(None);
        };
        let parties = loaded.parties();
        store::insert_event(
            conn,
            &parties,
            &EventRow {
                event_id: 0,
                task_id: loaded.row.task_id.clone(),
                kind: kind as i64,
                content: loaded.row.content.clone(),
                deadline: deadline.to_string(),
                actor: actor.to_string(),
                detail: change.detail.clone(),
                at: now,
            },
        )
        .await?;
        Ok(Some(parties))
    }

    fn wake(&self, parties: Option<Vec<String>>) {
        for p in parties.into_iter().flatten() {
            self.notifier.notify(&events_key(&p));
        }
    }

    // Creation.

    /// An agency assigns a task (the caller is the assigner).
    pub async fn create_task(&self, assigner: &str, r: CreateTaskRequest) -> Result<Task> {
        domain::require_text("content", &r.content, "what is to be done")?;
        let coordinators = domain::check_parties(
            "assigner",
            assigner,
            &r.lead_agency,
            &r.coordinating_agencies,
        )?;
        let now = self.now();
        let deadline = domain::check_date("deadline", &r.deadline)?;
        if let Some(d) = deadline {
            let today = domain::local_date(now);
            if d < today {
                return Err(TasksError::invalid(
                    "deadline",
                    format!(
                        "{} is before the task's creation ({}, Vietnam time)",
                        r.deadline,
                        domain::format_date(today)
                    ),
                ));
            }
        }
        if !r.source_document_id.is_empty() {
            domain::check_document_id("source_document_id", &r.source_document_id)?;
        }
        let (row, created) = self
            .insert(NewTask {
                content: r.content,
                source_document_id: r.source_document_id,
                assigner: assigner.to_string(),
                lead_agency: r.lead_agency,
                coordinators,
                deadline,
                notes: r.notes,
                created_by: assigner.to_string(),
                idempotent: false,
            })
            .await?;
        debug_assert!(created);
        let mut conn = self.conn().await?;
        self.view(&mut conn, &row, true).await
    }

    /// A steering document delivered by the hub becomes a task (service identities).
    /// Idempotent on (source_document_id, lead_agency).
    pub async fn create_from_document(
        &self,
        service: &str,
        r: CreateTaskFromDocumentRequest,
    ) -> Result<(String, bool)> {
        if r.source_document_id.is_empty() {
            return Err(TasksError::invalid("source_document_id", "is required"));
        }
        domain::check_document_id("source_document_id", &r.source_document_id)?;
        let coordinating: Vec<String> = r
            .coordinating_agencies
            .iter()
            .filter(|c| **c != r.lead_agency && **c != r.assigner)
            .cloned()
            .collect();
        let coordinators =
            domain::check_parties("assigner", &r.assigner, &r.lead_agency, &coordinating)?;
        let deadline = domain::check_date("deadline", &r.deadline)?;
        let content = if r.content.trim().is_empty() {
            format!("Thực hiện văn bản {}", r.source_document_id)
        } else {
            r.content
        };
        let (row, created) = self
            .insert(NewTask {
                content,
                source_document_id: r.source_document_id,
                assigner: r.assigner,
                lead_agency: r.lead_agency,
                coordinators,
                deadline,
                notes: String::new(),
                created_by: format!("service/{service}"),
                idempotent: true,
            })
            .await?;
        Ok((row.task_id, created))
    }

    async fn insert(&self, n: NewTask) -> Result<(TaskRow, bool)> {
        if n.idempotent {
            let mut conn = self.conn().await?;
            if let Some(row) =
                store::find_by_source(&mut conn, &n.source_document_id, &n.lead_agency).await?
            {
                return Ok((row, false));
            }
        }
        let now = self.now();
        let deadline = n.deadline.map(domain::format_date).unwrap_or_default();
        let mut tx = self.pool.begin().await?;
        let seq = lienthong_platform::db::next_counter(&mut tx, "task").await?;
        let row = TaskRow {
            task_id: domain::task_id(seq),
            seq,
            content: n.content,
            source_document_id: n.source_document_id,
            assigner: n.assigner,
            lead_agency: n.lead_agency,
            deadline: deadline.clone(),
            deadline_end: n.deadline.map(domain::end_of_day),
            original_deadline: deadline.clone(),
            state: State::NotStarted,
            progress_percent: 0,
            latest_progress: String::new(),
            result: String::new(),
            result_submitted_at: None,
            notes: n.notes,
            created_by: n.created_by,
            created_at: now,
            completed_at: None,
            refused_at: None,
            near_marker: String::new(),
            overdue_marker: String::new(),
        };
        let inserted = store::insert_task(&mut tx, &row, &n.coordinators).await;
        if let Err(e) = inserted {
            drop(tx);
            // The same document for the same lead agency won a race, or was created before.
            if !row.source_document_id.is_empty() {
                let mut conn = self.conn().await?;
                if let Some(existing) =
                    store::find_by_source(&mut conn, &row.source_document_id, &row.lead_agency)
                        .await?
                {
                    if n.idempotent {
                        return Ok((existing, false));
                    }
                    return Err(TasksError::AlreadyExists(format!(
                        "source_document_id: {} already assigned task {} to {}",
                        row.source_document_id, existing.task_id, row.lead_agency
                    )));
                }
            }
            return Err(e);
        }
        let loaded = Loaded {
            coordinators: n.coordinators,
            extensions: Vec::new(),
            role: Role::Assigner,
            row: row.clone(),
        };
        let detail = if deadline.is_empty() {
            "no deadline".to_string()
        } else {
            format!("deadline {deadline}")
        };
        let change = Change {
            action: "created",
            detail,
            percent: None,
            event: Some(TaskEventKind::Assigned),
        };
        let parties = self
            .record(&mut tx, &loaded, &row.created_by, &change, now, &deadline)
            .await?;
        tx.commit().await?;
        self.wake(parties);
        tracing::info!(task_id = %row.task_id, assigner = %row.assigner, lead = %row.lead_agency, "task created");
        Ok((row, true))
    }

    // Reading.

    pub async fn get_task(&self, caller: &Caller, task_id: &str) -> Result<Task> {
        let mut conn = self.conn().await?;
        let loaded = self.load(&mut conn, caller, task_id).await?;
        self.view(&mut conn, &loaded.row, true).await
    }

    pub async fn list_tasks(
        &self,
        caller: &Caller,
        r: &ListTasksRequest,
    ) -> Result<(Vec<Task>, String)> {
        let mut f = Filter::default();
        if let Caller::Agency(a) = caller {
            f.push(
                "(t.assigner = ? OR t.lead_agency = ? OR EXISTS (SELECT 1 FROM task_coordinators c \
                 WHERE c.task_id = t.task_id AND c.agency = ?))",
                vec![
                    Arg::Text(a.clone()),
                    Arg::Text(a.clone()),
                    Arg::Text(a.clone()),
                ],
            );
        }
        if !r.lead_agency.is_empty() {
            domain::check_agency_code("lead_agency", &r.lead_agency)?;
            f.push("t.lead_agency = ?", vec![Arg::Text(r.lead_agency.clone())]);
        }
        if !r.assigner.is_empty() {
            domain::check_agency_code("assigner", &r.assigner)?;
            f.push("t.assigner = ?", vec![Arg::Text(r.assigner.clone())]);
        }
        if !r.coordinating_agency.is_empty() {
            domain::check_agency_code("coordinating_agency", &r.coordinating_agency)?;
            f.push(
                "EXISTS (SELECT 1 FROM task_coordinators c2 WHERE c2.task_id = t.task_id AND c2.agency = ?)",
                vec![Arg::Text(r.coordinating_agency.clone())],
            );
        }
        if !r.source_document_id.is_empty() {
            f.push(
                "t.source_document_id = ?",
                vec![Arg::Text(r.source_document_id.clone())],
            );
        }
        let from = domain::check_date("deadline_from", &r.deadline_from)?;
        let to = domain::check_date("deadline_to", &r.deadline_to)?;
        if let (Some(a), Some(b)) = (from, to)
            && b < a
        {
            return Err(TasksError::invalid(
                "deadline_to",
                "is before deadline_from",
            ));
        }
        if let Some(a) = from {
            f.push(
                "t.deadline <> '' AND t.deadline >= ?",
                vec![Arg::Text(domain::format_date(a))],
            );
        }
        if let Some(b) = to {
            f.push(
                "t.deadline <> '' AND t.deadline <= ?",
                vec![Arg::Text(domain::format_date(b))],
            );
        }
        let bucket = TaskBucket::try_from(r.bucket).map_err(|_| {
            TasksError::invalid("bucket", format!("{} is not a TaskBucket", r.bucket))
        })?;
        if let Some(b) = bucket_from_pb(bucket) {
            self.bucket_filter(&mut f, b);
        }
        if !r.page_token.is_empty() {
            let before = r.page_token.parse::<i64>().map_err(|_| {
                TasksError::invalid("page_token", "is not a token this service issued")
            })?;
            f.push("t.seq < ?", vec![Arg::Int(before)]);
        }
        let limit = if r.page_size == 0 {
            50
        } else {
            r.page_size.min(500)
        } as i64;
        let mut conn = self.conn().await?;
        let mut rows = store::list_tasks(&mut conn, f, limit + 1).await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let mut tasks = Vec::with_capacity(rows.len());
        for row in &rows {
            tasks.push(self.view(&mut conn, row, false).await?);
        }
        let next = if more {
            rows.last().map(|r| r.seq.to_string()).unwrap_or_default()
        } else {
            String::new()
        };
        Ok((tasks, next))
    }

    /// The SQL twin of [`domain::bucket`].
    fn bucket_filter(&self, f: &mut Filter, b: Bucket) {
        let now = self.now();
        let near = domain::near_threshold(now, self.near_window_days);
        let done = State::Completed as i64;
        let refused = State::Refused as i64;
        match b {
            Bucket::CompletedOnTime => f.push(
                "t.state = ? AND (t.deadline_end IS NULL OR t.completed_at < t.deadline_end)",
                vec![Arg::Int(done)],
            ),
            Bucket::CompletedLate => f.push(
                "t.state = ? AND t.deadline_end IS NOT NULL AND t.completed_at >= t.deadline_end",
                vec![Arg::Int(done)],
            ),
            Bucket::Overdue => f.push(
                "t.state NOT IN (?, ?) AND t.deadline_end IS NOT NULL AND t.deadline_end <= ?",
                vec![Arg::Int(done), Arg::Int(refused), Arg::Int(now)],
            ),
            Bucket::NearDeadline => f.push(
                "t.state NOT IN (?, ?) AND t.deadline_end IS NOT NULL AND t.deadline_end > ? \
                 AND t.deadline_end <= ?",
                vec![
                    Arg::Int(done),
                    Arg::Int(refused),
                    Arg::Int(now),
                    Arg::Int(near),
                ],
            ),
            Bucket::InProgress => f.push(
                "t.state NOT IN (?, ?) AND (t.deadline_end IS NULL OR t.deadline_end > ?)",
                vec![Arg::Int(done), Arg::Int(refused), Arg::Int(near.max(now))],
            ),
            Bucket::Refused => f.push("t.state = ?", vec![Arg::Int(refused)]),
        }
    }

    // Changes.

    /// Loads the task in a transaction, lets `check` decide the change, applies it, records history and event, commits and wakes the watchers.
    async fn change<C>(&self, caller: &str, task_id: &str, check: C) -> Result<Task>
    where
        C: FnOnce(&Loaded, i64) -> Result<(Change<'static>, Op)>,
    {
        let now = self.now();
        let mut tx = self.pool.begin().await?;
        let loaded = self
            .load(&mut tx, &Caller::Agency(caller.to_string()), task_id)
            .await?;
        let (change, op) = check(&loaded, now)?;
        let id = &loaded.row.task_id;
        let mut deadline = loaded.row.deadline.clone();
        match op {
            Op::None => {}
            Op::Progress(p, text) => {
                store::set_progress(&mut tx, id, loaded.row.state, p, &text).await?
            }
            Op::Submit(result) => {
                store::submit_result(&mut tx, id, loaded.row.state, &result, now).await?
            }
            Op::Confirm => {
                let at = loaded.row.result_submitted_at.unwrap_or(now);
                store::confirm_result(&mut tx, id, at).await?
            }
            Op::State(new) => store::set_state(&mut tx, id, loaded.row.state, new).await?,
            Op::Refuse => store::refuse(&mut tx, id, loaded.row.state, now).await?,
            Op::RequestExtension {
                number,
                new,
                reason,
            } => {
                store::insert_extension(
                    &mut tx,
                    &store::NewExtension {
                        task_id: id,
                        number,
                        old_deadline: &loaded.row.deadline,
                        new_deadline: &new,
                        reason: &reason,
                        by: caller,
                        at: now,
                    },
                )
                .await?
            }
            Op::DecideExtension {
                number,
                approve,
                new,
                comment,
            } => {
                let state = if approve {
                    store::EXTENSION_APPROVED
                } else {
                    store::EXTENSION_REFUSED
                };
                store::decide_extension(&mut tx, id, number, state, caller, now, &comment).await?;
                if let (true, Some(d)) = (approve, new) {
                    deadline = domain::format_date(d);
                    store::set_deadline(
                        &mut tx,
                        id,
                        &loaded.row.deadline,
                        &deadline,
                        domain::end_of_day(d),
                    )
                    .await?;
                }
            }
        }
        let parties = self
            .record(&mut tx, &loaded, caller, &change, now, &deadline)
            .await?;
        tx.commit().await?;
        self.wake(parties);
        tracing::info!(task_id = %id, actor = %caller, action = change.action, "task changed");
        self.fresh_view(task_id).await
    }

    /// Progress by the lead (text and percentage) or a note by a coordinating agency.
    pub async fn report_progress(
        &self,
        agency: &str,
        task_id: &str,
        text: &str,
        percent: Option<i32>,
    ) -> Result<Task> {
        domain::require_text("text", text, "what was done")?;
        let text = text.to_string();
        self.change(
            agency,
            task_id,
            move |l, _| {
                let id = &l.row.task_id;
                match l.role {
                    Role::Lead => {
                        let p = percent.ok_or_else(|| {
                            TasksError::invalid("percent", "is required in the lead agency's progress report (0–100)")
                        })?;
                        domain::check_percent("percent", p)?;
                        domain::require_state(l.row.state.is_working(), l.row.state, "report progress", id)?;
                        Ok((
                            Change {
                                action: "progress",
                                detail: text.clone(),
                                percent: Some(i64::from(p)),
                                event: None,
                            },
                            Op::Progress(i64::from(p), text),
                        ))
                    }
                    Role::Coordinator => {
                        if percent.is_some() {
                            return Err(TasksError::invalid(
                                "percent",
                                "only the lead agency reports a percentage; a coordinating agency adds a note without one",
                            ));
                        }
                        domain::require_state(!l.row.state.is_final(), l.row.state, "add a note", id)?;
                        Ok((
                            Change {
                                action: "note",
                                detail: text,
                                percent: None,
                                event: None,
                            },
                            Op::None,
                        ))
                    }
                    other => Err(TasksError::PermissionDenied(format!(
                        "task_id: only the lead agency reports progress and coordinating agencies add notes on {id}; you are {}",
                        other.name()
                    ))),
                }
            },
        )
        .await
    }

    pub async fn submit_result(&self, agency: &str, task_id: &str, result: &str) -> Result<Task> {
        domain::require_text("result", result, "the result of the task")?;
        let result = result.to_string();
        self.change(agency, task_id, move |l, _| {
            let id = &l.row.task_id;
            domain::require(l.role, Role::Lead, "submit the result", id)?;
            domain::require_state(
                l.row.state.is_working(),
                l.row.state,
                "submit the result",
                id,
            )?;
            Ok((
                Change {
                    action: "result_submitted",
                    detail: result.clone(),
                    percent: None,
                    event: Some(TaskEventKind::ResultSubmitted),
                },
                Op::Submit(result),
            ))
        })
        .await
    }

    pub async fn confirm_result(&self, agency: &str, task_id: &str, comment: &str) -> Result<Task> {
        let comment = comment.to_string();
        self.change(agency, task_id, move |l, _| {
            let id = &l.row.task_id;
            domain::require(l.role, Role::Assigner, "confirm the result", id)?;
            domain::require_state(
                l.row.state == State::AwaitingConfirmation,
                l.row.state,
                "confirm the result",
                id,
            )?;
            Ok((
                Change {
                    action: "result_confirmed",
                    detail: comment,
                    percent: None,
                    event: Some(TaskEventKind::ResultConfirmed),
                },
                Op::Confirm,
            ))
        })
        .await
    }

    pub async fn return_result(&self, agency: &str, task_id: &str, reason: &str) -> Result<Task> {
        domain::require_text("reason", reason, "why the result is returned")?;
        let reason = reason.to_string();
        self.change(agency, task_id, move |l, _| {
            let id = &l.row.task_id;
            domain::require(l.role, Role::Assigner, "return the result", id)?;
            domain::require_state(
                l.row.state == State::AwaitingConfirmation,
                l.row.state,
                "return the result",
                id,
            )?;
            Ok((
                Change {
                    action: "result_returned",
                    detail: reason,
                    percent: None,
                    event: Some(TaskEventKind::ResultReturned),
                },
                Op::State(State::Redo),
            ))
        })
        .await
    }

    pub async fn pause(&self, agency: &str, task_id: &str, reason: &str) -> Result<Task> {
        domain::require_text("reason", reason, "why the task is paused")?;
        let reason = reason.to_string();
        self.change(agency, task_id, move |l, _| {
            let id = &l.row.task_id;
            domain::require(l.role, Role::Assigner, "pause the task", id)?;
            domain::require_state(l.row.state.is_working(), l.row.state, "pause the task", id)?;
            Ok((
                Change {
                    action: "paused",
                    detail: reason,
                    percent: None,
                    event: Some(TaskEventKind::Paused),
                },
                Op::State(State::Paused),
            ))
        })
        .await
    }

    pub async fn resume(&self, agency: &str, task_id: &str, comment: &str) -> Result<Task> {
        let comment = comment.to_string();
        self.change(agency, task_id, move |l, _| {
            let id = &l.row.task_id;
            domain::require(l.role, Role::Assigner, "resume the task", id)?;
            domain::require_state(
                l.row.state == State::Paused,
                l.row.state,
                "resume the task",
                id,
            )?;
            Ok((
                Change {
                    action: "resumed",
                    detail: comment,
                    percent: None,
                    event: Some(TaskEventKind::Resumed),
                },
                Op::State(State::InProgress),
            ))
        })
        .await
    }

    pub async fn refuse(&self, agency: &str, task_id: &str, reason: &str) -> Result<Task> {
        domain::require_text("reason", reason, "why the task is refused")?;
        let reason = reason.to_string();
        self.change(agency, task_id, move |l, _| {
            let id = &l.row.task_id;
            domain::require(l.role, Role::Lead, "refuse the task", id)?;
            domain::require_state(
                l.row.state.is_working() || l.row.state == State::Paused,
                l.row.state,
                "refuse the task",
                id,
            )?;
            Ok((
                Change {
                    action: "refused",
                    detail: reason,
                    percent: None,
                    event: Some(TaskEventKind::Refused),
                },
                Op::Refuse,
            ))
        })
        .await
    }

    pub async fn request_extension(
        &self,
        agency: &str,
        task_id: &str,
        new_deadline: &str,
        reason: &str,
    ) -> Result<Task> {
        if new_deadline.is_empty() {
            return Err(TasksError::invalid(
                "new_deadline",
                "is required (yyyy-MM-dd)",
            ));
        }
        let new = domain::check_date("new_deadline", new_deadline)?;
        domain::require_text("reason", reason, "why more time is needed")?;
        let reason = reason.to_string();
        self.change(agency, task_id, move |l, _| {
            let id = &l.row.task_id;
            let number = l.extensions.len() as i64 + 1;
            let pending = l
                .extensions
                .iter()
                .any(|e| e.state == store::EXTENSION_PENDING);
            domain::require(l.role, Role::Lead, "ask for an extension", id)?;
            domain::require_state(
                !l.row.state.is_final(),
                l.row.state,
                "ask for an extension",
                id,
            )?;
            if pending {
                return Err(TasksError::FailedPrecondition(format!(
                    "task_id: an extension of {id} is already awaiting the assigner's decision"
                )));
            }
            let current = domain::parse_date(&l.row.deadline).ok_or_else(|| {
                TasksError::FailedPrecondition(format!("task_id: {id} has no deadline to extend"))
            })?;
            let new = new.unwrap_or(current);
            if new <= current {
                return Err(TasksError::invalid(
                    "new_deadline",
                    format!(
                        "{} is not after the current deadline {}",
                        domain::format_date(new),
                        l.row.deadline
                    ),
                ));
            }
            let new_text = domain::format_date(new);
            Ok((
                Change {
                    action: "extension_requested",
                    detail: format!("{} → {new_text}: {reason}", l.row.deadline),
                    percent: None,
                    event: Some(TaskEventKind::ExtensionRequested),
                },
                Op::RequestExtension {
                    number,
                    new: new_text,
                    reason,
                },
            ))
        })
        .await
    }

    pub async fn decide_extension(
        &self,
        agency: &str,
        task_id: &str,
        approve: bool,
        comment: &str,
    ) -> Result<Task> {
        if !approve {
            domain::require_text("comment", comment, "why the extension is refused")?;
        }
        let comment = comment.to_string();
        self.change(agency, task_id, move |l, _| {
            let id = &l.row.task_id;
            let pending = l
                .extensions
                .iter()
                .find(|e| e.state == store::EXTENSION_PENDING)
                .cloned();
            domain::require(l.role, Role::Assigner, "decide an extension", id)?;
            let e = pending.ok_or_else(|| {
                TasksError::FailedPrecondition(format!(
                    "task_id: no extension of {id} awaits a decision"
                ))
            })?;
            let new = domain::parse_date(&e.new_deadline);
            let (action, what) = if approve {
                ("extension_approved", "approved")
            } else {
                ("extension_refused", "refused")
            };
            let mut detail = format!("{} → {} {what}", e.old_deadline, e.new_deadline);
            if !comment.is_empty() {
                detail.push_str(&format!(": {comment}"));
            }
            Ok((
                Change {
                    action,
                    detail,
                    percent: None,
                    event: Some(TaskEventKind::ExtensionDecided),
                },
                Op::DecideExtension {
                    number: e.number,
                    approve,
                    new,
                    comment,
                },
            ))
        })
        .await
    }

    // Events.

    pub async fn events_after(
        &self,
        agency: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<TaskEvent>> {
        let mut conn = self.conn().await?;
        let rows = store::events_after(&mut conn, agency, after, limit).await?;
        Ok(rows
            .into_iter()
            .map(|e| TaskEvent {
                event_id: e.event_id as u64,
                kind: e.kind as i32,
                task_id: e.task_id,
                content: e.content,
                deadline: e.deadline,
                actor: e.actor,
                detail: e.detail,
                at: Some(timestamp(e.at)),
            })
            .collect())
    }

    /// Raises the near-deadline and overdue events that are due by the clock. Returns how many
    /// were raised. Safe to run concurrently and repeatedly: each is raised once per deadline.
    pub async fn sweep(&self) -> Result<usize> {
        let now = self.now();
        let threshold = domain::near_threshold(now, self.near_window_days);
        let candidates = {
            let mut conn = self.conn().await?;
            store::sweep_candidates(&mut conn, threshold).await?
        };
        let mut raised = 0;
        for row in candidates {
            let Some(end) = row.deadline_end else {
                continue;
            };
            let overdue = end <= now;
            if (overdue && row.overdue_marker == row.deadline)
                || (!overdue && row.near_marker == row.deadline)
            {
                continue;
            }
            let mut tx = self.pool.begin().await?;
            if !store::set_marker(&mut tx, &row.task_id, overdue, &row.deadline).await? {
                continue;
            }
            if overdue {
                // Past the deadline, "near" is moot for this deadline.
                store::set_marker(&mut tx, &row.task_id, false, &row.deadline).await?;
            }
            let coordinators = store::coordinators(&mut tx, &row.task_id).await?;
            let (kind, action, detail) = if overdue {
                (
                    TaskEventKind::Overdue,
                    "overdue",
                    format!("the deadline {} has passed", row.deadline),
                )
            } else {
                (
                    TaskEventKind::NearDeadline,
                    "near_deadline",
                    format!(
                        "the deadline {} is within {} day(s)",
                        row.deadline, self.near_window_days
                    ),
                )
            };
            let loaded = Loaded {
                row: row.clone(),
                coordinators,
                extensions: Vec::new(),
                role: Role::Admin,
            };
            let change = Change {
                action,
                detail,
                percent: None,
                event: Some(kind),
            };
            let parties = self
                .record(&mut tx, &loaded, "system", &change, now, &row.deadline)
                .await?;
            tx.commit().await?;
            self.wake(parties);
            raised += 1;
        }
        Ok(raised)
    }

    // Statistics.

    /// Counts per lead agency for the period [from, to] (see the proto).
    pub async fn statistics(
        &self,
        from: &str,
        to: &str,
        lead: &str,
    ) -> Result<Vec<AgencyTaskStatistics>> {
        if from.is_empty() {
            return Err(TasksError::invalid("from_day", "is required (yyyy-MM-dd)"));
        }
        if to.is_empty() {
            return Err(TasksError::invalid("to_day", "is required (yyyy-MM-dd)"));
        }
        let from = domain::check_date("from_day", from)?.unwrap_or(Date::MIN);
        let to = domain::check_date("to_day", to)?.unwrap_or(Date::MIN);
        if to < from {
            return Err(TasksError::invalid("to_day", "is before from_day"));
        }
        if !lead.is_empty() {
            domain::check_agency_code("lead_agency", lead)?;
        }
        let as_of = (domain::end_of_day(to) - 1).min(self.now());
        let rows = {
            let mut conn = self.conn().await?;
            store::tasks_for_stats(&mut conn, (!lead.is_empty()).then_some(lead), as_of + 1).await?
        };
        let start = domain::start_of_day(from);
        let mut out: BTreeMap<String, AgencyTaskStatistics> = BTreeMap::new();
        for row in rows {
            if row.completed_at.is_some_and(|c| c < start) && row.state == State::Completed {
                continue;
            }
            let Some(b) = domain::bucket_as_of(&facts(&row), as_of, self.near_window_days) else {
                continue;
            };
            let s = out
                .entry(row.lead_agency.clone())
                .or_insert_with(|| AgencyTaskStatistics {
                    lead_agency: row.lead_agency.clone(),
                    ..Default::default()
                });
            match b {
                Bucket::CompletedOnTime => s.completed_on_time += 1,
                Bucket::CompletedLate => s.completed_late += 1,
                Bucket::InProgress => s.in_progress += 1,
                Bucket::NearDeadline => s.near_deadline += 1,
                Bucket::Overdue => s.overdue += 1,
                Bucket::Refused => continue,
            }
            s.total += 1;
        }
        Ok(out.into_values().collect())
    }

    /// The figures pushed to the reporting service for each day: per lead agency, as of the end
    /// of the day (or now for today), cumulative.
    pub async fn daily_figures(&self, days: &[Date]) -> Result<Vec<StatisticValue>> {
        let now = self.now();
        let rows = {
            let mut conn = self.conn().await?;
            store::tasks_for_stats(&mut conn, None, now + 1).await?
        };
        let mut values = Vec::new();
        for day in days {
            let as_of = (domain::end_of_day(*day) - 1).min(now);
            let mut per: BTreeMap<&str, [u32; 5]> = BTreeMap::new();
            for row in rows.iter().filter(|r| r.created_at <= as_of) {
                let Some(b) = domain::bucket_as_of(&facts(row), as_of, self.near_window_days)
                else {
                    continue;
                };
                let c = per.entry(&row.lead_agency).or_default();
                match b {
                    Bucket::CompletedOnTime => c[0] += 1,
                    Bucket::CompletedLate => c[1] += 1,
                    Bucket::InProgress => c[2] += 1,
                    Bucket::NearDeadline => {
                        c[2] += 1;
                        c[4] += 1
                    }
                    Bucket::Overdue => c[3] += 1,
                    Bucket::Refused => {}
                }
            }
            let day_text = domain::format_date(*day);
            for (agency, c) in per {
                for (i, name) in [
                    "tasks.completed_on_time",
                    "tasks.completed_late",
                    "tasks.in_progress",
                    "tasks.overdue",
                    "tasks.near_deadline",
                ]
                .iter()
                .enumerate()
                {
                    values.push(StatisticValue {
                        indicator_code: (*name).to_string(),
                        agency_code: agency.to_string(),
                        day: day_text.clone(),
                        value: f64::from(c[i]),
                    });
                }
            }
        }
        Ok(values)
    }

    /// The days whose figures are due to the reporting service: from the day after the last
    /// final day pushed (at most 31 days back) through today.
    pub async fn days_to_push(&self) -> Result<Vec<Date>> {
        let today = domain::local_date(self.now());
        let mut conn = self.conn().await?;
        let first = match store::push_state(&mut conn).await? {
            Some(d) => domain::parse_date(&d)
                .and_then(|d| d.next_day())
                .unwrap_or(today),
            None => today.previous_day().unwrap_or(today),
        };
        let floor = today - time::Duration::days(31);
        let mut day = first.max(floor);
        let mut days = Vec::new();
        while day <= today {
            days.push(day);
            match day.next_day() {
                Some(d) => day = d,
                None => break,
            }
        }
        Ok(days)
    }

    /// Records that every day before today has been pushed.
    pub async fn mark_pushed_until_yesterday(&self) -> Result<()> {
        let today = domain::local_date(self.now());
        let Some(yesterday) = today.previous_day() else {
            return Ok(());
        };
        let mut conn = self.conn().await?;
        store::set_push_state(&mut conn, &domain::format_date(yesterday)).await
    }
}

/// A task to insert.
struct NewTask {
    content: String,
    source_document_id: String,
    assigner: String,
    lead_agency: String,
    coordinators: Vec<String>,
    deadline: Option<Date>,
    notes: String,
    created_by: String,
    /// Intake: an existing (source_document_id, lead_agency) task is returned, not refused.
    idempotent: bool,
}

/// The row change a use case makes.
enum Op {
    None,
    Progress(i64, String),
    Submit(String),
    Confirm,
    State(State),
    Refuse,
    RequestExtension {
        number: i64,
        new: String,
        reason: String,
    },
    DecideExtension {
        number: i64,
        approve: bool,
        new: Option<Date>,
        comment: String,
    },
}
