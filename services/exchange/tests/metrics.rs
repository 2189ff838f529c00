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
    delivered_and_acknowledged_with_their_latency(&axis, &provider, &exporter).await;
    every_instrument_has_a_unit(&exporter);
    axis.stop().await;
}

/// A ministry at the national hub fetches and acknowledges the first document 90 s (by the
/// axis clock) after Bình Sơn's hub accepted it: counted, and the latency measured from the
/// acceptance at the sender's hub.
async fn delivered_and_acknowledged_with_their_latency(
    axis: &Axis,
    provider: &SdkMeterProvider,
    exporter: &InMemoryMetricExporter,
) {
    let mut vpcp = axis.national.agency("000.00.00.G22").await;
    let docs = wait_for_documents(&vpcp, 2).await;
    axis.national.clock.advance_secs(90);
    let id = docs[0].document_id.clone();
    fetch_all(&mut vpcp, &id).await.expect("fetched");
    fetch_all(&mut vpcp, &id).await.expect("fetched again");
    assert!(ack(&mut vpcp, &id).await);
    provider.force_flush().expect("flush");
    assert_eq!(
        u64_value(exporter, "lienthong.exchange.documents.delivered", None),
        Some(1),
        "the second fetch is no new delivery"
    );
    assert_eq!(
        u64_value(exporter, "lienthong.exchange.documents.acknowledged", None),
        Some(1)
    );
    let (count, sum) =
        histogram(exporter, "lienthong.exchange.delivery.duration").expect("latency");
    assert_eq!(count, 1);
    assert!((sum - 90.0).abs() < 1e-6, "{sum}");
}

/// (count, sum) of an f64 histogram, as last exported.
fn histogram(exporter: &InMemoryMetricExporter, name: &str) -> Option<(u64, f64)> {
    let batches = exporter.get_finished_metrics().expect("metrics");
    let last = batches.last()?;
    let metric = last
        .scope_metrics()
        .flat_map(|scope| scope.metrics())
        .find(|m| m.name() == name)?;
    match metric.data() {
        AggregatedMetrics::F64(MetricData::Histogram(h)) => Some(
            h.data_points()
                .fold((0, 0.0), |(c, s), p| (c + p.count(), s + p.sum())),
        ),
        _ => None,
    }
}

/// Every instrument of the hub says its unit.
fn every_instrument_has_a_unit(exporter: &InMemoryMetricExporter) {
    let batches = exporter.get_finished_metrics().expect("metrics");
    let last = batches.last().expect("a batch");
    let mut seen = Vec::new();
    for m in last.scope_metrics().flat_map(|scope| scope.metrics()) {
        if m.name().starts_with("lienthong.exchange.") {
            assert!(!m.unit().is_empty(), "{} has no unit", m.name());
            seen.push(m.name().to_string());
        }
    }
    for name in [
        "lienthong.exchange.documents.accepted",
        "lienthong.exchange.documents.relayed",
        "lienthong.exchange.statuses.recorded",
        "lienthong.exchange.outbox.depth",
    ] {
        assert!(
            seen.iter().any(|s| s == name),
            "{name} not exported: {seen:?}"
        );
    }
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
