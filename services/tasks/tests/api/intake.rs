//! The intake: a steering document delivered by the hub becomes a task, once per (document,
//! lead agency).
use lienthong_api::tasks::v1::{
    CreateTaskFromDocumentRequest, CreateTaskRequest, ListTasksRequest,
    task_intake_service_client::TaskIntakeServiceClient,
};
use lienthong_platform::{Identity, client::TracedChannel, db::Backend};
use tonic::Code;

use crate::{
    calls::*,
    support::{H48, SCT, STTTT, TestTasks, spawn},
};

lienthong_platform::on_both_databases!(intake_is_idempotent);

const DOC: &str = "000.00.00.H48,2026/11/02,125/UBND-TH";

fn request() -> CreateTaskFromDocumentRequest {
    CreateTaskFromDocumentRequest {
        source_document_id: DOC.into(),
        assigner: H48.into(),
        lead_agency: SCT.into(),
        coordinating_agencies: vec![STTTT.into(), SCT.into()],
        content: "Về việc triển khai Kế hoạch 61/KH-UBND".into(),
        deadline: "2026-12-15".into(),
    }
}

fn by_doc() -> ListTasksRequest {
    ListTasksRequest {
        source_document_id: DOC.into(),
        ..Default::default()
    }
}

async fn intake_is_idempotent(backend: Backend) {
    let svc = spawn(backend).await;
    let mut intake = svc.intake_as(Identity::Service("exchange".into())).await;
    let first = intake
        .create_task_from_document(request())
        .await
        .expect("intake")
        .into_inner();
    assert!(first.created);
    let again = intake
        .create_task_from_document(request())
        .await
        .expect("repeat")
        .into_inner();
    assert!(!again.created, "a repeat creates nothing");
    assert_eq!(again.task_id, first.task_id);

    let mut lead = svc.agency(SCT).await;
    assert_eq!(list(&mut lead, by_doc()).await, vec![first.task_id.clone()]);
    let t = get(&mut lead, &first.task_id).await.expect("lead reads");
    assert_eq!(
        (
            t.assigner.as_str(),
            t.lead_agency.as_str(),
            t.deadline.as_str()
        ),
        (H48, SCT, "2026-12-15")
    );
    assert_eq!(t.coordinating_agencies, vec![STTTT.to_string()]);
    assert_eq!(t.source_document_id, DOC);
    assert_eq!(t.history[0].actor, "service/exchange");

    // An agency assigning the same document to the same lead again is refused.
    let mut assigner = svc.agency(H48).await;
    let s = assert_code(
        assigner
            .create_task(CreateTaskRequest {
                content: "Lần nữa".into(),
                lead_agency: SCT.into(),
                source_document_id: DOC.into(),
                ..Default::default()
            })
            .await,
        Code::AlreadyExists,
        "SOURCE_ALREADY_ASSIGNED",
        &first.task_id,
    );
    assert!(violated_fields(&s).is_empty());

    another_lead_is_another_task(&svc, &mut intake, &first.task_id).await;
    bad_intake_input_names_the_field(&mut intake).await;
    svc.stop().await;
}

/// The same document for another lead agency is another task; a document without a due date
/// gives a task without a deadline.
async fn another_lead_is_another_task(
    svc: &TestTasks,
    intake: &mut TaskIntakeServiceClient<TracedChannel>,
    first: &str,
) {
    let other = intake
        .create_task_from_document(CreateTaskFromDocumentRequest {
            lead_agency: STTTT.into(),
            coordinating_agencies: vec![],
            deadline: String::new(),
            ..request()
        })
        .await
        .expect("second lead")
        .into_inner();
    assert!(other.created);
    assert_ne!(other.task_id, first);
    let mut sttt = svc.agency(STTTT).await;
    assert_eq!(
        get(&mut sttt, &other.task_id).await.expect("get").deadline,
        ""
    );
    let mut admin = svc.tasks_as(Identity::Admin("operator".into())).await;
    assert_eq!(list(&mut admin, by_doc()).await.len(), 2);
}

/// Bad intake input names the field; every bad field at once.
async fn bad_intake_input_names_the_field(intake: &mut TaskIntakeServiceClient<TracedChannel>) {
    let s = assert_code(
        intake
            .create_task_from_document(CreateTaskFromDocumentRequest {
                source_document_id: "125/UBND".into(),
                assigner: "H48".into(),
                deadline: "15/12/2026".into(),
                ..request()
            })
            .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "source_document_id",
    );
    assert_eq!(
        violated_fields(&s),
        ["source_document_id", "assigner", "deadline"]
    );
    assert_code(
        intake
            .create_task_from_document(CreateTaskFromDocumentRequest {
                lead_agency: "SCT".into(),
                ..request()
            })
            .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "lead_agency",
    );
    assert_code(
        intake
            .create_task_from_document(CreateTaskFromDocumentRequest {
                deadline: "15/12/2026".into(),
                ..request()
            })
            .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "deadline",
    );
}
