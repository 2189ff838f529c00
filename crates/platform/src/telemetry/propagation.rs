//! W3C trace context across hops: in gRPC metadata on every call, and stored with work that
//! continues later (an outbox entry, a document awaiting acknowledgement).
use opentelemetry::{
    global,
    propagation::{Extractor, Injector},
};
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Reads the trace context from the HTTP/2 headers of an incoming call.
pub(crate) struct HeaderExtractor<'a>(pub(crate) &'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

/// Writes the trace context into the HTTP/2 headers of an outgoing call.
pub(crate) struct HeaderInjector<'a>(pub(crate) &'a mut http::HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(key), Ok(value)) = (
            http::HeaderName::from_bytes(key.as_bytes()),
            http::HeaderValue::try_from(value),
        ) {
            self.0.insert(key, value);
        }
    }
}

struct MetadataInjector<'a>(&'a mut tonic::metadata::MetadataMap);

impl Injector for MetadataInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(key), Ok(value)) = (
            tonic::metadata::MetadataKey::from_bytes(key.as_bytes()),
            tonic::metadata::MetadataValue::try_from(value),
        ) {
            self.0.insert(key, value);
        }
    }
}

/// Injects the current span's trace context into every outgoing gRPC request.
///
/// The channels of [`crate::client`] no longer need it (their client span injects its own
/// context); kept for clients built on a bare `tonic` channel.
#[derive(Clone, Copy, Debug, Default)]
pub struct TraceContextInterceptor;

impl tonic::service::Interceptor for TraceContextInterceptor {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        let cx = Span::current().context();
        global::get_text_map_propagator(|p| {
            p.inject_context(&cx, &mut MetadataInjector(req.metadata_mut()))
        });
        Ok(req)
    }
}

/// The W3C `traceparent` of the current span ("" without OpenTelemetry), for storing with work
/// that continues later (an outbox entry, a document awaiting acknowledgement).
pub fn current_traceparent() -> String {
    let cx = Span::current().context();
    let mut carrier: std::collections::HashMap<String, String> = Default::default();
    global::get_text_map_propagator(|p| p.inject_context(&cx, &mut carrier));
    carrier.remove("traceparent").unwrap_or_default()
}

struct TraceparentCarrier<'a>(&'a str);

impl Extractor for TraceparentCarrier<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        (key == "traceparent" && !self.0.is_empty()).then_some(self.0)
    }
    fn keys(&self) -> Vec<&str> {
        vec!["traceparent"]
    }
}

/// The context a stored `traceparent` names (empty when it is "").
pub fn context_from_traceparent(traceparent: &str) -> opentelemetry::Context {
    global::get_text_map_propagator(|p| p.extract(&TraceparentCarrier(traceparent)))
}

/// A span that continues a stored trace (e.g. the document's) and links to the current one
/// (e.g. the call that caused it), so the work shows in both.
pub fn continuing_span(name: &'static str, traceparent: &str) -> Span {
    use opentelemetry::trace::TraceContextExt as _;
    let caller = Span::current().context().span().span_context().clone();
    let span = tracing::info_span!("continue", otel.name = name);
    if !traceparent.is_empty() {
        let _ = span.set_parent(context_from_traceparent(traceparent));
        if caller.is_valid() {
            span.add_link(caller);
        }
    }
    span
}
