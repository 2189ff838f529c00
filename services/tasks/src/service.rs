//! Configuration and start-up of the tasks service: [`Boot`] (TLS, database, listener) → the
//! state → the background work (deadline sweeper, statistics pusher) → the gRPC services.
use std::{net::SocketAddr, sync::Arc, time::Duration};

use clap::Parser;
use lienthong_api::tasks::v1::{
    task_intake_service_server::TaskIntakeServiceServer, task_service_server::TaskServiceServer,
    task_statistics_service_server::TaskStatisticsServiceServer,
};
use lienthong_axis::clock::{SharedClock, system_clock};
use lienthong_platform::{
    Identity,
    authz::{Policy, agency, service},
    config::ServerArgs,
    db::DbError,
    error::chain,
    paging::PageTokens,
    server::{Boot, Router, Running, StartError},
    shutdown::Shutdown,
    statistics,
};

use crate::{
    app::{DEFAULT_MAX_STREAMS_PER_AGENCY, Tasks, run_gauges, run_sweeper},
    grpc::{IntakeApi, StatisticsApi, TaskApi},
    outbound::{TaskStatistics, reporting_client},
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// `lienthong-tasks`: the task-tracking service.
#[derive(Parser, Clone, Debug)]
#[command(name = "lienthong-tasks", version, about)]
pub struct TasksArgs {
    /// Address to listen on (mutual TLS only; there is no plaintext port).
    #[arg(long, env = "LIENTHONG_TASKS_LISTEN", default_value = "127.0.0.1:7444")]
    pub listen: SocketAddr,

    /// A task is near its deadline from this many days before the deadline day.
    #[arg(long, env = "LIENTHONG_TASKS_NEAR_DEADLINE_DAYS", default_value_t = 3)]
    pub near_deadline_days: u32,

    /// How often near-deadline and overdue events are looked for, in seconds.
    #[arg(long, env = "LIENTHONG_TASKS_SWEEP_SECS", default_value_t = 60.0)]
    pub sweep_secs: f64,

    /// The reporting service (https://host:port) to push daily task statistics to; unset: no push.
    #[arg(long, env = "LIENTHONG_REPORTING_ENDPOINT")]
    pub reporting_endpoint: Option<String>,

    /// How often statistics are pushed to the reporting service, in seconds.
    #[arg(long, env = "LIENTHONG_STATS_PUSH_SECS", default_value_t = 60.0)]
    pub stats_push_secs: f64,

    /// Most `WatchTaskEvents` streams one agency holds open at a time; beyond,
    /// RESOURCE_EXHAUSTED (`TOO_MANY_STREAMS`) until one of them ends.
    #[arg(
        long,
        env = "LIENTHONG_MAX_STREAMS_PER_AGENCY",
        default_value_t = DEFAULT_MAX_STREAMS_PER_AGENCY
    )]
    pub max_streams_per_agency: usize,

    #[command(flatten)]
    pub server: ServerArgs,
}

fn agency_or_admin(id: &Identity) -> bool {
    matches!(id, Identity::Agency(_) | Identity::Admin(_))
}

fn service_or_admin(id: &Identity) -> bool {
    matches!(id, Identity::Service(_) | Identity::Admin(_))
}

/// Who may call what on the tasks service. Everything not listed is refused.
pub fn policy(trust_domain: &str) -> Policy {
    Policy::new(trust_domain)
        .with_standard_services()
        .allow("/lienthong.tasks.v1.TaskService/", agency, "agencies")
        .allow(
            "/lienthong.tasks.v1.TaskService/GetTask",
            agency_or_admin,
            "agencies and admins",
        )
        .allow(
            "/lienthong.tasks.v1.TaskService/ListTasks",
            agency_or_admin,
            "agencies and admins",
        )
        .allow(
            "/lienthong.tasks.v1.TaskIntakeService/",
            service,
            "service identities",
        )
        .allow(
            "/lienthong.tasks.v1.TaskStatisticsService/",
            service_or_admin,
            "service identities and admins",
        )
}

/// A running tasks service.
pub type RunningTasks = Running<Tasks>;

/// A positive number of seconds, or the fallback.
fn secs(v: f64, fallback: f64) -> Duration {
    Duration::try_from_secs_f64(v)
        .ok()
        .filter(|d| !d.is_zero())
        .unwrap_or_else(|| Duration::from_secs_f64(fallback))
}

/// Starts the service on the system clock.
pub async fn start(args: TasksArgs, shutdown: Shutdown) -> Result<RunningTasks, StartError> {
    start_with_clock(args, shutdown, system_clock()).await
}

/// Starts the service on the given clock (tests use a manual one).
pub async fn start_with_clock(
    args: TasksArgs,
    shutdown: Shutdown,
    clock: SharedClock,
) -> Result<RunningTasks, StartError> {
    let boot = Boot::open("tasks", &args.server, args.listen, &MIGRATOR, shutdown).await?;
    // The page-token key, created at first start (the platform's StartError has no variant for
    // it: a failure reads as a database one).
    let tokens = PageTokens::load(boot.pool()).await.map_err(|e| {
        let what = format!("reading the page-token key: {}", chain(&e));
        StartError::Db(DbError::Connect(sqlx::Error::Configuration(what.into())))
    })?;
    let app = Arc::new(
        Tasks::new(
            boot.db().clone(),
            clock,
            args.near_deadline_days,
            boot.shutdown().clone(),
            tokens,
        )
        .with_max_streams_per_agency(args.max_streams_per_agency),
    );
    tracing::info!(
        near_deadline_days = args.near_deadline_days,
        max_streams_per_agency = args.max_streams_per_agency,
        "tasks service configured"
    );

    // The sweeper raises near-deadline and overdue events as the clock passes them.
    boot.tasks().spawn(
        "deadline sweeper",
        run_sweeper(app.clone(), secs(args.sweep_secs, 60.0)),
    );
    // The gauge of tasks by bucket reports counts kept fresh by this task.
    boot.tasks()
        .spawn("task gauges", run_gauges(app.clone(), GAUGE_REFRESH));
    if let Some(endpoint) = &args.reporting_endpoint {
        tracing::info!(%endpoint, "pushing task statistics to the reporting service");
        boot.tasks().spawn(
            "statistics push",
            statistics::run(
                Arc::new(TaskStatistics::new(app.clone())),
                reporting_client(endpoint, &boot.client_files())?,
                secs(args.stats_push_secs, 60.0),
                boot.shutdown().clone(),
            ),
        );
    }

    let router = Router::new()
        .serve(TaskServiceServer::new(TaskApi::new(app.clone())))
        .serve(TaskIntakeServiceServer::new(IntakeApi::new(app.clone())))
        .serve(TaskStatisticsServiceServer::new(StatisticsApi::new(
            app.clone(),
        )));
    boot.serve(
        app,
        router,
        policy(&args.server.trust_domain),
        &[lienthong_api::tasks::v1::FILE_DESCRIPTOR_SET],
    )
    .await
}

/// How often the gauge of tasks by bucket is recounted.
const GAUGE_REFRESH: std::time::Duration = std::time::Duration::from_secs(15);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_rules() {
        let p = policy("t");
        let a = Identity::agency("000.00.00.H48").unwrap();
        let s = Identity::Service("exchange".into());
        let ad = Identity::Admin("ops".into());
        let task = |m: &str| format!("/lienthong.tasks.v1.TaskService/{m}");
        assert!(p.check(&task("CreateTask"), &a).is_ok());
        assert!(p.check(&task("CreateTask"), &s).is_err());
        assert!(p.check(&task("CreateTask"), &ad).is_err());
        assert!(p.check(&task("ListTasks"), &ad).is_ok());
        assert!(p.check(&task("GetTask"), &ad).is_ok());
        assert!(p.check(&task("ListTasks"), &s).is_err());
        let intake = "/lienthong.tasks.v1.TaskIntakeService/CreateTaskFromDocument";
        assert!(p.check(intake, &s).is_ok());
        assert!(p.check(intake, &a).is_err());
        let stats = "/lienthong.tasks.v1.TaskStatisticsService/GetTaskStatistics";
        assert!(p.check(stats, &s).is_ok());
        assert!(p.check(stats, &ad).is_ok());
        assert!(p.check(stats, &a).is_err());
    }
}
