//! Extensions: the lead asks a later deadline with a reason (one pending request at a time);
//! the assigner approves (the deadline moves) or refuses with a comment.
use lienthong_api::tasks::v1 as pb;
use lienthong_axis::{TaskId, local::format_date};
use time::Date;

use super::history::HistoryAction;
use crate::error::TasksError;

/// The state of an extension request, stored as an integer (the proto `ExtensionState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtensionState {
    /// 1: awaiting the assigner's decision.
    Pending,
    /// 2: approved: the deadline moved.
    Approved,
    /// 3: refused: the deadline stays.
    Refused,
}

impl ExtensionState {
    pub const fn as_i64(self) -> i64 {
        match self {
            ExtensionState::Pending => 1,
            ExtensionState::Approved => 2,
            ExtensionState::Refused => 3,
        }
    }

    pub const fn from_i64(v: i64) -> Option<Self> {
        match v {
            1 => Some(ExtensionState::Pending),
            2 => Some(ExtensionState::Approved),
            3 => Some(ExtensionState::Refused),
            _ => None,
        }
    }

    pub const fn proto(self) -> pb::ExtensionState {
        match self {
            ExtensionState::Pending => pb::ExtensionState::Pending,
            ExtensionState::Approved => pb::ExtensionState::Approved,
            ExtensionState::Refused => pb::ExtensionState::Refused,
        }
    }
}

/// The assigner's decision on a pending extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Refuse,
}

impl Decision {
    /// The decision of the proto's `approve` flag.
    pub const fn from_approve(approve: bool) -> Self {
        if approve {
            Decision::Approve
        } else {
            Decision::Refuse
        }
    }

    /// The state the request moves to.
    pub const fn state(self) -> ExtensionState {
        match self {
            Decision::Approve => ExtensionState::Approved,
            Decision::Refuse => ExtensionState::Refused,
        }
    }

    /// The history action.
    pub const fn action(self) -> HistoryAction {
        match self {
            Decision::Approve => HistoryAction::ExtensionApproved,
            Decision::Refuse => HistoryAction::ExtensionRefused,
        }
    }

    /// The history entry: `old → new approved[: comment]`.
    pub fn detail(self, old: Date, new: Date, comment: &str) -> String {
        let what = match self {
            Decision::Approve => "approved",
            Decision::Refuse => "refused",
        };
        let mut detail = format!("{} → {} {what}", format_date(old), format_date(new));
        if !comment.is_empty() {
            detail.push_str(": ");
            detail.push_str(comment);
        }
        detail
    }
}

/// The rules of a new request, once the lead may ask: no request pending, a deadline to move,
/// and a later one. Returns the current deadline.
pub fn check_request(
    task_id: TaskId,
    pending: bool,
    current: Option<Date>,
    new: Date,
) -> Result<Date, TasksError> {
    if pending {
        return Err(TasksError::ExtensionPending { task_id });
    }
    let current = current.ok_or(TasksError::NoDeadline { task_id })?;
    if new <= current {
        return Err(TasksError::deadline_not_later(
            &format_date(new),
            &format_date(current),
        ));
    }
    Ok(current)
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    const ID: TaskId = TaskId::from_seq(3);

    #[test]
    fn states_keep_their_numbers() {
        for s in [
            ExtensionState::Pending,
            ExtensionState::Approved,
            ExtensionState::Refused,
        ] {
            assert_eq!(ExtensionState::from_i64(s.as_i64()), Some(s));
            assert_eq!(s.proto() as i64, s.as_i64());
        }
        assert_eq!(ExtensionState::from_i64(0), None);
    }

    #[test]
    fn requests() {
        let (d10, d30) = (date!(2026 - 11 - 10), date!(2026 - 11 - 30));
        assert_eq!(check_request(ID, false, Some(d10), d30).unwrap(), d10);
        assert!(matches!(
            check_request(ID, true, Some(d10), d30),
            Err(TasksError::ExtensionPending { .. })
        ));
        assert!(matches!(
            check_request(ID, false, None, d30),
            Err(TasksError::NoDeadline { .. })
        ));
        let e = check_request(ID, false, Some(d10), d10).unwrap_err();
        assert_eq!(
            e.to_string(),
            "new_deadline: 2026-11-10 is not after the current deadline 2026-11-10"
        );
    }

    #[test]
    fn decisions() {
        assert_eq!(Decision::from_approve(true), Decision::Approve);
        assert_eq!(Decision::Refuse.state(), ExtensionState::Refused);
        let (d10, d30) = (date!(2026 - 11 - 10), date!(2026 - 11 - 30));
        assert_eq!(
            Decision::Approve.detail(d10, d30, ""),
            "2026-11-10 → 2026-11-30 approved"
        );
        assert_eq!(
            Decision::Refuse.detail(d10, d30, "Không"),
            "2026-11-10 → 2026-11-30 refused: Không"
        );
    }
}
