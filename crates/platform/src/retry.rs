//! The back-off of every retry loop of the axis (outbox deliveries, statistics pushes): 200 ms
//! doubling up to a cap, with random jitter so that many hubs do not retry in step.
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

/// The first delay.
pub const MIN_DELAY: Duration = Duration::from_millis(200);
/// The longest delay between two attempts.
pub const MAX_DELAY: Duration = Duration::from_secs(60);

/// The back-off policy, capped at `max`.
pub fn policy(max: Duration) -> ExponentialBuilder {
    ExponentialBuilder::default()
        .with_min_delay(MIN_DELAY)
        .with_max_delay(max)
        .with_factor(2.0)
        .with_jitter()
        .without_max_times()
}

/// The delay before retry number `attempts` (1-based) of work whose attempt count is kept
/// elsewhere (in the database, for outbox entries): 200 ms · 2^attempts, capped at `max`, plus
/// up to as much again at random.
pub fn delay(attempts: i64, max: Duration) -> Duration {
    let n = usize::try_from(attempts.clamp(0, 30)).unwrap_or(0);
    policy(max).build().nth(n).unwrap_or(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_are_capped() {
        let d1 = delay(1, MAX_DELAY);
        assert!(
            d1 >= Duration::from_millis(400) && d1 <= Duration::from_millis(800),
            "{d1:?}"
        );
        assert!(delay(5, MAX_DELAY) >= Duration::from_millis(6400));
        let late = delay(50, MAX_DELAY);
        assert!(late >= MAX_DELAY && late <= 2 * MAX_DELAY, "{late:?}");
        assert!(delay(50, Duration::from_secs(5)) <= Duration::from_secs(10));
    }
}
