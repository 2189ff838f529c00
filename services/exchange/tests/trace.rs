//! One trace follows a document from the sender's call through every hub it crosses (W3C trace
//! context in gRPC metadata, kept in the relay outbox across the store-and-forward step).
//! Its own test binary: it installs a global subscriber with an in-memory exporter.
#[path = "api/support.rs"]
#[allow(dead_code)]
mod support;

use std::time::Duration;

use lienthong_api::exchange::v1::ListPendingRequest;
use lienthong_platform::{db::Backend, telemetry};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
use support::*;
use tracing::Instrument;
use tracing_subscriber::layer::SubscriberExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_trace_from_the_sender_to_the_recipients_hub() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let subscriber =
        tracing_subscriber::registry().with(telemetry::otel_layer(provider.tracer("test")));
    tracing::subscriber::set_global_default(subscriber).expect("global subscriber");

    let axis = spawn_axis(Backend::Sqlite).await;
    let mut binh_son = axis.h48.agency("000.00.53.H48").await;
    let span = tracing::info_span!("clerk sends to Nghệ An");
    async {
        send(
            &mut binh_son,
            header("000.00.53.H48", &["000.00.00.H41"], 1, &[]),
            &[],
        )
        .await
        .expect("send");
    }
    .instrument(span)
    .await;
    let nghe_an = axis.h41.agency("000.00.00.H41").await;
    poll_until("delivery at H41", || {
        let mut c = nghe_an.clone();
        async move {
            let n = c
                .list_pending(ListPendingRequest::default())
                .await
                .expect("pending")
                .into_inner()
                .items
                .len();
            (n > 0).then_some(())
        }
    })
    .await;
    // The recipient acknowledges on its own hub, in a call of its own (no trace context): the
    // acknowledgement and its way back to the sender's hub join the document's trace.
    let mut ack_client = nghe_an.clone();
    ack_client
        .acknowledge_document(lienthong_api::exchange::v1::AcknowledgeDocumentRequest {
            document_id: "000.00.53.H48,2026/11/26,1/UBND-TH".into(),
        })
        .await
        .expect("ack");
    poll_until("the acknowledgement at the sender's hub", || {
        let mut c = binh_son.clone();
        async move {
            let v = c
                .get_sent_document(lienthong_api::exchange::v1::GetSentDocumentRequest {
                    document_id: "000.00.53.H48,2026/11/26,1/UBND-TH".into(),
                })
                .await
                .expect("view")
                .into_inner()
                .document
                .expect("view");
            (v.recipients[0].current_status == "01").then_some(())
        }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    provider.force_flush().expect("flush");

    let spans = exporter.get_finished_spans().expect("spans");
    let root = spans
        .iter()
        .find(|s| s.name == "clerk sends to Nghệ An")
        .expect("client span");
    let trace = root.span_context.trace_id();
    let in_trace: Vec<&str> = spans
        .iter()
        .filter(|s| s.span_context.trace_id() == trace)
        .map(|s| s.name.as_ref())
        .collect();
    let relays = in_trace
        .iter()
        .filter(|n| **n == "lienthong.exchange.v1.RelayService/RelayDocument")
        .count();
    assert!(
        in_trace.contains(&"lienthong.exchange.v1.ExchangeService/SendDocument"),
        "{in_trace:?}"
    );
    assert_eq!(
        relays, 2,
        "H48 → national → H41 in the sender's trace: {in_trace:?}"
    );
    assert!(
        in_trace.iter().filter(|n| **n == "outbox.deliver").count() >= 2,
        "{in_trace:?}"
    );
    axis.stop().await;
}
