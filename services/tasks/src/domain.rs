//! The tasks' rules, free of gRPC and SQL: agency codes, Vietnam local dates, workflow
//! transitions, who may do what, and the buckets.
use time::{Date, Duration, Month, OffsetDateTime, UtcOffset};

use crate::error::{Result, TasksError};

/// Vietnam local time (Asia/Ho_Chi_Minh, no daylight saving).
pub const VIETNAM_OFFSET_SECS: i64 = 7 * 3600;
const MICROS_PER_DAY: i64 = 86_400 * 1_000_000;

/// Checks `DDD.CC.BB.Axx` (QCVN 102:2016), e.g. `000.00.00.H48`.
pub fn check_agency_code(field: &str, code: &str) -> Result<()> {
    let rule = || {
        TasksError::invalid(
            field,
            format!(
                "{code:?} is not an agency code of the form DDD.CC.BB.Axx (e.g. 000.00.00.H48)"
            ),
        )
    };
    if code.is_empty() {
        return Err(TasksError::invalid(field, "is required"));
    }
    let parts: Vec<&str> = code.split('.').collect();
    let [ddd, cc, bb, axx] = parts.as_slice() else {
        return Err(rule());
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let unit = axx.len() == 3 && axx.as_bytes()[0].is_ascii_uppercase() && digits(&axx[1..], 2);
    if digits(ddd, 3) && digits(cc, 2) && digits(bb, 2) && unit {
        Ok(())
    } else {
        Err(rule())
    }
}

/// Parses `yyyy-MM-dd`.
pub fn parse_date(s: &str) -> Option<Date> {
    let mut it = s.split('-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

/// `yyyy-MM-dd`.
pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// A required-or-empty date field.
pub fn check_date(field: &str, value: &str) -> Result<Option<Date>> {
    if value.is_empty() {
        return Ok(None);
    }
    parse_date(value)
        .map(Some)
        .ok_or_else(|| TasksError::invalid(field, format!("{value:?} is not a date yyyy-MM-dd")))
}

/// The Vietnam local date at an instant.
pub fn local_date(micros: i64) -> Date {
    let secs = micros.div_euclid(1_000_000);
    let offset =
        UtcOffset::from_whole_seconds(VIETNAM_OFFSET_SECS as i32).unwrap_or(UtcOffset::UTC);
    OffsetDateTime::from_unix_timestamp(secs)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset)
        .date()
}

/// The first microsecond after day `d` ends in Vietnam: a task due `d` is on time before it.
pub fn end_of_day(d: Date) -> i64 {
    let days = (d - time::macros::date!(1970 - 01 - 01)).whole_days();
    (days + 1) * MICROS_PER_DAY - VIETNAM_OFFSET_SECS * 1_000_000
}

/// The first microsecond of day `d` in Vietnam.
pub fn start_of_day(d: Date) -> i64 {
    end_of_day(d) - MICROS_PER_DAY
}

/// The workflow states (stored as integers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    NotStarted = 1,
    InProgress = 2,
    AwaitingConfirmation = 3,
    Completed = 4,
    Redo = 5,
    Paused = 6,
    Refused = 7,
}

impl State {
    pub fn from_i64(v: i64) -> Option<State> {
        Some(match v {
            1 => State::NotStarted,
            2 => State::InProgress,
            3 => State::AwaitingConfirmation,
            4 => State::Completed,
            5 => State::Redo,
            6 => State::Paused,
            7 => State::Refused,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
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
    pub fn is_final(self) -> bool {
        matches!(self, State::Completed | State::Refused)
    }

    /// States in which the lead agency is working on the task.
    pub fn is_working(self) -> bool {
        matches!(self, State::NotStarted | State::InProgress | State::Redo)
    }
}

/// The buckets (the official four, with "in time" split by the near-deadline window).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bucket {
    CompletedOnTime = 1,
    CompletedLate = 2,
    InProgress = 3,
    NearDeadline = 4,
    Overdue = 5,
    Refused = 6,
}

/// What decides a task's bucket.
#[derive(Clone, Copy, Debug)]
pub struct BucketFacts {
    pub state: State,
    /// End of the deadline day, if any.
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

/// The bucket of a task as it stood at `as_of` (with its current deadline), or None when it
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

/// The task's parties, as the rules see them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Assigner,
    Lead,
    Coordinator,
    /// An admin reading.
    Admin,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Assigner => "the assigner",
            Role::Lead => "the lead agency",
            Role::Coordinator => "a coordinating agency",
            Role::Admin => "an admin",
        }
    }
}

/// Refuses an action reserved to `allowed` when the caller is `role`.
pub fn require(role: Role, allowed: Role, action: &str, task_id: &str) -> Result<()> {
    if role == allowed {
        Ok(())
    } else {
        Err(TasksError::PermissionDenied(format!(
            "task_id: only {} may {action} on {task_id}; you are {}",
            allowed.name(),
            role.name()
        )))
    }
}

/// Refuses a transition from `state` unless `ok`.
pub fn require_state(ok: bool, state: State, action: &str, task_id: &str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(TasksError::FailedPrecondition(format!(
            "task_id: cannot {action} on {task_id} while it is {}",
            state.name()
        )))
    }
}

pub fn require_text(field: &str, value: &str, what: &str) -> Result<()> {
    if value.trim().is_empty() {
        Err(TasksError::invalid(field, format!("is required ({what})")))
    } else if value.chars().count() > 10_000 {
        Err(TasksError::invalid(field, "at most 10000 characters"))
    } else {
        Ok(())
    }
}

/// A percentage 0–100.
pub fn check_percent(field: &str, p: i32) -> Result<()> {
    if (0..=100).contains(&p) {
        Ok(())
    } else {
        Err(TasksError::invalid(
            field,
            format!("{p} is outside 0–100 (a percentage of completion)"),
        ))
    }
}

/// Task ids: `NV-<n>`.
pub fn parse_task_id(field: &str, id: &str) -> Result<i64> {
    if id.is_empty() {
        return Err(TasksError::invalid(field, "is required"));
    }
    id.strip_prefix("NV-")
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            TasksError::invalid(
                field,
                format!("{id:?} is not a task id of the form NV-<number>"),
            )
        })
}

pub fn task_id(seq: i64) -> String {
    format!("NV-{seq}")
}

/// A DocumentId `OrganId,yyyy/MM/dd,Number/Notation`, loosely: three parts, an agency code first.
pub fn check_document_id(field: &str, id: &str) -> Result<()> {
    let mut parts = id.splitn(3, ',');
    let ok = match (parts.next(), parts.next(), parts.next()) {
        (Some(organ), Some(date), Some(rest)) => {
            check_agency_code(field, organ).is_ok()
                && parse_date(&date.replace('/', "-")).is_some()
                && rest.contains('/')
                && id.len() <= 300
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(TasksError::invalid(
            field,
            format!(
                "{id:?} is not a DocumentId OrganId,yyyy/MM/dd,Number/Notation \
                 (e.g. 000.00.00.G22,2015/09/30,7816/VPCP-TTĐT)"
            ),
        ))
    }
}

/// Checks the parties of a new task; returns the coordinating agencies, deduplicated in order.
pub fn check_parties(
    assigner_field: &str,
    assigner: &str,
    lead: &str,
    coordinating: &[String],
) -> Result<Vec<String>> {
    check_agency_code(assigner_field, assigner)?;
    check_agency_code("lead_agency", lead)?;
    if lead == assigner {
        return Err(TasksError::invalid(
            "lead_agency",
            "an agency cannot assign a task to itself",
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, c) in coordinating.iter().enumerate() {
        let field = format!("coordinating_agencies[{i}]");
        check_agency_code(&field, c)?;
        if c == lead {
            return Err(TasksError::invalid(
                field,
                "the lead agency cannot also coordinate",
            ));
        }
        if !out.contains(c) {
            out.push(c.clone());
        }
    }
    if out.len() > 200 {
        return Err(TasksError::invalid(
            "coordinating_agencies",
            "at most 200 agencies",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn at(d: Date, hour: i64) -> i64 {
        start_of_day(d) + hour * 3_600_000_000
    }

    #[test]
    fn vietnam_days() {
        let d = date!(2026 - 11 - 20);
        // 2026-11-20 00:00 +07 is 2026-11-19 17:00 UTC.
        assert_eq!(start_of_day(d), 1_795_107_600 * 1_000_000);
        assert_eq!(local_date(start_of_day(d)), d);
        assert_eq!(local_date(end_of_day(d) - 1), d);
        assert_eq!(local_date(end_of_day(d)), date!(2026 - 11 - 21));
        assert_eq!(format_date(d), "2026-11-20");
        assert_eq!(parse_date("2026-11-20"), Some(d));
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("2026/11/20"), None);
    }

    #[test]
    fn buckets_follow_the_clock() {
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
        let done = BucketFacts {
            state: State::Completed,
            completed_at: Some(end_of_day(d) - 1),
            ..open
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
            refused_at: Some(at(d, 1)),
            ..open
        };
        assert_eq!(bucket(&refused, at(d, 2), 3), Bucket::Refused);
        assert_eq!(bucket_as_of(&refused, at(d, 2), 3), None);
        assert_eq!(
            bucket_as_of(&refused, at(d, 0), 3),
            Some(Bucket::NearDeadline)
        );
    }

    #[test]
    fn agency_codes_and_ids() {
        assert!(check_agency_code("f", "000.00.00.H48").is_ok());
        let e = check_agency_code("lead_agency", "H48")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("lead_agency:"), "{e}");
        assert!(check_agency_code("f", "000.00.00.h48").is_err());
        assert_eq!(parse_task_id("task_id", "NV-12").unwrap(), 12);
        assert!(parse_task_id("task_id", "NV-0").is_err());
        assert!(parse_task_id("task_id", "12").is_err());
        assert!(check_document_id("d", "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT").is_ok());
        assert!(check_document_id("d", "abc").is_err());
        assert!(check_percent("percent", 100).is_ok());
        assert!(check_percent("percent", 101).is_err());
        assert!(check_percent("percent", -1).is_err());
    }

    #[test]
    fn parties() {
        let c = vec!["000.00.12.H48".to_string(), "000.00.12.H48".to_string()];
        assert_eq!(
            check_parties("a", "000.00.00.H48", "000.00.09.H48", &c).unwrap(),
            vec!["000.00.12.H48".to_string()]
        );
        assert!(check_parties("a", "000.00.00.H48", "000.00.00.H48", &[]).is_err());
        assert!(
            check_parties(
                "a",
                "000.00.00.H48",
                "000.00.09.H48",
                &["000.00.09.H48".into()]
            )
            .is_err()
        );
    }

    #[test]
    fn roles_and_states() {
        assert!(require(Role::Lead, Role::Lead, "submit", "NV-1").is_ok());
        let e = require(Role::Coordinator, Role::Assigner, "confirm", "NV-1").unwrap_err();
        assert!(matches!(e, TasksError::PermissionDenied(_)));
        assert!(State::Completed.is_final() && State::Refused.is_final());
        assert!(State::Redo.is_working() && !State::Paused.is_working());
    }
}
