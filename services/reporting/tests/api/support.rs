//! A reporting service per test: in-process, on port 0, real mutual TLS with a PKI generated at
//! run time (`platform::testing`), a fresh SQLite file or PostgreSQL database, and a clock the
//! test moves.
use std::{collections::BTreeMap, sync::Arc};

use lienthong_api::reporting::v1::{
    AcceptReportRequest, GetReportRequest, IndicatorValue, Report, ReturnReportRequest,
    SaveDraftRequest, SubmitReportRequest, intake_service_client::IntakeServiceClient,
    reporting_service_client::ReportingServiceClient,
};
use lienthong_axis::{ManualClock, local::parse_date};
use lienthong_platform::{
    Identity,
    client::TracedChannel,
    config::ServerArgs,
    db::Backend,
    error::reason_of,
    shutdown::Shutdown,
    testing::{TestDb, TestPki, channel},
};
use lienthong_reporting::{
    app::Reporting,
    service::{ReportingArgs, RunningReporting, start_with_clock},
};
use sqlx::Connection;
use tonic::Code;
use tonic_types::StatusExt;

use lienthong_platform::testing_proxy::DbProxy;

/// Văn phòng UBND tỉnh (illustrative code): owner of the seeded regimes and of test regimes.
pub const OWNER: &str = "000.00.01.H48";
pub const H48: &str = "000.00.00.H48";
pub const G22: &str = "000.00.00.G22";
pub const STTTT: &str = "000.00.12.H48";
pub const SCT: &str = "000.00.09.H48";
pub const BINH_SON: &str = "000.00.53.H48";
pub const TTPV: &str = "000.01.01.H48";
/// A configured holiday: Monday 2026-03-16, so that the March 2026 period (cutoff Saturday
/// 2026-03-14, 2 working days) is due on Wednesday 2026-03-18.
pub const HOLIDAY: &str = "2026-03-16";

pub type Client = ReportingServiceClient<TracedChannel>;

pub struct TestService {
    service: Option<RunningReporting>,
    pki: TestPki,
    db: Option<TestDb>,
    /// The service's settings (its database among them).
    pub server: ServerArgs,
    pub url: String,
    pub clock: Arc<ManualClock>,
    /// Between the service and PostgreSQL, when asked for ([`spawn_proxied`]).
    pub proxy: Option<DbProxy>,
    /// The database as the tests read it directly (not through the proxy).
    db_url: String,
    /// The tests' own connection to the database, opened on first use.
    inspector: tokio::sync::Mutex<Option<sqlx::AnyConnection>>,
}

/// Noon of a day, Vietnam time.
fn set_noon(clock: &ManualClock, day: &str) {
    clock.set_local_noon(parse_date("day", day).expect("a test date"));
}

pub async fn spawn_service(backend: Backend) -> TestService {
    spawn(backend, false).await
}

/// A service whose PostgreSQL database is behind a [`DbProxy`] the test can stop (SQLite: no
/// proxy).
pub async fn spawn_proxied(backend: Backend) -> TestService {
    spawn(backend, true).await
}

async fn spawn(backend: Backend, proxied: bool) -> TestService {
    let pki = TestPki::new();
    let db = TestDb::new(backend).await;
    let holidays_file = pki.dir().join("holidays.txt");
    std::fs::write(&holidays_file, "# test calendar\n2026-02-16\n").expect("holidays");
    let mut server = pki.server_args(&Identity::Service("reporting".into()), "reporting", &db);
    let db_url = server.database_url("reporting");
    let proxy = match &db.url {
        Some(pg) if proxied => {
            let proxy = DbProxy::start(pg).await;
            server.database_url = Some(proxy.url(pg));
            Some(proxy)
        }
        _ => None,
    };
    let args = ReportingArgs {
        listen: "127.0.0.1:0".parse().expect("addr"),
        holidays_file: Some(holidays_file),
        holidays: HOLIDAY.into(),
        seed_agencies: None,
        no_seed_regimes: false,
        server: server.clone(),
    };
    let clock = Arc::new(ManualClock::default());
    set_noon(&clock, "2026-03-10");
    let service = start_with_clock(args, Shutdown::new(), clock.clone())
        .await
        .expect("service starts");
    let url = format!("https://127.0.0.1:{}", service.addr.port());
    TestService {
        service: Some(service),
        pki,
        db: Some(db),
        server,
        url,
        clock,
        proxy,
        db_url,
        inspector: tokio::sync::Mutex::default(),
    }
}

impl TestService {
    pub async fn channel(&self, id: &Identity) -> TracedChannel {
        channel(&self.url, &self.pki.files(id)).await
    }

    pub async fn client(&self, id: &Identity) -> Client {
        ReportingServiceClient::new(self.channel(id).await)
    }

    pub async fn agency(&self, code: &str) -> Client {
        self.client(&Identity::agency(code).expect("agency code"))
            .await
    }

    pub async fn intake(&self, id: &Identity) -> IntakeServiceClient<TracedChannel> {
        IntakeServiceClient::new(self.channel(id).await)
    }

    pub fn app(&self) -> &Arc<Reporting> {
        self.service.as_ref().expect("running").app()
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
        assert!(counts.contains_key("reports"), "{counts:?}");
        counts
    }

    /// Moves the service's clock to noon (local time) of a day.
    pub fn today_is(&self, day: &str) {
        set_noon(&self.clock, day);
    }

    pub async fn stop(mut self) {
        if let Some(conn) = self.inspector.get_mut().take() {
            let _ = conn.close().await;
        }
        if let Some(service) = self.service.take() {
            service.stop().await.expect("clean stop");
        }
        if let Some(db) = self.db.take() {
            db.drop_db().await;
        }
    }
}

pub fn values(pairs: &[(&str, &str)]) -> Vec<IndicatorValue> {
    pairs
        .iter()
        .map(|(c, v)| IndicatorValue {
            indicator_code: (*c).into(),
            value: (*v).into(),
            prefilled: false,
        })
        .collect()
}

pub async fn save(
    client: &mut Client,
    regime: &str,
    period: &str,
    pairs: &[(&str, &str)],
) -> Result<Report, tonic::Status> {
    client
        .save_draft(SaveDraftRequest {
            regime_code: regime.into(),
            period: period.into(),
            values: values(pairs),
        })
        .await
        .map(|r| r.into_inner().report.expect("report"))
}

pub async fn submit(
    client: &mut Client,
    regime: &str,
    period: &str,
) -> Result<Report, tonic::Status> {
    client
        .submit_report(SubmitReportRequest {
            regime_code: regime.into(),
            period: period.into(),
        })
        .await
        .map(|r| r.into_inner().report.expect("report"))
}

pub async fn get_report(
    client: &mut Client,
    regime: &str,
    period: &str,
    agency: &str,
) -> Result<Report, tonic::Status> {
    client
        .get_report(GetReportRequest {
            regime_code: regime.into(),
            period: period.into(),
            agency_code: agency.into(),
        })
        .await
        .map(|r| r.into_inner().report.expect("report"))
}

/// AcceptReport.
pub async fn accept(
    client: &mut Client,
    regime: &str,
    period: &str,
    agency: &str,
) -> Result<Report, tonic::Status> {
    client
        .accept_report(AcceptReportRequest {
            regime_code: regime.into(),
            period: period.into(),
            agency_code: agency.into(),
        })
        .await
        .map(|r| r.into_inner().report.expect("report"))
}

/// ReturnReport, with a reason.
pub async fn give_back(
    client: &mut Client,
    regime: &str,
    period: &str,
    agency: &str,
    reason: &str,
) -> Result<Report, tonic::Status> {
    client
        .return_report(ReturnReportRequest {
            regime_code: regime.into(),
            period: period.into(),
            agency_code: agency.into(),
            reason: reason.into(),
        })
        .await
        .map(|r| r.into_inner().report.expect("report"))
}

pub fn value_of(report: &Report, code: &str) -> (String, bool) {
    let v = report
        .values
        .iter()
        .find(|v| v.indicator_code == code)
        .unwrap_or_else(|| panic!("no value {code}"));
    (v.value.clone(), v.prefilled)
}

/// Refusals of the platform's authorization layer, in its own `ErrorInfo` domain.
const PLATFORM_REASONS: [&str; 4] = [
    "IDENTITY_NOT_ALLOWED",
    "SERVICE_NOT_SERVED",
    "NO_CLIENT_CERTIFICATE",
    "NO_IDENTITY",
];

/// The refusal of a call, checked: its code, its stable reason and the domain that gave it
/// (`reporting.lienthong`, or `lienthong` for the platform's authorization).
pub fn refused<T: std::fmt::Debug>(
    r: Result<T, tonic::Status>,
    code: Code,
    reason: &str,
) -> tonic::Status {
    let e = r.expect_err("the call must fail");
    assert_eq!(
        (e.code(), reason_of(&e).as_deref()),
        (code, Some(reason)),
        "{e:?}"
    );
    let domain = if PLATFORM_REASONS.contains(&reason) {
        "lienthong"
    } else {
        "reporting.lienthong"
    };
    let details = e.get_error_details();
    let info = details.error_info().expect("ErrorInfo");
    assert_eq!(info.domain, domain, "{e:?}");
    e
}

/// The fields a refusal's `BadRequest` names, in order.
pub fn violated_fields(e: &tonic::Status) -> Vec<String> {
    e.get_error_details()
        .bad_request()
        .map(|b| b.field_violations.iter().map(|v| v.field.clone()).collect())
        .unwrap_or_default()
}

/// The subject of a refusal's `PreconditionFailure` (FAILED_PRECONDITION only).
pub fn precondition_subject(e: &tonic::Status) -> String {
    let details = e.get_error_details();
    let failure = details.precondition_failure().expect("PreconditionFailure");
    assert_eq!(failure.violations.len(), 1, "{e:?}");
    failure.violations[0].subject.clone()
}
