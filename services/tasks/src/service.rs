//! Configuration and start-up of the tasks service.
use std::{net::SocketAddr, sync::Arc, time::Duration};

use clap::Parser;
use lienthong_api::tasks::v1::{
    task_intake_service_server::TaskIntakeServiceServer, task_service_server::TaskServiceServer,
    task_statistics_service_server::TaskStatisticsServiceServer,
};
use lienthong_platform::{
    Identity,
    authz::{Policy, agency, service},
    config::ServerArgs,
    db,
    server::{self, ServeOptions, ServerError},
    shutdown::Shutdown,
    tls::{ReloadableServerConfig, TlsError},
};
use thiserror::Error;
use tokio::net::TcpListener;

use crate::{
    app::Tasks,
    clock::{Clock, SystemClock},
    grpc::{IntakeApi, StatisticsApi, TaskApi},
    notify::Notifier,
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
    #[error(transparent)]
    Server(#[from] ServerError),
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

/// A running Tasks service.
pub type RunningTasks = lienthong_platform::server::Running<Tasks>;

fn secs(v: f64, fallback: f64) -> Duration {
    Duration::try_from_secs_f64(v)
        .ok()
        .filter(|d| !d.is_zero())
        .unwrap_or_else(|| Duration::from_secs_f64(fallback))
}

/// Starts the service on the system clock.
pub async fn start(args: TasksArgs, shutdown: Shutdown) -> Result<RunningTasks, StartError> {
    start_with_clock(args, shutdown, Arc::new(SystemClock)).await
}

/// Starts the service on the given clock (tests use a manual one).
pub async fn start_with_clock(
    args: TasksArgs,
    shutdown: Shutdown,
    clock: Arc<dyn Clock>,
) -> Result<RunningTasks, StartError> {
    let tls = ReloadableServerConfig::load(args.server.tls_files())?;
    if args.server.tls_crl.is_none() {
        tracing::warn!(
            "no CRL configured (LIENTHONG_TLS_CRL): revoked certificates will be accepted"
        );
    }
    let url = args.server.database_url("tasks");
    let pool = db::connect(&url, &MIGRATOR, args.server.db_pool_size).await?;
    let app = Arc::new(Tasks {
        pool: pool.clone(),
        notifier: Notifier::default(),
        clock,
        near_window_days: args.near_deadline_days,
    });

    let listener = TcpListener::bind(args.listen)
        .await
        .map_err(|e| StartError::Listen(args.listen, e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::Listen(args.listen, e))?;

    let mut routes = tonic::service::Routes::builder();
    routes.add_service(TaskServiceServer::new(TaskApi::new(
        app.clone(),
        shutdown.clone(),
    )));
    routes.add_service(TaskIntakeServiceServer::new(IntakeApi::new(app.clone())));
    routes.add_service(TaskStatisticsServiceServer::new(StatisticsApi::new(
        app.clone(),
    )));
    const SERVICES: &[&str] = &[
        "lienthong.tasks.v1.TaskService",
        "lienthong.tasks.v1.TaskIntakeService",
        "lienthong.tasks.v1.TaskStatisticsService",
    ];
    server::add_standard_services(
        &mut routes,
        pool,
        SERVICES,
        &[lienthong_api::FILE_DESCRIPTOR_SET],
        shutdown.clone(),
    )
    .await?;

    // The sweeper raises near-deadline and overdue events as the clock passes them.
    let sweeper = {
        let app = app.clone();
        let shutdown = shutdown.clone();
        let interval = secs(args.sweep_secs, 60.0);
        tokio::spawn(async move {
            loop {
                match app.sweep().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(events = n, "deadline events raised"),
                    Err(e) => tracing::warn!(error = %e, "deadline sweep failed; will retry"),
                }
                tokio::select! {
                    _ = tokio::time::sleep(interval) => {}
                    _ = shutdown.wait() => return,
                }
            }
        })
    };
    let pusher = args.reporting_endpoint.clone().map(|endpoint| {
        tracing::info!(%endpoint, "pushing task statistics to the reporting service");
        tokio::spawn(crate::push::run(
            app.clone(),
            endpoint,
            args.server.client_tls_files(),
            secs(args.stats_push_secs, 60.0),
            shutdown.clone(),
        ))
    });

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
        sweeper.abort();
        if let Some(p) = pusher {
            p.abort();
        }
        result
    });
    tracing::info!(%addr, database = %lienthong_platform::db::redact_url(&url), near_deadline_days = args.near_deadline_days, "tasks service listening (mTLS)");
    Ok(lienthong_platform::server::Running::new(
        addr, shutdown, app, task,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_rules() {
        let p = policy("t");
        let a = Identity::Agency("000.00.00.H48".into());
        let s = Identity::Service("exchange".into());
        let ad = Identity::Admin("ops".into());
        assert!(
            p.check("/lienthong.tasks.v1.TaskService/CreateTask", &a)
                .is_ok()
        );
        assert!(
            p.check("/lienthong.tasks.v1.TaskService/CreateTask", &s)
                .is_err()
        );
        assert!(
            p.check("/lienthong.tasks.v1.TaskService/CreateTask", &ad)
                .is_err()
        );
        assert!(
            p.check("/lienthong.tasks.v1.TaskService/ListTasks", &ad)
                .is_ok()
        );
        assert!(
            p.check("/lienthong.tasks.v1.TaskService/ListTasks", &s)
                .is_err()
        );
        assert!(
            p.check(
                "/lienthong.tasks.v1.TaskIntakeService/CreateTaskFromDocument",
                &s
            )
            .is_ok()
        );
        assert!(
            p.check(
                "/lienthong.tasks.v1.TaskIntakeService/CreateTaskFromDocument",
                &a
            )
            .is_err()
        );
        assert!(
            p.check(
                "/lienthong.tasks.v1.TaskStatisticsService/GetTaskStatistics",
                &s
            )
            .is_ok()
        );
        assert!(
            p.check(
                "/lienthong.tasks.v1.TaskStatisticsService/GetTaskStatistics",
                &a
            )
            .is_err()
        );
    }
}
