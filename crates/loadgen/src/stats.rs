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
    pub ops_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
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
            ops_per_sec: if secs > 0.0 {
                sorted.len() as f64 / secs
            } else {
                f64::NAN
            },
            p50_ms: ms(percentile(&sorted, 50.0)),
            p99_ms: ms(percentile(&sorted, 99.0)),
        })
    }
}

/// This process's CPU time and voluntary context switches so far (clients and in-process
/// hubs together), from /proc/self: the issue's own figures per document.
pub struct ProcessCounters {
    cpu_secs: f64,
    voluntary_switches: u64,
}

impl ProcessCounters {
    pub fn now() -> ProcessCounters {
        // /proc/self/stat: utime and stime are fields 14 and 15, in clock ticks (100 per
        // second on Linux); the command name (field 2) may hold spaces, so count after ')'.
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        let tick = |i: usize| {
            fields
                .get(i)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        // /proc/self/status counts the main thread only: sum over every live thread (the
        // runtime's workers and SQLite's connection thread live as long as the run).
        let voluntary_switches = std::fs::read_dir("/proc/self/task")
            .map(|tasks| {
                tasks
                    .filter_map(Result::ok)
                    .filter_map(|t| std::fs::read_to_string(t.path().join("status")).ok())
                    .filter_map(|status| {
                        status
                            .lines()
                            .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
                            .and_then(|v| v.trim().parse::<u64>().ok())
                    })
                    .sum()
            })
            .unwrap_or(0);
        ProcessCounters {
            cpu_secs: (tick(11) + tick(12)) as f64 / 100.0,
            voluntary_switches,
        }
    }

    /// CPU time and voluntary context switches per item since `before`, as a note.
    pub fn per_item_since(&self, before: &ProcessCounters, items: usize) -> String {
        let n = items.max(1) as f64;
        format!(
            "whole process (clients + hub): {:.2} ms CPU and {:.0} voluntary context switches \
             per document",
            (self.cpu_secs - before.cpu_secs) * 1000.0 / n,
            self.voluntary_switches
                .saturating_sub(before.voluntary_switches) as f64
                / n
        )
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
