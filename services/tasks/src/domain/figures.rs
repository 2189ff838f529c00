//! The figures of the statistics: `GetTaskStatistics` counts per lead agency over a period, and
//! the daily values pushed to the reporting service.
use std::collections::BTreeMap;

use lienthong_api::{reporting::v1::StatisticValue, tasks::v1::AgencyTaskStatistics};
use lienthong_axis::{
    AgencyCode,
    local::{format_date, local_date},
};
use time::{Date, Duration};

use super::{
    bucket::{Bucket, BucketFacts, bucket_as_of},
    state::State,
};

/// A task as the statistics see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskFacts {
    pub lead_agency: AgencyCode,
    pub created_at: i64,
    pub bucket: BucketFacts,
}

/// Counts per lead agency of the tasks created by `as_of` and not completed before `start`,
/// in their buckets as of `as_of`; refused tasks are not counted.
pub fn period_counts(
    tasks: &[TaskFacts],
    start: i64,
    as_of: i64,
    window_days: u32,
) -> Vec<AgencyTaskStatistics> {
    let mut out: BTreeMap<&AgencyCode, AgencyTaskStatistics> = BTreeMap::new();
    for t in tasks.iter().filter(|t| t.created_at <= as_of) {
        let f = &t.bucket;
        if f.state == State::Completed && f.completed_at.is_some_and(|c| c < start) {
            continue;
        }
        let Some(b) = bucket_as_of(f, as_of, window_days) else {
            continue;
        };
        let s = out
            .entry(&t.lead_agency)
            .or_insert_with(|| AgencyTaskStatistics {
                lead_agency: t.lead_agency.to_string(),
                ..Default::default()
            });
        match b {
            Bucket::CompletedOnTime => s.completed_on_time += 1,
            Bucket::CompletedLate => s.completed_late += 1,
            Bucket::InProgress => s.in_progress += 1,
            Bucket::NearDeadline => s.near_deadline += 1,
            Bucket::Overdue => s.overdue += 1,
            Bucket::Refused => continue,
        }
        s.total += 1;
    }
    out.into_values().collect()
}

/// The indicators pushed to the reporting service, per lead agency and day. In progress
/// includes near deadline (the official "not completed, in time").
pub const INDICATORS: [&str; 5] = [
    "tasks.completed_on_time",
    "tasks.completed_late",
    "tasks.in_progress",
    "tasks.overdue",
    "tasks.near_deadline",
];

/// The values of day `day` as of `as_of` (the end of the day, or earlier for today):
/// cumulative, per lead agency, of every task created by then.
pub fn daily_values(
    tasks: &[TaskFacts],
    day: Date,
    as_of: i64,
    window_days: u32,
) -> Vec<StatisticValue> {
    let mut per: BTreeMap<&AgencyCode, [u32; 5]> = BTreeMap::new();
    for t in tasks.iter().filter(|t| t.created_at <= as_of) {
        let Some(b) = bucket_as_of(&t.bucket, as_of, window_days) else {
            continue;
        };
        let c = per.entry(&t.lead_agency).or_default();
        match b {
            Bucket::CompletedOnTime => c[0] += 1,
            Bucket::CompletedLate => c[1] += 1,
            Bucket::InProgress => c[2] += 1,
            Bucket::NearDeadline => {
                c[2] += 1;
                c[4] += 1;
            }
            Bucket::Overdue => c[3] += 1,
            Bucket::Refused => {}
        }
    }
    let day = format_date(day);
    let mut values = Vec::with_capacity(per.len() * INDICATORS.len());
    for (agency, counts) in per {
        for (name, count) in INDICATORS.iter().zip(counts) {
            values.push(StatisticValue {
                indicator_code: (*name).to_string(),
                agency_code: agency.to_string(),
                day: day.clone(),
                value: f64::from(count),
            });
        }
    }
    values
}

/// How far back unpushed days are still pushed.
pub const PUSH_DAYS_BACK: i64 = 31;

/// The days whose figures are due to the reporting service on local day `today`: from the day
/// after the last final day pushed (`watermark`; yesterday when nothing was pushed yet, at most
/// [`PUSH_DAYS_BACK`] days back) through today.
pub fn days_to_push(watermark: Option<Date>, today: Date) -> Vec<Date> {
    let first = match watermark {
        Some(d) => d.next_day().unwrap_or(today),
        None => today.previous_day().unwrap_or(today),
    };
    let floor = today
        .checked_sub(Duration::days(PUSH_DAYS_BACK))
        .unwrap_or(today);
    let mut day = first.max(floor);
    let mut days = Vec::new();
    while day <= today {
        days.push(day);
        match day.next_day() {
            Some(d) => day = d,
            None => break,
        }
    }
    days
}

/// Whether figures of `day` taken at instant `as_of` are final: the day was over by then (a day
/// is marked final only once its figures as of its end were pushed).
pub fn is_final(day: Date, as_of: i64) -> bool {
    day < local_date(as_of)
}

#[cfg(test)]
mod tests;
