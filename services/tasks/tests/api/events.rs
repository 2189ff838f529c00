//! Events: streamed to every agency taking part, raised by the sweeper for deadlines (once
//! each), resumed after the last event processed.
use std::time::Duration;

use lienthong_api::tasks::v1::{
    TaskAction, TaskEvent, TaskEventKind, WatchTaskEventsRequest, WatchTaskEventsResponse,
};
use lienthong_platform::{db::Backend, error::reason_of};
use time::macros::date;
use tokio_stream::StreamExt;

use crate::{
    calls::*,
    support::{G22, H48, SCT, TestTasks, code, spawn},
};

lienthong_platform::on_both_databases!(
    events_stream_with_sweeper_and_resume,
    a_stream_ends_when_the_service_stops
);

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
    let s = assert_code(
        lead.watch_task_events(WatchTaskEventsRequest {
            after_event_id: u64::MAX,
        })
        .await,
        tonic::Code::InvalidArgument,
        "INVALID_FIELD",
        "after_event_id",
    );
    assert_eq!(violated_fields(&s), ["after_event_id"]);
    let t = create(&mut assigner, "Theo dõi sự kiện", "2026-11-20").await;
    let id = t.task_id.as_str();

    let e1 = next_event(&mut watch).await;
    assert_eq!(
        (e1.kind(), e1.task_id.as_str()),
        (TaskEventKind::Assigned, id)
    );
    assert_eq!(e1.actor, format!("agency/{H48}"));
    assert!(e1.event_time.is_some());

    // Nothing is due yet.
    assert_eq!(svc.app().sweep().await.expect("sweep"), 0);
    svc.set_day(date!(2026 - 11 - 18));
    assert_eq!(svc.app().sweep().await.expect("sweep"), 1);
    assert_eq!(svc.app().sweep().await.expect("sweep"), 0, "raised once");
    let e2 = next_event(&mut watch).await;
    assert_eq!(e2.kind(), TaskEventKind::NearDeadline);
    assert_eq!(e2.actor, "service/tasks", "raised by the service itself");
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
    assert_eq!(e4.actor, format!("agency/{SCT}"));
    // Near deadline and overdue are in the history too, recorded by the service itself.
    let history: Vec<TaskAction> = get(&mut lead, id)
        .await
        .expect("get")
        .history
        .iter()
        .map(|h| h.action())
        .collect();
    assert_eq!(
        history,
        [
            TaskAction::Created,
            TaskAction::NearDeadline,
            TaskAction::Overdue,
            TaskAction::ResultSubmitted
        ]
    );
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

/// A watch ends with UNAVAILABLE, reason SHUTTING_DOWN and a retry delay, when the service
/// stops: the client watches again from its cursor.
async fn a_stream_ends_when_the_service_stops(backend: Backend) {
    let svc = spawn(backend).await;
    let mut lead = svc.agency(SCT).await;
    let mut watch = lead
        .watch_task_events(WatchTaskEventsRequest { after_event_id: 0 })
        .await
        .expect("watch")
        .into_inner();
    let stopping = tokio::spawn(svc.stop());
    let end = tokio::time::timeout(Duration::from_secs(20), watch.next())
        .await
        .expect("the stream ends")
        .expect("with a status")
        .expect_err("an error status");
    assert_eq!(end.code(), tonic::Code::Unavailable, "{}", end.message());
    assert_eq!(reason_of(&end).as_deref(), Some("SHUTTING_DOWN"));
    assert!(
        tonic_types::StatusExt::get_error_details(&end)
            .retry_info()
            .is_some()
    );
    stopping.await.expect("stopped");
}
