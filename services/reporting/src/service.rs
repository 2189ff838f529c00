//! Configuration (flags and `LIENTHONG_*` variables), the authorization policy, and the start
//! of the reporting service: [`Boot`] (TLS, database, listener) → seeds → [`Reporting`] →
//! routes → serve.
use std::{net::SocketAddr, path::PathBuf, sync::Arc};

use clap::Parser;
use lienthong_api::reporting::v1::{
    intake_service_server::IntakeServiceServer, reporting_service_server::ReportingServiceServer,
};
use lienthong_axis::{AgencyCode, clock::SharedClock};
use lienthong_platform::{
    Identity,
    authz::{Policy, agency, anyone, service},
    clock::system_clock,
    config::ServerArgs,
    error::InfraError,
    paging::PageTokens,
    server::{self, Boot, Router, Running},
    shutdown::Shutdown,
};
use serde::Deserialize;
use thiserror::Error;

use crate::{
    app::Reporting,
    domain::{periods::Holidays, seed},
    error::ReportingError,
    grpc::{IntakeApi, ReportingApi},
    store,
};

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

/// Why the service did not start.
#[derive(Debug, Error)]
pub enum StartError {
    /// TLS, database, listener or server.
    #[error(transparent)]
    Boot(#[from] server::StartError),
    #[error("holidays {0}: {1}")]
    Holidays(String, String),
    #[error("seed {0}: {1}")]
    Seed(String, String),
    /// The key that signs page tokens could not be read or created.
    #[error("page-token key: {0}")]
    PageTokens(#[source] InfraError),
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

fn parse_agencies(origin: &str, json: &str) -> Result<Vec<(AgencyCode, String)>, StartError> {
    let seeds: Vec<SeedAgency> =
        serde_json::from_str(json).map_err(|e| StartError::Seed(origin.into(), e.to_string()))?;
    seeds
        .into_iter()
        .map(|s| match AgencyCode::parse("code", &s.code) {
            Ok(code) => Ok((code, s.name)),
            Err(_) => Err(StartError::Seed(
                origin.into(),
                format!("{:?} is not an agency code DDD.CC.BB.Axx", s.code),
            )),
        })
        .collect()
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
    holidays.extend(extra);
    Ok(holidays)
}

/// A running reporting service.
pub type RunningReporting = Running<Reporting>;

/// Starts the service on the system clock.
pub async fn start(
    args: ReportingArgs,
    shutdown: Shutdown,
) -> Result<RunningReporting, StartError> {
    start_with_clock(args, shutdown, system_clock()).await
}

/// The agencies known at start: the file, or the built-in seed.
fn seed_agencies(args: &ReportingArgs) -> Result<Vec<(AgencyCode, String)>, StartError> {
    match &args.seed_agencies {
        Some(path) => {
            let origin = path.display().to_string();
            let json = std::fs::read_to_string(path)
                .map_err(|e| StartError::Seed(origin.clone(), e.to_string()))?;
            parse_agencies(&origin, &json)
        }
        None => parse_agencies("built-in agencies", BUILTIN_AGENCIES),
    }
}

/// Opens the database, seeds agencies and regimes, and starts serving; `clock` is where the
/// service reads "now" (tests move it).
pub async fn start_with_clock(
    args: ReportingArgs,
    shutdown: Shutdown,
    clock: SharedClock,
) -> Result<RunningReporting, StartError> {
    let holidays = load_holidays(&args)?;
    let agencies = seed_agencies(&args)?;
    let boot = Boot::open(
        "reporting",
        &args.server,
        args.listen,
        &store::MIGRATOR,
        shutdown,
    )
    .await?;
    let tokens = PageTokens::load(boot.pool())
        .await
        .map_err(StartError::PageTokens)?;
    let app = Arc::new(Reporting::new(boot.db().clone(), clock, holidays, tokens));

    let seed_err = |e: ReportingError| StartError::Seed("seed".into(), e.to_string());
    let agencies_added = app.seed_agencies(&agencies).await.map_err(seed_err)?;
    let regimes_added = if args.no_seed_regimes {
        0
    } else {
        app.seed_regimes(&seed::regimes()).await.map_err(seed_err)?
    };
    tracing::info!(agencies_added, regimes_added, "reporting seeds in place");

    // The gauge of reports by state reports counts kept fresh by this task.
    boot.tasks().spawn(
        "report gauges",
        crate::app::run_gauges(app.clone(), GAUGE_REFRESH),
    );

    let router = Router::new()
        .serve(ReportingServiceServer::new(ReportingApi::new(app.clone())))
        .serve(IntakeServiceServer::new(IntakeApi::new(app.clone())));
    let policy = policy(&args.server.trust_domain);
    Ok(boot
        .serve(
            app,
            router,
            policy,
            &[lienthong_api::reporting::v1::FILE_DESCRIPTOR_SET],
        )
        .await?)
}

/// How often the gauge of reports by state is recounted.
const GAUGE_REFRESH: std::time::Duration = std::time::Duration::from_secs(15);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_by_identity_kind() {
        let p = policy("t");
        let agency = Identity::agency("000.00.12.H48").expect("agency");
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
        assert!(parse_agencies("x", r#"[{"code": "H48", "name": "x"}]"#).is_err());
        assert!(Holidays::parse(BUILTIN_HOLIDAYS).is_ok());
    }
}
