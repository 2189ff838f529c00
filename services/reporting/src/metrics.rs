//! What operators watch of the reporting service, as OpenTelemetry metrics:
//! - `lienthong.reporting.reports` (gauge, `{report}`; `state` = `on_time` or `late` for a
//!   report submitted (its first submission against the due date, the compliance states of
//!   docs/reporting.md), `draft` for one never submitted): the reports stored now. Expected
//!   reports never started (`missing`) exist per period only: `lienthong report compliance`.
//!
//! The gauge's callback must not block on the database: it reports the last counts
//! [`ReportGauges::set`] was given, refreshed by a background task (`app::run_gauges`).
use std::sync::{Arc, Mutex};

use opentelemetry::{KeyValue, global};

/// The report counts by state.
#[derive(Clone, Default)]
pub struct ReportGauges {
    snapshot: Arc<Mutex<Vec<(&'static str, u64)>>>,
}

impl ReportGauges {
    /// Registers the gauge with the global meter provider.
    pub fn register() -> Self {
        let gauges = ReportGauges::default();
        let snapshot = gauges.snapshot.clone();
        global::meter("lienthong-reporting")
            .u64_observable_gauge("lienthong.reporting.reports")
            .with_description("Reports stored, by compliance state (draft: never submitted)")
            .with_unit("{report}")
            .with_callback(move |observer| {
                if let Ok(s) = snapshot.lock() {
                    for (state, n) in s.iter() {
                        observer.observe(*n, &[KeyValue::new("state", *state)]);
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
