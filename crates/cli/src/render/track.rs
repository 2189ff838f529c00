//! One document across hubs (`lienthong track`): a line per event with the delay since the
//! event before and since acceptance, then the hubs that did not answer and the trace id.
use std::fmt::Write as _;

use lienthong_api::exchange::v1::{self as pb, TrackDocumentResponse, TrackEvent};
use lienthong_axis::timestamp::from_timestamp;

use super::{business_status_text, short, ts_text};

/// A delay for people: `+850ms`, `+1.2s`, `+3m04s`, `+2h05m`, `+3d04h`; `-` when unknown.
pub fn delay_text(micros: Option<i64>) -> String {
    let Some(us) = micros else {
        return "-".to_string();
    };
    let (sign, us) = if us < 0 { ("-", -us) } else { ("+", us) };
    let ms = us / 1000;
    let s = us / 1_000_000;
    match s {
        _ if ms < 1000 => format!("{sign}{ms}ms"),
        0..60 => format!("{sign}{}.{}s", s, (ms % 1000) / 100),
        60..3600 => format!("{sign}{}m{:02}s", s / 60, s % 60),
        3600..86400 => format!("{sign}{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{sign}{}d{:02}h", s / 86400, (s % 86400) / 3600),
    }
}

/// What happened, e.g. `RELAYED → national`, `RECEIVED ← H48`, `STATUS 03 ACCEPTED`.
pub fn track_event_text(e: &TrackEvent) -> String {
    let kind = short(e.kind().as_str_name(), "TRACK_EVENT_KIND_");
    let status = match e.status() {
        pb::BusinessStatus::Unspecified => String::new(),
        s => format!(" {}", business_status_text(s)),
    };
    match e.kind() {
        pb::TrackEventKind::Relayed => format!("{kind} → {}", e.peer_hub),
        pb::TrackEventKind::Received => format!("{kind} ← {}", e.peer_hub),
        _ => format!("{kind}{status}"),
    }
}

fn micros(e: &TrackEvent) -> Option<i64> {
    e.event_time.as_ref().map(from_timestamp)
}

/// The table of a tracked document.
pub fn track_text(r: &TrackDocumentResponse) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", r.document_id);
    let accepted = r
        .events
        .iter()
        .find(|e| e.kind() == pb::TrackEventKind::Accepted)
        .or(r.events.first())
        .and_then(micros);
    let _ = writeln!(
        out,
        "{:<21} {:<10} {:<28} {:<16} {:>9} {:>9}  DETAIL",
        "TIME", "HUB", "EVENT", "AGENCY", "+PREV", "+ACCEPT"
    );
    let mut previous = None;
    for e in &r.events {
        let at = micros(e);
        let since = |t: Option<i64>| at.zip(t).map(|(a, b)| a - b);
        let _ = writeln!(
            out,
            "{:<21} {:<10} {:<28} {:<16} {:>9} {:>9}  {}",
            ts_text(e.event_time.as_ref()),
            e.hub,
            track_event_text(e),
            e.agency,
            delay_text(since(previous)),
            delay_text(since(accepted)),
            e.detail
        );
        previous = at;
    }
    if r.events.is_empty() {
        out.push_str("no events\n");
    }
    if !r.unreachable_hubs.is_empty() {
        let _ = writeln!(
            out,
            "partial: no answer from hub {} (its events are missing)",
            r.unreachable_hubs.join(", ")
        );
    }
    if r.trace_id.is_empty() {
        out.push_str("no trace id was stored with the document\n");
    } else {
        let _ = writeln!(out, "open trace {} in your trace viewer", r.trace_id);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tests::{T, ts};

    fn event(hub: &str, kind: pb::TrackEventKind, at: i64, nanos: i32) -> TrackEvent {
        TrackEvent {
            hub: hub.into(),
            kind: kind as i32,
            agency: "000.00.00.G22".into(),
            event_time: ts(at, nanos),
            ..Default::default()
        }
    }

    #[test]
    fn delays_read_at_a_glance() {
        assert_eq!(delay_text(None), "-");
        assert_eq!(delay_text(Some(850_000)), "+850ms");
        assert_eq!(delay_text(Some(1_250_000)), "+1.2s");
        assert_eq!(delay_text(Some(184_000_000)), "+3m04s");
        assert_eq!(delay_text(Some(7_500_000_000)), "+2h05m");
        assert_eq!(delay_text(Some(273_600_000_000)), "+3d04h");
        assert_eq!(delay_text(Some(-2_000_000)), "-2.0s");
    }

    #[test]
    fn the_table_shows_hops_delays_and_the_trace() {
        let mut relayed = event("H48", pb::TrackEventKind::Relayed, T + 1, 500_000_000);
        relayed.peer_hub = "national".into();
        let mut status = event("H41", pb::TrackEventKind::Status, T + 65, 0);
        status.status = pb::BusinessStatus::Accepted as i32;
        let r = TrackDocumentResponse {
            document_id: "000.00.00.H48,2025/11/26,1/X".into(),
            trace_id: "4bf92f3577b34da6a3ce929d0e0e4736".into(),
            events: vec![
                event("H48", pb::TrackEventKind::Accepted, T, 0),
                relayed,
                status,
            ],
            unreachable_hubs: vec!["H41".into()],
        };
        let text = track_text(&r);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "000.00.00.H48,2025/11/26,1/X");
        assert!(lines[2].contains("ACCEPTED") && lines[2].contains("2025-11-26 11:53:02Z"));
        assert!(lines[3].contains("RELAYED → national"), "{}", lines[3]);
        assert!(lines[3].contains("+1.5s"), "{}", lines[3]);
        assert!(lines[4].contains("STATUS 03 ACCEPTED"), "{}", lines[4]);
        assert!(
            lines[4].contains("+1m03s") && lines[4].contains("+1m05s"),
            "{}",
            lines[4]
        );
        assert!(text.contains("partial: no answer from hub H41"));
        assert!(
            text.ends_with("open trace 4bf92f3577b34da6a3ce929d0e0e4736 in your trace viewer\n")
        );
    }
}
