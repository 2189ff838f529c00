//! Logs, traces and metrics. Logs go to stderr (`RUST_LOG`, default `info`). Traces and metrics
//! are exported over OTLP when the standard `OTEL_EXPORTER_OTLP_ENDPOINT` (or
//! `..._TRACES_ENDPOINT`) variable is set; without it nothing is exported. W3C trace context travels in gRPC metadata on every hop:
//! [`server_span`] continues the caller's trace, [`TraceContextInterceptor`] passes ours on.
use opentelemetry::{
    global,
    propagation::{Extractor, Injector},
    trace::TracerProvider as _,
};
use opentelemetry_sdk::{
    Resource, metrics::SdkMeterProvider, propagation::TraceContextPropagator,
    trace::SdkTracerProvider,
};
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::{
    EnvFilter, Layer, filter::filter_fn, layer::SubscriberExt, util::SubscriberInitExt,
};

/// Keeps the tracer provider alive; call [`Telemetry::shutdown`] on exit or batched spans are
/// lost.
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
    meters: Option<SdkMeterProvider>,
}

impl Telemetry {
    /// Flushes and stops the exporter.
    pub fn shutdown(self) {
        if let Some(provider) = self.provider
            && let Err(e) = provider.shutdown()
        {
            eprintln!("telemetry shutdown: {e}");
        }
        if let Some(meters) = self.meters
            && let Err(e) = meters.shutdown()
        {
            eprintln!("metrics shutdown: {e}");
        }
    }
}

fn otlp_configured() -> bool {
    let set = |k: &str| std::env::var(k).map(|v| !v.is_empty()).unwrap_or(false);
    let disabled = std::env::var("OTEL_SDK_DISABLED").is_ok_and(|v| v.eq_ignore_ascii_case("true"))
        || std::env::var("OTEL_TRACES_EXPORTER").is_ok_and(|v| v == "none");
    !disabled && (set("OTEL_EXPORTER_OTLP_ENDPOINT") || set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
}

/// The W3C propagator, for processes that do not call [`init`] (tests, the CLI).
pub fn install_propagator() {
    global::set_text_map_propagator(TraceContextPropagator::new());
}

/// Sets up logging, and tracing export when OTLP is configured.
pub fn init(service_name: &'static str) -> Result<Telemetry, TelemetryError> {
    install_propagator();
    let env_filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_filter(env_filter);

    let (provider, meters) = if otlp_configured() {
        let resource = || {
            let mut resource = Resource::builder();
            if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
                resource = resource.with_service_name(service_name);
            }
            resource.build()
        };
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .build()
            .map_err(|e| TelemetryError::Exporter(e.to_string()))?;
        let traces = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource())
            .build();
        // Metrics go to the same collector (OTEL_EXPORTER_OTLP_METRICS_ENDPOINT overrides).
        let metric_exporter = opentelemetry_otlp::MetricExporter::builder()
            .with_tonic()
            .build()
            .map_err(|e| TelemetryError::Exporter(e.to_string()))?;
        let meters = SdkMeterProvider::builder()
            .with_periodic_exporter(metric_exporter)
            .with_resource(resource())
            .build();
        global::set_meter_provider(meters.clone());
        (Some(traces), Some(meters))
    } else {
        (None, None)
    };
    let otel = provider.as_ref().map(|p| {
        global::set_tracer_provider(p.clone());
        otel_layer(p.tracer(service_name))
    });
    tracing_subscriber::registry()
        .with(fmt)
        .with(otel)
        .try_init()
        .map_err(|e| TelemetryError::Subscriber(e.to_string()))?;
    Ok(Telemetry { provider, meters })
}

/// The OpenTelemetry layer, filtered so that the HTTP/2 machinery's own spans (h2, hyper,
/// tower) are not exported.
pub fn otel_layer<S, T>(tracer: T) -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    T: opentelemetry::trace::Tracer + Send + Sync + 'static,
    T::Span: Send + Sync,
{
    tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_filter(filter_fn(|meta| {
            let target = meta.target();
            !(target.starts_with("h2")
                || target.starts_with("hyper")
                || target.starts_with("tower")
                || target.starts_with("tonic::transport"))
        }))
}

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("OTLP exporter: {0}")]
    Exporter(String),
    #[error("tracing subscriber: {0}")]
    Subscriber(String),
}

struct HeaderExtractor<'a>(&'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
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

/// The span of one incoming gRPC call, child of the caller's trace when the request carries a
/// `traceparent`. Used as tonic's `trace_fn`.
pub fn server_span(req: &http::Request<()>) -> Span {
    let parent = global::get_text_map_propagator(|p| p.extract(&HeaderExtractor(req.headers())));
    let path = req.uri().path();
    let (service, method) = path
        .trim_start_matches('/')
        .split_once('/')
        .unwrap_or(("", path));
    let span = tracing::info_span!(
        "grpc.server",
        otel.name = %path.trim_start_matches('/'),
        otel.kind = "server",
        rpc.system = "grpc",
        rpc.service = %service,
        rpc.method = %method,
        peer = tracing::field::Empty,
    );
    // An error means no OpenTelemetry layer is installed: nothing to link.
    let _ = span.set_parent(parent);
    span
}

/// Injects the current span's trace context into every outgoing gRPC request.
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
