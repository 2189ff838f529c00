//! The tasks service's use cases, one file per capability. Each applies the rules of
//! [`crate::domain`] and commits its changes (the task, a history entry, events) through
//! [`crate::store`] in one transaction, then wakes whoever watches the events.
//!
//! Callers come as the platform authenticated them: `&AgencyCode` where only agencies may
//! call, `&Identity` where several kinds may (readers: agencies and admins; the intake:
//! services).
use lienthong_axis::{AgencyCode, clock::SharedClock};
use lienthong_platform::{notify::Notifier, paging::PageTokens, shutdown::Shutdown};
use sqlx::AnyPool;

mod change;
mod create;
mod events;
mod extensions;
mod lifecycle;
mod progress;
mod queries;
mod results;
mod statistics;
mod view;

pub use create::Outcome;
pub use events::run_sweeper;

/// The state every use case works on.
pub struct Tasks {
    pool: AnyPool,
    notifier: Notifier,
    clock: SharedClock,
    /// Days before the deadline day from which a task is near its deadline.
    near_window_days: u32,
    /// Ends the event streams when the service stops.
    shutdown: Shutdown,
    /// Signs and checks the page tokens of `ListTasks`.
    tokens: PageTokens,
}

impl Tasks {
    pub fn new(
        pool: AnyPool,
        clock: SharedClock,
        near_window_days: u32,
        shutdown: Shutdown,
        tokens: PageTokens,
    ) -> Self {
        Tasks {
            pool,
            notifier: Notifier::default(),
            clock,
            near_window_days,
            shutdown,
            tokens,
        }
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
