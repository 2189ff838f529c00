//! The events of a document for `TrackDocument`: built from what one hub recorded, merged with
//! what the other hubs answered, without duplicates (a hub also keeps copies of the deliveries
//! and statuses its peers relayed back), in time order.
use lienthong_api::exchange::v1::{TraceHeader, TrackEvent, TrackEventKind};
use lienthong_axis::{BusinessStatus, timestamp::to_timestamp};

/// At most this many events per hub (the bound the proto promises).
pub const MAX_EVENTS_PER_HUB: usize = 500;

/// How many times a track request may be passed on between hubs: a provincial hub asks the
/// national hub, which asks the destination's provincial hub.
pub const MAX_TRACK_HOPS: u32 = 2;

/// One event, before encoding.
pub struct Event<'a> {
    pub hub: &'a str,
    pub kind: TrackEventKind,
    pub agency: &'a str,
    pub peer_hub: &'a str,
    pub status: Option<BusinessStatus>,
    /// µs since the epoch.
    pub at: i64,
    pub detail: &'a str,
}

impl Event<'_> {
    pub fn encode(&self) -> TrackEvent {
        TrackEvent {
            hub: self.hub.to_string(),
            kind: self.kind as i32,
            agency: self.agency.to_string(),
            peer_hub: self.peer_hub.to_string(),
            status: self.status.map_or(0, BusinessStatus::to_proto_i32),
            event_time: Some(to_timestamp(self.at)),
            detail: self.detail.to_string(),
        }
    }
}

/// How a hub came to hold the document: accepted from its sender (`None`), or received from
/// the hub that appended the trace header before this hub's own (`Some(peer)`).
pub fn received_from<'a>(trace: &'a [TraceHeader], hub_id: &str) -> Option<&'a str> {
    let mine = trace.iter().rposition(|t| t.organ_id == hub_id)?;
    mine.checked_sub(1).map(|i| trace[i].organ_id.as_str())
}

/// The kind of event a recorded business status is. Status 01 is recorded with the
/// acknowledgement and told as ACKNOWLEDGED.
pub fn status_kind(status: BusinessStatus) -> TrackEventKind {
    match status {
        BusinessStatus::Arrived => TrackEventKind::Acknowledged,
        BusinessStatus::RevokeRequested => TrackEventKind::RevokeRequested,
        BusinessStatus::RevokeAccepted | BusinessStatus::RevokeRefused => {
            TrackEventKind::RevokeAnswered
        }
        _ => TrackEventKind::Status,
    }
}

/// The trace id of a W3C traceparent (`00-<trace id>-<span id>-<flags>`), or "".
pub fn trace_id(traceparent: &str) -> String {
    let mut parts = traceparent.split('-');
    match (parts.next(), parts.next()) {
        (Some(_), Some(id)) if id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) => {
            id.to_ascii_lowercase()
        }
        _ => String::new(),
    }
}

/// Merges events from several hubs: the same event told by two hubs (same hub of record, kind,
/// agency, peer, status and time) is kept once; the result is in time order (then by hub).
pub fn merge(mut events: Vec<TrackEvent>) -> Vec<TrackEvent> {
    let micros = |e: &TrackEvent| {
        e.event_time
            .as_ref()
            .map_or(0, lienthong_axis::timestamp::from_timestamp)
    };
    events.sort_by(|a, b| {
        (micros(a), &a.hub, a.kind, &a.agency, &a.peer_hub, a.status).cmp(&(
            micros(b),
            &b.hub,
            b.kind,
            &b.agency,
            &b.peer_hub,
            b.status,
        ))
    });
    events.dedup_by(|a, b| {
        micros(a) == micros(b)
            && a.hub == b.hub
            && a.kind == b.kind
            && a.agency == b.agency
            && a.peer_hub == b.peer_hub
            && a.status == b.status
    });
    events
}

#[cfg(test)]
mod tests;
