//! The buckets of QĐ 42/2014: completed on time, completed late, not completed in time, not
//! completed overdue — with "in time" split into near deadline and in progress. Buckets are
//! derived, never stored, from the deadline, the completion time and the clock.
//!
//! The store's list filter spells the same rules out in SQL (`store::list`); keep the two in
//! step.
use lienthong_api::tasks::v1::TaskBucket;
use lienthong_axis::local::{end_of_day, local_date};
use time::Duration;

use super::state::State;

/// A task's bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bucket {
    CompletedOnTime,
    CompletedLate,
    InProgress,
    NearDeadline,
    Overdue,
    /// Outside the official four and the statistics.
    Refused,
}

impl Bucket {
    /// The bucket a list request asks for; `None` for unspecified (every bucket).
    pub const fn from_proto(b: TaskBucket) -> Option<Bucket> {
        match b {
            TaskBucket::Unspecified => None,
            TaskBucket::CompletedOnTime => Some(Bucket::CompletedOnTime),
            TaskBucket::CompletedLate => Some(Bucket::CompletedLate),
            TaskBucket::InProgress => Some(Bucket::InProgress),
            TaskBucket::NearDeadline => Some(Bucket::NearDeadline),
            TaskBucket::Overdue => Some(Bucket::Overdue),
            TaskBucket::Refused => Some(Bucket::Refused),
        }
    }

    pub const fn proto(self) -> TaskBucket {
        match self {
            Bucket::CompletedOnTime => TaskBucket::CompletedOnTime,
            Bucket::CompletedLate => TaskBucket::CompletedLate,
            Bucket::InProgress => TaskBucket::InProgress,
            Bucket::NearDeadline => TaskBucket::NearDeadline,
            Bucket::Overdue => TaskBucket::Overdue,
            Bucket::Refused => TaskBucket::Refused,
        }
    }
}

/// What decides a task's bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BucketFacts {
    pub state: State,
    /// End of the deadline day, if any (see [`super::deadline_end`]).
    pub deadline_end: Option<i64>,
    /// When the confirmed result was submitted.
    pub completed_at: Option<i64>,
    pub refused_at: Option<i64>,
}

/// The first microsecond after the near-deadline window that starts today: a task not
/// completed whose deadline ends at or before this is near its deadline.
pub fn near_threshold(now: i64, window_days: u32) -> i64 {
    let today = local_date(now);
    let last = today
        .checked_add(Duration::days(i64::from(window_days)))
        .unwrap_or(today);
    end_of_day(last)
}

/// The bucket of a task now.
pub fn bucket(f: &BucketFacts, now: i64, window_days: u32) -> Bucket {
    if f.state == State::Refused {
        return Bucket::Refused;
    }
    if f.state == State::Completed {
        return completed_bucket(f.deadline_end, f.completed_at.unwrap_or(now));
    }
    open_bucket(f.deadline_end, now, window_days)
}

/// The bucket of a task as it stood at `as_of` (with its current deadline), or `None` when it
/// is not counted (refused by then).
pub fn bucket_as_of(f: &BucketFacts, as_of: i64, window_days: u32) -> Option<Bucket> {
    if f.refused_at.is_some_and(|t| t <= as_of) {
        return None;
    }
    match f.completed_at {
        Some(done) if f.state == State::Completed && done <= as_of => {
            Some(completed_bucket(f.deadline_end, done))
        }
        _ => Some(open_bucket(f.deadline_end, as_of, window_days)),
    }
}

/// The events the sweeper raises for a deadline, each once per deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeadlineEvent {
    /// The deadline day is within the near-deadline window.
    NearDeadline,
    /// The deadline day is over.
    Overdue,
}

impl DeadlineEvent {
    /// The event due at `now` for a task within the near-deadline window whose deadline day
    /// ends at `deadline_end`.
    pub const fn due(deadline_end: i64, now: i64) -> Self {
        if deadline_end <= now {
            DeadlineEvent::Overdue
        } else {
            DeadlineEvent::NearDeadline
        }
    }
}

fn completed_bucket(deadline_end: Option<i64>, completed_at: i64) -> Bucket {
    match deadline_end {
        Some(end) if completed_at >= end => Bucket::CompletedLate,
        _ => Bucket::CompletedOnTime,
    }
}

fn open_bucket(deadline_end: Option<i64>, now: i64, window_days: u32) -> Bucket {
    match deadline_end {
        None => Bucket::InProgress,
        Some(end) if end <= now => Bucket::Overdue,
        Some(end) if end <= near_threshold(now, window_days) => Bucket::NearDeadline,
        Some(_) => Bucket::InProgress,
    }
}

#[cfg(test)]
mod tests {
    use lienthong_axis::local::start_of_day;
    use time::{Date, macros::date};

    use super::*;

    fn at(d: Date, hour: i64) -> i64 {
        start_of_day(d) + hour * 3_600_000_000
    }

    #[test]
    fn open_tasks_follow_the_clock() {
        let d = date!(2026 - 11 - 20);
        let open = BucketFacts {
            state: State::InProgress,
            deadline_end: Some(end_of_day(d)),
            completed_at: None,
            refused_at: None,
        };
        assert_eq!(
            bucket(&open, at(date!(2026 - 11 - 16), 23), 3),
            Bucket::InProgress
        );
        assert_eq!(
            bucket(&open, at(date!(2026 - 11 - 17), 0), 3),
            Bucket::NearDeadline
        );
        assert_eq!(bucket(&open, end_of_day(d) - 1, 3), Bucket::NearDeadline);
        assert_eq!(bucket(&open, end_of_day(d), 3), Bucket::Overdue);
        assert_eq!(
            bucket(&open, at(date!(2026 - 11 - 19), 0), 0),
            Bucket::InProgress
        );
        let none = BucketFacts {
            deadline_end: None,
            ..open
        };
        assert_eq!(bucket(&none, i64::MAX / 2, 3), Bucket::InProgress);
    }

    #[test]
    fn completed_and_refused_tasks() {
        let d = date!(2026 - 11 - 20);
        let done = BucketFacts {
            state: State::Completed,
            deadline_end: Some(end_of_day(d)),
            completed_at: Some(end_of_day(d) - 1),
            refused_at: None,
        };
        assert_eq!(bucket(&done, i64::MAX / 2, 3), Bucket::CompletedOnTime);
        let late = BucketFacts {
            completed_at: Some(end_of_day(d)),
            ..done
        };
        assert_eq!(bucket(&late, i64::MAX / 2, 3), Bucket::CompletedLate);
        // As of a day before completion the task was still open.
        assert_eq!(bucket_as_of(&late, at(d, 8), 3), Some(Bucket::NearDeadline));
        let refused = BucketFacts {
            state: State::Refused,
            completed_at: None,
            refused_at: Some(at(d, 1)),
            ..done
        };
        assert_eq!(bucket(&refused, at(d, 2), 3), Bucket::Refused);
        assert_eq!(bucket_as_of(&refused, at(d, 2), 3), None);
        assert_eq!(
            bucket_as_of(&refused, at(d, 0), 3),
            Some(Bucket::NearDeadline)
        );
    }

    #[test]
    fn deadline_events() {
        let end = end_of_day(date!(2026 - 11 - 20));
        assert_eq!(
            DeadlineEvent::due(end, end - 1),
            DeadlineEvent::NearDeadline
        );
        assert_eq!(DeadlineEvent::due(end, end), DeadlineEvent::Overdue);
    }

    #[test]
    fn proto_buckets() {
        assert_eq!(Bucket::from_proto(TaskBucket::Unspecified), None);
        for b in [
            Bucket::CompletedOnTime,
            Bucket::CompletedLate,
            Bucket::InProgress,
            Bucket::NearDeadline,
            Bucket::Overdue,
            Bucket::Refused,
        ] {
            assert_eq!(Bucket::from_proto(b.proto()), Some(b));
        }
    }
}
