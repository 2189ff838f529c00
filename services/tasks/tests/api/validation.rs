//! Bad input is refused with INVALID_ARGUMENT naming the field (or NOT_FOUND for an unknown
//! task).
use lienthong_api::tasks::v1::{CreateTaskRequest, ListTasksRequest};
use lienthong_platform::db::Backend;
use tonic::Code;

use crate::{
    calls::*,
    support::{H48, SCT, spawn},
};

lienthong_platform::on_both_databases!(bad_input_names_the_field);

fn base() -> CreateTaskRequest {
    CreateTaskRequest {
        content: "Nhiệm vụ".into(),
        lead_agency: SCT.into(),
        coordinating_agencies: vec![],
        deadline: "2026-11-30".into(),
        source_document_id: String::new(),
        notes: String::new(),
    }
}

/// Each request with one bad field, and the field its refusal names first.
fn bad_creations() -> Vec<(CreateTaskRequest, &'static str)> {
    vec![
        (
            CreateTaskRequest {
                lead_agency: "SCT-QNg".into(),
                ..base()
            },
            "lead_agency:",
        ),
        (
            CreateTaskRequest {
                coordinating_agencies: vec!["000.00.12".into()],
                ..base()
            },
            "coordinating_agencies[0]:",
        ),
        (
            CreateTaskRequest {
                deadline: "2026-11-01".into(),
                ..base()
            },
            "deadline:",
        ),
        (
            CreateTaskRequest {
                deadline: "2026-02-30".into(),
                ..base()
            },
            "deadline:",
        ),
        (
            CreateTaskRequest {
                content: " ".into(),
                ..base()
            },
            "content:",
        ),
        (
            CreateTaskRequest {
                lead_agency: H48.into(),
                ..base()
            },
            "lead_agency:",
        ),
        (
            CreateTaskRequest {
                source_document_id: "125/UBND".into(),
                ..base()
            },
            "source_document_id:",
        ),
    ]
}

async fn bad_input_names_the_field(backend: Backend) {
    let svc = spawn(backend).await;
    let mut a = svc.agency(H48).await;
    for (req, field) in bad_creations() {
        let s = err(a.create_task(req).await);
        assert_eq!(s.code(), Code::InvalidArgument, "{field} {}", s.message());
        assert!(
            s.message().starts_with(field),
            "{:?} should name {field}",
            s.message()
        );
    }
    let created = a
        .create_task(base())
        .await
        .expect("valid")
        .into_inner()
        .task
        .expect("task");
    let mut lead = svc.agency(SCT).await;
    calls_on_a_task_name_the_field(&mut lead, &created.task_id).await;
    assert_code(
        lead.list_tasks(ListTasksRequest {
            deadline_from: "2026-13-01".into(),
            ..Default::default()
        })
        .await,
        Code::InvalidArgument,
        "deadline_from:",
    );
    assert_code(
        lead.list_tasks(ListTasksRequest {
            page_token: "abc".into(),
            ..Default::default()
        })
        .await,
        Code::InvalidArgument,
        "page_token:",
    );
    svc.stop().await;
}

async fn calls_on_a_task_name_the_field(lead: &mut Client, id: &str) {
    for p in [101, -1] {
        let s = err(progress(lead, id, "x", Some(p)).await);
        assert_eq!(s.code(), Code::InvalidArgument);
        assert!(s.message().starts_with("percent:"), "{}", s.message());
    }
    assert_code(
        progress(lead, id, "x", None).await,
        Code::InvalidArgument,
        "percent",
    );
    assert_code(
        progress(lead, id, "", Some(10)).await,
        Code::InvalidArgument,
        "text:",
    );
    assert_code(
        get(lead, "NV-99999").await,
        Code::NotFound,
        "task_id: no task NV-99999",
    );
    assert_code(get(lead, "99999").await, Code::InvalidArgument, "task_id:");
    assert_code(
        extend(lead, id, "30/11/2026").await,
        Code::InvalidArgument,
        "new_deadline:",
    );
}
