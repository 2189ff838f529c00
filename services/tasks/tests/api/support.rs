//! A tasks service per test: in-process, on port 0, real mutual TLS with a PKI generated at run
//! time, a fresh SQLite file or PostgreSQL database, and a manual clock.
use std::sync::Arc;

use lienthong_api::tasks::v1::{
    task_intake_service_client::TaskIntakeServiceClient, task_service_client::TaskServiceClient,
    task_statistics_service_client::TaskStatisticsServiceClient,
};
use lienthong_axis::{AgencyCode, ManualClock, local::start_of_day};
use lienthong_platform::{
    Identity,
    client::TracedChannel,
    db::Backend,
    shutdown::Shutdown,
    testing::{TestDb, TestPki, channel},
};
use lienthong_tasks::{
    app::Tasks,
    service::{RunningTasks, TasksArgs, start_with_clock},
};
use time::{Date, macros::date};

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

/// 09:00 Vietnam time on `d`, in microseconds.
pub fn morning(d: Date) -> i64 {
    start_of_day(d) + 9 * 3_600_000_000
}

/// An agency code of the tests.
pub fn code(s: &str) -> AgencyCode {
    AgencyCode::parse("agency", s).expect("agency code")
}

/// An agency's identity.
pub fn agency_id(s: &str) -> Identity {
    Identity::Agency(code(s))
}

pub struct TestTasks {
    running: Option<RunningTasks>,
    pub clock: Arc<ManualClock>,
    pki: TestPki,
    db: Option<TestDb>,
    url: String,
}

pub async fn spawn(backend: Backend) -> TestTasks {
    let pki = TestPki::new();
    let db = TestDb::new(backend).await;
    let args = TasksArgs {
        listen: "127.0.0.1:0".parse().expect("addr"),
        near_deadline_days: 3,
        // The background sweeper runs rarely: the tests sweep explicitly.
        sweep_secs: 3600.0,
        reporting_endpoint: None,
        stats_push_secs: 3600.0,
        server: pki.server_args(&Identity::Service("tasks".into()), "tasks", &db),
    };
    let clock = Arc::new(ManualClock::new(morning(DAY0)));
    let running = start_with_clock(args, Shutdown::new(), clock.clone())
        .await
        .expect("tasks service starts");
    let url = format!("https://127.0.0.1:{}", running.addr.port());
    TestTasks {
        running: Some(running),
        clock,
        pki,
        db: Some(db),
        url,
    }
}

impl TestTasks {
    pub async fn channel(&self, id: &Identity) -> TracedChannel {
        channel(&self.url, &self.pki.files(id)).await
    }

    /// The task service as an agency.
    pub async fn agency(&self, code: &str) -> TaskServiceClient<TracedChannel> {
        TaskServiceClient::new(self.channel(&agency_id(code)).await)
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

    pub fn app(&self) -> &Arc<Tasks> {
        self.running.as_ref().expect("running").app()
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
