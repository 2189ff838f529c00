//! A database outage: once the service knows the database is down, calls answer UNAVAILABLE
//! within a second instead of each waiting out the pool (10 s); when it is back, they are
//! served again. PostgreSQL goes away behind a proxy (connections cut, new ones refused);
//! SQLite's pool is closed.
use std::time::{Duration, Instant};

use lienthong_api::tasks::v1::{ListTasksRequest, WatchTaskEventsRequest};
use lienthong_platform::{db::Backend, error::reason_of, testing::eventually};
use tonic::Code;

use crate::{
    calls::*,
    support::{H48, Options, SCT, TestTasks, spawn_with},
};

lienthong_platform::on_both_databases!(calls_fail_fast_while_the_database_is_down);

/// Generous: the point is "not the pool's 10 s".
const FAST: Duration = Duration::from_secs(2);

fn unavailable(s: &tonic::Status, what: &str, took: Duration) {
    assert_eq!(s.code(), Code::Unavailable, "{what}: {s:?}");
    assert_eq!(
        reason_of(s).as_deref(),
        Some("DATABASE_UNAVAILABLE"),
        "{what}: {s:?}"
    );
    assert!(took < FAST, "{what} took {took:?} to fail");
}

/// Every kind of call, timed: a read, a list, a change, a creation, a stream.
async fn every_call_fails_fast(svc: &TestTasks, task_id: &str) {
    let mut lead = svc.agency(SCT).await;
    let mut assigner = svc.agency(H48).await;
    for round in 0..3 {
        let t = Instant::now();
        let s = err(get(&mut lead, task_id).await);
        unavailable(&s, &format!("GetTask #{round}"), t.elapsed());

        let t = Instant::now();
        let s = err(lead.list_tasks(ListTasksRequest::default()).await);
        unavailable(&s, "ListTasks", t.elapsed());

        let t = Instant::now();
        let s = err(progress(&mut lead, task_id, "Đang làm", Some(10)).await);
        unavailable(&s, "ReportProgress", t.elapsed());

        let t = Instant::now();
        let s = err(assigner
            .create_task(lienthong_api::tasks::v1::CreateTaskRequest {
                content: "Nhiệm vụ khi CSDL ngừng".into(),
                lead_agency: SCT.into(),
                ..Default::default()
            })
            .await);
        unavailable(&s, "CreateTask", t.elapsed());

        let t = Instant::now();
        let mut stream = lead
            .watch_task_events(WatchTaskEventsRequest { after_event_id: 0 })
            .await
            .expect("the stream opens")
            .into_inner();
        let s = stream
            .message()
            .await
            .expect_err("the stream ends with the outage");
        unavailable(&s, "WatchTaskEvents", t.elapsed());
    }
}

async fn calls_fail_fast_while_the_database_is_down(backend: Backend) {
    let svc = spawn_with(
        backend,
        Options {
            proxied: true,
            ..Options::default()
        },
    )
    .await;
    let mut assigner = svc.agency(H48).await;
    let task = create(&mut assigner, "Nhiệm vụ trước sự cố", "").await;

    match &svc.proxy {
        Some(proxy) => proxy.stop().await,
        None => svc.app().close_database().await,
    }
    // The first calls may wait for the pool until the service learns (from them or from its
    // health probe) that the database is down.
    let mut probe = svc.agency(SCT).await;
    eventually("the outage to be noticed", Duration::from_secs(40), || {
        let mut probe = probe.clone();
        let id = task.task_id.clone();
        async move {
            let r = get(&mut probe, &id).await;
            matches!(r, Err(s) if s.code() == Code::Unavailable).then_some(())
        }
    })
    .await;
    every_call_fails_fast(&svc, &task.task_id).await;

    // Back: served again (the health probe runs every 2 s).
    if let Some(proxy) = &svc.proxy {
        proxy.resume().await;
        eventually("the database to be back", Duration::from_secs(20), || {
            let mut probe = probe.clone();
            let id = task.task_id.clone();
            async move { get(&mut probe, &id).await.ok() }
        })
        .await;
        let t = progress(&mut probe, &task.task_id, "Đã tiếp tục", Some(20))
            .await
            .expect("a change after the outage");
        assert_eq!(t.progress_percent, 20);
    }
    svc.stop().await;
}
