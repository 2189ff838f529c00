//! The operator's metrics: the relay backlog towards a peer that is down shows as a gauge,
//! accepted documents are counted, and so are the documents a hub bounced as undeliverable.
//!
//! Still its own test binary: it installs the process-wide meter provider, whose instruments
//! every hub of the process would feed.
#[path = "api/support.rs"]
#[allow(dead_code, unused_imports)]
mod support;

use lienthong_platform::db::Backend;
use opentelemetry_sdk::metrics::{
    InMemoryMetricExporter, SdkMeterProvider,
    data::{AggregatedMetrics, MetricData},
};
use support::*;

/// The value of a u64 metric for `peer` (or the sum over all points when `peer` is None).
fn u64_value(exporter: &InMemoryMetricExporter, name: &str, peer: Option<&str>) -> Option<u64> {
    let batches = exporter.get_finished_metrics().expect("metrics");
    let last = batches.last()?;
    let mut found = None;
    for scope in last.scope_metrics() {
        for metric in scope.metrics().filter(|m| m.name() == name) {
            let points: Vec<(u64, bool)> = match metric.data() {
                AggregatedMetrics::U64(MetricData::Gauge(g)) => g
                    .data_points()
                    .map(|p| {
                        let attrs: Vec<String> = p
                            .attributes()
                            .map(|kv| format!("{}={}", kv.key, kv.value))
                            .collect();
                        let wanted = peer.map(|p| format!("peer={p}"));
                        (
                            p.value(),
                            attrs.contains(&"hub=H48".to_string())
                                && wanted.is_some_and(|w| attrs.contains(&w)),
                        )
                    })
                    .collect(),
                AggregatedMetrics::U64(MetricData::Sum(s)) => {
                    s.data_points().map(|p| (p.value(), true)).collect()
                }
                _ => Vec::new(),
            };
            let total: u64 = points
                .iter()
                .filter(|(_, matches)| peer.is_none() || *matches)
                .map(|(v, _)| v)
                .sum();
            found = Some(total);
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backlog_and_acceptance_are_metrics() {
    let exporter = InMemoryMetricExporter::default();
    let provider = SdkMeterProvider::builder()
        .with_periodic_exporter(exporter.clone())
        .build();
    opentelemetry::global::set_meter_provider(provider.clone());

    let mut axis = spawn_axis(Backend::Sqlite).await;
    axis.national.halt().await;
    let mut binh_son = axis.h48.agency("000.00.53.H48").await;
    for n in 1..=2 {
        send(
            &mut binh_son,
            header("000.00.53.H48", &["000.00.00.G22"], n, &[]),
            &[],
        )
        .await
        .expect("accepted while national is down");
    }

    let depth = eventually("the backlog gauge", PATIENCE, || {
        let provider = provider.clone();
        let exporter = exporter.clone();
        async move {
            provider.force_flush().expect("flush");
            u64_value(
                &exporter,
                "lienthong.exchange.outbox.depth",
                Some("national"),
            )
            .filter(|d| *d >= 2)
        }
    })
    .await;
    assert_eq!(depth, 2);
    let accepted =
        u64_value(&exporter, "lienthong.exchange.documents.accepted", None).expect("counter");
    assert!(accepted >= 2, "{accepted}");
    // To an agency that does not exist at H41: accepted now, bounced later.
    send(
        &mut binh_son,
        header("000.00.53.H48", &["000.00.77.H41"], 3, &[]),
        &[],
    )
    .await
    .expect("accepted while national is down");
    axis.national.resume().await;
    let bounced = eventually("the bounce counted", PATIENCE, || {
        let provider = provider.clone();
        let exporter = exporter.clone();
        async move {
            provider.force_flush().expect("flush");
            u64_value(
                &exporter,
                "lienthong.exchange.documents.undeliverable",
                None,
            )
            .filter(|n| *n >= 1)
        }
    })
    .await;
    assert_eq!(bounced, 1);
    assert_eq!(
        unit_of(&exporter, "lienthong.exchange.documents.undeliverable").as_deref(),
        Some("{document}")
    );
    axis.stop().await;
}

/// The unit of a metric, as last exported.
fn unit_of(exporter: &InMemoryMetricExporter, name: &str) -> Option<String> {
    let batches = exporter.get_finished_metrics().expect("metrics");
    let last = batches.last()?;
    last.scope_metrics()
        .flat_map(|scope| scope.metrics())
        .find(|m| m.name() == name)
        .map(|m| m.unit().to_string())
}
