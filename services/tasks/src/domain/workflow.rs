//! Who may move a task, and from which states: the workflow as a table.
//!
//! | action | who | from |
//! |---|---|---|
//! | report progress (with a percentage) | lead | not started, in progress, redo |
//! | add a note (no percentage) | coordinating agency | any but completed, refused |
//! | submit the result | lead | not started, in progress, redo |
//! | confirm / return the result | assigner | awaiting confirmation |
//! | pause | assigner | not started, in progress, redo |
//! | resume | assigner | paused |
//! | refuse | lead | not started, in progress, redo, paused |
//! | ask for an extension | lead | any but completed, refused |
//! | decide an extension | assigner | any (a pending request is needed) |
use lienthong_axis::TaskId;
use lienthong_platform::error::Violations;

use super::{role::Role, state::State, text};
use crate::error::TasksError;

/// A change of a task reserved to one role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    SubmitResult,
    ConfirmResult,
    ReturnResult,
    Pause,
    Resume,
    Refuse,
    RequestExtension,
    DecideExtension,
}

impl Action {
    pub const ALL: [Action; 8] = [
        Action::SubmitResult,
        Action::ConfirmResult,
        Action::ReturnResult,
        Action::Pause,
        Action::Resume,
        Action::Refuse,
        Action::RequestExtension,
        Action::DecideExtension,
    ];

    /// The one role that may take the action.
    pub const fn role(self) -> Role {
        match self {
            Action::SubmitResult | Action::Refuse | Action::RequestExtension => Role::Lead,
            Action::ConfirmResult
            | Action::ReturnResult
            | Action::Pause
            | Action::Resume
            | Action::DecideExtension => Role::Assigner,
        }
    }

    /// Whether the action may be taken in `state`.
    pub const fn allowed_from(self, state: State) -> bool {
        match self {
            Action::SubmitResult | Action::Pause => state.is_working(),
            Action::ConfirmResult | Action::ReturnResult => {
                matches!(state, State::AwaitingConfirmation)
            }
            Action::Resume => matches!(state, State::Paused),
            Action::Refuse => state.is_working() || matches!(state, State::Paused),
            Action::RequestExtension => !state.is_final(),
            Action::DecideExtension => true,
        }
    }

    /// The action as refusals name it.
    pub const fn describe(self) -> &'static str {
        match self {
            Action::SubmitResult => "submit the result",
            Action::ConfirmResult => "confirm the result",
            Action::ReturnResult => "return the result",
            Action::Pause => "pause the task",
            Action::Resume => "resume the task",
            Action::Refuse => "refuse the task",
            Action::RequestExtension => "ask for an extension",
            Action::DecideExtension => "decide an extension",
        }
    }

    /// Refuses the action to anyone but its role, then in a state it does not start from.
    pub fn check(self, role: Role, state: State, task_id: TaskId) -> Result<(), TasksError> {
        if role != self.role() {
            return Err(TasksError::RoleNotAllowed {
                allowed: self.role().name(),
                action: self.describe(),
                task_id,
                role: role.name(),
            });
        }
        if !self.allowed_from(state) {
            return Err(refused(self.describe(), state, task_id));
        }
        Ok(())
    }
}

fn refused(action: &'static str, state: State, task_id: TaskId) -> TasksError {
    TasksError::TransitionRefused {
        action,
        task_id,
        state: state.name(),
    }
}

/// What a progress report is, by who sends it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// The lead's report: the task is in progress at this percentage.
    Report { percent: i64 },
    /// A coordinating agency's note: the task does not change.
    Note,
}

/// The lead reports a percentage while working on the task; a coordinating agency adds notes
/// without one until the task is final; nobody else reports.
pub fn progress(
    role: Role,
    state: State,
    percent: Option<i32>,
    task_id: TaskId,
) -> Result<Progress, TasksError> {
    match role {
        Role::Lead => {
            let p = percent.ok_or_else(TasksError::percent_required)?;
            let mut v = Violations::new();
            v.check(text::percent("percent", p));
            v.into_result()?;
            if !state.is_working() {
                return Err(refused("report progress", state, task_id));
            }
            Ok(Progress::Report {
                percent: i64::from(p),
            })
        }
        Role::Coordinator => {
            if percent.is_some() {
                return Err(TasksError::percent_from_coordinator());
            }
            if state.is_final() {
                return Err(refused("add a note", state, task_id));
            }
            Ok(Progress::Note)
        }
        other => Err(TasksError::NotLeadOrCoordinator {
            task_id,
            role: other.name(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: TaskId = TaskId::from_seq(1);

    #[test]
    fn role_first_then_state() {
        assert!(
            Action::SubmitResult
                .check(Role::Lead, State::Redo, ID)
                .is_ok()
        );
        let e = Action::ConfirmResult
            .check(Role::Coordinator, State::NotStarted, ID)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "task_id: only the assigner may confirm the result on NV-1; you are a coordinating \
             agency"
        );
        let e = Action::ConfirmResult
            .check(Role::Assigner, State::NotStarted, ID)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "task_id: cannot confirm the result on NV-1 while it is not started"
        );
    }

    #[test]
    fn the_table() {
        use State::*;
        let from = |a: Action| -> Vec<State> {
            State::ALL
                .into_iter()
                .filter(|s| a.allowed_from(*s))
                .collect()
        };
        assert_eq!(from(Action::SubmitResult), [NotStarted, InProgress, Redo]);
        assert_eq!(from(Action::Pause), [NotStarted, InProgress, Redo]);
        assert_eq!(from(Action::ConfirmResult), [AwaitingConfirmation]);
        assert_eq!(from(Action::ReturnResult), [AwaitingConfirmation]);
        assert_eq!(from(Action::Resume), [Paused]);
        assert_eq!(from(Action::Refuse), [NotStarted, InProgress, Redo, Paused]);
        assert_eq!(
            from(Action::RequestExtension),
            [NotStarted, InProgress, AwaitingConfirmation, Redo, Paused]
        );
        assert_eq!(from(Action::DecideExtension), State::ALL);
        for a in Action::ALL {
            assert_ne!(a.role(), Role::Coordinator, "{a:?}");
        }
    }

    #[test]
    fn progress_by_role() {
        assert_eq!(
            progress(Role::Lead, State::NotStarted, Some(40), ID).unwrap(),
            Progress::Report { percent: 40 }
        );
        assert!(matches!(
            progress(Role::Lead, State::NotStarted, None, ID),
            Err(TasksError::PercentRequired(_))
        ));
        for p in [101, -1] {
            let e = progress(Role::Lead, State::InProgress, Some(p), ID).unwrap_err();
            assert!(e.to_string().starts_with("percent:"), "{e}");
        }
        assert!(matches!(
            progress(Role::Lead, State::Paused, Some(1), ID),
            Err(TasksError::TransitionRefused { .. })
        ));
        assert_eq!(
            progress(Role::Coordinator, State::Paused, None, ID).unwrap(),
            Progress::Note
        );
        assert!(matches!(
            progress(Role::Coordinator, State::InProgress, Some(10), ID),
            Err(TasksError::PercentFromCoordinator(_))
        ));
        assert!(matches!(
            progress(Role::Coordinator, State::Completed, None, ID),
            Err(TasksError::TransitionRefused { .. })
        ));
        assert!(matches!(
            progress(Role::Assigner, State::InProgress, Some(1), ID),
            Err(TasksError::NotLeadOrCoordinator { .. })
        ));
    }
}
