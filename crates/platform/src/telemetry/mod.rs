//! Logs, traces and metrics.
//!
//! Logs go to stderr (`RUST_LOG`, default `info`). Traces and metrics are exported over
//! OTLP/gRPC, each signal on its own switch ([`Switches`]): a signal is exported when its
//! endpoint (`OTEL_EXPORTER_OTLP_{TRACES,METRICS}_ENDPOINT`) or the general one
//! (`OTEL_EXPORTER_OTLP_ENDPOINT`) is set, unless `OTEL_SDK_DISABLED=true` or
//! `OTEL_{TRACES,METRICS}_EXPORTER=none`. So a traces-only collector is configured with
//! `OTEL_METRICS_EXPORTER=none` and never hears (nor logs an error per interval about) metrics.
//!
//! Every call has a span and a duration after the RPC semantic conventions ([`rpc`]); W3C trace
//! context travels in gRPC metadata on every hop ([`propagation`]).
mod propagation;
pub mod rpc;

use opentelemetry::{KeyValue, global, trace::TracerProvider as _};
use opentelemetry_sdk::{
    Resource, metrics::SdkMeterProvider, propagation::TraceContextPropagator,
    resource::TelemetryResourceDetector, trace::SdkTracerProvider,
};
use tracing_subscriber::{EnvFilter, Layer, layer::SubscriberExt, util::SubscriberInitExt};

pub use propagation::{
    TraceContextInterceptor, context_from_traceparent, continuing_span, current_traceparent,
};
pub use rpc::server_span;

/// What is exported to OpenTelemetry spans when `LIENTHONG_OTEL_FILTER` is unset: our own code
/// at INFO and above, none of the libraries' chatter (sqlx statements, TLS and HTTP/2 internals,
/// the exporter's own spans).
pub const DEFAULT_OTEL_FILTER: &str = "info,sqlx=off,rustls=off,h2=off,hyper=off,hyper_util=off,\
tower=off,tonic=off,opentelemetry=off,opentelemetry_sdk=off,opentelemetry_otlp=off";

/// Which signals are exported, read from the standard `OTEL_*` variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Switches {
    /// Spans go to OTLP.
    pub traces: bool,
    /// Metrics go to OTLP.
    pub metrics: bool,
    /// The `EnvFilter` directives of exported spans and span events (`LIENTHONG_OTEL_FILTER`),
    /// independent of `RUST_LOG`.
    pub otel_filter: String,
}

impl Switches {
    /// Reads the switches through `get` (a variable's value, `None` when unset): a pure function,
    /// so tests need not touch the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let value = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let disabled = value("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let general = value("OTEL_EXPORTER_OTLP_ENDPOINT").is_some();
        let signal = |exporter: &str, endpoint: &str| {
            !disabled
                && !value(exporter).is_some_and(|v| v.eq_ignore_ascii_case("none"))
                && (general || value(endpoint).is_some())
        };
        Switches {
            traces: signal("OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
            metrics: signal(
                "OTEL_METRICS_EXPORTER",
                "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
            ),
            otel_filter: value("LIENTHONG_OTEL_FILTER")
                .unwrap_or_else(|| DEFAULT_OTEL_FILTER.to_string()),
        }
    }

    /// The switches of this process.
    pub fn from_env() -> Self {
        Self::from_lookup(|k| std::env::var(k).ok())
    }
}

/// The resource attributes of a service: `service.name` (`OTEL_SERVICE_NAME` wins over
/// `default_name`), a fresh `service.instance.id` per process, the caller's `extra` ones, then
/// `OTEL_RESOURCE_ATTRIBUTES` (`k=v,k2=v2`, percent-encoded values), which wins over all but
/// `OTEL_SERVICE_NAME`. Read through `get`, as [`Switches::from_lookup`].
pub fn resource_attributes(
    default_name: &str,
    extra: Vec<KeyValue>,
    get: impl Fn(&str) -> Option<String>,
) -> Vec<KeyValue> {
    let mut attributes = vec![
        KeyValue::new("service.name", default_name.to_string()),
        KeyValue::new("service.instance.id", instance_id()),
    ];
    attributes.extend(extra);
    let from_env = get("OTEL_RESOURCE_ATTRIBUTES").unwrap_or_default();
    for pair in from_env.split(',').filter(|p| !p.trim().is_empty()) {
        if let Some((k, v)) = pair.split_once('=') {
            let v = percent_encoding::percent_decode_str(v.trim()).decode_utf8_lossy();
            attributes.push(KeyValue::new(k.trim().to_string(), v.into_owned()));
        }
    }
    if let Some(name) = get("OTEL_SERVICE_NAME").filter(|n| !n.trim().is_empty()) {
        attributes.push(KeyValue::new("service.name", name.trim().to_string()));
    }
    // Later entries win, as in the SDK's resource merge.
    let mut unique: Vec<KeyValue> = Vec::new();
    for kv in attributes {
        unique.retain(|u| u.key != kv.key);
        unique.push(kv);
    }
    unique
}

/// 128 random bits in hex: distinguishes the instances (and restarts) of one service.
fn instance_id() -> String {
    use ring::rand::SecureRandom as _;
    let mut bytes = [0u8; 16];
    match ring::rand::SystemRandom::new().fill(&mut bytes) {
        Ok(()) => hex::encode(bytes),
        // No randomness is no reason not to start: the process id and start time still tell
        // the instances of one host apart.
        Err(_) => format!(
            "{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ),
    }
}

/// Keeps the providers alive; call [`Telemetry::shutdown`] on exit or batched spans are lost.
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
    meters: Option<SdkMeterProvider>,
}

impl Telemetry {
    /// Flushes and stops the exporters.
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

/// The W3C propagator, for processes that do not call [`init`] (tests, the CLI).
pub fn install_propagator() {
    global::set_text_map_propagator(TraceContextPropagator::new());
}

/// Sets up logging, and the export of each signal its [`Switches`] turn on.
pub fn init(service_name: &'static str) -> Result<Telemetry, TelemetryError> {
    init_with(service_name, Vec::new())
}

/// As [`init`], with resource attributes of the service's own (the hub's id and role).
pub fn init_with(
    service_name: &'static str,
    extra: Vec<KeyValue>,
) -> Result<Telemetry, TelemetryError> {
    install_propagator();
    let switches = Switches::from_env();
    // Checked even when nothing is exported: a typo shows at once, not on the day export is on.
    let filter = otel_filter(&switches.otel_filter)?;
    let env_filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_filter(env_filter);
    let resource = Resource::builder_empty()
        .with_detector(Box::new(TelemetryResourceDetector))
        .with_attributes(resource_attributes(service_name, extra, |k| {
            std::env::var(k).ok()
        }))
        .build();
    let provider = if switches.traces {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .build()
            .map_err(|e| TelemetryError::Exporter(e.to_string()))?;
        Some(
            SdkTracerProvider::builder()
                .with_batch_exporter(exporter)
                .with_resource(resource.clone())
                .build(),
        )
    } else {
        None
    };
    let meters = if switches.metrics {
        let exporter = opentelemetry_otlp::MetricExporter::builder()
            .with_tonic()
            .build()
            .map_err(|e| TelemetryError::Exporter(e.to_string()))?;
        let meters = SdkMeterProvider::builder()
            .with_periodic_exporter(exporter)
            .with_resource(resource)
            .build();
        // Before any server or channel exists: their instruments come from this provider.
        global::set_meter_provider(meters.clone());
        Some(meters)
    } else {
        None
    };
    let otel = match &provider {
        Some(p) => {
            global::set_tracer_provider(p.clone());
            Some(otel_layer_filtered(p.tracer(service_name), filter))
        }
        None => None,
    };
    tracing_subscriber::registry()
        .with(fmt)
        .with(otel)
        .try_init()
        .map_err(|e| TelemetryError::Subscriber(e.to_string()))?;
    Ok(Telemetry { provider, meters })
}

/// The filter of exported spans and events, from `LIENTHONG_OTEL_FILTER`'s syntax (that of
/// `RUST_LOG`).
pub fn otel_filter(directives: &str) -> Result<EnvFilter, TelemetryError> {
    EnvFilter::try_new(directives).map_err(|e| TelemetryError::Filter(directives.into(), e))
}

/// The OpenTelemetry layer with the [`DEFAULT_OTEL_FILTER`]: the HTTP/2 machinery's own spans
/// (h2, hyper, tower), sqlx's statements and rustls's events are not exported.
pub fn otel_layer<S, T>(tracer: T) -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    T: opentelemetry::trace::Tracer + Send + Sync + 'static,
    T::Span: Send + Sync,
{
    otel_layer_filtered(tracer, EnvFilter::new(DEFAULT_OTEL_FILTER))
}

/// The OpenTelemetry layer, exporting what `filter` lets through.
pub fn otel_layer_filtered<S, T>(tracer: T, filter: EnvFilter) -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    T: opentelemetry::trace::Tracer + Send + Sync + 'static,
    T::Span: Send + Sync,
{
    tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_filter(filter)
}

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("OTLP exporter: {0}")]
    Exporter(String),
    #[error("tracing subscriber: {0}")]
    Subscriber(String),
    #[error("LIENTHONG_OTEL_FILTER {0:?} is not a filter")]
    Filter(String, #[source] tracing_subscriber::filter::ParseError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn switches(vars: &[(&str, &str)]) -> Switches {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Switches::from_lookup(|k| vars.get(k).cloned())
    }

    #[test]
    fn nothing_is_exported_without_an_endpoint() {
        let s = switches(&[]);
        assert!(!s.traces && !s.metrics);
        assert_eq!(s.otel_filter, DEFAULT_OTEL_FILTER);
        assert!(!switches(&[("OTEL_EXPORTER_OTLP_ENDPOINT", " ")]).traces);
    }

    #[test]
    fn each_signal_has_its_own_switch() {
        let general = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317");
        let s = switches(&[general]);
        assert!(s.traces && s.metrics);
        let s = switches(&[general, ("OTEL_METRICS_EXPORTER", "none")]);
        assert!(s.traces && !s.metrics);
        let s = switches(&[general, ("OTEL_TRACES_EXPORTER", "None")]);
        assert!(!s.traces && s.metrics);
        let s = switches(&[general, ("OTEL_SDK_DISABLED", "TRUE")]);
        assert!(!s.traces && !s.metrics);
        let s = switches(&[general, ("OTEL_SDK_DISABLED", "false")]);
        assert!(s.traces && s.metrics);
        let s = switches(&[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t:4317")]);
        assert!(s.traces && !s.metrics);
        let s = switches(&[("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://m:4317")]);
        assert!(!s.traces && s.metrics);
        let s = switches(&[("LIENTHONG_OTEL_FILTER", "debug")]);
        assert_eq!(s.otel_filter, "debug");
    }

    fn value(attributes: &[KeyValue], key: &str) -> Option<String> {
        attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.to_string())
    }

    #[test]
    fn resource_names_the_service_and_its_instance() {
        let extra = || vec![KeyValue::new("lienthong.hub.id", "H48")];
        let a = resource_attributes("lienthong-exchange", extra(), |_| None);
        let b = resource_attributes("lienthong-exchange", extra(), |_| None);
        assert_eq!(
            value(&a, "service.name").as_deref(),
            Some("lienthong-exchange")
        );
        assert_eq!(value(&a, "lienthong.hub.id").as_deref(), Some("H48"));
        let id = value(&a, "service.instance.id").expect("instance id");
        assert_eq!(id.len(), 32);
        assert_ne!(
            Some(id),
            value(&b, "service.instance.id"),
            "one per process start"
        );

        let env = |k: &str| match k {
            "OTEL_SERVICE_NAME" => Some("hub-a".to_string()),
            "OTEL_RESOURCE_ATTRIBUTES" => Some(
                "service.instance.id=pod-1, deployment.environment=prod%20a,service.name=x"
                    .to_string(),
            ),
            _ => None,
        };
        let c = resource_attributes("lienthong-exchange", extra(), env);
        assert_eq!(value(&c, "service.name").as_deref(), Some("hub-a"));
        assert_eq!(value(&c, "service.instance.id").as_deref(), Some("pod-1"));
        assert_eq!(
            value(&c, "deployment.environment").as_deref(),
            Some("prod a")
        );
        assert_eq!(
            c.iter()
                .filter(|kv| kv.key.as_str() == "service.name")
                .count(),
            1
        );
    }

    #[test]
    fn a_bad_filter_is_refused() {
        assert!(otel_filter(DEFAULT_OTEL_FILTER).is_ok());
        assert!(otel_filter("info,sqlx=nonsense[").is_err());
    }
}
