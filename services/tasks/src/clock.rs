//! The service's notion of "now": the system clock in production, a manual clock in tests, so
//! that buckets, near-deadline and overdue events can be tested without waiting.
use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

/// Tells the time, in microseconds since the Unix epoch.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now_micros(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_micros(&self) -> i64 {
        lienthong_platform::db::now_micros()
    }
}

/// A clock that moves only when told to (tests).
#[derive(Debug, Default)]
pub struct ManualClock {
    now: AtomicI64,
}

impl ManualClock {
    pub fn new(now_micros: i64) -> Arc<Self> {
        Arc::new(ManualClock {
            now: AtomicI64::new(now_micros),
        })
    }

    pub fn set(&self, now_micros: i64) {
        self.now.store(now_micros, Ordering::SeqCst);
    }

    pub fn advance_secs(&self, secs: i64) {
        self.now.fetch_add(secs * 1_000_000, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_micros(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }
}
