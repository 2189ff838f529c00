//! A tasks service per test: in-process, on port 0, real mutual TLS with a PKI generated at run
//! time, a fresh SQLite file or PostgreSQL database, and a manual clock.
use std::{collections::BTreeMap, sync::Arc};

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
    app::{DEFAULT_MAX_STREAMS_PER_AGENCY, Tasks},
    service::{RunningTasks, TasksArgs, start_with_clock},
};
use sqlx::Connection;
use time::{Date, macros::date};

use lienthong_platform::testing_proxy::DbProxy;

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
    /// The database as the tests read it directly (not through the proxy).
    db_url: String,
    /// Between the service and PostgreSQL, when asked for.
    pub proxy: Option<DbProxy>,
    /// The tests' own connection to the database, opened on first use.
    inspector: tokio::sync::Mutex<Option<sqlx::AnyConnection>>,
}

/// How a test wants its service.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub max_streams_per_agency: usize,
    /// PostgreSQL through a [`DbProxy`] that the test can stop (SQLite: no proxy).
    pub proxied: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_streams_per_agency: DEFAULT_MAX_STREAMS_PER_AGENCY,
            proxied: false,
        }
    }
}

pub async fn spawn(backend: Backend) -> TestTasks {
    spawn_with(backend, Options::default()).await
}

pub async fn spawn_with(backend: Backend, options: Options) -> TestTasks {
    let pki = TestPki::new();
    let db = TestDb::new(backend).await;
    let mut server = pki.server_args(&Identity::Service("tasks".into()), "tasks", &db);
    let db_url = server.database_url("tasks");
    let proxy = match &db.url {
        Some(pg) if options.proxied => {
            let proxy = DbProxy::start(pg).await;
            server.database_url = Some(proxy.url(pg));
            Some(proxy)
        }
        _ => None,
    };
    let args = TasksArgs {
        listen: "127.0.0.1:0".parse().expect("addr"),
        near_deadline_days: 3,
        // The background sweeper runs rarely: the tests sweep explicitly.
        sweep_secs: 3600.0,
        reporting_endpoint: None,
        stats_push_secs: 3600.0,
        max_streams_per_agency: options.max_streams_per_agency,
        server,
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
        db_url,
        proxy,
        inspector: tokio::sync::Mutex::default(),
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

    /// How many rows each table of the service's database holds, read directly: a refused
    /// call must leave it as it was.
    pub async fn row_counts(&self) -> BTreeMap<String, i64> {
        let mut inspector = self.inspector.lock().await;
        if inspector.is_none() {
            let conn = sqlx::AnyConnection::connect(&self.db_url)
                .await
                .expect("the service's database");
            *inspector = Some(conn);
        }
        let Some(conn) = inspector.as_mut() else {
            unreachable!("opened above");
        };
        let tables: Vec<String> = if self.db_url.starts_with("sqlite:") {
            sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
            )
            .fetch_all(&mut *conn)
            .await
        } else {
            sqlx::query_scalar(
                "SELECT CAST(tablename AS TEXT) FROM pg_tables WHERE schemaname = 'public' \
                 AND tablename NOT LIKE '_sqlx%'",
            )
            .fetch_all(&mut *conn)
            .await
        }
        .expect("tables");
        let mut counts = BTreeMap::new();
        for t in tables {
            let n: i64 =
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {t}")))
                    .fetch_one(&mut *conn)
                    .await
                    .expect("count");
            counts.insert(t, n);
        }
        assert!(counts.contains_key("tasks"), "{counts:?}");
        counts
    }

    /// Moves the clock to 09:00 on `d`.
    pub fn set_day(&self, d: Date) {
        self.clock.set(morning(d));
    }

    pub async fn stop(mut self) {
        if let Some(conn) = self.inspector.get_mut().take() {
            let _ = conn.close().await;
        }
        if let Some(r) = self.running.take() {
            r.stop().await.expect("clean stop");
        }
        if let Some(db) = self.db.take() {
            db.drop_db().await;
        }
    }
}
