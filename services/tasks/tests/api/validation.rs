//! Bad input is refused with INVALID_ARGUMENT naming the field, every bad field at once as
//! `BadRequest` violations (or NOT_FOUND for an unknown task), each with its stable reason.
use lienthong_api::tasks::v1::{CreateTaskRequest, ListTasksRequest, ReportProgressRequest};
use lienthong_platform::db::Backend;
use tonic::Code;

use crate::{
    calls::*,
    support::{H48, SCT, spawn},
};

lienthong_platform::on_both_databases!(bad_input_names_the_field, every_bad_field_at_once);

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
        let s = assert_code(
            a.create_task(req).await,
            Code::InvalidArgument,
            "INVALID_FIELD",
            "",
        );
        assert!(
            s.message().starts_with(field),
            "{:?} should name {field}",
            s.message()
        );
        assert_eq!(
            violated_fields(&s),
            [field.trim_end_matches(':')],
            "{}",
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
        "INVALID_FIELD",
        "deadline_from:",
    );
    assert_code(
        lead.list_tasks(ListTasksRequest {
            bucket: 42,
            ..Default::default()
        })
        .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "bucket:",
    );
    assert_code(
        lead.list_tasks(ListTasksRequest {
            page_token: "abc".into(),
            ..Default::default()
        })
        .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "page_token:",
    );
    svc.stop().await;
}

async fn calls_on_a_task_name_the_field(lead: &mut Client, id: &str) {
    for p in [101, -1] {
        let s = assert_code(
            progress(lead, id, "x", Some(p)).await,
            Code::InvalidArgument,
            "INVALID_FIELD",
            "percent:",
        );
        assert!(s.message().starts_with("percent:"), "{}", s.message());
    }
    let s = assert_code(
        progress(lead, id, "x", None).await,
        Code::InvalidArgument,
        "PERCENT_REQUIRED",
        "percent",
    );
    assert_eq!(violated_fields(&s), ["percent"]);
    assert_code(
        progress(lead, id, "", Some(10)).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "text:",
    );
    let s = assert_code(
        get(lead, "NV-99999").await,
        Code::NotFound,
        "TASK_NOT_FOUND",
        "task_id: no task NV-99999",
    );
    assert!(violated_fields(&s).is_empty());
    assert_code(
        get(lead, "99999").await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "task_id:",
    );
    assert_code(
        extend(lead, id, "30/11/2026").await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "new_deadline:",
    );
}

/// A request with three bad fields hears about all three, as three `BadRequest` violations.
async fn every_bad_field_at_once(backend: Backend) {
    let svc = spawn(backend).await;
    let mut a = svc.agency(H48).await;
    let s = assert_code(
        a.create_task(CreateTaskRequest {
            content: String::new(),
            lead_agency: "SCT-QNg".into(),
            deadline: "2026-02-30".into(),
            ..base()
        })
        .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "content:",
    );
    assert_eq!(violated_fields(&s), ["content", "lead_agency", "deadline"]);
    assert_eq!(s.message().matches("; ").count(), 2, "{}", s.message());

    // On one task: the id, the text and the percentage.
    let mut lead = svc.agency(SCT).await;
    let s = assert_code(
        lead.report_progress(ReportProgressRequest {
            task_id: "42".into(),
            text: " ".into(),
            percent: Some(150),
        })
        .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "task_id:",
    );
    assert_eq!(violated_fields(&s), ["task_id", "text", "percent"]);

    // A list: two filters and the token.
    let s = assert_code(
        lead.list_tasks(ListTasksRequest {
            lead_agency: "SCT".into(),
            deadline_to: "tomorrow".into(),
            page_token: "12".into(),
            ..Default::default()
        })
        .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "lead_agency:",
    );
    assert_eq!(
        violated_fields(&s),
        ["lead_agency", "deadline_to", "page_token"]
    );
    svc.stop().await;
}
