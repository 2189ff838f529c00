//! What operators watch of the tasks service, as OpenTelemetry metrics:
//! - `lienthong.tasks.tasks` (gauge, `{task}`; `bucket` = `completed_on_time`,
//!   `completed_late`, `in_progress`, `near_deadline`, `overdue`, `refused`, the buckets of
//!   docs/tasks.md): how many tasks are in each bucket now.
//!
//! The gauge's callback must not block on the database: it reports the last counts
//! [`TaskGauges::set`] was given, refreshed by a background task (`app::run_gauges`).
use std::sync::{Arc, Mutex};

use opentelemetry::{KeyValue, global};

/// The task counts by bucket name.
#[derive(Clone, Default)]
pub struct TaskGauges {
    snapshot: Arc<Mutex<Vec<(&'static str, u64)>>>,
}

impl TaskGauges {
    /// Registers the gauge with the global meter provider.
    pub fn register() -> Self {
        let gauges = TaskGauges::default();
        let snapshot = gauges.snapshot.clone();
        global::meter("lienthong-tasks")
            .u64_observable_gauge("lienthong.tasks.tasks")
            .with_description("Tasks in each bucket of QĐ 42/2014 now")
            .with_unit("{task}")
            .with_callback(move |observer| {
                if let Ok(s) = snapshot.lock() {
                    for (bucket, n) in s.iter() {
                        observer.observe(*n, &[KeyValue::new("bucket", *bucket)]);
                    }
                }
            })
            .build();
        gauges
    }

    /// Replaces the counts the gauge reports.
    pub fn set(&self, counts: Vec<(&'static str, u64)>) {
        if let Ok(mut s) = self.snapshot.lock() {
            *s = counts;
        }
    }
}
