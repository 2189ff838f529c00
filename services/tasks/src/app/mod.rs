//! The tasks service's use cases, one file per capability. Each applies the rules of
//! [`crate::domain`] and commits its changes (the task, a history entry, events) through
//! [`crate::store`] in one transaction, then wakes whoever watches the events.
//!
//! Callers come as the platform authenticated them: `&AgencyCode` where only agencies may
//! call, `&Identity` where several kinds may (readers: agencies and admins; the intake:
//! services).
use std::sync::{Arc, atomic::AtomicUsize};

use lienthong_axis::{AgencyCode, clock::SharedClock};
use lienthong_platform::{
    db::Db, limits::KeyedLimit, notify::Notifier, paging::PageTokens, shutdown::Shutdown,
};

mod change;
mod create;
mod events;
mod extensions;
mod gauges;
mod lifecycle;
mod progress;
mod queries;
mod results;
mod statistics;
mod view;

pub use create::Outcome;
pub use events::{DEFAULT_MAX_STREAMS_PER_AGENCY, TOO_MANY_STREAMS, run_sweeper};
pub use gauges::run_gauges;

/// The state every use case works on.
pub struct Tasks {
    db: Db,
    notifier: Notifier,
    clock: SharedClock,
    /// Days before the deadline day from which a task is near its deadline.
    near_window_days: u32,
    /// Ends the event streams when the service stops.
    shutdown: Shutdown,
    /// Signs and checks the page tokens of `ListTasks`.
    tokens: PageTokens,
    /// The event streams an agency may hold open at a time.
    streams: KeyedLimit,
    /// How many event streams are open.
    open_streams: Arc<AtomicUsize>,
    /// The operator's gauge of tasks by bucket.
    gauges: crate::metrics::TaskGauges,
}

impl Tasks {
    /// The service on a migrated database (`db`: its `acquire`/`begin` fail fast while the
    /// database is known to be down), with the default limit of event streams per agency.
    pub fn new(
        db: Db,
        clock: SharedClock,
        near_window_days: u32,
        shutdown: Shutdown,
        tokens: PageTokens,
    ) -> Self {
        Tasks {
            db,
            notifier: Notifier::default(),
            clock,
            near_window_days,
            shutdown,
            tokens,
            streams: events::streams_limit(DEFAULT_MAX_STREAMS_PER_AGENCY),
            open_streams: Arc::default(),
            gauges: crate::metrics::TaskGauges::register(),
        }
    }

    /// At most `max` event streams open at a time per agency (at least one).
    pub fn with_max_streams_per_agency(mut self, max: usize) -> Self {
        self.streams = events::streams_limit(max);
        self
    }

    /// Stops using the database: every later call answers UNAVAILABLE (and health turns
    /// NOT_SERVING). For operators' drills and tests of an outage.
    pub async fn close_database(&self) {
        crate::store::close(&self.db).await;
    }

    fn now(&self) -> i64 {
        self.clock.now_micros()
    }

    /// Wakes the event streams of `agencies`.
    fn wake(&self, agencies: &[AgencyCode]) {
        for a in agencies {
            self.notifier.notify(&events_key(a));
        }
    }
}

/// The notifier key of an agency's event stream.
fn events_key(agency: &AgencyCode) -> String {
    format!("events/{agency}")
}
