//! The workflow states of a task, stored as integers with the numbers of the proto `TaskState`.
use lienthong_api::tasks::v1::TaskState;

/// Where a task stands in its workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// 1: created, nothing reported yet.
    NotStarted,
    /// 2: the lead reported progress, or the assigner resumed it.
    InProgress,
    /// 3: the lead submitted the result.
    AwaitingConfirmation,
    /// 4: the assigner confirmed the result (final).
    Completed,
    /// 5: the assigner returned the result for redo.
    Redo,
    /// 6: the assigner paused it.
    Paused,
    /// 7: the lead refused it (final).
    Refused,
}

impl State {
    pub const ALL: [State; 7] = [
        State::NotStarted,
        State::InProgress,
        State::AwaitingConfirmation,
        State::Completed,
        State::Redo,
        State::Paused,
        State::Refused,
    ];

    /// The stored integer (and proto value).
    pub const fn as_i64(self) -> i64 {
        match self {
            State::NotStarted => 1,
            State::InProgress => 2,
            State::AwaitingConfirmation => 3,
            State::Completed => 4,
            State::Redo => 5,
            State::Paused => 6,
            State::Refused => 7,
        }
    }

    /// The state of a stored integer, `None` for any other.
    pub fn from_i64(v: i64) -> Option<State> {
        Self::ALL.into_iter().find(|s| s.as_i64() == v)
    }

    /// The proto enum.
    pub const fn proto(self) -> TaskState {
        match self {
            State::NotStarted => TaskState::NotStarted,
            State::InProgress => TaskState::InProgress,
            State::AwaitingConfirmation => TaskState::AwaitingConfirmation,
            State::Completed => TaskState::Completed,
            State::Redo => TaskState::Redo,
            State::Paused => TaskState::Paused,
            State::Refused => TaskState::Refused,
        }
    }

    /// How refusals name the state.
    pub const fn name(self) -> &'static str {
        match self {
            State::NotStarted => "not started",
            State::InProgress => "in progress",
            State::AwaitingConfirmation => "awaiting confirmation",
            State::Completed => "completed",
            State::Redo => "returned for redo",
            State::Paused => "paused",
            State::Refused => "refused",
        }
    }

    /// Completed and refused tasks take no more changes.
    pub const fn is_final(self) -> bool {
        matches!(self, State::Completed | State::Refused)
    }

    /// States in which the lead agency is working on the task.
    pub const fn is_working(self) -> bool {
        matches!(self, State::NotStarted | State::InProgress | State::Redo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_numbers_are_the_proto_numbers() {
        for s in State::ALL {
            assert_eq!(State::from_i64(s.as_i64()), Some(s));
            assert_eq!(s.proto() as i64, s.as_i64());
        }
        assert_eq!(State::from_i64(0), None);
        assert_eq!(State::from_i64(8), None);
    }

    #[test]
    fn final_and_working_states() {
        assert!(State::Completed.is_final() && State::Refused.is_final());
        assert!(!State::Paused.is_final());
        assert!(State::Redo.is_working() && State::NotStarted.is_working());
        assert!(!State::Paused.is_working() && !State::AwaitingConfirmation.is_working());
        assert_eq!(State::Redo.name(), "returned for redo");
    }
}
