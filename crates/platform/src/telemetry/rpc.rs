//! RPC spans and metrics after the OpenTelemetry semantic conventions for gRPC, as tower
//! layers: [`ServerLayer`] in front of every server (`server::serve`), [`ClientLayer`] around
//! every channel (`client::connect*`).
//!
//! Hand-written (about 300 lines) rather than taken from a crate: it reads the caller's
//! identity from our own TLS connection info, records the duration histograms with the gRPC
//! status, and adds no dependency that must move in step with `opentelemetry`.
//!
//! A call ends when its status is known: in the response headers (a trailers-only answer, e.g.
//! a refusal) or in the trailers at the end of the response body, so a stream's span lasts as
//! long as the stream. A body dropped before its status (the peer went away, the client stopped
//! reading) ends the call as CANCELLED.
use std::{
    net::SocketAddr,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Instant,
};

use futures_util::future::BoxFuture;
use http_body::{Body, Frame, SizeHint};
use opentelemetry::{
    KeyValue, global,
    metrics::Histogram,
    trace::{Status, TraceContextExt as _},
};
use tonic::transport::server::{TcpConnectInfo, TlsConnectInfo};
use tower::{Layer, Service};
use tracing::{Instrument, Span};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::propagation::{HeaderExtractor, HeaderInjector};

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Bucket boundaries (seconds) recommended by the conventions for RPC durations.
const DURATION_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Server,
    Client,
}

fn duration_histogram(side: Side) -> Histogram<f64> {
    let (name, description) = match side {
        Side::Server => (
            "rpc.server.call.duration",
            "Duration of incoming gRPC calls, until their status",
        ),
        Side::Client => (
            "rpc.client.call.duration",
            "Duration of outgoing gRPC calls, until their status",
        ),
    };
    global::meter("lienthong")
        .f64_histogram(name)
        .with_unit("s")
        .with_description(description)
        .with_boundaries(DURATION_BUCKETS.to_vec())
        .build()
}

/// The gRPC status code's name, as `error.type` carries it.
pub fn code_name(code: i32) -> &'static str {
    const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    usize::try_from(code)
        .ok()
        .and_then(|i| NAMES.get(i).copied())
        .unwrap_or("UNKNOWN")
}

/// Whether a call that ended with `code` is an error of this side: any non-OK for a client;
/// for a server only the codes that mean the server failed (UNKNOWN, DEADLINE_EXCEEDED,
/// UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS), not the caller's mistakes.
fn is_error(side: Side, code: i32) -> bool {
    match side {
        Side::Client => code != 0,
        Side::Server => matches!(code, 2 | 4 | 12 | 13 | 14 | 15),
    }
}

/// `package.Service` and `Method` of a gRPC path.
fn service_and_method(path: &str) -> (&str, &str) {
    let path = path.trim_start_matches('/');
    path.split_once('/').unwrap_or((path, ""))
}

/// One call in flight: its span, start and metric attributes; ended exactly once.
struct Call {
    side: Side,
    span: Span,
    start: Instant,
    attributes: [KeyValue; 3],
    duration: Histogram<f64>,
    response_bytes: u64,
    ended: bool,
}

impl Call {
    fn new(side: Side, span: Span, path: &str, duration: Histogram<f64>) -> Self {
        let (service, method) = service_and_method(path);
        Call {
            side,
            span,
            start: Instant::now(),
            attributes: [
                KeyValue::new("rpc.system", "grpc"),
                KeyValue::new("rpc.service", service.to_string()),
                KeyValue::new("rpc.method", method.to_string()),
            ],
            duration,
            response_bytes: 0,
            ended: false,
        }
    }

    /// Ends the call with the status of `headers` (response headers or trailers), if they
    /// carry one; returns whether they did.
    fn end_from(&mut self, headers: &http::HeaderMap) -> bool {
        let Some(code) = headers
            .get("grpc-status")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i32>().ok())
        else {
            return false;
        };
        let message = headers
            .get("grpc-message")
            .map(|v| percent_encoding::percent_decode(v.as_bytes()).decode_utf8_lossy())
            .unwrap_or_default();
        self.end(code, &message);
        true
    }

    fn end(&mut self, code: i32, message: &str) {
        if self.ended {
            return;
        }
        self.ended = true;
        let span = &self.span;
        span.set_attribute("rpc.grpc.status_code", i64::from(code));
        if self.response_bytes > 0 {
            span.set_attribute(
                "rpc.response.size",
                i64::try_from(self.response_bytes).unwrap_or(i64::MAX),
            );
        }
        if is_error(self.side, code) {
            let name = code_name(code);
            let description = if message.is_empty() { name } else { message };
            span.set_attribute("error.type", name);
            span.set_attribute("error.message", description.to_string());
            span.set_status(Status::error(description.to_string()));
        } else if code == 0 {
            span.set_status(Status::Ok);
        }
        let [system, service, method] = self.attributes.clone();
        self.duration.record(
            self.start.elapsed().as_secs_f64(),
            &[
                system,
                service,
                method,
                KeyValue::new("rpc.grpc.status_code", i64::from(code)),
            ],
        );
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        self.end(1, "the call ended before its status was sent");
    }
}

/// A response body that ends its call at the trailers (or at its end, or when dropped).
pub struct RpcBody<B> {
    inner: Pin<Box<B>>,
    call: Option<Call>,
}

impl<B> RpcBody<B> {
    fn new(inner: B, call: Option<Call>) -> Self {
        RpcBody {
            inner: Box::pin(inner),
            call,
        }
    }
}

impl<B> Body for RpcBody<B>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    type Data = B::Data;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = &mut *self;
        let polled = this.inner.as_mut().poll_frame(cx);
        let Some(call) = this.call.as_mut() else {
            return polled.map_err(Into::into);
        };
        match polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    call.response_bytes += bytes::Buf::remaining(data) as u64;
                } else if let Some(trailers) = frame.trailers_ref() {
                    call.end_from(trailers);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => {
                let status = tonic::Status::from_error(e.into());
                call.end(status.code() as i32, status.message());
                Poll::Ready(Some(Err(Box::new(status))))
            }
            Poll::Ready(None) => {
                call.end(2, "the response ended without a grpc-status");
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Wraps the answer of a call: ends it now when the status is in the headers (trailers-only)
/// or the service failed, else when its body ends.
fn answer<R, E>(
    mut call: Call,
    result: Result<http::Response<R>, E>,
) -> Result<http::Response<RpcBody<R>>, BoxError>
where
    E: Into<BoxError>,
{
    match result {
        Ok(response) => {
            let call = (!call.end_from(response.headers())).then_some(call);
            Ok(response.map(|body| RpcBody::new(body, call)))
        }
        Err(e) => {
            let status = tonic::Status::from_error(e.into());
            call.end(status.code() as i32, status.message());
            Err(Box::new(status))
        }
    }
}

/// The span of one incoming gRPC call, child of the caller's trace when the request carries a
/// `traceparent`: `package.Service/Method`, kind SERVER, `rpc.*` attributes.
pub fn server_span(req: &http::Request<()>) -> Span {
    new_server_span(req.uri(), req.headers())
}

fn new_server_span(uri: &http::Uri, headers: &http::HeaderMap) -> Span {
    let parent = global::get_text_map_propagator(|p| p.extract(&HeaderExtractor(headers)));
    let path = uri.path();
    let (service, method) = service_and_method(path);
    let span = tracing::info_span!(
        "grpc.server",
        otel.name = %path.trim_start_matches('/'),
        otel.kind = "server",
        rpc.system = "grpc",
        rpc.service = %service,
        rpc.method = %method,
        // Recorded by the AuthLayer once the caller is known (`kind/name`).
        peer = tracing::field::Empty,
    );
    // An error means no OpenTelemetry layer is installed: nothing to link.
    let _ = span.set_parent(parent);
    span
}

/// Server telemetry: a SERVER span and `rpc.server.call.duration` for every call. Put it outside
/// the `AuthLayer`, so refused calls are seen too.
#[derive(Clone)]
pub struct ServerLayer {
    local: SocketAddr,
    trust_domain: Arc<str>,
    duration: Histogram<f64>,
}

impl ServerLayer {
    /// For a server bound to `local` (its `server.address` when a request names none) whose
    /// callers' SPIFFE ids are in `trust_domain`. The histogram comes from the global meter
    /// provider as it is now: create the layer after `telemetry::init`.
    pub fn new(local: SocketAddr, trust_domain: &str) -> Self {
        ServerLayer {
            local,
            trust_domain: trust_domain.into(),
            duration: duration_histogram(Side::Server),
        }
    }
}

impl<S> Layer<S> for ServerLayer {
    type Service = ServerTelemetry<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ServerTelemetry {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Clone)]
pub struct ServerTelemetry<S> {
    inner: S,
    layer: ServerLayer,
}

impl ServerLayer {
    /// The attributes of the server, the peer and the caller.
    fn record_connection<B>(&self, span: &Span, req: &http::Request<B>) {
        let (host, port) = match req.uri().authority() {
            Some(a) => (
                a.host().to_string(),
                a.port_u16().unwrap_or(self.local.port()),
            ),
            None => (self.local.ip().to_string(), self.local.port()),
        };
        span.set_attribute("server.address", host);
        span.set_attribute("server.port", i64::from(port));
        let Some(tls) = req.extensions().get::<TlsConnectInfo<TcpConnectInfo>>() else {
            return;
        };
        if let Some(peer) = tls.get_ref().remote_addr() {
            span.set_attribute("network.peer.address", peer.ip().to_string());
            span.set_attribute("network.peer.port", i64::from(peer.port()));
        }
        // The same identity the AuthLayer derives from the verified certificate; recorded here
        // so that refused calls carry it too.
        let id = tls
            .peer_certs()
            .and_then(|certs| certs.first().cloned())
            .and_then(|leaf| {
                crate::identity::identity_from_certificate(&leaf, &self.trust_domain).ok()
            });
        if let Some(id) = id {
            span.set_attribute("enduser.id", id.spiffe_uri(&self.trust_domain));
        }
    }
}

impl<S, B, R> Service<http::Request<B>> for ServerTelemetry<S>
where
    S: Service<http::Request<B>, Response = http::Response<R>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Send + 'static,
{
    type Response = http::Response<RpcBody<R>>;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let span = new_server_span(req.uri(), req.headers());
        self.layer.record_connection(&span, &req);
        if let Some(size) = req.body_size_hint_exact() {
            span.set_attribute("rpc.request.size", size);
        }
        let call = Call::new(
            Side::Server,
            span.clone(),
            req.uri().path(),
            self.layer.duration.clone(),
        );
        // The clone that was polled ready is the one that must be called.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        // Entered while the inner layers run their `call`, so the AuthLayer records the caller
        // in this span.
        let future = span.in_scope(|| inner.call(req));
        Box::pin(async move { answer(call, future.instrument(span).await) })
    }
}

/// The exact size of a request body, when the transport knows it (rarely, for gRPC).
trait SizeHintExt {
    fn body_size_hint_exact(&self) -> Option<i64>;
}

impl<B> SizeHintExt for http::Request<B> {
    fn body_size_hint_exact(&self) -> Option<i64> {
        self.headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
    }
}

/// Client telemetry: a CLIENT span for every call on a channel, whose context goes to the
/// server in the W3C headers (the server's span is its child), and `rpc.client.call.duration`.
#[derive(Clone)]
pub struct ClientLayer {
    address: Arc<str>,
    port: u16,
    duration: Histogram<f64>,
}

impl ClientLayer {
    /// For a channel to `url` (`https://host:port`): its `server.address` and `server.port`.
    pub fn new(url: &http::Uri) -> Self {
        let port = url.port_u16().unwrap_or(match url.scheme_str() {
            Some("http") => 80,
            _ => 443,
        });
        ClientLayer {
            address: url.host().unwrap_or_default().into(),
            port,
            duration: duration_histogram(Side::Client),
        }
    }
}

impl<S> Layer<S> for ClientLayer {
    type Service = ClientTelemetry<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ClientTelemetry {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Clone)]
pub struct ClientTelemetry<S> {
    inner: S,
    layer: ClientLayer,
}

impl<S, B, R> Service<http::Request<B>> for ClientTelemetry<S>
where
    S: Service<http::Request<B>, Response = http::Response<R>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Send + 'static,
{
    type Response = http::Response<RpcBody<R>>;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        let path = req.uri().path().to_string();
        let (service, method) = service_and_method(&path);
        let span = tracing::info_span!(
            "grpc.client",
            otel.name = %path.trim_start_matches('/'),
            otel.kind = "client",
            rpc.system = "grpc",
            rpc.service = %service,
            rpc.method = %method,
            server.address = %self.layer.address,
            server.port = i64::from(self.layer.port),
        );
        let mut cx = span.context();
        if !cx.span().span_context().is_valid() {
            // The client span is not exported (LIENTHONG_OTEL_FILTER): pass the caller's
            // context on, so the trace still crosses the hop.
            cx = Span::current().context();
        }
        global::get_text_map_propagator(|p| {
            p.inject_context(&cx, &mut HeaderInjector(req.headers_mut()))
        });
        let call = Call::new(
            Side::Client,
            span.clone(),
            &path,
            self.layer.duration.clone(),
        );
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let future = span.in_scope(|| inner.call(req));
        Box::pin(async move { answer(call, future.instrument(span).await) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_are_server_faults_only() {
        for code in [2, 4, 12, 13, 14, 15] {
            assert!(is_error(Side::Server, code), "{}", code_name(code));
        }
        for code in [0, 1, 3, 5, 6, 7, 8, 9, 10, 11, 16] {
            assert!(!is_error(Side::Server, code), "{}", code_name(code));
        }
        assert!(!is_error(Side::Client, 0));
        assert!((1..=16).all(|c| is_error(Side::Client, c)));
    }

    #[test]
    fn names_and_paths() {
        assert_eq!(code_name(3), "INVALID_ARGUMENT");
        assert_eq!(code_name(16), "UNAUTHENTICATED");
        assert_eq!(code_name(99), "UNKNOWN");
        assert_eq!(
            service_and_method("/lienthong.exchange.v1.ExchangeService/SendDocument"),
            ("lienthong.exchange.v1.ExchangeService", "SendDocument")
        );
    }
}
