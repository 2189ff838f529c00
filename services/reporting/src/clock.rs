//! The service's notion of "now", injectable so that tests can move time (deadlines, late
//! submissions) without waiting.
use std::sync::atomic::{AtomicI64, Ordering};

/// Where the service reads the time from.
pub trait Clock: Send + Sync + 'static {
    /// Now, in microseconds since the Unix epoch.
    fn now_micros(&self) -> i64;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_micros(&self) -> i64 {
        lienthong_platform::db::now_micros()
    }
}

/// A clock that stands still until it is set: for tests.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(micros: i64) -> Self {
        ManualClock(AtomicI64::new(micros))
    }

    pub fn set(&self, micros: i64) {
        self.0.store(micros, Ordering::SeqCst);
    }

    /// Sets the clock to noon (Asia/Ho_Chi_Minh) of a day given as yyyy-MM-dd.
    pub fn set_local_noon(&self, day: &str) -> Option<()> {
        let date = crate::domain::parse_date(day)?;
        self.set(crate::domain::local_noon_micros(date));
        Some(())
    }
}

impl Clock for ManualClock {
    fn now_micros(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}
