//! Turning the services' messages into text and JSON: times and errors here, the hub's
//! documents and status messages in `documents.rs`, the sender's view in `sent.rs`.
use std::fmt::Write as _;

use lienthong_axis::{local, timestamp::from_timestamp};
use serde_json::Value;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

mod documents;
mod sent;

pub use documents::*;
pub use sent::*;

/// An error and its sources, joined with ": ".
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.ends_with(&text) {
            let _ = write!(out, ": {text}");
        }
        source = s.source();
    }
    out
}

/// The instant of a timestamp in microseconds, when the calendar can show it (years -9999 to
/// 9999, the `time` crate's range).
fn instant(ts: &prost_types::Timestamp) -> Option<(i64, OffsetDateTime)> {
    let micros = from_timestamp(ts);
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000).ok()?;
    Some((micros, at))
}

/// RFC 3339 (UTC), for JSON; `null` without a time.
pub fn ts_json(ts: Option<&prost_types::Timestamp>) -> Value {
    ts.and_then(instant)
        .and_then(|(_, at)| at.format(&Rfc3339).ok())
        .map_or(Value::Null, Value::String)
}

/// `2025-11-26 11:53:02Z`, for people; `-` without a time.
pub fn ts_text(ts: Option<&prost_types::Timestamp>) -> String {
    ts.and_then(instant).map_or_else(
        || "-".to_string(),
        |(micros, _)| local::format_utc_time(micros),
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use prost_types::Timestamp;
    use serde_json::json;

    use super::*;

    /// 2025-11-26 11:53:02 UTC.
    pub(crate) const T: i64 = 1_764_157_982;

    pub(crate) fn ts(seconds: i64, nanos: i32) -> Option<Timestamp> {
        Some(Timestamp { seconds, nanos })
    }

    #[test]
    fn times_are_utc_for_people_and_rfc3339_for_json() {
        let cases = [
            (None, "-", Value::Null),
            (
                ts(0, 0),
                "1970-01-01 00:00:00Z",
                json!("1970-01-01T00:00:00Z"),
            ),
            (
                ts(-1, 999_999_000),
                "1969-12-31 23:59:59Z",
                json!("1969-12-31T23:59:59.999999Z"),
            ),
            (
                ts(T, 123_456_000),
                "2025-11-26 11:53:02Z",
                json!("2025-11-26T11:53:02.123456Z"),
            ),
            // Beyond the calendar: shown as no time at all.
            (ts(i64::MAX, 0), "-", Value::Null),
            (ts(253_402_300_800, 0), "-", Value::Null),
        ];
        for (t, text, json) in cases {
            assert_eq!(ts_text(t.as_ref()), text, "{t:?}");
            assert_eq!(ts_json(t.as_ref()), json, "{t:?}");
        }
    }

    #[test]
    fn error_chains_skip_repeated_causes() {
        #[derive(Debug)]
        struct E(&'static str, Option<Box<E>>);
        impl std::fmt::Display for E {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.0)
            }
        }
        impl std::error::Error for E {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                self.1.as_deref().map(|e| e as _)
            }
        }
        let e = E(
            "transport error",
            Some(Box::new(E(
                "tcp connect error",
                Some(Box::new(E("tcp connect error", None))),
            ))),
        );
        assert_eq!(error_chain(&e), "transport error: tcp connect error");
    }
}
