//! Latency summaries from a plain sorted vector (nearest-rank percentiles).
use std::time::Duration;

/// What one measured phase produced.
#[derive(Debug, Default)]
pub struct Measurement {
    /// Latency of every completed operation.
    pub latencies: Vec<Duration>,
    /// Wall time from the first operation's start to the last one's completion.
    pub elapsed: Duration,
}

/// Percentiles of a measurement, in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    pub count: usize,
    pub ops_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Measurement {
    pub fn summary(&self) -> Option<Summary> {
        if self.latencies.is_empty() {
            return None;
        }
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let secs = self.elapsed.as_secs_f64();
        Some(Summary {
            count: sorted.len(),
            ops_per_sec: if secs > 0.0 {
                sorted.len() as f64 / secs
            } else {
                f64::NAN
            },
            p50_ms: ms(percentile(&sorted, 50.0)),
            p99_ms: ms(percentile(&sorted, 99.0)),
            max_ms: ms(sorted[sorted.len() - 1]),
        })
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Nearest-rank percentile of a non-empty, sorted slice.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let n = sorted.len();
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    sorted[rank.clamp(1, n) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&v, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&v, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&v, 100.0), Duration::from_millis(100));
        assert_eq!(percentile(&v[..1], 99.0), Duration::from_millis(1));
    }
}
