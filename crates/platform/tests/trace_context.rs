//! W3C trace context crosses a gRPC hop over our mTLS: the server's span is a child of the
//! client's RPC span, itself a child of the caller's span, in the same trace. (One test in this
//! binary: it installs a global subscriber.)

use lienthong_platform::{
    Identity,
    authz::{Policy, anyone},
    client::connect,
    pki::DevCa,
    server::{ServeOptions, serve},
    shutdown::Shutdown,
    tls::ReloadableServerConfig,
};
use opentelemetry::trace::SpanKind;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
use tracing::Instrument;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_span_continues_the_client_trace() {
    let (exporter, provider) = lienthong_platform::testing::capture_spans();

    let dir = tempfile::tempdir().expect("tmp");
    let mut pki = DevCa::init(dir.path(), "trace.test").expect("pki");
    let server_files = pki
        .issue(&Identity::Service("probe".into()), &[])
        .expect("server cert");
    let client_files = pki
        .issue(&Identity::agency("000.00.00.H48").unwrap(), &[])
        .expect("client cert");

    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("", tonic_health::ServingStatus::Serving)
        .await;
    let mut routes = tonic::service::Routes::builder();
    routes.add_service(health);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let shutdown = Shutdown::new();
    let options = ServeOptions::new(
        ReloadableServerConfig::load(server_files).expect("tls"),
        Policy::new("trace.test").allow("/grpc.health.v1.Health/", anyone, "any identity"),
        shutdown.clone(),
    );
    let server = tokio::spawn(serve(listener, routes.routes(), options));

    let channel = connect(&format!("https://127.0.0.1:{}", addr.port()), &client_files)
        .await
        .expect("connect");
    let span = tracing::info_span!("clerk sends");
    async {
        HealthClient::new(channel)
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await
            .expect("check");
    }
    .instrument(span)
    .await;
    shutdown.trigger();
    server.await.expect("join").expect("serve");
    provider.force_flush().expect("flush");

    let spans = exporter.get_finished_spans().expect("spans");
    let client = spans
        .iter()
        .find(|s| s.name == "clerk sends")
        .expect("client span");
    let server = spans
        .iter()
        .find(|s| s.name == "grpc.health.v1.Health/Check")
        .unwrap_or_else(|| {
            panic!(
                "server span among {:?}",
                spans.iter().map(|s| &s.name).collect::<Vec<_>>()
            )
        });
    assert_eq!(server.span_kind, SpanKind::Server);
    assert_eq!(
        server.span_context.trace_id(),
        client.span_context.trace_id(),
        "one trace across the hop"
    );
    // The channel's CLIENT span sits between them: the caller's span → client → server.
    let rpc_client = spans
        .iter()
        .find(|s| s.span_kind == SpanKind::Client)
        .expect("client RPC span");
    assert_eq!(rpc_client.parent_span_id, client.span_context.span_id());
    assert_eq!(server.parent_span_id, rpc_client.span_context.span_id());
}
