//! Lists: the tasks a caller takes part in, filtered by party, deadline and bucket, newest
//! first, a page at a time; page tokens are signed, bound to the list and last a day.
use lienthong_api::tasks::v1::{CreateTaskRequest, ListTasksRequest, ListTasksResponse, Task};
use lienthong_platform::{Identity, db::Backend};
use tonic::Code;

use crate::{
    calls::*,
    support::{G22, H48, SCT, STTTT, spawn},
};

lienthong_platform::on_both_databases!(
    list_filters_and_paging,
    page_tokens_are_bound_and_expire,
    listed_tasks_match_the_single_reads
);

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

async fn page(c: &mut Client, r: ListTasksRequest) -> Result<ListTasksResponse, tonic::Status> {
    c.list_tasks(r).await.map(tonic::Response::into_inner)
}

/// Every task of the list `r`, following the pages of `size` to the end; and the pages' sizes.
async fn walk(c: &mut Client, r: &ListTasksRequest, size: u32) -> (Vec<String>, Vec<usize>) {
    let (mut ids, mut sizes, mut token) = (Vec::new(), Vec::new(), String::new());
    loop {
        let p = page(
            c,
            ListTasksRequest {
                page_size: size,
                page_token: token,
                ..r.clone()
            },
        )
        .await
        .expect("a page");
        sizes.push(p.tasks.len());
        ids.extend(p.tasks.into_iter().map(|t| t.task_id));
        if p.next_page_token.is_empty() {
            return (ids, sizes);
        }
        token = p.next_page_token;
    }
}

/// The token with one character of its payload changed.
fn altered(token: &str) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    chars[5] = if chars[5] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

fn refused_token(r: Result<ListTasksResponse, tonic::Status>, why: &str) {
    let s = assert_code(r, Code::InvalidArgument, "INVALID_FIELD", "page_token:");
    assert_eq!(violated_fields(&s), ["page_token"]);
    assert!(
        s.message().contains(why),
        "{:?} should say {why:?}",
        s.message()
    );
}

async fn page_tokens_are_bound_and_expire(backend: Backend) {
    let svc = spawn(backend).await;
    let mut h48 = svc.agency(H48).await;
    let mut all = Vec::new();
    for i in 0..7 {
        all.push(create(&mut h48, &format!("Nhiệm vụ {i}"), "").await.task_id);
    }
    all.reverse();
    let every = ListTasksRequest::default();
    // Walk to the end, a page of 3 at a time, then in pages of other sizes: nothing is lost or
    // repeated.
    assert_eq!(
        walk(&mut h48, &every, 3).await,
        (all.clone(), vec![3, 3, 1])
    );
    assert_eq!(walk(&mut h48, &every, 7).await, (all.clone(), vec![7]));
    assert_eq!(walk(&mut h48, &every, 2).await.1, [2, 2, 2, 1]);
    let led = ListTasksRequest {
        lead_agency: SCT.into(),
        ..Default::default()
    };
    let mut admin = svc.tasks_as(Identity::Admin("operator".into())).await;
    assert_eq!(walk(&mut admin, &led, 4).await.0, all);

    let first = page(
        &mut h48,
        ListTasksRequest {
            page_size: 3,
            ..led.clone()
        },
    )
    .await
    .expect("page 1");
    let token = first.next_page_token.clone();
    // The page size may change from page to page.
    let rest = page(
        &mut h48,
        ListTasksRequest {
            page_size: 10,
            page_token: token.clone(),
            ..led.clone()
        },
    )
    .await
    .expect("page 2");
    assert_eq!(rest.tasks.len(), 4);

    // Forged: the old bare integer, an altered token, an invented one.
    let with = |page_token: String| ListTasksRequest {
        page_token,
        ..led.clone()
    };
    for forged in [
        all[3].trim_start_matches("NV-").to_string(),
        format!("{token}x"),
        altered(&token),
        "eyJzIjoiTGlzdFRhc2tzIiwidCI6MCwiYyI6M30.AAAA".to_string(),
    ] {
        refused_token(
            page(&mut h48, with(forged)).await,
            "not a token this service issued",
        );
    }
    // Issued for another list: other filters, or another caller.
    refused_token(
        page(
            &mut h48,
            ListTasksRequest {
                page_token: token.clone(),
                ..Default::default()
            },
        )
        .await,
        "another list",
    );
    let mut lead = svc.agency(SCT).await;
    refused_token(page(&mut lead, with(token.clone())).await, "another list");
    refused_token(page(&mut admin, with(token.clone())).await, "another list");

    // A day later, the token has expired.
    svc.clock.advance_secs(24 * 3600 + 1);
    refused_token(page(&mut h48, with(token)).await, "expired");
    svc.stop().await;
}

/// A page is read with one query for all its coordinators: each task must still carry its own,
/// exactly as GetTask shows them (less history and extensions, which lists leave out).
async fn listed_tasks_match_the_single_reads(backend: Backend) {
    let svc = spawn(backend).await;
    let mut h48 = svc.agency(H48).await;
    let coordinators: [&[&str]; 4] = [&[], &[STTTT], &[STTTT, G22], &[G22]];
    for (n, with) in coordinators.iter().enumerate() {
        h48.create_task(CreateTaskRequest {
            content: format!("Nhiệm vụ {n}"),
            lead_agency: SCT.into(),
            coordinating_agencies: with.iter().map(|c| (*c).to_string()).collect(),
            ..Default::default()
        })
        .await
        .expect("create");
    }
    let listed = page(&mut h48, ListTasksRequest::default())
        .await
        .expect("list")
        .tasks;
    assert_eq!(listed.len(), 4);
    let mut seen: Vec<Vec<String>> = Vec::new();
    for task in listed {
        let mut single = get(&mut h48, &task.task_id).await.expect("get");
        single.history.clear();
        single.extensions.clear();
        assert_eq!(task, single, "{}", task.task_id);
        seen.push(task.coordinating_agencies);
    }
    seen.reverse();
    let mut expected: Vec<Vec<String>> = coordinators
        .iter()
        .map(|c| c.iter().map(|a| (*a).to_string()).collect())
        .collect();
    for e in &mut expected {
        e.sort();
    }
    assert_eq!(
        seen, expected,
        "each task its own coordinators, oldest first"
    );
    svc.stop().await;
}
