//! Configuration and start-up of the reporting service.
use std::{net::SocketAddr, path::PathBuf, sync::Arc};

use clap::Parser;
use lienthong_api::reporting::v1::{
    intake_service_server::IntakeServiceServer, reporting_service_server::ReportingServiceServer,
};
use lienthong_platform::{
    Identity,
    authz::{Policy, agency, anyone, service},
    config::ServerArgs,
    db,
    server::{self, ServeOptions, ServerError},
    shutdown::Shutdown,
    tls::{ReloadableServerConfig, TlsError},
};
use serde::Deserialize;
use thiserror::Error;
use tokio::net::TcpListener;

use crate::{
    app::Reporting,
    clock::{Clock, SystemClock},
    domain::Holidays,
    error::ReportingError,
    grpc::{IntakeApi, ReportingApi},
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The agencies known at start, built into the binary (`seed/agencies.json`).
pub const BUILTIN_AGENCIES: &str = include_str!("../seed/agencies.json");
/// The holidays built into the binary (`seed/holidays.txt`).
pub const BUILTIN_HOLIDAYS: &str = include_str!("../seed/holidays.txt");

/// `lienthong-reporting`: the reporting service.
#[derive(Parser, Clone, Debug)]
#[command(name = "lienthong-reporting", version, about)]
pub struct ReportingArgs {
    /// Address to listen on (mutual TLS only; there is no plaintext port).
    #[arg(
        long,
        env = "LIENTHONG_REPORTING_LISTEN",
        default_value = "127.0.0.1:7445"
    )]
    pub listen: SocketAddr,

    /// File of holidays (not working days besides weekends): dates yyyy-MM-dd, one per line or
    /// separated by commas, '#' comments. Default: the built-in list (2025–2026).
    #[arg(long, env = "LIENTHONG_HOLIDAYS_FILE")]
    pub holidays_file: Option<PathBuf>,

    /// More holidays, comma-separated yyyy-MM-dd, added to the file's (or the built-in) list.
    #[arg(long, env = "LIENTHONG_HOLIDAYS", default_value = "")]
    pub holidays: String,

    /// JSON file of agencies known at start ([{"code": ..., "name": ...}]): the expected
    /// submitters of regimes whose submitters are a pattern. Default: the built-in seed.
    #[arg(long, env = "LIENTHONG_REPORTING_AGENCIES")]
    pub seed_agencies: Option<PathBuf>,

    /// Do not create the built-in regimes (KH61, AXIS-MONTHLY) at start.
    #[arg(long, env = "LIENTHONG_REPORTING_NO_SEED")]
    pub no_seed_regimes: bool,

    #[command(flatten)]
    pub server: ServerArgs,
}

#[derive(Debug, Error)]
pub enum StartError {
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error("cannot listen on {0}: {1}")]
    Listen(SocketAddr, std::io::Error),
    #[error("holidays {0}: {1}")]
    Holidays(String, String),
    #[error("seed {0}: {1}")]
    Seed(String, String),
    #[error(transparent)]
    Server(#[from] ServerError),
}

/// Agencies or admins.
fn agency_or_admin(id: &Identity) -> bool {
    matches!(id, Identity::Agency(_) | Identity::Admin(_))
}

/// Who may call what on the reporting service. Everything not listed is refused; record-level
/// rules (the submitter edits its report, the owner accepts and returns) are in [`crate::app`].
pub fn policy(trust_domain: &str) -> Policy {
    const S: &str = "/lienthong.reporting.v1.ReportingService/";
    Policy::new(trust_domain)
        .with_standard_services()
        .allow(
            "/lienthong.reporting.v1.IntakeService/",
            service,
            "services",
        )
        .allow(
            "/lienthong.reporting.v1.ReportingService/CreateRegime",
            agency_or_admin,
            "agencies (as owner) and admins",
        )
        .allow(
            "/lienthong.reporting.v1.ReportingService/GetRegime",
            anyone,
            "any identity",
        )
        .allow(
            "/lienthong.reporting.v1.ReportingService/ListRegimes",
            anyone,
            "any identity",
        )
        .allow(
            "/lienthong.reporting.v1.ReportingService/ListPeriods",
            anyone,
            "any identity",
        )
        .allow(
            "/lienthong.reporting.v1.ReportingService/SaveDraft",
            agency,
            "agencies (submitters)",
        )
        .allow(
            "/lienthong.reporting.v1.ReportingService/SubmitReport",
            agency,
            "agencies (submitters)",
        )
        .allow(
            "/lienthong.reporting.v1.ReportingService/AcceptReport",
            agency,
            "agencies (the regime's owner)",
        )
        .allow(
            "/lienthong.reporting.v1.ReportingService/ReturnReport",
            agency,
            "agencies (the regime's owner)",
        )
        .allow(S, agency_or_admin, "agencies and admins")
}

#[derive(Deserialize)]
struct SeedAgency {
    code: String,
    name: String,
}

fn parse_agencies(origin: &str, json: &str) -> Result<Vec<(String, String)>, StartError> {
    let seeds: Vec<SeedAgency> =
        serde_json::from_str(json).map_err(|e| StartError::Seed(origin.into(), e.to_string()))?;
    for s in &seeds {
        if !crate::domain::is_agency_code(&s.code) {
            return Err(StartError::Seed(
                origin.into(),
                format!("{:?} is not an agency code DDD.CC.BB.Axx", s.code),
            ));
        }
    }
    Ok(seeds.into_iter().map(|s| (s.code, s.name)).collect())
}

/// The holidays in force: the file (or the built-in list) plus the extra dates.
pub fn load_holidays(args: &ReportingArgs) -> Result<Holidays, StartError> {
    let (origin, text) = match &args.holidays_file {
        Some(path) => (
            path.display().to_string(),
            std::fs::read_to_string(path)
                .map_err(|e| StartError::Holidays(path.display().to_string(), e.to_string()))?,
        ),
        None => ("built-in list".to_string(), BUILTIN_HOLIDAYS.to_string()),
    };
    let mut holidays = Holidays::parse(&text).map_err(|e| StartError::Holidays(origin, e))?;
    let extra = Holidays::parse(&args.holidays)
        .map_err(|e| StartError::Holidays("LIENTHONG_HOLIDAYS".into(), e))?;
    holidays.0.extend(extra.0);
    Ok(holidays)
}

/// A running Reporting service.
pub type RunningReporting = lienthong_platform::server::Running<Reporting>;

/// Starts the service on the system clock.
pub async fn start(
    args: ReportingArgs,
    shutdown: Shutdown,
) -> Result<RunningReporting, StartError> {
    start_with_clock(args, shutdown, Arc::new(SystemClock)).await
}

/// Opens the database, seeds agencies and regimes, and starts serving; `clock` is where the
/// service reads "now" (tests move it).
pub async fn start_with_clock(
    args: ReportingArgs,
    shutdown: Shutdown,
    clock: Arc<dyn Clock>,
) -> Result<RunningReporting, StartError> {
    let holidays = load_holidays(&args)?;
    let tls = ReloadableServerConfig::load(args.server.tls_files())?;
    if args.server.tls_crl.is_none() {
        tracing::warn!(
            "no CRL configured (LIENTHONG_TLS_CRL): revoked certificates will be accepted"
        );
    }
    let url = args.server.database_url("reporting");
    let pool = db::connect(&url, &MIGRATOR, args.server.db_pool_size).await?;
    let app = Arc::new(Reporting {
        pool: pool.clone(),
        clock,
        holidays,
    });

    let agencies = match &args.seed_agencies {
        Some(path) => {
            let json = std::fs::read_to_string(path)
                .map_err(|e| StartError::Seed(path.display().to_string(), e.to_string()))?;
            parse_agencies(&path.display().to_string(), &json)?
        }
        None => parse_agencies("built-in agencies", BUILTIN_AGENCIES)?,
    };
    let seed_err = |e: ReportingError| StartError::Seed("seed".into(), e.to_string());
    let added_agencies = app.seed_agencies(&agencies).await.map_err(seed_err)?;
    let added_regimes = if args.no_seed_regimes {
        0
    } else {
        app.seed_regimes(&crate::seed::regimes())
            .await
            .map_err(seed_err)?
    };

    let listener = TcpListener::bind(args.listen)
        .await
        .map_err(|e| StartError::Listen(args.listen, e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::Listen(args.listen, e))?;

    let mut routes = tonic::service::Routes::builder();
    routes.add_service(ReportingServiceServer::new(ReportingApi::new(app.clone())));
    routes.add_service(IntakeServiceServer::new(IntakeApi::new(app.clone())));
    const SERVICES: &[&str] = &[
        "lienthong.reporting.v1.ReportingService",
        "lienthong.reporting.v1.IntakeService",
    ];
    server::add_standard_services(
        &mut routes,
        pool,
        SERVICES,
        &[lienthong_api::FILE_DESCRIPTOR_SET],
        shutdown.clone(),
    )
    .await?;

    let reloader = tls.spawn_reloader(args.server.tls_reload_interval());
    let options = ServeOptions {
        tls,
        policy: policy(&args.server.trust_domain),
        max_connection_age: args.server.max_connection_age(),
        shutdown: shutdown.clone(),
        shutdown_grace: args.server.shutdown_grace(),
    };
    let routes = routes.routes();
    let task = tokio::spawn(async move {
        let result = server::serve(listener, routes, options).await;
        reloader.abort();
        result
    });
    tracing::info!(
        %addr,
        database = %lienthong_platform::db::redact_url(&url),
        agencies_added = added_agencies,
        regimes_added = added_regimes,
        "reporting service listening (mTLS)"
    );
    Ok(lienthong_platform::server::Running::new(
        addr, shutdown, app, task,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_by_identity_kind() {
        let p = policy("t");
        let agency = Identity::Agency("000.00.12.H48".into());
        let svc = Identity::Service("exchange".into());
        let admin = Identity::Admin("ops".into());
        let push = "/lienthong.reporting.v1.IntakeService/PushStatistics";
        assert!(p.check(push, &svc).is_ok());
        assert!(p.check(push, &agency).is_err());
        assert!(p.check(push, &admin).is_err());
        let submit = "/lienthong.reporting.v1.ReportingService/SubmitReport";
        assert!(p.check(submit, &agency).is_ok());
        assert!(p.check(submit, &svc).is_err());
        assert!(p.check(submit, &admin).is_err());
        let list = "/lienthong.reporting.v1.ReportingService/ListRegimes";
        assert!(p.check(list, &svc).is_ok());
        let compliance = "/lienthong.reporting.v1.ReportingService/GetCompliance";
        assert!(p.check(compliance, &admin).is_ok());
        assert!(p.check(compliance, &svc).is_err());
    }

    #[test]
    fn built_in_seeds_parse() {
        assert!(parse_agencies("built-in", BUILTIN_AGENCIES).is_ok());
        assert!(Holidays::parse(BUILTIN_HOLIDAYS).is_ok());
    }
}
