//! The axis's attributes on the tasks service's RPC spans: which task, which agency; a refusal
//! carries its fault code.
//!
//! Its own test binary: it installs a process-wide tracing subscriber with an in-memory
//! exporter, which would capture the spans of every other test of the same process.
#[path = "api/calls.rs"]
#[allow(dead_code, unused_imports)]
mod calls;
#[path = "api/support.rs"]
#[allow(dead_code, unused_imports)]
mod support;

use lienthong_api::tasks::v1::GetTaskRequest;
use lienthong_platform::{db::Backend, testing::eventually};
use opentelemetry_sdk::trace::SpanData;
use std::time::Duration;

fn attribute(span: &SpanData, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_calls_carry_the_task_and_the_agency() {
    let (exporter, provider) = lienthong_platform::testing::capture_spans();
    let svc = support::spawn(Backend::Sqlite).await;
    let mut a = svc.agency(support::H48).await;
    let task = calls::create(&mut a, "Báo cáo chuyển đổi số", "2026-11-20").await;
    let e = a
        .get_task(GetTaskRequest {
            task_id: "NV-0000-999999".into(),
        })
        .await
        .expect_err("no such task");
    let spans = eventually("the calls' spans", Duration::from_secs(10), || {
        let (provider, exporter) = (provider.clone(), exporter.clone());
        async move {
            provider.force_flush().expect("flush");
            let spans = exporter.get_finished_spans().expect("spans");
            let named = |n: &str| spans.iter().any(|s| s.name == n);
            (named("lienthong.tasks.v1.TaskService/CreateTask")
                && named("lienthong.tasks.v1.TaskService/GetTask"))
            .then_some(spans)
        }
    })
    .await;
    let create = spans
        .iter()
        .find(|s| {
            s.name == "lienthong.tasks.v1.TaskService/CreateTask"
                && attribute(s, "lienthong.task_id").is_some()
        })
        .expect("the server span of CreateTask");
    assert_eq!(attribute(create, "lienthong.task_id"), Some(task.task_id));
    assert_eq!(
        attribute(create, "lienthong.agency").as_deref(),
        Some(support::H48)
    );
    let refused = spans
        .iter()
        .find(|s| {
            s.name == "lienthong.tasks.v1.TaskService/GetTask"
                && attribute(s, "lienthong.fault_code").is_some()
        })
        .expect("the server span of the refused GetTask");
    assert_eq!(
        attribute(refused, "lienthong.fault_code"),
        lienthong_platform::error::reason_of(&e)
    );
    assert_eq!(
        attribute(refused, "lienthong.succeeded").as_deref(),
        Some("false")
    );
    svc.stop().await;
}
