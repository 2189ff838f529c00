//! Lists: the tasks a caller takes part in, filtered by party, deadline and bucket, newest
//! first, a page at a time.
use lienthong_api::tasks::v1::{CreateTaskRequest, ListTasksRequest, Task};
use lienthong_platform::db::Backend;

use crate::{
    calls::*,
    support::{G22, H48, SCT, STTTT, spawn},
};

lienthong_platform::on_both_databases!(list_filters_and_paging);

fn ids(v: &[&Task]) -> Vec<String> {
    v.iter().map(|t| t.task_id.clone()).collect()
}

async fn list_filters_and_paging(backend: Backend) {
    let svc = spawn(backend).await;
    let mut h48 = svc.agency(H48).await;
    let a = create(&mut h48, "A", "2026-11-10").await;
    let b = create(&mut h48, "B", "2026-11-20").await;
    let c = create(&mut h48, "C", "").await;
    // A task assigned by the Sở to the provincial office: the Sở is its assigner.
    let mut sct = svc.agency(SCT).await;
    let d = sct
        .create_task(CreateTaskRequest {
            content: "D".into(),
            lead_agency: G22.into(),
            ..Default::default()
        })
        .await
        .expect("create")
        .into_inner()
        .task
        .expect("task");

    assert_eq!(
        list(&mut sct, ListTasksRequest::default()).await,
        ids(&[&d, &c, &b, &a])
    );
    let by = |assigner: &str, lead: &str, coordinating: &str| ListTasksRequest {
        assigner: assigner.into(),
        lead_agency: lead.into(),
        coordinating_agency: coordinating.into(),
        ..Default::default()
    };
    assert_eq!(list(&mut sct, by(SCT, "", "")).await, ids(&[&d]));
    assert_eq!(list(&mut sct, by("", SCT, "")).await, ids(&[&c, &b, &a]));
    assert_eq!(list(&mut h48, by("", "", STTTT)).await, ids(&[&c, &b, &a]));
    assert_eq!(
        list(
            &mut h48,
            ListTasksRequest {
                deadline_from: "2026-11-15".into(),
                deadline_to: "2026-11-30".into(),
                ..Default::default()
            }
        )
        .await,
        ids(&[&b])
    );
    // Paging, newest first.
    let first = sct
        .list_tasks(ListTasksRequest {
            page_size: 3,
            ..Default::default()
        })
        .await
        .expect("page 1")
        .into_inner();
    assert_eq!(first.tasks.len(), 3);
    assert!(!first.next_page_token.is_empty());
    let second = sct
        .list_tasks(ListTasksRequest {
            page_size: 3,
            page_token: first.next_page_token,
            ..Default::default()
        })
        .await
        .expect("page 2")
        .into_inner();
    assert_eq!(ids(&second.tasks.iter().collect::<Vec<_>>()), ids(&[&a]));
    assert!(second.next_page_token.is_empty());
    svc.stop().await;
}
