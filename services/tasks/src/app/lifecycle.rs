//! Pausing, resuming (the assigner) and refusing (the lead agency) a task.
use lienthong_api::tasks::v1::{
    PauseTaskRequest, RefuseTaskRequest, ResumeTaskRequest, Task, TaskEventKind,
};
use lienthong_axis::AgencyCode;

use super::{
    Tasks,
    change::{Change, Op},
};
use crate::{
    domain::{HistoryAction, State, text, workflow::Action},
    error::Result,
};

impl Tasks {
    pub async fn pause(&self, agency: &AgencyCode, r: PauseTaskRequest) -> Result<Task> {
        let id = text::task_request(&r.task_id, |v| {
            v.check(text::required(
                "reason",
                &r.reason,
                "why the task is paused",
                text::MAX_REASON_CHARS,
            ));
        })?;
        let reason = r.reason;
        self.change(agency, id, move |l| {
            Action::Pause.check(l.role, l.row.state, l.row.id)?;
            Ok((
                Change::event(HistoryAction::Paused, reason, TaskEventKind::Paused),
                Op::State(State::Paused),
            ))
        })
        .await
    }

    pub async fn resume(&self, agency: &AgencyCode, r: ResumeTaskRequest) -> Result<Task> {
        let id = text::task_request(&r.task_id, |v| {
            v.check(text::optional(
                "comment",
                &r.comment,
                text::MAX_REASON_CHARS,
            ));
        })?;
        let comment = r.comment;
        self.change(agency, id, move |l| {
            Action::Resume.check(l.role, l.row.state, l.row.id)?;
            Ok((
                Change::event(HistoryAction::Resumed, comment, TaskEventKind::Resumed),
                Op::State(State::InProgress),
            ))
        })
        .await
    }

    pub async fn refuse(&self, agency: &AgencyCode, r: RefuseTaskRequest) -> Result<Task> {
        let id = text::task_request(&r.task_id, |v| {
            v.check(text::required(
                "reason",
                &r.reason,
                "why the task is refused",
                text::MAX_REASON_CHARS,
            ));
        })?;
        let reason = r.reason;
        self.change(agency, id, move |l| {
            Action::Refuse.check(l.role, l.row.state, l.row.id)?;
            Ok((
                Change::event(HistoryAction::Refused, reason, TaskEventKind::Refused),
                Op::Refuse,
            ))
        })
        .await
    }
}
