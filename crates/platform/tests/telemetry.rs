//! RPC telemetry over real mTLS, exported over OTLP to the in-process collector: server and
//! client spans after the gRPC semantic conventions, the duration histograms, and the export
//! filter. (One test in this binary: it installs the global subscriber and meter provider.)
use std::{
    convert::Infallible,
    future::{Ready, ready},
    net::SocketAddr,
    task::{Context, Poll},
};

use http::uri::PathAndQuery;
use lienthong_platform::{
    Identity,
    authz::{Policy, anyone},
    client::{TracedChannel, connect},
    server::{ServeOptions, serve},
    shutdown::Shutdown,
    telemetry,
    testing::{TRUST_DOMAIN, TestPki},
    testing_otlp::{Collector, ReceivedSpan},
    tls::ReloadableServerConfig,
};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::{metrics::SdkMeterProvider, trace::SdkTracerProvider};
use tonic::{Code, Status, body::Body};
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
use tracing::Instrument;
use tracing_subscriber::layer::SubscriberExt as _;

const AGENCY: &str = "000.00.00.H48";

/// A service whose methods fail in the ways a server can: refused with a client-fault code,
/// failing with a server-fault code in a trailers-only answer, or in the trailers of a body.
#[derive(Clone)]
struct Probe;

impl tonic::server::NamedService for Probe {
    const NAME: &'static str = "test.v1.Probe";
}

impl tower::Service<http::Request<Body>> for Probe {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        ready(Ok(match req.uri().path() {
            "/test.v1.Probe/Internal" => Status::internal("the disk is 100% on fire").into_http(),
            "/test.v1.Probe/Invalid" => Status::invalid_argument("no such field").into_http(),
            _ => {
                let mut trailers = http::HeaderMap::new();
                trailers.insert("grpc-status", http::HeaderValue::from_static("14"));
                trailers.insert(
                    "grpc-message",
                    http::HeaderValue::from_static("peer%20down"),
                );
                let frames = futures_util::stream::iter([Ok::<_, Status>(
                    http_body::Frame::trailers(trailers),
                )]);
                let mut response =
                    http::Response::new(Body::new(http_body_util::StreamBody::new(frames)));
                response.headers_mut().insert(
                    "content-type",
                    http::HeaderValue::from_static("application/grpc"),
                );
                response
            }
        }))
    }
}

/// Exports spans and metrics to `collector` the way a service does, with the platform's filter.
fn export_to(collector: &Collector) -> (SdkTracerProvider, SdkMeterProvider) {
    let spans = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(collector.endpoint())
        .build()
        .expect("span exporter");
    let traces = SdkTracerProvider::builder()
        .with_batch_exporter(spans)
        .build();
    let metrics = opentelemetry_otlp::MetricExporter::builder()
        .with_tonic()
        .with_endpoint(collector.endpoint())
        .build()
        .expect("metric exporter");
    let meters = SdkMeterProvider::builder()
        .with_periodic_exporter(metrics)
        .build();
    opentelemetry::global::set_meter_provider(meters.clone());
    let subscriber =
        tracing_subscriber::registry().with(telemetry::otel_layer(traces.tracer("telemetry-test")));
    tracing::subscriber::set_global_default(subscriber).expect("one global subscriber");
    (traces, meters)
}

async fn start_server(pki: &TestPki, shutdown: &Shutdown) -> SocketAddr {
    let mut routes = tonic::service::Routes::builder();
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("", tonic_health::ServingStatus::Serving)
        .await;
    routes.add_service(health).add_service(Probe);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let policy = Policy::new(TRUST_DOMAIN)
        .allow("/grpc.health.v1.Health/", anyone, "any identity")
        .allow("/test.v1.Probe/", anyone, "any identity");
    let files = pki.files(&Identity::Service("probe".into()));
    let options = ServeOptions::new(
        ReloadableServerConfig::load(files).expect("tls"),
        policy,
        shutdown.clone(),
    );
    tokio::spawn(serve(listener, routes.routes(), options));
    addr
}

async fn call(channel: &TracedChannel, path: &'static str) -> Code {
    let mut grpc = tonic::client::Grpc::new(channel.clone());
    grpc.ready().await.expect("ready");
    let codec = tonic_prost::ProstCodec::<(), ()>::default();
    match grpc
        .unary(
            tonic::Request::new(()),
            PathAndQuery::from_static(path),
            codec,
        )
        .await
    {
        Ok(_) => Code::Ok,
        Err(status) => status.code(),
    }
}

/// The calls of the test, under one parent span of the "clerk".
async fn make_calls(addr: SocketAddr, pki: &TestPki) {
    let url = format!("https://127.0.0.1:{}", addr.port());
    let channel = connect(&url, &pki.agency(AGENCY)).await.expect("connect");
    async {
        HealthClient::new(channel.clone())
            .check(HealthCheckRequest::default())
            .await
            .expect("health");
        assert_eq!(
            call(&channel, "/test.v1.Probe/Internal").await,
            Code::Internal
        );
        assert_eq!(
            call(&channel, "/test.v1.Probe/Invalid").await,
            Code::InvalidArgument
        );
        assert_eq!(
            call(&channel, "/test.v1.Probe/Down").await,
            Code::Unavailable
        );
        assert_eq!(
            call(&channel, "/test.v1.Hidden/Call").await,
            Code::PermissionDenied
        );
        // A stream the client stops reading: both spans last until then.
        let mut watch = HealthClient::new(channel.clone())
            .watch(HealthCheckRequest::default())
            .await
            .expect("watch")
            .into_inner();
        watch.message().await.expect("first").expect("a status");
        drop(watch);
        // What the platform's filter must keep out of the export, and what it must let in.
        tracing::warn!(target: "sqlx::query", "SELECT secret FROM agencies");
        tracing::warn!(target: "rustls::conn", "TLS internals");
        tracing::warn!("clerk event kept");
    }
    .instrument(tracing::info_span!("clerk"))
    .await;
}

/// The SERVER and CLIENT spans of one method, checked against each other.
fn pair(spans: &[ReceivedSpan], name: &str) -> (ReceivedSpan, ReceivedSpan) {
    let find = |server: bool| {
        spans
            .iter()
            .find(|s| s.name() == name && s.is_server() == server && s.is_client() != server)
            .cloned()
            .unwrap_or_else(|| panic!("{name} server={server} among {spans:#?}"))
    };
    let (server, client) = (find(true), find(false));
    assert!(
        server.is_child_of(&client),
        "{name}: server span is the client's child"
    );
    for s in [&server, &client] {
        assert_eq!(s.str("rpc.system").as_deref(), Some("grpc"));
        let (service, method) = name.split_once('/').expect("service/method");
        assert_eq!(s.str("rpc.service").as_deref(), Some(service));
        assert_eq!(s.str("rpc.method").as_deref(), Some(method));
        assert_eq!(s.str("server.address").as_deref(), Some("127.0.0.1"));
    }
    (server, client)
}

fn check_spans(collector: &Collector, addr: SocketAddr) {
    let spans = collector.spans();
    let clerk = spans
        .iter()
        .find(|s| s.name() == "clerk")
        .expect("clerk span");
    let (server, client) = pair(&spans, "test.v1.Probe/Internal");
    assert!(
        client.is_child_of(clerk),
        "the client span continues the caller's trace"
    );
    assert_eq!(server.int("rpc.grpc.status_code"), Some(13));
    assert_eq!(server.is_error(), Some(true));
    assert_eq!(server.status_message(), "the disk is 100% on fire");
    assert_eq!(server.str("error.type").as_deref(), Some("INTERNAL"));
    assert_eq!(server.int("server.port"), Some(i64::from(addr.port())));
    assert_eq!(
        server.str("network.peer.address").as_deref(),
        Some("127.0.0.1")
    );
    let me = format!("spiffe://{TRUST_DOMAIN}/agency/{AGENCY}");
    assert_eq!(server.str("enduser.id"), Some(me.clone()));
    assert_eq!(client.is_error(), Some(true));

    let (server, client) = pair(&spans, "test.v1.Probe/Invalid");
    assert_eq!(server.int("rpc.grpc.status_code"), Some(3));
    assert_eq!(
        server.is_error(),
        None,
        "the caller's mistake is no server error"
    );
    assert_eq!(client.is_error(), Some(true), "but it is the client's");
    assert_eq!(
        client.str("error.type").as_deref(),
        Some("INVALID_ARGUMENT")
    );
    assert_eq!(client.int("rpc.grpc.status_code"), Some(3));

    let (server, client) = pair(&spans, "test.v1.Probe/Down");
    assert_eq!(
        server.int("rpc.grpc.status_code"),
        Some(14),
        "read from the trailers"
    );
    assert_eq!(server.status_message(), "peer down");
    assert_eq!(
        (server.is_error(), client.is_error()),
        (Some(true), Some(true))
    );

    let (server, _) = pair(&spans, "test.v1.Hidden/Call");
    assert_eq!(
        server.int("rpc.grpc.status_code"),
        Some(7),
        "refused by the AuthLayer"
    );
    assert_eq!(server.str("enduser.id"), Some(me));

    let (server, client) = pair(&spans, "grpc.health.v1.Health/Check");
    assert_eq!(server.int("rpc.grpc.status_code"), Some(0));
    assert_eq!(
        (server.is_error(), client.is_error()),
        (Some(false), Some(false))
    );
    assert!(server.int("rpc.response.size").is_some_and(|n| n > 0));

    let events: Vec<&str> = clerk.span.events.iter().map(|e| e.name.as_str()).collect();
    assert!(events.contains(&"clerk event kept"), "{events:?}");
    assert!(
        !events
            .iter()
            .any(|e| e.contains("SELECT") || e.contains("TLS")),
        "{events:?}"
    );
    assert!(
        !spans
            .iter()
            .any(|s| s.span.events.iter().any(|e| e.name.contains("SELECT")))
    );
}

fn check_metrics(collector: &Collector) {
    for name in ["rpc.server.call.duration", "rpc.client.call.duration"] {
        let points = collector.histogram_points(name);
        for (method, code) in [("Internal", 13), ("Invalid", 3), ("Down", 14), ("Check", 0)] {
            let found = points.iter().any(|p| {
                let attr = |k| lienthong_platform::testing_otlp::attribute(&p.attributes, k);
                p.count > 0
                    && matches!(attr("rpc.method"), Some(Value::StringValue(m)) if m == method)
                    && matches!(attr("rpc.grpc.status_code"), Some(Value::IntValue(c)) if *c == code)
                    && matches!(attr("rpc.system"), Some(Value::StringValue(s)) if s == "grpc")
            });
            assert!(found, "{name} {method} {code} among {points:#?}");
        }
        let unit = collector
            .metrics()
            .into_iter()
            .find(|(m, _)| m.name == name)
            .map(|(m, _)| m.unit);
        assert_eq!(unit.as_deref(), Some("s"));
    }
}

use opentelemetry_proto::tonic::common::v1::any_value::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rpc_spans_and_durations_follow_the_conventions() {
    let collector = Collector::start().await;
    let (traces, meters) = export_to(&collector);
    // After the global subscriber, so the harness's own (console) subscriber stays out.
    let pki = TestPki::new();
    let shutdown = Shutdown::new();
    let addr = start_server(&pki, &shutdown).await;

    make_calls(addr, &pki).await;

    // The server learns of the abandoned stream when the client's reset arrives: flush until
    // its span has ended.
    let flushed = || {
        let (traces, meters) = (traces.clone(), meters.clone());
        async move {
            tokio::task::spawn_blocking(move || {
                traces.force_flush().expect("flush spans");
                meters.force_flush().expect("flush metrics");
            })
            .await
            .expect("flush");
        }
    };
    lienthong_platform::testing::eventually("the stream's spans", WAIT, || async {
        flushed().await;
        (collector.spans_named(WATCH).len() == 2).then_some(())
    })
    .await;
    shutdown.trigger();
    check_spans(&collector, addr);
    check_stream(&collector);
    check_metrics(&collector);
}

const WATCH: &str = "grpc.health.v1.Health/Watch";
const WAIT: std::time::Duration = std::time::Duration::from_secs(10);

fn check_stream(collector: &Collector) {
    let (server, client) = pair(&collector.spans(), WATCH);
    assert_eq!(server.int("rpc.grpc.status_code"), Some(1), "CANCELLED");
    assert_eq!(server.is_error(), None, "the client left: no server error");
    assert_eq!(client.int("rpc.grpc.status_code"), Some(1));
    assert_eq!(client.is_error(), Some(true));
    assert!(
        server.int("rpc.response.size").is_some_and(|n| n > 0),
        "the first status"
    );
}
