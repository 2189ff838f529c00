//! What operators watch, as OpenTelemetry metrics (exported over OTLP with the traces), each
//! with the attribute `hub`:
//! - `lienthong.exchange.documents.accepted` (counter; `relayed` = whether from another hub),
//! - `lienthong.exchange.documents.relayed` (counter; `peer`),
//! - `lienthong.exchange.statuses.recorded` (counter; `code`),
//! - `lienthong.exchange.outbox.depth` and `lienthong.exchange.outbox.oldest_age` (gauges, in
//!   entries and seconds; `peer` = a hub, or `tasks`): the relay backlog and lag.
use std::{
    sync::{Arc, Mutex, OnceLock},
    time::Duration,
};

use opentelemetry::{KeyValue, global, metrics::Counter};
use sqlx::AnyPool;

use lienthong_platform::{db::now_micros, outbox, shutdown::Shutdown};

struct Instruments {
    accepted: Counter<u64>,
    relayed: Counter<u64>,
    statuses: Counter<u64>,
}

fn instruments() -> &'static Instruments {
    static INSTRUMENTS: OnceLock<Instruments> = OnceLock::new();
    INSTRUMENTS.get_or_init(|| {
        let meter = global::meter("lienthong-exchange");
        Instruments {
            accepted: meter
                .u64_counter("lienthong.exchange.documents.accepted")
                .with_description("Documents accepted by this hub")
                .build(),
            relayed: meter
                .u64_counter("lienthong.exchange.documents.relayed")
                .with_description("Documents handed over to another hub")
                .build(),
            statuses: meter
                .u64_counter("lienthong.exchange.statuses.recorded")
                .with_description("Business statuses recorded by this hub")
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

pub fn status_recorded(at_hub: &str, code: &str) {
    instruments()
        .statuses
        .add(1, &[hub(at_hub), KeyValue::new("code", code.to_string())]);
}

/// (peer, outbox topic) pairs whose backlog is reported.
pub type Topics = Vec<(String, String)>;

/// Registers the backlog gauges, refreshed from the database every few seconds (the callbacks
/// must not block on the database themselves).
pub fn spawn_outbox_gauges(pool: AnyPool, hub_id: String, topics: Topics, shutdown: Shutdown) {
    let snapshot: Arc<Mutex<Vec<(String, u64, f64)>>> = Arc::default();
    let meter = global::meter("lienthong-exchange");
    let depth = snapshot.clone();
    let depth_hub = hub(&hub_id);
    meter
        .u64_observable_gauge("lienthong.exchange.outbox.depth")
        .with_description("Entries waiting in the outbox towards a peer")
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
    let age = snapshot.clone();
    let age_hub = hub(&hub_id);
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
    tokio::spawn(async move {
        loop {
            let mut fresh = Vec::with_capacity(topics.len());
            for (peer, topic) in &topics {
                if let Ok(stats) = outbox::stats(&pool, topic).await {
                    let now = now_micros();
                    let age = stats
                        .oldest_created_at
                        .map(|t| (now - t).max(0) as f64 / 1e6)
                        .unwrap_or(0.0);
                    fresh.push((peer.clone(), stats.depth, age));
                }
            }
            if let Ok(mut s) = snapshot.lock() {
                *s = fresh;
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                _ = shutdown.wait() => return,
            }
        }
    });
}
