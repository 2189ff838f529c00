//! Task ids: `NV-<n>` (nhiệm vụ), where `n` is the tasks service's positive sequence number.
//!
//! Users type these ids into the CLI and the exchange quotes them; the tasks service stores
//! only `n`.
use std::{fmt, str::FromStr};

use crate::error::{FieldError, quoted};

/// A task id, held as its sequence number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(i64);

impl TaskId {
    /// Parses `NV-<n>` with `n` a positive 64-bit integer; `field` names it in the refusal.
    ///
    /// The rule is the tasks service's: `n` is read as Rust reads an `i64`, so `NV-007` and
    /// `NV-+7` are accepted and name task 7 (displayed back as `NV-7`).
    pub fn parse(field: &str, s: &str) -> Result<TaskId, FieldError> {
        if s.is_empty() {
            return Err(FieldError::required(field));
        }
        s.strip_prefix("NV-")
            .and_then(|n| n.parse::<i64>().ok())
            .filter(|n| *n > 0)
            .map(TaskId)
            .ok_or_else(|| {
                FieldError::new(
                    field,
                    format!("{} is not a task id of the form NV-<number>", quoted(s)),
                )
            })
    }

    /// The task of a sequence number from the database. Sequence numbers are positive; a
    /// non-positive one gives an id that [`TaskId::parse`] would refuse.
    pub const fn from_seq(seq: i64) -> TaskId {
        TaskId(seq)
    }

    /// The sequence number, as stored.
    pub const fn seq(self) -> i64 {
        self.0
    }
}

/// `NV-<n>`.
impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NV-{}", self.0)
    }
}

impl FromStr for TaskId {
    type Err = FieldError;

    /// Parses with the field named "task_id".
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TaskId::parse("task_id", s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nv_numbers() {
        let id = TaskId::parse("task_id", "NV-12").unwrap();
        assert_eq!(id.seq(), 12);
        assert_eq!(id.to_string(), "NV-12");
        assert_eq!(TaskId::from_seq(12), id);
        assert_eq!("NV-12".parse::<TaskId>(), Ok(id));
        assert_eq!(TaskId::parse("t", "NV-007").map(TaskId::seq), Ok(7));
        assert_eq!(
            TaskId::parse("t", "NV-9223372036854775807").map(TaskId::seq),
            Ok(i64::MAX)
        );
    }

    #[test]
    fn refusals_name_field_and_rule() {
        for bad in [
            "NV-0",
            "NV--1",
            "12",
            "nv-12",
            "NV-",
            "NV-1 ",
            "NV-1.5",
            "NV-9223372036854775808",
            "NV-Đ",
        ] {
            assert_eq!(
                TaskId::parse("task_id", bad).unwrap_err().to_string(),
                format!("task_id: {bad:?} is not a task id of the form NV-<number>")
            );
        }
        assert_eq!(
            TaskId::parse("task_id", "").unwrap_err().to_string(),
            "task_id: is required"
        );
    }
}
