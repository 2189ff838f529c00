//! The operator's gauge of tasks by bucket follows the clock and the store, with its unit.
//!
//! Its own test binary: it installs the process-wide meter provider, whose gauge every tasks
//! service of the process would register.
#[path = "api/calls.rs"]
#[allow(dead_code, unused_imports)]
mod calls;
#[path = "api/support.rs"]
#[allow(dead_code, unused_imports)]
mod support;

use std::collections::BTreeMap;

use lienthong_platform::db::Backend;
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, SdkMeterProvider};
use time::macros::date;

/// The gauge's points by bucket, and its unit, as last exported.
fn by_bucket(exporter: &InMemoryMetricExporter) -> (BTreeMap<String, u64>, String) {
    lienthong_platform::testing::gauge_points(exporter, "lienthong.tasks.tasks", "bucket")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_are_counted_by_bucket() {
    let exporter = InMemoryMetricExporter::default();
    let provider = SdkMeterProvider::builder()
        .with_periodic_exporter(exporter.clone())
        .build();
    opentelemetry::global::set_meter_provider(provider.clone());

    let svc = support::spawn(Backend::Sqlite).await;
    let mut a = svc.agency(support::H48).await;
    calls::create(&mut a, "Báo cáo chuyển đổi số", "2026-11-20").await;
    calls::create(&mut a, "Theo dõi thường xuyên", "").await;
    svc.app().refresh_gauges().await.expect("counted");
    provider.force_flush().expect("flush");
    let (counts, unit) = by_bucket(&exporter);
    assert_eq!(unit, "{task}");
    assert_eq!(counts.get("in_progress"), Some(&2), "{counts:?}");
    assert_eq!(counts.get("overdue"), Some(&0), "{counts:?}");
    assert_eq!(counts.len(), 6, "every bucket, zeros included: {counts:?}");

    // The day after the deadline day: one task overdue (the gauge reports the last count
    // until it is refreshed: a collection never waits for the database).
    svc.set_day(date!(2026 - 11 - 21));
    provider.force_flush().expect("flush");
    assert_eq!(by_bucket(&exporter).0.get("overdue"), Some(&0));
    svc.app().refresh_gauges().await.expect("counted");
    provider.force_flush().expect("flush");
    let (counts, _) = by_bucket(&exporter);
    assert_eq!(counts.get("overdue"), Some(&1), "{counts:?}");
    assert_eq!(counts.get("in_progress"), Some(&1), "{counts:?}");
    svc.stop().await;
}
