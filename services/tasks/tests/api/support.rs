//! A tasks service per test: in-process, on port 0, real mutual TLS with a PKI generated at run
//! time, a fresh SQLite file or PostgreSQL database, and a manual clock.
use std::{sync::Arc, sync::Mutex};

use lienthong_api::tasks::v1::{
    CreateTaskRequest, Task, task_intake_service_client::TaskIntakeServiceClient,
    task_service_client::TaskServiceClient,
    task_statistics_service_client::TaskStatisticsServiceClient,
};
use lienthong_platform::{
    Identity,
    client::{TracedChannel, connect},
    config::ServerArgs,
    db::Backend,
    pki::DevCa,
    shutdown::Shutdown,
    testing::TestDb,
    tls::TlsFiles,
};
use lienthong_tasks::{
    app::Tasks,
    clock::ManualClock,
    domain,
    service::{RunningTasks, TasksArgs, start_with_clock},
};
use tempfile::TempDir;
use time::{Date, macros::date};

pub const TRUST_DOMAIN: &str = "lienthong.test";
/// UBND tỉnh Quảng Ngãi: the assigner in most tests.
pub const H48: &str = "000.00.00.H48";
/// Văn phòng Chính phủ: takes no part in the tasks of the tests.
pub const G22: &str = "000.00.00.G22";
/// Sở Thông tin và Truyền thông (illustrative code): a coordinating agency.
pub const STTTT: &str = "000.00.12.H48";
/// Sở Công Thương (illustrative code): the lead agency.
pub const SCT: &str = "000.00.09.H48";

/// The day the tests start on (Vietnam local date), at 09:00.
pub const DAY0: Date = date!(2026 - 11 - 02);

pub struct TestTasks {
    pub running: Option<RunningTasks>,
    pub clock: Arc<ManualClock>,
    pub _dir: TempDir,
    pub pki: Mutex<DevCa>,
    pub db: Option<TestDb>,
    pub url: String,
}

/// 09:00 Vietnam time on `d`, in microseconds.
pub fn morning(d: Date) -> i64 {
    domain::start_of_day(d) + 9 * 3_600_000_000
}

pub async fn spawn(backend: Backend) -> TestTasks {
    lienthong_platform::tls::install_crypto_provider();
    lienthong_platform::telemetry::install_propagator();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut pki = DevCa::init(&dir.path().join("pki"), TRUST_DOMAIN).expect("pki init");
    let files = pki
        .issue(&Identity::Service("tasks".into()), &[])
        .expect("service cert");
    let db = TestDb::new(backend).await;
    let args = TasksArgs {
        listen: "127.0.0.1:0".parse().expect("addr"),
        near_deadline_days: 3,
        // The background sweeper runs rarely: the tests sweep explicitly.
        sweep_secs: 3600.0,
        reporting_endpoint: None,
        stats_push_secs: 3600.0,
        server: ServerArgs {
            data_dir: dir.path().join("data"),
            database_url: db.url.clone(),
            db_pool_size: 5,
            tls_cert: files.cert,
            tls_key: files.key,
            tls_ca: files.ca,
            tls_crl: files.crl,
            client_cert: None,
            client_key: None,
            tls_reload_secs: 60.0,
            trust_domain: TRUST_DOMAIN.into(),
            max_connection_age_secs: 3600.0,
            shutdown_grace_secs: 2.0,
        },
    };
    let clock = ManualClock::new(morning(DAY0));
    let running = start_with_clock(args, Shutdown::new(), clock.clone())
        .await
        .expect("tasks service starts");
    let url = format!("https://127.0.0.1:{}", running.addr.port());
    TestTasks {
        running: Some(running),
        clock,
        _dir: dir,
        pki: Mutex::new(pki),
        db: Some(db),
        url,
    }
}

impl TestTasks {
    pub fn files(&self, id: &Identity) -> TlsFiles {
        let mut pki = self.pki.lock().expect("pki lock");
        let files = pki.files_for(id);
        if files.cert.exists() {
            files
        } else {
            pki.issue(id, &[]).expect("issue")
        }
    }

    pub async fn channel(&self, id: &Identity) -> TracedChannel {
        connect(&self.url, &self.files(id)).await.expect("connect")
    }

    /// The task service as an agency.
    pub async fn agency(&self, code: &str) -> TaskServiceClient<TracedChannel> {
        TaskServiceClient::new(self.channel(&Identity::Agency(code.into())).await)
    }

    pub async fn tasks_as(&self, id: Identity) -> TaskServiceClient<TracedChannel> {
        TaskServiceClient::new(self.channel(&id).await)
    }

    pub async fn intake_as(&self, id: Identity) -> TaskIntakeServiceClient<TracedChannel> {
        TaskIntakeServiceClient::new(self.channel(&id).await)
    }

    pub async fn stats_as(&self, id: Identity) -> TaskStatisticsServiceClient<TracedChannel> {
        TaskStatisticsServiceClient::new(self.channel(&id).await)
    }

    pub fn app(&self) -> &Tasks {
        &self.running.as_ref().expect("running").app
    }

    /// Moves the clock to 09:00 on `d`.
    pub fn set_day(&self, d: Date) {
        self.clock.set(morning(d));
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await.expect("clean stop");
        }
        if let Some(db) = self.db.take() {
            db.drop_db().await;
        }
    }
}

/// Creates a task from `H48` to `SCT`, coordinated by `STTTT`, due `deadline` ("" for none).
pub async fn create(
    client: &mut TaskServiceClient<TracedChannel>,
    content: &str,
    deadline: &str,
) -> Task {
    client
        .create_task(CreateTaskRequest {
            content: content.into(),
            lead_agency: SCT.into(),
            coordinating_agencies: vec![STTTT.into()],
            deadline: deadline.into(),
            source_document_id: String::new(),
            notes: String::new(),
        })
        .await
        .expect("create task")
        .into_inner()
        .task
        .expect("task")
}
