//! The hub feeding the tasks service, both real processes over mTLS: a steering document
//! becomes a task even when the tasks service was down when it was sent, exactly once across a
//! restart of the hub; then the whole task story.
use std::time::Duration;

use lienthong_api::{
    exchange::v1::{
        DocumentHeader, GetHubStatusRequest, SteeringType,
        exchange_service_client::ExchangeServiceClient,
        hub_admin_service_client::HubAdminServiceClient,
    },
    tasks::v1::{
        ConfirmResultRequest, DecideExtensionRequest, GetTaskRequest, ListTasksRequest,
        ReportProgressRequest, RequestExtensionRequest, ReturnResultRequest, SubmitResultRequest,
        Task, TaskBucket, TaskState, task_service_client::TaskServiceClient,
    },
};
use lienthong_e2e::{HubBeside, Service, send};
use lienthong_platform::{
    Identity,
    client::TracedChannel,
    db::Backend,
    testing::{TestPki, eventually},
    tls::TlsFiles,
};

use crate::{H48, SCT, STTTT};

/// Document `number` of `from` to `to`, without attachments.
fn document(from: &str, to: &str, number: u32) -> DocumentHeader {
    DocumentHeader {
        document_id: format!("{from},2026/11/26,{number}/STTTT"),
        subject: format!("Văn bản số {number}"),
        ..lienthong_e2e::document(from, &[to], number, b"")
    }
}

/// A steering document with a due date (giao nhiệm vụ).
fn steering(from: &str, to: &str, number: u32, due: &str) -> DocumentHeader {
    DocumentHeader {
        steering_type: SteeringType::Steering as i32,
        due_date: due.into(),
        subject: "Triển khai chữ ký số cho 100% dịch vụ công trực tuyến".into(),
        ..document(from, to, number)
    }
}

async fn tasks_from(client: &mut TaskServiceClient<TracedChannel>, source: &str) -> Vec<Task> {
    match client
        .list_tasks(ListTasksRequest {
            source_document_id: source.into(),
            ..Default::default()
        })
        .await
    {
        Ok(r) => r.into_inner().tasks,
        Err(e) if e.code() == tonic::Code::Unavailable => Vec::new(),
        Err(e) => panic!("list tasks: {e:?}"),
    }
}

/// The hub's backlog towards the tasks service, as its operator sees it.
async fn tasks_backlog(hub: &Service, admin: &TlsFiles) -> u64 {
    HubAdminServiceClient::new(hub.channel(admin).await)
        .get_hub_status(GetHubStatusRequest {})
        .await
        .expect("hub status")
        .into_inner()
        .peers
        .iter()
        .find(|p| p.peer == "tasks")
        .expect("the tasks service is a peer")
        .outbox_depth
}

pub async fn steering_document_becomes_a_task_even_if_tasks_was_down(backend: Backend) {
    let pki = TestPki::new();
    let setup = HubBeside::new(&pki, backend, "tasks").await;
    let (hub_port, tasks_port, hub_env, tasks_env) = (
        setup.hub_port,
        setup.service_port,
        &setup.hub,
        &setup.service,
    );
    let admin = pki.files(&Identity::Admin("ops".into()));
    let hub_log = pki.dir().join("hub.log");

    // The tasks service is not running yet when the steering document is sent.
    let mut hub = Service::start("lienthong-exchange", hub_env, hub_port, &hub_log);
    hub.wait_ready(&admin).await;
    let province_files = pki.agency(H48);
    let mut province_hub = ExchangeServiceClient::new(hub.channel(&province_files).await);
    let doc = steering(H48, STTTT, 61, "2026-12-31");
    let source = doc.document_id.clone();
    send(&mut province_hub, doc, b"").await; // sending is not blocked by the tasks service being down
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut tasks = Service::start(
        "lienthong-tasks",
        tasks_env,
        tasks_port,
        &pki.dir().join("tasks.log"),
    );
    tasks.wait_ready(&admin).await;
    let mut so = TaskServiceClient::new(tasks.channel(&pki.agency(STTTT)).await);
    let found = eventually(
        "the task appears once the tasks service is up",
        Duration::from_secs(30),
        || {
            let (mut so, source) = (so.clone(), source.clone());
            async move { Some(tasks_from(&mut so, &source).await).filter(|t| !t.is_empty()) }
        },
    )
    .await;
    assert_eq!(found.len(), 1, "one task");
    let task = &found[0];
    assert_eq!(task.lead_agency, STTTT);
    assert_eq!(task.assigner, H48);
    assert_eq!(task.deadline, "2026-12-31");
    assert_eq!(task.source_document_id, source);

    // Exactly once: a restart of the hub replays nothing twice.
    hub.stop();
    let mut hub = Service::start("lienthong-exchange", hub_env, hub_port, &hub_log);
    hub.wait_ready(&admin).await;
    assert_eq!(
        tasks_backlog(&hub, &admin).await,
        0,
        "nothing left to replay"
    );
    assert_eq!(
        tasks_from(&mut so, &source).await.len(),
        1,
        "exactly one task"
    );
    task_story(&pki, &tasks, &mut so, task.task_id.clone()).await;
    hub.stop();
    tasks.stop();
}

/// Progress, an extension approved by the assigner (both deadlines kept), the result submitted,
/// returned for redo, submitted again and confirmed; an outsider sees nothing.
async fn task_story(
    pki: &TestPki,
    tasks: &Service,
    so: &mut TaskServiceClient<TracedChannel>,
    id: String,
) {
    so.report_progress(ReportProgressRequest {
        task_id: id.clone(),
        text: "Đã khảo sát 120 dịch vụ".into(),
        percent: Some(40),
    })
    .await
    .expect("progress");
    so.request_extension(RequestExtensionRequest {
        task_id: id.clone(),
        new_deadline: "2027-01-31".into(),
        reason: "Chờ nâng cấp hệ thống".into(),
    })
    .await
    .expect("extension asked");
    let mut province = TaskServiceClient::new(tasks.channel(&pki.agency(H48)).await);
    province
        .decide_extension(DecideExtensionRequest {
            task_id: id.clone(),
            approve: true,
            comment: "Đồng ý".into(),
        })
        .await
        .expect("extension approved");
    so.submit_result(SubmitResultRequest {
        task_id: id.clone(),
        result: "Hoàn thành 80%".into(),
    })
    .await
    .expect("submit");
    province
        .return_result(ReturnResultRequest {
            task_id: id.clone(),
            reason: "Chưa đạt 100%".into(),
        })
        .await
        .expect("return");
    so.submit_result(SubmitResultRequest {
        task_id: id.clone(),
        result: "Hoàn thành 100%".into(),
    })
    .await
    .expect("resubmit");
    province
        .confirm_result(ConfirmResultRequest {
            task_id: id.clone(),
            comment: "Xác nhận".into(),
        })
        .await
        .expect("confirm");
    let done = province
        .get_task(GetTaskRequest {
            task_id: id.clone(),
        })
        .await
        .expect("get")
        .into_inner()
        .task
        .expect("task");
    assert_eq!(done.original_deadline, "2026-12-31");
    assert_eq!(done.deadline, "2027-01-31");
    assert_eq!(done.bucket(), TaskBucket::CompletedOnTime);
    assert_ne!(done.state(), TaskState::AwaitingConfirmation);
    // Someone not involved sees nothing.
    let mut outsider = TaskServiceClient::new(tasks.channel(&pki.agency(SCT)).await);
    let hidden = outsider
        .get_task(GetTaskRequest { task_id: id })
        .await
        .expect_err("outsider");
    assert_eq!(hidden.code(), tonic::Code::NotFound);
}
