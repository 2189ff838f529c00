//! Serving gRPC over mutual TLS: our own TLS accept loop (for CRLs and hot reload) feeding
//! tonic, with authorization, trace context, health, reflection and graceful shutdown.
use std::{sync::Arc, time::Duration};

use sqlx::AnyPool;
use thiserror::Error;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::ReceiverStream;
use tonic::service::{Routes, RoutesBuilder};
use tonic_health::{ServingStatus, server::HealthReporter};

use crate::{
    authz::{AuthLayer, Policy},
    shutdown::Shutdown,
    telemetry,
    tls::ReloadableServerConfig,
};

#[derive(Debug, Error)]
pub enum ServerError {
    #[error("gRPC server: {0}")]
    Transport(#[from] tonic::transport::Error),
    #[error("reflection: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
}

/// How a server runs.
#[derive(Clone)]
pub struct ServeOptions {
    pub tls: Arc<ReloadableServerConfig>,
    pub policy: Policy,
    pub max_connection_age: Duration,
    pub shutdown: Shutdown,
    pub shutdown_grace: Duration,
}

/// A service that is running: its address, its shutdown signal, its state, and the server task.
pub struct Running<A> {
    pub addr: std::net::SocketAddr,
    pub shutdown: Shutdown,
    pub app: Arc<A>,
    task: tokio::task::JoinHandle<Result<(), ServerError>>,
}

impl<A> Running<A> {
    pub fn new(
        addr: std::net::SocketAddr,
        shutdown: Shutdown,
        app: Arc<A>,
        task: tokio::task::JoinHandle<Result<(), ServerError>>,
    ) -> Self {
        Running {
            addr,
            shutdown,
            app,
            task,
        }
    }

    /// Waits until the server stops (after the shutdown signal).
    pub async fn wait(self) -> Result<(), ServerError> {
        match self.task.await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "server task failed");
                Ok(())
            }
        }
    }

    /// Shuts down gracefully and waits.
    pub async fn stop(self) -> Result<(), ServerError> {
        self.shutdown.trigger();
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
) -> Result<(), ServerError> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<_, std::io::Error>>(64);
    let accept_shutdown = options.shutdown.clone();
    let tls = options.tls.clone();
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
            let _ = tcp.set_nodelay(true);
            // The configuration is taken per connection so that a reloaded CRL or certificate
            // applies to every new connection.
            let acceptor = TlsAcceptor::from(tls.current());
            let tx = tx.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                    Ok(Ok(stream)) => {
                        let _ = tx.send(Ok(stream)).await;
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
        .trace_fn(telemetry::server_span)
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
        r = &mut serving => r.map_err(ServerError::from),
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

/// Adds health (reflecting the database) and reflection (v1 and v1alpha, for grpcurl) to a
/// server's routes. `services` are the full names of the server's own services;
/// `descriptor_sets` the encoded descriptors to reflect.
pub async fn add_standard_services(
    routes: &mut RoutesBuilder,
    pool: AnyPool,
    services: &'static [&'static str],
    descriptor_sets: &[&'static [u8]],
    shutdown: Shutdown,
) -> Result<(), ServerError> {
    let (reporter, health) = tonic_health::server::health_reporter();
    // The first check runs before the server starts, so that a health probe never finds the
    // services unknown.
    let first = check_database(&pool, &shutdown).await;
    set_all(&reporter, services, first).await;
    tokio::spawn(watch_database(reporter, pool, services, shutdown, first));
    routes.add_service(health);

    let mut v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET);
    let mut v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET);
    for set in descriptor_sets {
        v1 = v1.register_encoded_file_descriptor_set(set);
        v1alpha = v1alpha.register_encoded_file_descriptor_set(set);
    }
    routes.add_service(v1.build_v1()?);
    routes.add_service(v1alpha.build_v1alpha()?);
    Ok(())
}

/// Keeps the health status of every service (and of the server as a whole, "") in step with
/// the database: SERVING while `SELECT 1` answers, NOT_SERVING otherwise or once shutting down.
async fn watch_database(
    reporter: HealthReporter,
    pool: AnyPool,
    services: &'static [&'static str],
    shutdown: Shutdown,
    mut last: ServingStatus,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = shutdown.wait() => {}
        }
        let status = check_database(&pool, &shutdown).await;
        if last != status {
            set_all(&reporter, services, status).await;
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

async fn check_database(pool: &AnyPool, shutdown: &Shutdown) -> ServingStatus {
    if shutdown.is_triggered() {
        return ServingStatus::NotServing;
    }
    match tokio::time::timeout(
        Duration::from_secs(5),
        sqlx::query("SELECT 1").execute(pool),
    )
    .await
    {
        Ok(Ok(_)) => ServingStatus::Serving,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "database health check failed");
            ServingStatus::NotServing
        }
        Err(_) => {
            tracing::warn!("database health check timed out");
            ServingStatus::NotServing
        }
    }
}
