//! An in-process OTLP collector for tests (feature `testing`): it stands in for the operator's
//! collector, receiving traces and metrics over OTLP/gRPC on `127.0.0.1` (plain HTTP/2, as a
//! collector on the same host is reached), and keeps everything it receives for assertions.
//!
//! ```ignore
//! let collector = Collector::start().await;
//! // a service started with OTEL_EXPORTER_OTLP_ENDPOINT=collector.endpoint() ...
//! collector.eventually_span("lienthong.exchange.v1.ExchangeService/SendDocument").await;
//! let span = collector.span("lienthong.exchange.v1.ExchangeService/SendDocument").unwrap();
//! assert_eq!(span.int("rpc.grpc.status_code"), Some(0));
//! assert_eq!(span.resource_str("lienthong.hub.id").as_deref(), Some("H48"));
//! ```
use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use opentelemetry_proto::tonic::{
    collector::{
        metrics::v1::{
            ExportMetricsServiceRequest, ExportMetricsServiceResponse,
            metrics_service_server::{MetricsService, MetricsServiceServer},
        },
        trace::v1::{
            ExportTraceServiceRequest, ExportTraceServiceResponse,
            trace_service_server::{TraceService, TraceServiceServer},
        },
    },
    common::v1::{KeyValue, any_value::Value},
    metrics::v1::{HistogramDataPoint, Metric, ResourceMetrics, metric::Data},
    trace::v1::{ResourceSpans, Span, span::SpanKind, status::StatusCode},
};
use tokio_util::sync::CancellationToken;

#[derive(Default)]
struct Received {
    spans: Mutex<Vec<ResourceSpans>>,
    metrics: Mutex<Vec<ResourceMetrics>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Clone)]
struct Sink(Arc<Received>);

#[tonic::async_trait]
impl TraceService for Sink {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        lock(&self.0.spans).extend(request.into_inner().resource_spans);
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl MetricsService for Sink {
    async fn export(
        &self,
        request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        lock(&self.0.metrics).extend(request.into_inner().resource_metrics);
        Ok(tonic::Response::new(ExportMetricsServiceResponse::default()))
    }
}

/// A running collector; it stops when dropped.
pub struct Collector {
    addr: SocketAddr,
    received: Arc<Received>,
    stop: CancellationToken,
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// One received span with the resource of the process that sent it.
#[derive(Clone, Debug)]
pub struct ReceivedSpan {
    pub span: Span,
    pub resource: Vec<KeyValue>,
}

impl ReceivedSpan {
    pub fn name(&self) -> &str {
        &self.span.name
    }
    pub fn is_server(&self) -> bool {
        self.span.kind == SpanKind::Server as i32
    }
    pub fn is_client(&self) -> bool {
        self.span.kind == SpanKind::Client as i32
    }
    /// The span's status: `Some(true)` error, `Some(false)` OK, `None` unset.
    pub fn is_error(&self) -> Option<bool> {
        match self.span.status.as_ref().map(|s| s.code) {
            Some(c) if c == StatusCode::Error as i32 => Some(true),
            Some(c) if c == StatusCode::Ok as i32 => Some(false),
            _ => None,
        }
    }
    /// The status message (set on errors).
    pub fn status_message(&self) -> String {
        self.span
            .status
            .as_ref()
            .map(|s| s.message.clone())
            .unwrap_or_default()
    }
    /// A span attribute's value.
    pub fn attribute(&self, key: &str) -> Option<&Value> {
        attribute(&self.span.attributes, key)
    }
    /// A string span attribute.
    pub fn str(&self, key: &str) -> Option<String> {
        as_string(self.attribute(key))
    }
    /// An integer span attribute.
    pub fn int(&self, key: &str) -> Option<i64> {
        match self.attribute(key) {
            Some(Value::IntValue(i)) => Some(*i),
            _ => None,
        }
    }
    /// A string resource attribute of the sending process (`service.name`, ...).
    pub fn resource_str(&self, key: &str) -> Option<String> {
        as_string(attribute(&self.resource, key))
    }
    /// Whether `other` is this span's parent.
    pub fn is_child_of(&self, other: &ReceivedSpan) -> bool {
        self.span.trace_id == other.span.trace_id && self.span.parent_span_id == other.span.span_id
    }
}

/// The value of `key` among OTLP attributes.
pub fn attribute<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a Value> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v| v.value.as_ref())
}

/// The string value of `key` among OTLP attributes (a resource's, an event's).
pub fn str_attribute(attributes: &[KeyValue], key: &str) -> Option<String> {
    as_string(attribute(attributes, key))
}

fn as_string(value: Option<&Value>) -> Option<String> {
    match value {
        Some(Value::StringValue(s)) => Some(s.clone()),
        _ => None,
    }
}

impl Collector {
    /// Listens on `127.0.0.1:0` and serves until dropped.
    pub async fn start() -> Collector {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("collector bind");
        let addr = listener.local_addr().expect("collector address");
        let received = Arc::new(Received::default());
        let stop = CancellationToken::new();
        let sink = Sink(received.clone());
        let server = tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(sink.clone()))
            .add_service(MetricsServiceServer::new(sink))
            .serve_with_incoming_shutdown(
                tokio_stream::wrappers::TcpListenerStream::new(listener),
                stop.clone().cancelled_owned(),
            );
        tokio::spawn(async move {
            if let Err(e) = server.await {
                eprintln!("OTLP test collector: {e}");
            }
        });
        Collector {
            addr,
            received,
            stop,
        }
    }

    /// The OTLP endpoint to export to (`http://127.0.0.1:port`), for
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` or an exporter's `with_endpoint`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every span received so far, each with its resource.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        lock(&self.received.spans)
            .iter()
            .flat_map(|rs| {
                let resource = rs
                    .resource
                    .as_ref()
                    .map(|r| r.attributes.clone())
                    .unwrap_or_default();
                rs.scope_spans
                    .iter()
                    .flat_map(|ss| ss.spans.iter())
                    .map(move |span| ReceivedSpan {
                        span: span.clone(),
                        resource: resource.clone(),
                    })
            })
            .collect()
    }

    /// The spans named `name` (`package.Service/Method` for RPCs).
    pub fn spans_named(&self, name: &str) -> Vec<ReceivedSpan> {
        self.spans()
            .into_iter()
            .filter(|s| s.name() == name)
            .collect()
    }

    /// The first span named `name`.
    pub fn span(&self, name: &str) -> Option<ReceivedSpan> {
        self.spans_named(name).into_iter().next()
    }

    /// Every metric received so far (each export of a metric is one entry), with the resource
    /// attributes of its sender.
    pub fn metrics(&self) -> Vec<(Metric, Vec<KeyValue>)> {
        lock(&self.received.metrics)
            .iter()
            .flat_map(|rm| {
                let resource = rm
                    .resource
                    .as_ref()
                    .map(|r| r.attributes.clone())
                    .unwrap_or_default();
                rm.scope_metrics
                    .iter()
                    .flat_map(|sm| sm.metrics.iter())
                    .map(move |m| (m.clone(), resource.clone()))
            })
            .collect()
    }

    /// The names of the metrics received so far, sorted, without repeats.
    pub fn metric_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.metrics().into_iter().map(|(m, _)| m.name).collect();
        names.sort();
        names.dedup();
        names
    }

    /// The data points of every export of the histogram `name` (read `attributes`, `count`).
    pub fn histogram_points(&self, name: &str) -> Vec<HistogramDataPoint> {
        self.metrics()
            .into_iter()
            .filter(|(m, _)| m.name == name)
            .filter_map(|(m, _)| match m.data {
                Some(Data::Histogram(h)) => Some(h.data_points),
                _ => None,
            })
            .flatten()
            .collect()
    }

    /// Waits (up to 30 s) until a span named `name` has arrived; panics otherwise.
    pub async fn eventually_span(&self, name: &str) -> ReceivedSpan {
        crate::testing::eventually(&format!("span {name}"), Duration::from_secs(30), || async {
            self.span(name)
        })
        .await
    }

    /// Waits (up to 30 s) until a metric named `name` has arrived; panics otherwise.
    pub async fn eventually_metric(&self, name: &str) -> Metric {
        crate::testing::eventually(
            &format!("metric {name}"),
            Duration::from_secs(30),
            || async {
                self.metrics()
                    .into_iter()
                    .map(|(m, _)| m)
                    .find(|m| m.name == name)
            },
        )
        .await
    }
}
