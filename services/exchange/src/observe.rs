//! The axis's own attributes on the current span (in a handler: the RPC's server span), the
//! fields X-Road's operational monitoring records per exchange: `lienthong.agency`,
//! `lienthong.document_id`, `lienthong.hub.id`, `lienthong.peer_hub`,
//! `lienthong.attachment.count` and `.bytes`, `lienthong.status_code`, `lienthong.succeeded`
//! (`lienthong.fault_code` is set where refusals become statuses, `platform::error`).
use opentelemetry::Value;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// Sets `attributes` on the current span.
pub fn record(attributes: &[(&'static str, Value)]) {
    let span = tracing::Span::current();
    for (key, value) in attributes {
        span.set_attribute(*key, value.clone());
    }
}

/// A text attribute.
pub fn text(value: &str) -> Value {
    Value::from(value.to_string())
}

/// The call succeeded (a refusal records false with its fault code instead).
pub fn succeeded() {
    record(&[("lienthong.succeeded", Value::Bool(true))]);
}
