//! gRPC clients over mutual TLS, with a CLIENT span, W3C trace context and the
//! `rpc.client.call.duration` metric on every call.
use std::time::Duration;

use thiserror::Error;
use tonic::transport::{Channel, Endpoint};
use tower::Layer as _;

use crate::{
    telemetry::rpc::{ClientLayer, ClientTelemetry},
    tls::{TlsError, TlsFiles, client_tls},
};

/// A channel whose every call has a client span (parent of the server's span) and a duration.
pub type TracedChannel = ClientTelemetry<Channel>;

fn traced(endpoint: &Endpoint, channel: Channel) -> TracedChannel {
    ClientLayer::new(endpoint.uri()).layer(channel)
}

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
    Ok(traced(&ep, channel))
}

/// Connects on first use and reconnects as needed (for long-running clients such as relays).
pub fn connect_lazy(url: &str, files: &TlsFiles) -> Result<TracedChannel, ClientError> {
    let ep = endpoint(url, files)?;
    let channel = ep.connect_lazy();
    Ok(traced(&ep, channel))
}

/// As [`connect_lazy`], and every call on the channel fails once it has taken `deadline`
/// (for calls made by code that sets no deadline of its own, such as a statistics pusher).
pub fn connect_lazy_with_deadline(
    url: &str,
    files: &TlsFiles,
    deadline: Duration,
) -> Result<TracedChannel, ClientError> {
    let ep = endpoint(url, files)?.timeout(deadline);
    let channel = ep.connect_lazy();
    Ok(traced(&ep, channel))
}
