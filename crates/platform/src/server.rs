//! Serving gRPC over mutual TLS: our own TLS accept loop (for CRLs and hot reload) feeding
//! tonic, with authorization, trace context, health, reflection and graceful shutdown.
//!
//! Every service starts the same way, through [`Boot`]:
//! ```ignore
//! let boot = Boot::open("tasks", &args.server, args.listen, &MIGRATOR, shutdown).await?;
//! let app = Arc::new(Tasks::new(boot.pool().clone(), clock));
//! boot.tasks().spawn("sweeper", sweeper(app.clone()));
//! let router = Router::new().serve(TaskServiceServer::new(TaskApi::new(app.clone())));
//! boot.serve(app, router, policy(&args.server.trust_domain), DESCRIPTORS).await
//! ```
use std::{convert::Infallible, net::SocketAddr, sync::Arc, time::Duration};

use sqlx::{AnyPool, migrate::Migrator};
use thiserror::Error;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{
    body::Body,
    server::NamedService,
    service::{Routes, RoutesBuilder},
};
use tonic_health::{ServingStatus, server::HealthReporter};
use tower::Service;

use crate::{
    authz::{AuthLayer, Policy},
    config::ServerArgs,
    connections::Connections,
    db,
    shutdown::{Shutdown, Tasks},
    telemetry,
    tls::{ReloadableServerConfig, TlsError, TlsFiles},
};

#[derive(Debug, Error)]
pub enum StartError {
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error("cannot listen on {0}: {1}")]
    Listen(SocketAddr, #[source] std::io::Error),
    #[error("gRPC server: {0}")]
    Transport(#[from] tonic::transport::Error),
    #[error("reflection: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    #[error(transparent)]
    Client(#[from] crate::client::ClientError),
    /// A start-up step on the database (seeding, the page-token key) failed.
    #[error("start-up: {0}")]
    Infra(#[from] crate::error::InfraError),
}

/// The gRPC services one server serves, with their names (for health and reflection).
pub struct Router {
    routes: RoutesBuilder,
    names: Vec<&'static str>,
}

impl Default for Router {
    fn default() -> Self {
        Self::new()
    }
}

impl Router {
    pub fn new() -> Self {
        Router {
            routes: Routes::builder(),
            names: Vec::new(),
        }
    }

    /// Serves a generated `…Server`; its full name is reported by health and reflection.
    pub fn serve<S>(mut self, svc: S) -> Self
    where
        S: Service<http::Request<Body>, Error = Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Response: axum::response::IntoResponse,
        S::Future: Send + 'static,
    {
        self.names.push(S::NAME);
        self.routes.add_service(svc);
        self
    }

    /// The full names of the services added so far.
    pub fn names(&self) -> &[&'static str] {
        &self.names
    }
}

/// A service being started: its settings read, TLS loaded, database open and migrated, listener
/// bound. The service builds its state on [`Boot::pool`], spawns its background work on
/// [`Boot::tasks`], then calls [`Boot::serve`].
pub struct Boot {
    name: &'static str,
    server: ServerArgs,
    pool: AnyPool,
    db: db::Db,
    tasks: Tasks,
    tls: Arc<ReloadableServerConfig>,
    listener: TcpListener,
    addr: SocketAddr,
}

impl Boot {
    /// Loads TLS (every file named in its error), opens and migrates `<name>`'s database and
    /// binds `listen`.
    pub async fn open(
        name: &'static str,
        server: &ServerArgs,
        listen: SocketAddr,
        migrator: &'static Migrator,
        shutdown: Shutdown,
    ) -> Result<Boot, StartError> {
        let tls = ReloadableServerConfig::load(server.tls_files())?;
        if server.tls_crl.is_none() {
            tracing::warn!(
                "no CRL configured (LIENTHONG_TLS_CRL): revoked certificates will be accepted"
            );
        }
        let url = server.database_url(name);
        let pool = db::connect(&url, migrator, server.db_pool_size).await?;
        let listener = TcpListener::bind(listen)
            .await
            .map_err(|e| StartError::Listen(listen, e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| StartError::Listen(listen, e))?;
        tracing::info!(service = name, database = %db::redact_url(&url), "database ready");
        Ok(Boot {
            name,
            server: server.clone(),
            db: db::Db::new(pool.clone()),
            pool,
            tasks: Tasks::new(shutdown),
            tls,
            listener,
            addr,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The database with its health: use its `acquire`/`begin`, which fail fast while the
    /// database is known to be down (the health watcher keeps that knowledge fresh).
    pub fn db(&self) -> &db::Db {
        &self.db
    }

    /// Background tasks, stopped and awaited when the service stops.
    pub fn tasks(&self) -> &Tasks {
        &self.tasks
    }

    pub fn shutdown(&self) -> &Shutdown {
        self.tasks.shutdown()
    }

    /// The identity this service presents when it calls other services.
    pub fn client_files(&self) -> TlsFiles {
        self.server.client_tls_files()
    }

    /// The identity this service presents as a server (hubs call each other with it).
    pub fn server_files(&self) -> TlsFiles {
        self.server.tls_files()
    }

    /// Adds health (following the database) and reflection for `router`'s services, and serves
    /// until shutdown.
    pub async fn serve<A: Send + Sync + 'static>(
        self,
        app: Arc<A>,
        router: Router,
        policy: Policy,
        descriptor_sets: &[&'static [u8]],
    ) -> Result<Running<A>, StartError> {
        let Boot {
            name,
            server,
            pool: _,
            db,
            tasks,
            tls,
            listener,
            addr,
        } = self;
        let Router { mut routes, names } = router;
        let names: Arc<[&'static str]> = names.into();
        let (reporter, health) = tonic_health::server::health_reporter();
        // The first check runs before the server starts, so that a health probe never finds
        // the services unknown.
        let first = check_database(&db, tasks.shutdown()).await;
        set_all(&reporter, &names, first).await;
        tasks.spawn_graceful(watch_database(
            reporter,
            db.clone(),
            names.clone(),
            tasks.shutdown().clone(),
            first,
        ));
        routes.add_service(health);
        add_reflection(&mut routes, &names, descriptor_sets)?;
        let connections = Connections::new(server.max_connections);
        tasks.spawn(
            "tls reload",
            reload_tls(
                tls.clone(),
                connections.clone(),
                server.tls_reload_interval(),
            ),
        );

        let options = ServeOptions {
            tls,
            policy: policy.serving(&names),
            max_connection_age: server.max_connection_age(),
            shutdown: tasks.shutdown().clone(),
            shutdown_grace: server.shutdown_grace(),
            connections,
            max_streams_per_connection: server.max_streams_per_connection,
        };
        let routes = routes.routes();
        let task = tokio::spawn(serve(listener, routes, options));
        tracing::info!(service = name, %addr, services = ?names, "listening (mTLS)");
        Ok(Running {
            addr,
            app,
            tasks,
            task,
        })
    }
}

/// Reflection v1 and v1alpha (grpcurl 1.8 speaks only v1alpha) listing exactly the services
/// this server serves, plus health.
fn add_reflection(
    routes: &mut RoutesBuilder,
    names: &[&'static str],
    descriptor_sets: &[&'static [u8]],
) -> Result<(), StartError> {
    let builder = || {
        let mut b = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .with_service_name("grpc.health.v1.Health");
        for set in descriptor_sets {
            b = b.register_encoded_file_descriptor_set(set);
        }
        for name in names {
            b = b.with_service_name(*name);
        }
        b
    };
    routes.add_service(builder().build_v1()?);
    routes.add_service(builder().build_v1alpha()?);
    Ok(())
}

/// Re-reads certificate, key, CA and CRL every `interval`; when a new CRL revokes the
/// certificate of an open connection, that connection is closed at once (a revoked agency is
/// cut off within one interval, not at its connection's maximum age).
async fn reload_tls(
    tls: Arc<ReloadableServerConfig>,
    connections: Arc<Connections>,
    interval: Duration,
) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let files = tls.clone();
        match tokio::task::spawn_blocking(move || files.reload()).await {
            Ok(Ok(true)) => {
                let closed = connections.close_revoked(&tls.revoked());
                tracing::info!(
                    closed_connections = closed,
                    "TLS certificate, key, CA or CRL reloaded"
                );
            }
            Ok(Ok(false)) => {}
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "TLS reload failed; keeping the previous configuration")
            }
            Err(e) => tracing::warn!(error = %e, "TLS reload task failed"),
        }
    }
}

/// How a server runs.
#[derive(Clone)]
pub struct ServeOptions {
    pub tls: Arc<ReloadableServerConfig>,
    pub policy: Policy,
    pub max_connection_age: Duration,
    pub shutdown: Shutdown,
    pub shutdown_grace: Duration,
    /// The open connections (at most so many; closed when their certificate is revoked).
    pub connections: Arc<Connections>,
    /// Concurrent calls per connection.
    pub max_streams_per_connection: u32,
}

impl ServeOptions {
    /// The defaults of every setting (those of [`ServerArgs`]), with this TLS, policy and
    /// shutdown signal: for servers that are not a [`Boot`]ed service (the benchmark's echo).
    pub fn new(tls: Arc<ReloadableServerConfig>, policy: Policy, shutdown: Shutdown) -> Self {
        let defaults = ServerArgs::new(tls.files().clone(), Default::default());
        ServeOptions {
            tls,
            policy,
            max_connection_age: defaults.max_connection_age(),
            shutdown,
            shutdown_grace: defaults.shutdown_grace(),
            connections: Connections::new(defaults.max_connections),
            max_streams_per_connection: defaults.max_streams_per_connection,
        }
    }
}

/// A service that is running: its address, its state, its background tasks and the server.
pub struct Running<A> {
    pub addr: SocketAddr,
    app: Arc<A>,
    tasks: Tasks,
    task: tokio::task::JoinHandle<Result<(), StartError>>,
}

impl<A> Running<A> {
    /// The service's state (tests reach use cases through it).
    pub fn app(&self) -> &Arc<A> {
        &self.app
    }

    pub fn shutdown(&self) -> &Shutdown {
        self.tasks.shutdown()
    }

    /// Waits until the server stops (after the shutdown signal), then for its background tasks.
    pub async fn wait(self) -> Result<(), StartError> {
        let result = match self.task.await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "server task failed");
                Ok(())
            }
        };
        self.tasks.stop().await;
        result
    }

    /// Shuts down gracefully and waits.
    pub async fn stop(self) -> Result<(), StartError> {
        self.tasks.shutdown().trigger();
        self.wait().await
    }
}

/// How long a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `routes` on `listener` until shutdown. Every connection must present a client
/// certificate from the CA that is not revoked; every call is authorized by the policy.
pub async fn serve(
    listener: TcpListener,
    routes: Routes,
    options: ServeOptions,
) -> Result<(), StartError> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<_, std::io::Error>>(64);
    let local = listener
        .local_addr()
        .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
    let accept_shutdown = options.shutdown.clone();
    let tls = options.tls.clone();
    let connections = options.connections.clone();
    let accept = tokio::spawn(async move {
        loop {
            let (tcp, peer) = tokio::select! {
                _ = accept_shutdown.wait() => break,
                accepted = listener.accept() => match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            // A slot per connection, taken before the handshake: a flood of half-open
            // handshakes cannot take every file descriptor either.
            let Some(slot) = connections.admit() else {
                tracing::warn!(%peer, "too many connections; closing the new one");
                continue;
            };
            let _ = tcp.set_nodelay(true);
            // The configuration is taken per connection so that a reloaded CRL or certificate
            // applies to every new connection.
            let acceptor = TlsAcceptor::from(tls.current());
            let tx = tx.clone();
            let connections = connections.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                    Ok(Ok(stream)) => {
                        let serial = stream
                            .get_ref()
                            .1
                            .peer_certificates()
                            .and_then(|c| c.first())
                            .map(|leaf| crate::connections::serial_of(leaf.as_ref()))
                            .unwrap_or_default();
                        let _ = tx.send(Ok(connections.track(stream, serial, slot))).await;
                    }
                    Ok(Err(e)) => tracing::info!(%peer, error = %e, "TLS handshake refused"),
                    Err(_) => tracing::info!(%peer, "TLS handshake timed out"),
                }
            });
        }
        // Dropping the listener here stops accepting; the channel closes once the pending
        // handshakes are done.
    });

    let server = tonic::transport::Server::builder()
        .max_connection_age(options.max_connection_age)
        .max_connection_age_grace(options.shutdown_grace)
        .http2_keepalive_interval(Some(Duration::from_secs(30)))
        .http2_keepalive_timeout(Some(Duration::from_secs(20)))
        .max_concurrent_streams(Some(options.max_streams_per_connection))
        // Outside the AuthLayer, so that refused calls have their span and duration too.
        .layer(telemetry::rpc::ServerLayer::new(
            local,
            options.policy.trust_domain(),
        ))
        .layer(AuthLayer::new(options.policy.clone()))
        .add_routes(routes);
    let shutdown = options.shutdown.clone();
    let serving = server.serve_with_incoming_shutdown(ReceiverStream::new(rx), async move {
        shutdown.wait().await
    });
    tokio::pin!(serving);
    let grace = options.shutdown_grace;
    let shutdown = options.shutdown.clone();
    let result = tokio::select! {
        r = &mut serving => r.map_err(StartError::from),
        _ = async move {
            shutdown.wait().await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!(?grace, "in-flight calls did not finish within the shutdown grace period");
            Ok(())
        }
    };
    accept.abort();
    result
}

/// Keeps the health status of every service (and of the server as a whole, "") in step with
/// the database: SERVING while `SELECT 1` answers, NOT_SERVING otherwise or once shutting down.
async fn watch_database(
    reporter: HealthReporter,
    db: db::Db,
    services: Arc<[&'static str]>,
    shutdown: Shutdown,
    mut last: ServingStatus,
) {
    loop {
        shutdown.sleep(Duration::from_secs(2)).await;
        let status = check_database(&db, &shutdown).await;
        if last != status {
            set_all(&reporter, &services, status).await;
            last = status;
        }
        if shutdown.is_triggered() {
            return;
        }
    }
}

async fn set_all(reporter: &HealthReporter, services: &[&str], status: ServingStatus) {
    for name in std::iter::once(&"").chain(services.iter()) {
        reporter.set_service_status(*name, status).await;
    }
}

async fn check_database(db: &db::Db, shutdown: &Shutdown) -> ServingStatus {
    if shutdown.is_triggered() {
        return ServingStatus::NotServing;
    }
    if db.probe().await {
        ServingStatus::Serving
    } else {
        tracing::warn!("database health check failed");
        ServingStatus::NotServing
    }
}
