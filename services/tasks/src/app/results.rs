//! Results: the lead agency submits the result; the assigner confirms it (the task is
//! completed, at the time the result was submitted) or returns it for redo.
use lienthong_api::tasks::v1::{
    ConfirmResultRequest, ReturnResultRequest, SubmitResultRequest, Task, TaskEventKind,
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
    pub async fn submit_result(&self, agency: &AgencyCode, r: SubmitResultRequest) -> Result<Task> {
        let id = text::task_request(&r.task_id, |v| {
            v.check(text::required(
                "result",
                &r.result,
                "the result of the task",
                text::MAX_TEXT_CHARS,
            ));
        })?;
        let result = r.result;
        self.change(agency, id, move |l| {
            Action::SubmitResult.check(l.role, l.row.state, l.row.id)?;
            Ok((
                Change::event(
                    HistoryAction::ResultSubmitted,
                    result.clone(),
                    TaskEventKind::ResultSubmitted,
                ),
                Op::Submit(result),
            ))
        })
        .await
    }

    pub async fn confirm_result(
        &self,
        agency: &AgencyCode,
        r: ConfirmResultRequest,
    ) -> Result<Task> {
        let id = text::task_request(&r.task_id, |v| {
            v.check(text::optional(
                "comment",
                &r.comment,
                text::MAX_REASON_CHARS,
            ));
        })?;
        let comment = r.comment;
        self.change(agency, id, move |l| {
            Action::ConfirmResult.check(l.role, l.row.state, l.row.id)?;
            Ok((
                Change::event(
                    HistoryAction::ResultConfirmed,
                    comment,
                    TaskEventKind::ResultConfirmed,
                ),
                Op::Confirm,
            ))
        })
        .await
    }

    pub async fn return_result(&self, agency: &AgencyCode, r: ReturnResultRequest) -> Result<Task> {
        let id = text::task_request(&r.task_id, |v| {
            v.check(text::required(
                "reason",
                &r.reason,
                "why the result is returned",
                text::MAX_REASON_CHARS,
            ));
        })?;
        let reason = r.reason;
        self.change(agency, id, move |l| {
            Action::ReturnResult.check(l.role, l.row.state, l.row.id)?;
            Ok((
                Change::event(
                    HistoryAction::ResultReturned,
                    reason,
                    TaskEventKind::ResultReturned,
                ),
                Op::State(State::Redo),
            ))
        })
        .await
    }
}
