//! Events: streamed to every agency taking part, raised by the sweeper for deadlines (once
//! each), resumed after the last event processed.
use std::time::Duration;

use lienthong_api::tasks::v1::{
    TaskEvent, TaskEventKind, WatchTaskEventsRequest, WatchTaskEventsResponse,
};
use lienthong_platform::db::Backend;
use time::macros::date;
use tokio_stream::StreamExt;

use crate::{
    calls::*,
    support::{G22, H48, SCT, TestTasks, code, spawn},
};

lienthong_platform::on_both_databases!(events_stream_with_sweeper_and_resume);

async fn next_event(stream: &mut tonic::Streaming<WatchTaskEventsResponse>) -> TaskEvent {
    tokio::time::timeout(Duration::from_secs(20), stream.next())
        .await
        .expect("an event arrives")
        .expect("stream open")
        .expect("ok")
        .event
        .expect("event")
}

async fn events_stream_with_sweeper_and_resume(backend: Backend) {
    let svc = spawn(backend).await;
    let mut assigner = svc.agency(H48).await;
    let mut lead = svc.agency(SCT).await;
    let mut watch = lead
        .watch_task_events(WatchTaskEventsRequest { after_event_id: 0 })
        .await
        .expect("watch")
        .into_inner();
    let t = create(&mut assigner, "Theo dõi sự kiện", "2026-11-20").await;
    let id = t.task_id.as_str();

    let e1 = next_event(&mut watch).await;
    assert_eq!(
        (e1.kind(), e1.task_id.as_str()),
        (TaskEventKind::Assigned, id)
    );

    // Nothing is due yet.
    assert_eq!(svc.app().sweep().await.expect("sweep"), 0);
    svc.set_day(date!(2026 - 11 - 18));
    assert_eq!(svc.app().sweep().await.expect("sweep"), 1);
    assert_eq!(svc.app().sweep().await.expect("sweep"), 0, "raised once");
    let e2 = next_event(&mut watch).await;
    assert_eq!(e2.kind(), TaskEventKind::NearDeadline);
    assert_eq!(e2.actor, "system");
    svc.set_day(date!(2026 - 11 - 21));
    assert_eq!(svc.app().sweep().await.expect("sweep"), 1);
    let e3 = next_event(&mut watch).await;
    assert_eq!(e3.kind(), TaskEventKind::Overdue);
    assert_eq!(svc.app().sweep().await.expect("sweep"), 0, "raised once");

    submit(&mut lead, id, "Đã hoàn thành")
        .await
        .expect("submit");
    let e4 = next_event(&mut watch).await;
    assert_eq!(e4.kind(), TaskEventKind::ResultSubmitted);
    assert!(e1.event_id < e2.event_id && e2.event_id < e3.event_id && e3.event_id < e4.event_id);
    drop(watch);

    resume_after_the_second_event(&svc, id, [&e3, &e4], e2.event_id).await;
    svc.stop().await;
}

/// Resume after the second event: the third and fourth come again, nothing else.
async fn resume_after_the_second_event(
    svc: &TestTasks,
    id: &str,
    again: [&TaskEvent; 2],
    after: u64,
) {
    let mut assigner = svc.agency(H48).await;
    let mut lead = svc.agency(SCT).await;
    give_back(&mut assigner, id, "Bổ sung")
        .await
        .expect("return");
    let mut resumed = lead
        .watch_task_events(WatchTaskEventsRequest {
            after_event_id: after,
        })
        .await
        .expect("resume")
        .into_inner();
    let kinds = [
        next_event(&mut resumed).await,
        next_event(&mut resumed).await,
        next_event(&mut resumed).await,
    ];
    assert_eq!(kinds[0].event_id, again[0].event_id);
    assert_eq!(kinds[1].event_id, again[1].event_id);
    assert_eq!(kinds[2].kind(), TaskEventKind::ResultReturned);

    // The assigner's stream has the same task's events; an outsider's has none.
    let assigner_events = svc
        .app()
        .events_after(&code(H48), 0, 100)
        .await
        .expect("events");
    assert_eq!(assigner_events.len(), 5);
    assert!(
        svc.app()
            .events_after(&code(G22), 0, 100)
            .await
            .expect("events")
            .is_empty()
    );
}
