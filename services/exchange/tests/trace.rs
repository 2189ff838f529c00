//! One trace follows a document from the sender's call through every hub it crosses (W3C trace
//! context in gRPC metadata, kept in the relay outbox across the store-and-forward step).
//!
//! Still its own test binary: it installs a process-wide tracing subscriber with an in-memory
//! exporter, which would capture (and be disturbed by) the spans of every other test running
//! in the same process.
#[path = "api/support.rs"]
#[allow(dead_code, unused_imports)]
mod support;

use lienthong_api::exchange::v1::ListPendingRequest;
use lienthong_platform::db::Backend;
use opentelemetry_sdk::trace::InMemorySpanExporter;
use support::*;
use tracing::Instrument;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_trace_from_the_sender_to_the_recipients_hub() {
    let (exporter, provider) = lienthong_platform::testing::capture_spans();

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
    acknowledged_at_the_recipients_hub(&axis, &binh_son).await;
    // The spans of the last relays end shortly after the calls they answer.
    let in_trace = eventually("the relays' spans", PATIENCE, || {
        let (provider, exporter) = (provider.clone(), exporter.clone());
        async move {
            provider.force_flush().expect("flush");
            let names = names_in_the_senders_trace(&exporter);
            let relays = names
                .iter()
                .filter(|n| *n == "lienthong.exchange.v1.RelayService/RelayDocument")
                .count();
            let deliveries = names.iter().filter(|n| *n == "outbox.deliver").count();
            (relays >= 2 && deliveries >= 2).then_some(names)
        }
    })
    .await;
    let relays = in_trace
        .iter()
        .filter(|n| *n == "lienthong.exchange.v1.RelayService/RelayDocument")
        .count();
    assert!(
        in_trace
            .iter()
            .any(|n| n == "lienthong.exchange.v1.ExchangeService/SendDocument"),
        "{in_trace:?}"
    );
    assert_eq!(
        relays, 2,
        "H48 → national → H41 in the sender's trace: {in_trace:?}"
    );
    assert!(
        in_trace.iter().filter(|n| *n == "outbox.deliver").count() >= 2,
        "{in_trace:?}"
    );
    axis.stop().await;
}

/// Once delivered at H41, the recipient acknowledges on its own hub, in a call of its own (no
/// trace context): the acknowledgement and its way back to the sender's hub join the
/// document's trace.
async fn acknowledged_at_the_recipients_hub(
    axis: &Axis,
    binh_son: &lienthong_api::exchange::v1::exchange_service_client::ExchangeServiceClient<
        lienthong_platform::client::TracedChannel,
    >,
) {
    let nghe_an = axis.h41.agency("000.00.00.H41").await;
    eventually("delivery at H41", PATIENCE, || {
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
    let mut ack_client = nghe_an.clone();
    ack_client
        .acknowledge_document(lienthong_api::exchange::v1::AcknowledgeDocumentRequest {
            document_id: "000.00.53.H48,2026/11/26,1/UBND-TH".into(),
        })
        .await
        .expect("ack");
    eventually("the acknowledgement at the sender's hub", PATIENCE, || {
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
            (v.recipients[0].current_status()
                == lienthong_api::exchange::v1::BusinessStatus::Arrived)
                .then_some(())
        }
    })
    .await;
}

/// The names of the spans in the trace of the clerk's call.
fn names_in_the_senders_trace(exporter: &InMemorySpanExporter) -> Vec<String> {
    let spans = exporter.get_finished_spans().expect("spans");
    let Some(root) = spans.iter().find(|s| s.name == "clerk sends to Nghệ An") else {
        return Vec::new();
    };
    let trace = root.span_context.trace_id();
    spans
        .iter()
        .filter(|s| s.span_context.trace_id() == trace)
        .map(|s| s.name.to_string())
        .collect()
}
