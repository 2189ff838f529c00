//! The hub feeding the services beside it, all real processes over mTLS: traffic figures reach
//! the reporting service (also across a stop and restart of it), steering documents become
//! tasks (also when the tasks service was down when they were sent).
use std::time::Duration;

use lienthong_api::{
    exchange::v1::{
        Agency, DocumentHeader, SendDocumentRequest,
        exchange_service_client::ExchangeServiceClient, send_document_request::Part,
    },
    reporting::v1::{
        ListPeriodsRequest, SaveDraftRequest, reporting_service_client::ReportingServiceClient,
    },
};
use lienthong_e2e::{Pki, Service, TRUST_DOMAIN, free_port, hub_env};
use lienthong_platform::{Identity, client::TracedChannel, db::Backend, testing::TestDb};

const STTTT: &str = "000.00.12.H48";
const SCT: &str = "000.00.09.H48";
const G22: &str = "000.00.00.G22";

/// The environment of a service other than the hub.
fn service_env(
    pki: &mut Pki,
    name: &str,
    listen_var: &str,
    port: u16,
    data: &std::path::Path,
    db: Option<&str>,
) -> Vec<(String, String)> {
    let files = pki.files(&Identity::Service(name.into()));
    let mut env = vec![
        (listen_var.to_string(), format!("127.0.0.1:{port}")),
        ("LIENTHONG_DATA_DIR".into(), data.display().to_string()),
        (
            "LIENTHONG_TLS_CERT".into(),
            files.cert.display().to_string(),
        ),
        ("LIENTHONG_TLS_KEY".into(), files.key.display().to_string()),
        ("LIENTHONG_TLS_CA".into(), files.ca.display().to_string()),
        (
            "LIENTHONG_TLS_CRL".into(),
            files.crl.expect("crl").display().to_string(),
        ),
        ("LIENTHONG_TRUST_DOMAIN".into(), TRUST_DOMAIN.into()),
        ("LIENTHONG_SHUTDOWN_GRACE_SECS".into(), "2".into()),
    ];
    if let Some(url) = db {
        env.push(("LIENTHONG_DATABASE_URL".into(), url.into()));
    }
    env
}

/// The hub calls the services beside it as `service/exchange`.
fn as_exchange_service(pki: &mut Pki, env: &mut Vec<(String, String)>) {
    let files = pki.files(&Identity::Service("exchange".into()));
    env.push((
        "LIENTHONG_CLIENT_CERT".into(),
        files.cert.display().to_string(),
    ));
    env.push((
        "LIENTHONG_CLIENT_KEY".into(),
        files.key.display().to_string(),
    ));
}

pub fn document(from: &str, to: &str, number: u32) -> DocumentHeader {
    DocumentHeader {
        from: Some(Agency {
            code: from.into(),
            ..Default::default()
        }),
        to: vec![Agency {
            code: to.into(),
            ..Default::default()
        }],
        document_id: format!("{from},2026/11/26,{number}/STTTT"),
        subject: format!("Văn bản số {number}"),
        ..Default::default()
    }
}

pub async fn send(client: &mut ExchangeServiceClient<TracedChannel>, header: DocumentHeader) {
    client
        .send_document(tokio_stream::iter(vec![SendDocumentRequest {
            part: Some(Part::Header(header)),
        }]))
        .await
        .expect("accepted");
}

/// The AXIS-MONTHLY period whose data-cutoff window contains today.
async fn current_period(client: &mut ReportingServiceClient<TracedChannel>) -> String {
    let today = time::OffsetDateTime::now_utc()
        .to_offset(time::UtcOffset::from_hms(7, 0, 0).expect("offset"))
        .date();
    let today = format!(
        "{:04}-{:02}-{:02}",
        today.year(),
        today.month() as u8,
        today.day()
    );
    for year in [0u32, today[..4].parse::<u32>().expect("year") + 1] {
        let periods = client
            .list_periods(ListPeriodsRequest {
                regime_code: "AXIS-MONTHLY".into(),
                year,
            })
            .await
            .expect("periods")
            .into_inner()
            .periods;
        if let Some(p) = periods
            .iter()
            .find(|p| p.window_start <= today && today <= p.window_end)
        {
            return p.key.clone();
        }
    }
    panic!("no AXIS-MONTHLY period contains {today}");
}

/// The pre-filled "documents sent" of an agency's draft, once it reaches `want`.
async fn documents_sent_in_draft(
    client: &mut ReportingServiceClient<TracedChannel>,
    period: &str,
    want: &str,
) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let value = match client
            .save_draft(SaveDraftRequest {
                regime_code: "AXIS-MONTHLY".into(),
                period: period.into(),
                values: vec![],
            })
            .await
        {
            Ok(r) => r
                .into_inner()
                .report
                .expect("report")
                .values
                .into_iter()
                .find(|v| v.indicator_code == "AXIS.SENT")
                .map(|v| v.value)
                .unwrap_or_default(),
            Err(e) if e.code() == tonic::Code::Unavailable => String::new(),
            Err(e) => panic!("draft: {e:?}"),
        };
        if value == want || tokio::time::Instant::now() > deadline {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub async fn statistics_reach_reporting_across_its_restart(backend: Backend) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut pki = Pki::new(&dir.path().join("pki"));
    let (hub_db, reporting_db) = (TestDb::new(backend).await, TestDb::new(backend).await);
    let (hub_port, reporting_port) = (free_port(), free_port());
    let reporting_env = service_env(
        &mut pki,
        "reporting",
        "LIENTHONG_REPORTING_LISTEN",
        reporting_port,
        &dir.path().join("data-reporting"),
        reporting_db.url.as_deref(),
    );
    let mut hub_env = hub_env(
        &mut pki,
        hub_port,
        &dir.path().join("data-hub"),
        hub_db.url.as_deref(),
    );
    hub_env.push((
        "LIENTHONG_REPORTING_ENDPOINT".into(),
        format!("https://127.0.0.1:{reporting_port}"),
    ));
    hub_env.push(("LIENTHONG_STATS_PUSH_SECS".into(), "0.3".into()));
    as_exchange_service(&mut pki, &mut hub_env);

    let admin = pki.files(&Identity::Admin("ops".into()));
    let reporting_log = dir.path().join("reporting.log");
    let mut reporting = Service::start(
        "lienthong-reporting",
        &reporting_env,
        reporting_port,
        &reporting_log,
    );
    reporting.wait_ready(&admin).await;
    let mut hub = Service::start(
        "lienthong-exchange",
        &hub_env,
        hub_port,
        &dir.path().join("hub.log"),
    );
    hub.wait_ready(&admin).await;

    let sttt_files = pki.files(&Identity::Agency(STTTT.into()));
    let mut sender = ExchangeServiceClient::new(hub.channel(&sttt_files).await);
    send(&mut sender, document(STTTT, G22, 1)).await;
    let mut report = ReportingServiceClient::new(reporting.channel(&sttt_files).await);
    let period = current_period(&mut report).await;
    assert_eq!(
        documents_sent_in_draft(&mut report, &period, "1").await,
        "1",
        "the hub's figure, not a clerk's"
    );

    // Reporting goes down; the hub keeps accepting, and its figures wait.
    reporting.kill();
    send(&mut sender, document(STTTT, G22, 2)).await;
    send(&mut sender, document(STTTT, SCT, 3)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut reporting = Service::start(
        "lienthong-reporting",
        &reporting_env,
        reporting_port,
        &reporting_log,
    );
    reporting.wait_ready(&admin).await;
    let mut report = ReportingServiceClient::new(reporting.channel(&sttt_files).await);
    assert_eq!(
        documents_sent_in_draft(&mut report, &period, "3").await,
        "3",
        "nothing lost while reporting was down"
    );

    // Received figures too, for the recipients.
    let sct_files = pki.files(&Identity::Agency(SCT.into()));
    let mut sct_report = ReportingServiceClient::new(reporting.channel(&sct_files).await);
    let draft = sct_report
        .save_draft(SaveDraftRequest {
            regime_code: "AXIS-MONTHLY".into(),
            period: period.clone(),
            values: vec![],
        })
        .await
        .expect("draft")
        .into_inner()
        .report
        .expect("report");
    let received = draft
        .values
        .iter()
        .find(|v| v.indicator_code == "AXIS.RECEIVED")
        .expect("received");
    assert_eq!(received.value, "1");
    assert!(received.prefilled);

    // An agency cannot feed the intake.
    let mut intake = lienthong_api::reporting::v1::intake_service_client::IntakeServiceClient::new(
        reporting.channel(&sttt_files).await,
    );
    let refused = intake
        .push_statistics(lienthong_api::reporting::v1::PushStatisticsRequest { values: vec![] })
        .await
        .expect_err("agency at the intake");
    assert_eq!(refused.code(), tonic::Code::PermissionDenied);

    assert!(hub.terminate().success());
    assert!(reporting.terminate().success());
    hub_db.drop_db().await;
    reporting_db.drop_db().await;
}

/// A steering document with a due date (giao nhiệm vụ).
fn steering(from: &str, to: &str, number: u32, due: &str) -> DocumentHeader {
    DocumentHeader {
        steering_type: 1,
        due_date: due.into(),
        subject: "Triển khai chữ ký số cho 100% dịch vụ công trực tuyến".into(),
        ..document(from, to, number)
    }
}

async fn tasks_from(
    client: &mut lienthong_api::tasks::v1::task_service_client::TaskServiceClient<TracedChannel>,
    source: &str,
    want: usize,
) -> Vec<lienthong_api::tasks::v1::Task> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let tasks = match client
            .list_tasks(lienthong_api::tasks::v1::ListTasksRequest {
                source_document_id: source.into(),
                ..Default::default()
            })
            .await
        {
            Ok(r) => r.into_inner().tasks,
            Err(e) if e.code() == tonic::Code::Unavailable => Vec::new(),
            Err(e) => panic!("list tasks: {e:?}"),
        };
        if tasks.len() >= want || tokio::time::Instant::now() > deadline {
            return tasks;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub async fn steering_document_becomes_a_task_even_if_tasks_was_down(backend: Backend) {
    use lienthong_api::tasks::v1::{
        ConfirmResultRequest, DecideExtensionRequest, ReportProgressRequest,
        RequestExtensionRequest, SubmitResultRequest, TaskBucket, TaskState,
        task_service_client::TaskServiceClient,
    };
    const PROVINCE: &str = "000.00.00.H48";
    let dir = tempfile::tempdir().expect("tmp");
    let mut pki = Pki::new(&dir.path().join("pki"));
    let (hub_db, tasks_db) = (TestDb::new(backend).await, TestDb::new(backend).await);
    let (hub_port, tasks_port) = (free_port(), free_port());
    let tasks_env = service_env(
        &mut pki,
        "tasks",
        "LIENTHONG_TASKS_LISTEN",
        tasks_port,
        &dir.path().join("data-tasks"),
        tasks_db.url.as_deref(),
    );
    let mut hub_env = hub_env(
        &mut pki,
        hub_port,
        &dir.path().join("data-hub"),
        hub_db.url.as_deref(),
    );
    hub_env.push((
        "LIENTHONG_TASKS_ENDPOINT".into(),
        format!("https://127.0.0.1:{tasks_port}"),
    ));
    as_exchange_service(&mut pki, &mut hub_env);
    let admin = pki.files(&Identity::Admin("ops".into()));

    // The tasks service is not running yet when the steering document is sent.
    let mut hub = Service::start(
        "lienthong-exchange",
        &hub_env,
        hub_port,
        &dir.path().join("hub.log"),
    );
    hub.wait_ready(&admin).await;
    let province_files = pki.files(&Identity::Agency(PROVINCE.into()));
    let mut province_hub = ExchangeServiceClient::new(hub.channel(&province_files).await);
    let doc = steering(PROVINCE, STTTT, 61, "2026-12-31");
    let source = doc.document_id.clone();
    send(&mut province_hub, doc).await; // sending is not blocked by the tasks service being down
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut tasks = Service::start(
        "lienthong-tasks",
        &tasks_env,
        tasks_port,
        &dir.path().join("tasks.log"),
    );
    tasks.wait_ready(&admin).await;
    let so_files = pki.files(&Identity::Agency(STTTT.into()));
    let mut so = TaskServiceClient::new(tasks.channel(&so_files).await);
    let found = tasks_from(&mut so, &source, 1).await;
    assert_eq!(
        found.len(),
        1,
        "the task appears once the tasks service is up"
    );
    let task = &found[0];
    assert_eq!(task.lead_agency, STTTT);
    assert_eq!(task.assigner, PROVINCE);
    assert_eq!(task.deadline, "2026-12-31");
    assert_eq!(task.source_document_id, source);

    // Exactly once: a restart of the hub replays nothing twice.
    assert!(hub.terminate().success());
    let mut hub = Service::start(
        "lienthong-exchange",
        &hub_env,
        hub_port,
        &dir.path().join("hub.log"),
    );
    hub.wait_ready(&admin).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        tasks_from(&mut so, &source, 2).await.len(),
        1,
        "exactly one task"
    );

    // The story: progress, an extension approved by the assigner (both deadlines kept), the
    // result submitted, returned for redo, submitted again and confirmed.
    let id = task.task_id.clone();
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
    let mut province = TaskServiceClient::new(tasks.channel(&province_files).await);
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
        .return_result(lienthong_api::tasks::v1::ReturnResultRequest {
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
        .get_task(lienthong_api::tasks::v1::GetTaskRequest {
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
    let outsider_files = pki.files(&Identity::Agency(SCT.into()));
    let mut outsider = TaskServiceClient::new(tasks.channel(&outsider_files).await);
    let hidden = outsider
        .get_task(lienthong_api::tasks::v1::GetTaskRequest { task_id: id })
        .await
        .expect_err("outsider");
    assert_eq!(hidden.code(), tonic::Code::NotFound);

    assert!(hub.terminate().success());
    assert!(tasks.terminate().success());
    hub_db.drop_db().await;
    tasks_db.drop_db().await;
}
