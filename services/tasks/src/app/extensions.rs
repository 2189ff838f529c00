//! Extensions: the lead agency asks a later deadline, the assigner approves (the deadline
//! moves) or refuses it.
use lienthong_api::tasks::v1::{
    DecideExtensionRequest, RequestExtensionRequest, Task, TaskEventKind,
};
use lienthong_axis::{
    AgencyCode, TaskId,
    local::{format_date, parse_date},
};
use lienthong_platform::error::Violations;

use super::{
    Tasks,
    change::{Change, Op},
};
use crate::{
    domain::{Decision, ExtensionState, HistoryAction, extension, text, workflow::Action},
    error::{Result, TasksError},
};

impl Tasks {
    pub async fn request_extension(
        &self,
        agency: &AgencyCode,
        r: RequestExtensionRequest,
    ) -> Result<Task> {
        let mut v = Violations::new();
        let id = v.check(text::parsed("task_id", &r.task_id, TaskId::parse));
        let new = v.check(text::parsed("new_deadline", &r.new_deadline, parse_date));
        v.check(text::required(
            "reason",
            &r.reason,
            "why more time is needed",
            text::MAX_REASON_CHARS,
        ));
        let (Some(id), Some(new), true) = (id, new, v.is_empty()) else {
            return Err(v.into());
        };
        let reason = r.reason;
        self.change(agency, id, move |l| {
            let id = l.row.id;
            Action::RequestExtension.check(l.role, l.row.state, id)?;
            let pending = l
                .extensions
                .iter()
                .any(|e| e.state == ExtensionState::Pending);
            let current = extension::check_request(id, pending, l.row.deadline, new)?;
            let number = i64::try_from(l.extensions.len()).unwrap_or(i64::MAX - 1) + 1;
            let detail = format!("{} → {}: {reason}", format_date(current), format_date(new));
            Ok((
                Change::event(
                    HistoryAction::ExtensionRequested,
                    detail,
                    TaskEventKind::ExtensionRequested,
                ),
                Op::RequestExtension {
                    number,
                    current,
                    new,
                    reason,
                },
            ))
        })
        .await
    }

    pub async fn decide_extension(
        &self,
        agency: &AgencyCode,
        r: DecideExtensionRequest,
    ) -> Result<Task> {
        let decision = Decision::from_approve(r.approve);
        let id = text::task_request(&r.task_id, |v| {
            if decision == Decision::Refuse {
                v.check(text::required(
                    "comment",
                    &r.comment,
                    "why the extension is refused",
                    text::MAX_REASON_CHARS,
                ));
            } else {
                v.check(text::optional(
                    "comment",
                    &r.comment,
                    text::MAX_REASON_CHARS,
                ));
            }
        })?;
        let comment = r.comment;
        self.change(agency, id, move |l| {
            let id = l.row.id;
            Action::DecideExtension.check(l.role, l.row.state, id)?;
            let e = l
                .extensions
                .iter()
                .find(|e| e.state == ExtensionState::Pending)
                .ok_or(TasksError::NoPendingExtension { task_id: id })?;
            Ok((
                Change::event(
                    decision.action(),
                    decision.detail(e.old_deadline, e.new_deadline, &comment),
                    TaskEventKind::ExtensionDecided,
                ),
                Op::DecideExtension {
                    number: e.number,
                    decision,
                    new: e.new_deadline,
                    comment,
                },
            ))
        })
        .await
    }
}
