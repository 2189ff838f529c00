//! How every change of a task is made: load it in a transaction with the caller's role, let
//! the use case's rule decide the change, apply it, record the history entry and the event,
//! commit, wake the watchers, answer with the task read afresh.
use lienthong_api::tasks::v1::{Task, TaskEventKind};
use lienthong_axis::{AgencyCode, TaskId};
use sqlx::AnyConnection;
use time::Date;

use super::{Tasks, view::Loaded};
use crate::{
    domain::{Decision, HistoryAction, State, Viewer, actor},
    error::Result,
    store::{self, DecidedExtension, EventRow, NewExtension, NewHistory, TaskRow},
};

/// What a change records besides the task row: a history entry and, maybe, an event.
pub(super) struct Change {
    /// The history entry's action.
    pub action: HistoryAction,
    pub detail: String,
    pub percent: Option<i64>,
    pub event: Option<TaskEventKind>,
}

impl Change {
    /// A change that raises an event for every party.
    pub fn event(action: HistoryAction, detail: String, kind: TaskEventKind) -> Self {
        Change {
            action,
            detail,
            percent: None,
            event: Some(kind),
        }
    }

    /// A change recorded in the history only.
    pub fn quiet(action: HistoryAction, detail: String, percent: Option<i64>) -> Self {
        Change {
            action,
            detail,
            percent,
            event: None,
        }
    }
}

/// The row change a use case makes.
pub(super) enum Op {
    None,
    Progress {
        percent: i64,
        text: String,
    },
    Submit(String),
    Confirm,
    State(State),
    Refuse,
    RequestExtension {
        number: i64,
        current: Date,
        new: Date,
        reason: String,
    },
    DecideExtension {
        number: i64,
        decision: Decision,
        new: Date,
        comment: String,
    },
}

/// Who recorded a change of which task, when, and the deadline after it.
pub(super) struct Entry<'a> {
    pub row: &'a TaskRow,
    pub parties: Vec<AgencyCode>,
    /// The identity acting (`domain::actor`).
    pub actor: &'a str,
    pub at: i64,
    pub deadline: Option<Date>,
}

impl Tasks {
    /// Changes task `id` as agency `caller`: `decide` applies the rules to the loaded task and
    /// says what changes.
    pub(super) async fn change<D>(&self, caller: &AgencyCode, id: TaskId, decide: D) -> Result<Task>
    where
        D: FnOnce(&Loaded) -> Result<(Change, Op)>,
    {
        let now = self.now();
        let actor = actor::agency(caller);
        let mut tx = store::begin(&self.db).await?;
        let loaded = self
            .load(&mut tx, &Viewer::Agency(caller.clone()), id)
            .await?;
        let (change, op) = decide(&loaded)?;
        let deadline = apply(&mut tx, &loaded, op, &actor, now).await?;
        let entry = Entry {
            row: &loaded.row,
            parties: loaded.parties(),
            actor: &actor,
            at: now,
            deadline,
        };
        let woken = record(&mut tx, &entry, &change).await?;
        store::commit(tx).await?;
        self.wake(&woken);
        tracing::info!(
            task_id = %loaded.row.id,
            %actor,
            action = change.action.stored(),
            "task changed"
        );
        self.fresh_view(loaded.row.id).await
    }
}

/// Applies `op` to the loaded task as `actor`; returns the deadline after it.
async fn apply(
    conn: &mut AnyConnection,
    loaded: &Loaded,
    op: Op,
    actor: &str,
    now: i64,
) -> Result<Option<Date>> {
    let row = &loaded.row;
    let (id, state) = (row.id, row.state);
    match op {
        Op::None => {}
        Op::Progress { percent, text } => {
            store::set_progress(conn, id, state, percent, &text).await?;
        }
        Op::Submit(result) => store::submit_result(conn, id, state, &result, now).await?,
        Op::Confirm => {
            let at = row.result_submitted_at.unwrap_or(now);
            store::confirm_result(conn, id, at).await?;
        }
        Op::State(new) => store::set_state(conn, id, state, new).await?,
        Op::Refuse => store::refuse(conn, id, state, now).await?,
        Op::RequestExtension {
            number,
            current,
            new,
            reason,
        } => {
            let e = NewExtension {
                task: id,
                number,
                old_deadline: current,
                new_deadline: new,
                reason: &reason,
                by: actor,
                at: now,
            };
            store::insert_extension(conn, &e).await?;
        }
        Op::DecideExtension {
            number,
            decision,
            new,
            comment,
        } => {
            let d = DecidedExtension {
                task: id,
                number,
                decision,
                by: actor,
                at: now,
                comment: &comment,
            };
            store::decide_extension(&mut *conn, &d).await?;
            if decision == Decision::Approve {
                store::set_deadline(conn, id, row.deadline, new).await?;
                return Ok(Some(new));
            }
        }
    }
    Ok(row.deadline)
}

/// Records a change's history entry and event (inside the caller's transaction); returns the
/// agencies to wake once it commits.
pub(super) async fn record(
    conn: &mut AnyConnection,
    e: &Entry<'_>,
    change: &Change,
) -> Result<Vec<AgencyCode>> {
    let history = NewHistory {
        task: e.row.id,
        at: e.at,
        actor: e.actor,
        action: change.action,
        detail: &change.detail,
        percent: change.percent,
    };
    store::insert_history(&mut *conn, &history).await?;
    let Some(kind) = change.event else {
        return Ok(Vec::new());
    };
    let event = EventRow {
        event_id: 0,
        task: e.row.id,
        kind,
        content: e.row.content.clone(),
        deadline: e.deadline,
        actor: e.actor.to_string(),
        detail: change.detail.clone(),
        at: e.at,
    };
    store::insert_event(conn, &e.parties, &event).await?;
    Ok(e.parties.clone())
}
