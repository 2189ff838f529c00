//! Who may do what: the policy by identity kind, the record-level rules by role in the task.
use lienthong_api::tasks::v1::{
    CreateTaskFromDocumentRequest, CreateTaskRequest, GetTaskStatisticsRequest, ListTasksRequest,
    PauseTaskRequest, TaskAction,
};
use lienthong_platform::{Identity, db::Backend};
use tonic::Code;

use crate::{
    calls::*,
    support::{G22, H48, SCT, STTTT, TestTasks, agency_id, code, spawn},
};

lienthong_platform::on_both_databases!(authorization_rules);

async fn authorization_rules(backend: Backend) {
    let svc = spawn(backend).await;
    let mut assigner = svc.agency(H48).await;
    let t = create(
        &mut assigner,
        "Triển khai Kế hoạch 61/KH-UBND",
        "2026-11-30",
    )
    .await;
    let id = t.task_id.as_str();
    assert_eq!(t.assigner, H48, "the caller's agency is the assigner");

    outsiders_see_nothing(&svc, id).await;
    parties_read_it(&svc, id).await;
    coordinators_only_add_notes(&svc, id).await;
    the_assigner_does_not_do_the_leads_work(&svc, id).await;
    the_lead_does_not_decide(&svc, id).await;
    agencies_call_neither_intake_nor_statistics(&svc).await;
    services_call_only_intake_and_statistics(&svc, id).await;
    admins_read_but_do_not_act(&svc, id).await;
    svc.stop().await;
}

/// An agency taking no part sees nothing: NOT_FOUND, as for an unknown task.
async fn outsiders_see_nothing(svc: &TestTasks, id: &str) {
    let mut outsider = svc.agency(G22).await;
    assert_code(
        get(&mut outsider, id).await,
        Code::NotFound,
        "TASK_NOT_FOUND",
        "task_id",
    );
    assert_code(
        progress(&mut outsider, id, "x", Some(5)).await,
        Code::NotFound,
        "TASK_NOT_FOUND",
        "task_id",
    );
    assert_code(
        confirm(&mut outsider, id).await,
        Code::NotFound,
        "TASK_NOT_FOUND",
        "task_id",
    );
    assert!(
        list(&mut outsider, ListTasksRequest::default())
            .await
            .is_empty()
    );
    assert!(
        svc.app()
            .events_after(&code(G22), 0, 100)
            .await
            .expect("events")
            .is_empty()
    );
}

/// Everyone taking part reads it.
async fn parties_read_it(svc: &TestTasks, id: &str) {
    for agency in [H48, SCT, STTTT] {
        let mut c = svc.agency(agency).await;
        assert_eq!(get(&mut c, id).await.expect("read").task_id, id);
        assert_eq!(
            list(&mut c, ListTasksRequest::default()).await,
            vec![id.to_string()]
        );
    }
}

/// Coordinating agency: notes without a percentage; nothing else.
async fn coordinators_only_add_notes(svc: &TestTasks, id: &str) {
    let mut coord = svc.agency(STTTT).await;
    let s = assert_code(
        progress(&mut coord, id, "Đã góp ý", Some(10)).await,
        Code::InvalidArgument,
        "PERCENT_FROM_COORDINATOR",
        "percent",
    );
    assert_eq!(violated_fields(&s), ["percent"]);
    let noted = progress(&mut coord, id, "Đã góp ý dự thảo", None)
        .await
        .expect("note");
    let entry = noted.history.last().expect("entry");
    assert_eq!(
        (entry.action(), entry.actor.as_str()),
        (TaskAction::Note, format!("agency/{STTTT}").as_str())
    );
    assert_eq!(noted.progress_percent, 0, "a note carries no percentage");
    assert_code(
        submit(&mut coord, id, "x").await,
        Code::PermissionDenied,
        "ROLE_NOT_ALLOWED",
        "lead agency",
    );
    assert_code(
        confirm(&mut coord, id).await,
        Code::PermissionDenied,
        "ROLE_NOT_ALLOWED",
        "assigner",
    );
    assert_code(
        extend(&mut coord, id, "2026-12-31").await,
        Code::PermissionDenied,
        "ROLE_NOT_ALLOWED",
        "lead agency",
    );
}

/// The assigner does not report progress, submit or ask extensions.
async fn the_assigner_does_not_do_the_leads_work(svc: &TestTasks, id: &str) {
    let mut assigner = svc.agency(H48).await;
    assert_code(
        progress(&mut assigner, id, "x", Some(5)).await,
        Code::PermissionDenied,
        "NOT_LEAD_OR_COORDINATOR",
        "lead agency",
    );
    assert_code(
        submit(&mut assigner, id, "x").await,
        Code::PermissionDenied,
        "ROLE_NOT_ALLOWED",
        "lead agency",
    );
    assert_code(
        extend(&mut assigner, id, "2026-12-31").await,
        Code::PermissionDenied,
        "ROLE_NOT_ALLOWED",
        "lead agency",
    );
}

/// The lead does not confirm, return, decide or pause.
async fn the_lead_does_not_decide(svc: &TestTasks, id: &str) {
    let mut lead = svc.agency(SCT).await;
    assert_code(
        confirm(&mut lead, id).await,
        Code::PermissionDenied,
        "ROLE_NOT_ALLOWED",
        "assigner",
    );
    assert_code(
        give_back(&mut lead, id, "x").await,
        Code::PermissionDenied,
        "ROLE_NOT_ALLOWED",
        "assigner",
    );
    assert_code(
        decide(&mut lead, id, true, "").await,
        Code::PermissionDenied,
        "ROLE_NOT_ALLOWED",
        "assigner",
    );
    assert_code(
        lead.pause_task(PauseTaskRequest {
            task_id: id.into(),
            reason: "x".into(),
        })
        .await,
        Code::PermissionDenied,
        "ROLE_NOT_ALLOWED",
        "assigner",
    );
}

fn stats_request() -> GetTaskStatisticsRequest {
    GetTaskStatisticsRequest {
        from_day: "2026-11-01".into(),
        to_day: "2026-11-30".into(),
        lead_agency: String::new(),
    }
}

/// Agencies may not call the intake, or the statistics.
async fn agencies_call_neither_intake_nor_statistics(svc: &TestTasks) {
    let mut agency_intake = svc.intake_as(agency_id(H48)).await;
    assert_code(
        agency_intake
            .create_task_from_document(CreateTaskFromDocumentRequest {
                source_document_id: "000.00.00.H48,2026/11/02,1/UBND-TH".into(),
                assigner: H48.into(),
                lead_agency: SCT.into(),
                content: "x".into(),
                ..Default::default()
            })
            .await,
        Code::PermissionDenied,
        "IDENTITY_NOT_ALLOWED",
        "service identities",
    );
    let mut agency_stats = svc.stats_as(agency_id(H48)).await;
    assert_code(
        agency_stats.get_task_statistics(stats_request()).await,
        Code::PermissionDenied,
        "IDENTITY_NOT_ALLOWED",
        "service",
    );
}

/// Services may call only the intake and the statistics.
async fn services_call_only_intake_and_statistics(svc: &TestTasks, id: &str) {
    let exchange = Identity::Service("exchange".into());
    let mut svc_tasks = svc.tasks_as(exchange.clone()).await;
    assert_code(
        get(&mut svc_tasks, id).await,
        Code::PermissionDenied,
        "IDENTITY_NOT_ALLOWED",
        "agencies",
    );
    assert_code(
        svc_tasks
            .create_task(CreateTaskRequest {
                content: "x".into(),
                lead_agency: SCT.into(),
                ..Default::default()
            })
            .await,
        Code::PermissionDenied,
        "IDENTITY_NOT_ALLOWED",
        "agencies",
    );
    let mut reporting = svc.stats_as(Identity::Service("reporting".into())).await;
    reporting
        .get_task_statistics(stats_request())
        .await
        .expect("a service reads statistics");
}

/// Admins list and read everything, but do not act.
async fn admins_read_but_do_not_act(svc: &TestTasks, id: &str) {
    let mut admin = svc.tasks_as(Identity::Admin("operator".into())).await;
    assert_eq!(
        list(&mut admin, ListTasksRequest::default()).await,
        vec![id.to_string()]
    );
    assert_eq!(get(&mut admin, id).await.expect("admin reads").task_id, id);
    assert_code(
        submit(&mut admin, id, "x").await,
        Code::PermissionDenied,
        "IDENTITY_NOT_ALLOWED",
        "agencies",
    );
}
