//! An agency holds at most `LIENTHONG_MAX_STREAMS_PER_AGENCY` event streams at a time: beyond,
//! RESOURCE_EXHAUSTED; another agency is served meanwhile, and the count goes back to zero
//! when the clients leave.
use std::time::Duration;

use lienthong_api::tasks::v1::{
    TaskEventKind, WatchTaskEventsRequest, WatchTaskEventsResponse, task_service_client,
};
use lienthong_platform::{client::TracedChannel, db::Backend, testing::eventually};
use lienthong_tasks::app::DEFAULT_MAX_STREAMS_PER_AGENCY;
use tonic::{Code, Streaming};
use tonic_types::StatusExt;

use crate::{
    calls::*,
    support::{H48, SCT, STTTT, spawn},
};

lienthong_platform::on_both_databases!(event_streams_are_bounded_per_agency);

async fn watch(
    c: &mut task_service_client::TaskServiceClient<TracedChannel>,
) -> Result<Streaming<WatchTaskEventsResponse>, tonic::Status> {
    c.watch_task_events(WatchTaskEventsRequest { after_event_id: 0 })
        .await
        .map(|r| r.into_inner())
}

/// Opens the cap's worth of streams for SCT; returns them.
async fn fill(
    sct: &mut task_service_client::TaskServiceClient<TracedChannel>,
) -> Vec<Streaming<WatchTaskEventsResponse>> {
    let mut held = Vec::new();
    for i in 0..DEFAULT_MAX_STREAMS_PER_AGENCY {
        held.push(
            watch(sct)
                .await
                .unwrap_or_else(|e| panic!("stream {i}: {e:?}")),
        );
    }
    held
}

async fn until_open(svc: &crate::support::TestTasks, n: usize) {
    let app = svc.app().clone();
    eventually(
        &format!("{n} open event streams"),
        Duration::from_secs(10),
        || {
            let app = app.clone();
            async move { (app.open_event_streams() == n).then_some(()) }
        },
    )
    .await;
}

async fn event_streams_are_bounded_per_agency(backend: Backend) {
    assert_eq!(DEFAULT_MAX_STREAMS_PER_AGENCY, 16);
    let svc = spawn(backend).await;
    let mut sct = svc.agency(SCT).await;
    let held = fill(&mut sct).await;
    assert_eq!(svc.app().open_event_streams(), 16);

    // One more is refused at once, saying why and when to retry.
    let s = assert_code(
        watch(&mut sct).await,
        Code::ResourceExhausted,
        "TOO_MANY_STREAMS",
        "at most 16",
    );
    assert!(s.message().contains(SCT), "{}", s.message());
    assert!(
        s.get_error_details().retry_info().is_some(),
        "RetryInfo: {s:?}"
    );
    assert_eq!(svc.app().open_event_streams(), 16, "nothing held for it");

    // Meanwhile another agency watches and hears its events, and SCT's calls are served.
    let mut sttt = svc.agency(STTTT).await;
    let mut other = watch(&mut sttt).await.expect("another agency is served");
    let mut assigner = svc.agency(H48).await;
    let task = create(&mut assigner, "Nhiệm vụ trong lúc SCT giữ đủ luồng", "").await;
    let event = tokio::time::timeout(Duration::from_secs(10), other.message())
        .await
        .expect("an event in time")
        .expect("no error")
        .and_then(|m| m.event)
        .expect("an event");
    assert_eq!(
        (event.kind(), event.task_id.as_str()),
        (TaskEventKind::Assigned, task.task_id.as_str())
    );
    assert_eq!(
        get(&mut sct, &task.task_id).await.expect("get").content,
        task.content
    );

    // The clients leave: every stream is given back.
    drop(held);
    until_open(&svc, 1).await;
    drop(other);
    until_open(&svc, 0).await;

    // And SCT may open as many again.
    let again = fill(&mut sct).await;
    assert!(watch(&mut sct).await.is_err(), "still bounded");
    drop(again);
    until_open(&svc, 0).await;
    svc.stop().await;
}
