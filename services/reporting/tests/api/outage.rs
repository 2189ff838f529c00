//! A database outage: once the service knows the database is down, calls answer UNAVAILABLE
//! within a second instead of each waiting out the pool (10 s); when it is back, they are
//! served again. PostgreSQL goes away behind a proxy (connections cut, new ones refused);
//! SQLite's pool is closed.
use std::time::{Duration, Instant};

use lienthong_api::reporting::v1::{
    GetComplianceRequest, GetRegimeRequest, ListRegimesRequest, PushStatisticsRequest,
    StatisticValue,
};
use lienthong_platform::{Identity, db::Backend, error::reason_of, testing::eventually};
use tonic::Code;

use crate::support::*;

/// Generous: the point is "not the pool's 10 s".
const FAST: Duration = Duration::from_secs(2);

fn unavailable<T: std::fmt::Debug>(r: Result<T, tonic::Status>, what: &str, took: Duration) {
    let s = r.expect_err(what);
    assert_eq!(s.code(), Code::Unavailable, "{what}: {s:?}");
    assert_eq!(
        reason_of(&s).as_deref(),
        Some("DATABASE_UNAVAILABLE"),
        "{what}: {s:?}"
    );
    assert!(took < FAST, "{what} took {took:?} to fail");
}

/// Every kind of call, timed: reads, a list, a change, a push, a view.
async fn every_call_fails_fast(svc: &TestService) {
    let mut so = svc.agency(STTTT).await;
    let mut owner = svc.agency(OWNER).await;
    let exchange = svc.intake(&Identity::Service("exchange".into())).await;
    for round in 0..3 {
        let t = Instant::now();
        let r = so
            .get_regime(GetRegimeRequest {
                code: "AXIS-MONTHLY".into(),
            })
            .await;
        unavailable(r, &format!("GetRegime #{round}"), t.elapsed());

        let t = Instant::now();
        let r = so.list_regimes(ListRegimesRequest::default()).await;
        unavailable(r, "ListRegimes", t.elapsed());

        let t = Instant::now();
        let r = save(&mut so, "AXIS-MONTHLY", "2026-03", &[("AXIS.SENT", "5")]).await;
        unavailable(r, "SaveDraft", t.elapsed());

        let t = Instant::now();
        let r = get_report(&mut so, "AXIS-MONTHLY", "2026-03", STTTT).await;
        unavailable(r, "GetReport", t.elapsed());

        let t = Instant::now();
        let r = owner
            .get_compliance(GetComplianceRequest {
                regime_code: "AXIS-MONTHLY".into(),
                period: "2026-03".into(),
                scope: String::new(),
            })
            .await;
        unavailable(r, "GetCompliance", t.elapsed());

        let t = Instant::now();
        let r = exchange
            .clone()
            .push_statistics(PushStatisticsRequest {
                values: vec![StatisticValue {
                    indicator_code: "axis.documents_sent".into(),
                    agency_code: STTTT.into(),
                    day: "2026-03-01".into(),
                    value: 1.0,
                }],
            })
            .await;
        unavailable(r, "PushStatistics", t.elapsed());
    }
}

pub async fn calls_fail_fast_while_the_database_is_down(backend: Backend) {
    let svc = spawn_proxied(backend).await;
    let mut so = svc.agency(STTTT).await;
    save(&mut so, "AXIS-MONTHLY", "2026-03", &[("AXIS.SENT", "3")])
        .await
        .expect("a draft before the outage");

    match &svc.proxy {
        Some(proxy) => proxy.stop().await,
        None => svc.app().close_database().await,
    }
    // The first calls may wait for the pool until the service learns (from them or from its
    // health probe) that the database is down.
    eventually("the outage to be noticed", Duration::from_secs(40), || {
        let mut so = so.clone();
        async move {
            let r = get_report(&mut so, "AXIS-MONTHLY", "2026-03", STTTT).await;
            matches!(r, Err(s) if s.code() == Code::Unavailable).then_some(())
        }
    })
    .await;
    every_call_fails_fast(&svc).await;

    // Back: served again (the health probe runs every 2 s).
    if let Some(proxy) = &svc.proxy {
        proxy.resume().await;
        eventually("the database to be back", Duration::from_secs(20), || {
            let mut so = so.clone();
            async move {
                get_report(&mut so, "AXIS-MONTHLY", "2026-03", STTTT)
                    .await
                    .ok()
            }
        })
        .await;
        let report = save(&mut so, "AXIS-MONTHLY", "2026-03", &[("AXIS.SENT", "4")])
            .await
            .expect("a change after the outage");
        assert_eq!(value_of(&report, "AXIS.SENT").0, "4");
    }
    svc.stop().await;
}
