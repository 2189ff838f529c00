//! Turning the services' messages into text for people: times and enum names here, the hub's
//! documents and status messages in `documents.rs`, the sender's view in `sent.rs`, a
//! tracked document in `track.rs`. (JSON is
//! the messages' own mapping, see `output.rs`.)
//!
//! In text, an enum value is printed by its stable proto name without the enum's prefix
//! (`TASK_BUCKET_NEAR_DEADLINE` → `NEAR_DEADLINE`), so that scripts may grep for it; the JSON
//! carries the full name.
use lienthong_api::wkt::Timestamp;
use lienthong_axis::{local, timestamp::from_timestamp};
use time::OffsetDateTime;

mod documents;
mod sent;
mod track;

pub use documents::*;
pub use sent::*;
pub use track::*;

/// An enum value's proto name without the enum's prefix (`QUEUED` for
/// `TRANSPORT_STATE_QUEUED`).
pub fn short(name: &'static str, prefix: &str) -> &'static str {
    name.strip_prefix(prefix).unwrap_or(name)
}

/// `2025-11-26 11:53:02Z`, for people; `-` without a time (or one beyond the calendar).
pub fn ts_text(ts: Option<&Timestamp>) -> String {
    ts.map(from_timestamp)
        .filter(|micros| {
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(*micros) * 1000).is_ok()
        })
        .map_or_else(|| "-".to_string(), local::format_utc_time)
}

/// `-` for an empty text.
pub fn or_dash(s: &str) -> &str {
    if s.is_empty() { "-" } else { s }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// 2025-11-26 11:53:02 UTC.
    pub(crate) const T: i64 = 1_764_157_982;

    pub(crate) fn ts(seconds: i64, nanos: i32) -> Option<Timestamp> {
        Some(Timestamp { seconds, nanos })
    }

    #[test]
    fn times_are_utc_for_people() {
        let cases = [
            (None, "-"),
            (ts(0, 0), "1970-01-01 00:00:00Z"),
            (ts(-1, 999_999_000), "1969-12-31 23:59:59Z"),
            (ts(T, 123_456_000), "2025-11-26 11:53:02Z"),
            // Beyond the calendar: shown as no time at all.
            (ts(i64::MAX, 0), "-"),
            (ts(253_402_300_800, 0), "-"),
        ];
        for (t, text) in cases {
            assert_eq!(ts_text(t.as_ref()), text, "{t:?}");
        }
    }

    #[test]
    fn enum_names_lose_their_prefix_only() {
        assert_eq!(
            short("TRANSPORT_STATE_QUEUED", "TRANSPORT_STATE_"),
            "QUEUED"
        );
        assert_eq!(short("QUEUED", "TRANSPORT_STATE_"), "QUEUED");
    }
}
