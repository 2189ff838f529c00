//! What operators watch, as OpenTelemetry metrics (exported over OTLP with the traces), each
//! with the attribute `hub`:
//! - `lienthong.exchange.documents.accepted` (counter, `{document}`; `relayed` = whether from
//!   another hub),
//! - `lienthong.exchange.documents.relayed` (counter, `{document}`; `peer`),
//! - `lienthong.exchange.documents.delivered` (counter, `{document}`): fetched by a recipient
//!   served here, the first time,
//! - `lienthong.exchange.documents.acknowledged` (counter, `{document}`): acknowledged by a
//!   recipient served here,
//! - `lienthong.exchange.delivery.duration` (histogram, `s`): from the acceptance at the
//!   sender's hub (its trace header) to the acknowledgement here,
//! - `lienthong.exchange.statuses.recorded` (counter, `{status}`; `code`),
//! - `lienthong.exchange.documents.undeliverable` (counter, `{document}`): legs this hub bounced
//!   because their recipient is not registered here,
//! - `lienthong.exchange.blobs.collected` (counter, `{blob}`): orphan attachment blobs removed,
//! - `lienthong.exchange.uploads.open` and `lienthong.exchange.streams.open` (gauges): uploads
//!   and Subscribe/WatchSentDocument streams open now,
//! - `lienthong.exchange.outbox.depth` and `lienthong.exchange.outbox.oldest_age` (gauges, in
//!   entries and seconds; `peer` = a hub, or `tasks`): the relay backlog and lag.
use std::sync::{Arc, Mutex, OnceLock};

use opentelemetry::{
    KeyValue, global,
    metrics::{Counter, Histogram},
};

/// Bucket bounds of the delivery latency, in seconds: a minute to a working week, since a
/// recipient's software acknowledges within seconds but a clerk may take days.
const DELIVERY_BOUNDS: [f64; 12] = [
    1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 14400.0, 28800.0, 86400.0, 259_200.0, 604_800.0,
];

struct Instruments {
    accepted: Counter<u64>,
    relayed: Counter<u64>,
    delivered: Counter<u64>,
    acknowledged: Counter<u64>,
    delivery: Histogram<f64>,
    statuses: Counter<u64>,
    undeliverable: Counter<u64>,
    collected: Counter<u64>,
}

fn instruments() -> &'static Instruments {
    static INSTRUMENTS: OnceLock<Instruments> = OnceLock::new();
    INSTRUMENTS.get_or_init(|| {
        let meter = global::meter("lienthong-exchange");
        Instruments {
            accepted: meter
                .u64_counter("lienthong.exchange.documents.accepted")
                .with_description("Documents accepted by this hub")
                .with_unit("{document}")
                .build(),
            relayed: meter
                .u64_counter("lienthong.exchange.documents.relayed")
                .with_description("Documents handed over to another hub")
                .with_unit("{document}")
                .build(),
            delivered: meter
                .u64_counter("lienthong.exchange.documents.delivered")
                .with_description("Documents fetched by a recipient served here (first fetch)")
                .with_unit("{document}")
                .build(),
            acknowledged: meter
                .u64_counter("lienthong.exchange.documents.acknowledged")
                .with_description("Documents acknowledged by a recipient served here")
                .with_unit("{document}")
                .build(),
            delivery: meter
                .f64_histogram("lienthong.exchange.delivery.duration")
                .with_description(
                    "From acceptance at the sender's hub to acknowledgement by the recipient",
                )
                .with_unit("s")
                .with_boundaries(DELIVERY_BOUNDS.to_vec())
                .build(),
            statuses: meter
                .u64_counter("lienthong.exchange.statuses.recorded")
                .with_description("Business statuses recorded by this hub")
                .with_unit("{status}")
                .build(),
            undeliverable: meter
                .u64_counter("lienthong.exchange.documents.undeliverable")
                .with_description("Legs this hub bounced: no such agency is registered here")
                .with_unit("{document}")
                .build(),
            collected: meter
                .u64_counter("lienthong.exchange.blobs.collected")
                .with_description("Orphan attachment blobs removed")
                .with_unit("{blob}")
                .build(),
        }
    })
}

fn hub(hub: &str) -> KeyValue {
    KeyValue::new("hub", hub.to_string())
}

pub fn document_accepted(at_hub: &str, relayed: bool) {
    instruments()
        .accepted
        .add(1, &[hub(at_hub), KeyValue::new("relayed", relayed)]);
}

pub fn document_relayed(at_hub: &str, peer: &str) {
    instruments()
        .relayed
        .add(1, &[hub(at_hub), KeyValue::new("peer", peer.to_string())]);
}

pub fn document_delivered(at_hub: &str) {
    instruments().delivered.add(1, &[hub(at_hub)]);
}

/// A recipient served here acknowledged a document `micros` after its acceptance at the
/// sender's hub (clock skew between hubs may make it negative: counted as zero).
pub fn document_acknowledged(at_hub: &str, micros: i64) {
    let i = instruments();
    i.acknowledged.add(1, &[hub(at_hub)]);
    i.delivery
        .record(micros.max(0) as f64 / 1e6, &[hub(at_hub)]);
}

pub fn status_recorded(at_hub: &str, code: &str) {
    instruments()
        .statuses
        .add(1, &[hub(at_hub), KeyValue::new("code", code.to_string())]);
}

pub fn document_undeliverable(at_hub: &str) {
    instruments().undeliverable.add(1, &[hub(at_hub)]);
}

pub fn blobs_collected(at_hub: &str, n: u64) {
    instruments().collected.add(n, &[hub(at_hub)]);
}

/// Registers the gauges of what clients hold open at hub `hub_id`: `uploads` and `streams`
/// report the current counts.
pub fn register_held(
    hub_id: &str,
    uploads: impl Fn() -> u64 + Send + Sync + 'static,
    streams: impl Fn() -> u64 + Send + Sync + 'static,
) {
    let meter = global::meter("lienthong-exchange");
    let (h1, h2) = (hub(hub_id), hub(hub_id));
    meter
        .u64_observable_gauge("lienthong.exchange.uploads.open")
        .with_description("Documents being received now (SendDocument and RelayDocument)")
        .with_unit("{upload}")
        .with_callback(move |o| o.observe(uploads(), std::slice::from_ref(&h1)))
        .build();
    meter
        .u64_observable_gauge("lienthong.exchange.streams.open")
        .with_description("Subscribe and WatchSentDocument streams open now")
        .with_unit("{stream}")
        .with_callback(move |o| o.observe(streams(), std::slice::from_ref(&h2)))
        .build();
}

/// The backlog of one peer: (peer, entries, age of the oldest in seconds).
pub type BacklogPoint = (String, u64, f64);

/// The backlog gauges. Their callbacks must not block on the database, so they report the
/// last snapshot [`OutboxGauges::set`] was given (refreshed by a background task).
#[derive(Clone, Default)]
pub struct OutboxGauges {
    snapshot: Arc<Mutex<Vec<BacklogPoint>>>,
}

impl OutboxGauges {
    /// Registers the gauges of hub `hub_id`.
    pub fn register(hub_id: &str) -> Self {
        let gauges = OutboxGauges::default();
        let meter = global::meter("lienthong-exchange");
        let depth = gauges.snapshot.clone();
        let depth_hub = hub(hub_id);
        meter
            .u64_observable_gauge("lienthong.exchange.outbox.depth")
            .with_description("Entries waiting in the outbox towards a peer")
            .with_unit("{entry}")
            .with_callback(move |observer| {
                if let Ok(s) = depth.lock() {
                    for (peer, n, _) in s.iter() {
                        observer.observe(
                            *n,
                            &[depth_hub.clone(), KeyValue::new("peer", peer.clone())],
                        );
                    }
                }
            })
            .build();
        let age = gauges.snapshot.clone();
        let age_hub = hub(hub_id);
        meter
            .f64_observable_gauge("lienthong.exchange.outbox.oldest_age")
            .with_description("Age of the oldest entry waiting towards a peer")
            .with_unit("s")
            .with_callback(move |observer| {
                if let Ok(s) = age.lock() {
                    for (peer, _, seconds) in s.iter() {
                        observer.observe(
                            *seconds,
                            &[age_hub.clone(), KeyValue::new("peer", peer.clone())],
                        );
                    }
                }
            })
            .build();
        gauges
    }

    /// Replaces the snapshot the gauges report.
    pub fn set(&self, points: Vec<BacklogPoint>) {
        if let Ok(mut s) = self.snapshot.lock() {
            *s = points;
        }
    }
}
