//! gRPC clients over mutual TLS, with W3C trace context on every call.
use std::time::Duration;

use thiserror::Error;
use tonic::{
    service::interceptor::InterceptedService,
    transport::{Channel, Endpoint},
};

use crate::{
    telemetry::TraceContextInterceptor,
    tls::{TlsError, TlsFiles, client_tls},
};

/// A channel that carries the caller's trace context.
pub type TracedChannel = InterceptedService<Channel, TraceContextInterceptor>;

#[derive(Debug, Error)]
pub enum ClientError {
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("endpoint {0}: {1}")]
    Endpoint(String, tonic::transport::Error),
}

fn endpoint(url: &str, files: &TlsFiles) -> Result<Endpoint, ClientError> {
    let (tls, verifier) = client_tls(files)?;
    let url = if url.contains("://") {
        url.to_string()
    } else {
        format!("https://{url}")
    };
    Endpoint::from_shared(url.clone())
        .and_then(|e| e.tls_config_with_verifier(tls, verifier))
        .map(|e| {
            e.connect_timeout(Duration::from_secs(5))
                .http2_keep_alive_interval(Duration::from_secs(30))
                .keep_alive_while_idle(true)
        })
        .map_err(|e| ClientError::Endpoint(url, e))
}

/// Connects now; fails if the server cannot be reached.
pub async fn connect(url: &str, files: &TlsFiles) -> Result<TracedChannel, ClientError> {
    let ep = endpoint(url, files)?;
    let channel = ep
        .connect()
        .await
        .map_err(|e| ClientError::Endpoint(url.to_string(), e))?;
    Ok(InterceptedService::new(channel, TraceContextInterceptor))
}

/// Connects on first use and reconnects as needed (for long-running clients such as relays).
pub fn connect_lazy(url: &str, files: &TlsFiles) -> Result<TracedChannel, ClientError> {
    let channel = endpoint(url, files)?.connect_lazy();
    Ok(InterceptedService::new(channel, TraceContextInterceptor))
}

/// As [`connect_lazy`], and every call on the channel fails once it has taken `deadline`
/// (for calls made by code that sets no deadline of its own, such as a statistics pusher).
pub fn connect_lazy_with_deadline(
    url: &str,
    files: &TlsFiles,
    deadline: Duration,
) -> Result<TracedChannel, ClientError> {
    let channel = endpoint(url, files)?.timeout(deadline).connect_lazy();
    Ok(InterceptedService::new(channel, TraceContextInterceptor))
}
