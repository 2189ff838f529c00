//! A reporting service per test: in-process, on port 0, real mutual TLS with a PKI generated at
//! run time, a fresh SQLite file or PostgreSQL database, and a clock the test moves.
use std::sync::{Arc, Mutex};

use lienthong_api::reporting::v1::{
    IndicatorValue, SaveDraftRequest, SubmitReportRequest,
    intake_service_client::IntakeServiceClient, reporting_service_client::ReportingServiceClient,
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
use lienthong_reporting::{
    clock::ManualClock,
    service::{ReportingArgs, RunningReporting, start_with_clock},
};
use tempfile::TempDir;

pub const TRUST_DOMAIN: &str = "lienthong.test";
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

pub struct TestService {
    pub service: Option<RunningReporting>,
    pub _dir: TempDir,
    pub pki: Mutex<DevCa>,
    pub db: Option<TestDb>,
    pub url: String,
    pub clock: Arc<ManualClock>,
}

pub async fn spawn_service(backend: Backend) -> TestService {
    lienthong_platform::tls::install_crypto_provider();
    lienthong_platform::telemetry::install_propagator();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut pki = DevCa::init(&dir.path().join("pki"), TRUST_DOMAIN).expect("pki init");
    let files = pki
        .issue(&Identity::Service("reporting".into()), &[])
        .expect("service cert");
    let db = TestDb::new(backend).await;
    let holidays_file = dir.path().join("holidays.txt");
    std::fs::write(&holidays_file, "# test calendar\n2026-02-16\n").expect("holidays");
    let args = ReportingArgs {
        listen: "127.0.0.1:0".parse().expect("addr"),
        holidays_file: Some(holidays_file),
        holidays: HOLIDAY.into(),
        seed_agencies: None,
        no_seed_regimes: false,
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
    let clock = Arc::new(ManualClock::default());
    clock.set_local_noon("2026-03-10").expect("date");
    let service = start_with_clock(args, Shutdown::new(), clock.clone())
        .await
        .expect("service starts");
    let url = format!("https://127.0.0.1:{}", service.addr.port());
    TestService {
        service: Some(service),
        _dir: dir,
        pki: Mutex::new(pki),
        db: Some(db),
        url,
        clock,
    }
}

impl TestService {
    /// Certificate files for an identity, issued on first use.
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

    pub async fn client(&self, id: &Identity) -> ReportingServiceClient<TracedChannel> {
        ReportingServiceClient::new(self.channel(id).await)
    }

    pub async fn agency(&self, code: &str) -> ReportingServiceClient<TracedChannel> {
        self.client(&Identity::Agency(code.into())).await
    }

    pub async fn intake(&self, id: &Identity) -> IntakeServiceClient<TracedChannel> {
        IntakeServiceClient::new(self.channel(id).await)
    }

    /// Moves the service's clock to noon (local time) of a day.
    pub fn today_is(&self, day: &str) {
        self.clock.set_local_noon(day).expect("date");
    }

    pub async fn stop(mut self) {
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
    client: &mut ReportingServiceClient<TracedChannel>,
    regime: &str,
    period: &str,
    pairs: &[(&str, &str)],
) -> Result<lienthong_api::reporting::v1::Report, tonic::Status> {
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
    client: &mut ReportingServiceClient<TracedChannel>,
    regime: &str,
    period: &str,
) -> Result<lienthong_api::reporting::v1::Report, tonic::Status> {
    client
        .submit_report(SubmitReportRequest {
            regime_code: regime.into(),
            period: period.into(),
        })
        .await
        .map(|r| r.into_inner().report.expect("report"))
}
