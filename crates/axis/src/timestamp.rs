//! Protobuf timestamps ↔ microseconds since the Unix epoch, the unit the services store.
//!
//! `google.protobuf.Timestamp` keeps nanoseconds in `[0, 1e9)` even before 1970, so the split
//! uses Euclidean division; the way back saturates instead of overflowing on a hostile value.

use lienthong_api::wkt::{Duration, Timestamp};

/// The timestamp of an instant in microseconds.
pub fn to_timestamp(micros: i64) -> Timestamp {
    let nanos = micros.rem_euclid(1_000_000) * 1000;
    Timestamp {
        seconds: micros.div_euclid(1_000_000),
        // Below 1e9, so it always fits.
        nanos: i32::try_from(nanos).unwrap_or(0),
    }
}

/// The instant of a timestamp, in microseconds (sub-microsecond nanos are floored;
/// out-of-range values saturate at the ends of `i64`).
pub fn from_timestamp(ts: &Timestamp) -> i64 {
    let micros = i128::from(ts.seconds) * 1_000_000 + i128::from(ts.nanos).div_euclid(1000);
    i64::try_from(micros).unwrap_or(if micros < 0 { i64::MIN } else { i64::MAX })
}

/// A duration in microseconds as a protobuf `Duration` (negative durations are zero).
pub fn to_duration(micros: i64) -> Duration {
    let micros = micros.max(0);
    Duration {
        seconds: micros / 1_000_000,
        nanos: i32::try_from((micros % 1_000_000) * 1000).unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use Timestamp;

    use super::*;

    #[test]
    fn round_trips_with_euclidean_nanos() {
        assert_eq!(
            to_timestamp(1_500_000),
            Timestamp {
                seconds: 1,
                nanos: 500_000_000
            }
        );
        assert_eq!(
            to_timestamp(-1),
            Timestamp {
                seconds: -1,
                nanos: 999_999_000
            }
        );
        for micros in [0, 1, -1, 1_795_107_600_123_456, i64::MIN, i64::MAX] {
            assert_eq!(from_timestamp(&to_timestamp(micros)), micros);
        }
    }

    #[test]
    fn hostile_timestamps_saturate() {
        let t = |seconds, nanos| Timestamp { seconds, nanos };
        assert_eq!(from_timestamp(&t(i64::MAX, 0)), i64::MAX);
        assert_eq!(from_timestamp(&t(i64::MIN, 0)), i64::MIN);
        assert_eq!(from_timestamp(&t(0, 1_999)), 1);
        assert_eq!(from_timestamp(&t(0, -1)), -1);
        assert_eq!(from_timestamp(&t(1, i32::MIN)), 1_000_000 - 2_147_484);
    }
}
