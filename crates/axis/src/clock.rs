//! "Now", injectable: the system clock in production, a manual clock in tests, so that
//! deadlines, overdue tasks, late reports and day boundaries can be tested without waiting.
//!
//! Instants are `i64` microseconds since the Unix epoch, as the databases store them.
use std::{
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use time::Date;

/// Tells the time, in microseconds since the Unix epoch.
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    fn now_micros(&self) -> i64;
}

/// The clock a service holds.
pub type SharedClock = Arc<dyn Clock>;

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_micros(&self) -> i64 {
        now_micros()
    }
}

/// The system clock, shared.
pub fn system_clock() -> SharedClock {
    Arc::new(SystemClock)
}

/// The system time in microseconds since the Unix epoch (0 before the epoch, `i64::MAX` after
/// year 294 247).
pub fn now_micros() -> i64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_micros()).unwrap_or(i64::MAX)
}

/// A clock that moves only when told to (tests). Moves saturate at the ends of `i64`.
#[derive(Debug, Default)]
pub struct ManualClock {
    now: AtomicI64,
}

impl ManualClock {
    pub fn new(micros: i64) -> Self {
        ManualClock {
            now: AtomicI64::new(micros),
        }
    }

    pub fn set(&self, micros: i64) {
        self.now.store(micros, Ordering::SeqCst);
    }

    pub fn advance(&self, by: Duration) {
        self.add(i64::try_from(by.as_micros()).unwrap_or(i64::MAX));
    }

    /// Moves by `secs` seconds (backwards when negative).
    pub fn advance_secs(&self, secs: i64) {
        self.add(secs.saturating_mul(1_000_000));
    }

    /// Sets the clock to noon, Vietnam time, of `day`.
    pub fn set_local_noon(&self, day: Date) {
        self.set(crate::local::local_noon(day));
    }

    fn add(&self, micros: i64) {
        // The closure always returns Some, so the update cannot fail.
        let _ = self
            .now
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                Some(now.saturating_add(micros))
            });
    }
}

impl Clock for ManualClock {
    fn now_micros(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn manual_clock_moves_when_told() {
        let clock = ManualClock::new(5);
        assert_eq!(clock.now_micros(), 5);
        clock.set(10);
        clock.advance(Duration::from_millis(2));
        assert_eq!(clock.now_micros(), 2_010);
        clock.advance_secs(-1);
        assert_eq!(clock.now_micros(), 2_010 - 1_000_000);
        clock.set(i64::MAX - 1);
        clock.advance(Duration::MAX);
        assert_eq!(clock.now_micros(), i64::MAX);
        clock.set(i64::MIN + 1);
        clock.advance_secs(i64::MIN);
        assert_eq!(clock.now_micros(), i64::MIN);
        clock.set_local_noon(date!(2026 - 03 - 17));
        assert_eq!(
            crate::local::local_date(clock.now_micros()),
            date!(2026 - 03 - 17)
        );
        assert_eq!(ManualClock::default().now_micros(), 0);
    }

    #[test]
    fn shared_clocks() {
        let manual = Arc::new(ManualClock::new(42));
        let shared: SharedClock = manual.clone();
        manual.advance_secs(1);
        assert_eq!(shared.now_micros(), 1_000_042);
        let system = system_clock();
        let before = now_micros();
        let now = system.now_micros();
        assert!(now >= before && before > 1_600_000_000_000_000);
    }
}
