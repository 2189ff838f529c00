use super::*;

fn hop(hub: &str) -> TraceHeader {
    TraceHeader {
        organ_id: hub.into(),
        record_time: None,
    }
}

fn event(hub: &str, kind: TrackEventKind, at: i64) -> TrackEvent {
    Event {
        hub,
        kind,
        agency: "000.00.00.G22",
        peer_hub: "",
        status: None,
        at,
        detail: "",
    }
    .encode()
}

#[test]
fn the_previous_trace_header_names_the_hub_it_came_from() {
    let trace = [hop("H48"), hop("national"), hop("H41")];
    assert_eq!(received_from(&trace, "H41"), Some("national"));
    assert_eq!(received_from(&trace, "national"), Some("H48"));
    assert_eq!(received_from(&trace, "H48"), None);
    assert_eq!(received_from(&trace, "H99"), None);
}

#[test]
fn statuses_are_told_by_their_kind() {
    assert_eq!(
        status_kind(BusinessStatus::Arrived),
        TrackEventKind::Acknowledged
    );
    assert_eq!(
        status_kind(BusinessStatus::RevokeRequested),
        TrackEventKind::RevokeRequested
    );
    assert_eq!(
        status_kind(BusinessStatus::RevokeRefused),
        TrackEventKind::RevokeAnswered
    );
    assert_eq!(
        status_kind(BusinessStatus::Processing),
        TrackEventKind::Status
    );
}

#[test]
fn the_trace_id_comes_from_a_well_formed_traceparent_only() {
    assert_eq!(
        trace_id("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"),
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    assert_eq!(trace_id(""), "");
    assert_eq!(trace_id("00-xyz-00f067aa0ba902b7-01"), "");
}

#[test]
fn merged_events_are_in_time_order_without_duplicates() {
    let merged = merge(vec![
        event("H41", TrackEventKind::Delivered, 30),
        event("H48", TrackEventKind::Accepted, 10),
        event("H41", TrackEventKind::Delivered, 30),
        event("national", TrackEventKind::Received, 20),
        event("H41", TrackEventKind::Delivered, 31),
    ]);
    let kinds: Vec<(String, i32)> = merged.iter().map(|e| (e.hub.clone(), e.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            ("H48".into(), TrackEventKind::Accepted as i32),
            ("national".into(), TrackEventKind::Received as i32),
            ("H41".into(), TrackEventKind::Delivered as i32),
            ("H41".into(), TrackEventKind::Delivered as i32),
        ]
    );
}
