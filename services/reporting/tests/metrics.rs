//! The operator's gauge of reports by state (draft, on time, late), with its unit.
//!
//! Its own test binary: it installs the process-wide meter provider, whose gauge every
//! reporting service of the process would register.
#[path = "api/support.rs"]
#[allow(dead_code, unused_imports)]
mod support;

use std::collections::BTreeMap;

use lienthong_api::reporting::v1::{
    Aggregation, CreateRegimeRequest, Indicator, IndicatorType, PeriodKind, Regime, Submitters,
};
use lienthong_platform::db::Backend;
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, SdkMeterProvider};
use support::*;

/// The gauge's points by state, and its unit, as last exported.
fn by_state(exporter: &InMemoryMetricExporter) -> (BTreeMap<String, u64>, String) {
    lienthong_platform::testing::gauge_points(exporter, "lienthong.reporting.reports", "state")
}

/// A monthly regime with one integer indicator, submitted by Sở TT&TT and Sở Công Thương.
fn regime() -> Regime {
    Regime {
        code: "GAUGE".into(),
        name: "Báo cáo thử".into(),
        owner: OWNER.into(),
        period_kind: PeriodKind::Month as i32,
        indicators: vec![Indicator {
            code: "DOCS".into(),
            name: "Số văn bản".into(),
            value_type: IndicatorType::Integer as i32,
            aggregation: Aggregation::Sum as i32,
            ..Default::default()
        }],
        submitters: Some(Submitters {
            agency_codes: vec![STTTT.into(), SCT.into()],
            pattern: String::new(),
        }),
        deadline_working_days: 2,
        description: String::new(),
        create_time: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_are_counted_by_state() {
    let exporter = InMemoryMetricExporter::default();
    let provider = SdkMeterProvider::builder()
        .with_periodic_exporter(exporter.clone())
        .build();
    opentelemetry::global::set_meter_provider(provider.clone());

    let svc = spawn_service(Backend::Sqlite).await;
    svc.agency(OWNER)
        .await
        .create_regime(CreateRegimeRequest {
            regime: Some(regime()),
        })
        .await
        .expect("create regime");
    let (mut so, mut sct) = (svc.agency(STTTT).await, svc.agency(SCT).await);
    svc.today_is("2026-03-18");
    save(&mut so, "GAUGE", "2026-03", &[("DOCS", "12")])
        .await
        .expect("draft");
    save(&mut sct, "GAUGE", "2026-03", &[("DOCS", "3")])
        .await
        .expect("draft");
    svc.app().refresh_gauges().await.expect("counted");
    provider.force_flush().expect("flush");
    let (counts, unit) = by_state(&exporter);
    assert_eq!(unit, "{report}");
    let expect = |draft, on_time, late| {
        BTreeMap::from([
            ("draft".to_string(), draft),
            ("late".to_string(), late),
            ("on_time".to_string(), on_time),
        ])
    };
    assert_eq!(counts, expect(2, 0, 0));

    // One submits within the deadline, the other after it.
    submit(&mut so, "GAUGE", "2026-03").await.expect("on time");
    svc.today_is("2026-03-20");
    let late = submit(&mut sct, "GAUGE", "2026-03").await.expect("late");
    assert!(late.late);
    svc.app().refresh_gauges().await.expect("counted");
    provider.force_flush().expect("flush");
    assert_eq!(by_state(&exporter).0, expect(0, 1, 1));
    svc.stop().await;
}
