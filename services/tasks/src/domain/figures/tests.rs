use lienthong_axis::local::{end_of_day, local_noon, start_of_day};
use time::macros::date;

use super::*;

fn code(s: &str) -> AgencyCode {
    AgencyCode::parse("f", s).unwrap()
}

fn task(lead: &str, deadline: Date, state: State, completed: Option<i64>) -> TaskFacts {
    TaskFacts {
        lead_agency: code(lead),
        created_at: local_noon(date!(2026 - 11 - 02)),
        bucket: BucketFacts {
            state,
            deadline_end: Some(end_of_day(deadline)),
            completed_at: completed,
            refused_at: None,
        },
    }
}

#[test]
fn counts_per_lead_agency() {
    let sct = "000.00.09.H48";
    let tasks = [
        task(
            sct,
            date!(2026 - 11 - 05),
            State::Completed,
            Some(local_noon(date!(2026 - 11 - 03))),
        ),
        task(sct, date!(2026 - 11 - 05), State::InProgress, None),
        task(sct, date!(2026 - 11 - 30), State::InProgress, None),
        task(
            "000.00.12.H48",
            date!(2026 - 11 - 30),
            State::NotStarted,
            None,
        ),
        TaskFacts {
            bucket: BucketFacts {
                state: State::Refused,
                refused_at: Some(local_noon(date!(2026 - 11 - 02))),
                ..task(sct, date!(2026 - 11 - 30), State::Refused, None).bucket
            },
            ..task(sct, date!(2026 - 11 - 30), State::Refused, None)
        },
    ];
    let as_of = local_noon(date!(2026 - 11 - 09));
    let stats = period_counts(&tasks, start_of_day(date!(2026 - 11 - 01)), as_of, 3);
    assert_eq!(stats.len(), 2);
    let s = &stats[0];
    assert_eq!(s.lead_agency, sct);
    assert_eq!(
        (s.completed_on_time, s.overdue, s.in_progress, s.total),
        (1, 1, 1, 3)
    );
    // Completed before the period began: not counted.
    let later = period_counts(&tasks, start_of_day(date!(2026 - 11 - 04)), as_of, 3);
    assert_eq!(later[0].total, 2);
    // Created after the period: not counted.
    assert!(period_counts(&tasks, 0, local_noon(date!(2026 - 11 - 01)), 3).is_empty());
}

#[test]
fn daily_values_are_cumulative() {
    let sct = "000.00.09.H48";
    let tasks = [
        task(sct, date!(2026 - 11 - 10), State::InProgress, None),
        task(sct, date!(2026 - 11 - 30), State::InProgress, None),
    ];
    let day = date!(2026 - 11 - 08);
    let values = daily_values(&tasks, day, end_of_day(day) - 1, 3);
    let get = |name: &str| {
        values
            .iter()
            .find(|v| v.indicator_code == name)
            .map(|v| (v.value, v.day.as_str()))
    };
    assert_eq!(values.len(), 5);
    assert_eq!(get("tasks.in_progress"), Some((2.0, "2026-11-08")));
    assert_eq!(get("tasks.near_deadline"), Some((1.0, "2026-11-08")));
    assert_eq!(get("tasks.overdue"), Some((0.0, "2026-11-08")));
    assert!(
        daily_values(
            &tasks,
            date!(2026 - 11 - 01),
            end_of_day(date!(2026 - 11 - 01)) - 1,
            3
        )
        .is_empty()
    );
}

#[test]
fn days_to_push_from_the_watermark() {
    let today = date!(2026 - 11 - 09);
    assert_eq!(days_to_push(None, today), [date!(2026 - 11 - 08), today]);
    assert_eq!(days_to_push(Some(date!(2026 - 11 - 08)), today), [today]);
    assert_eq!(days_to_push(Some(today), today), Vec::<Date>::new());
    assert_eq!(
        days_to_push(Some(date!(2026 - 11 - 05)), today),
        [
            date!(2026 - 11 - 06),
            date!(2026 - 11 - 07),
            date!(2026 - 11 - 08),
            today
        ]
    );
    let long_ago = days_to_push(Some(date!(2025 - 01 - 01)), today);
    assert_eq!(long_ago.len(), 32, "at most 31 days back, and today");
    assert_eq!(long_ago[0], date!(2026 - 10 - 09));
}

#[test]
fn only_days_over_are_final() {
    let day = date!(2026 - 11 - 08);
    assert!(!is_final(day, end_of_day(day) - 1));
    assert!(is_final(day, end_of_day(day)));
}
