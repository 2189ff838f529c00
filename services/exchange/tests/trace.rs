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
    fetched_in_a_trace_of_its_own(&axis).await;
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
            let fetched = names.iter().any(|n| n == "document.deliver");
            (relays >= 2 && deliveries >= 2 && fetched).then_some(names)
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
    // Each hop shows as its server span, and as its client span when the channel records
    // one: two hops either way.
    assert!(
        relays == 2 || relays == 4,
        "H48 → national → H41 in the sender's trace: {in_trace:?}"
    );
    assert!(
        in_trace.iter().filter(|n| *n == "outbox.deliver").count() >= 2,
        "{in_trace:?}"
    );
    the_delivery_links_the_fetching_call(&exporter);
    the_axis_attributes_are_on_the_rpc_spans(&exporter);
    tracked_with_the_senders_trace_id(&binh_son, &exporter).await;
    a_refusal_records_its_fault_code(&binh_son, &provider, &exporter).await;
    axis.stop().await;
}

const DOCUMENT_ID: &str = "000.00.53.H48,2026/11/26,1/UBND-TH";

/// The recipient fetches the document in a call of its own trace: the delivery it records
/// continues the document's trace.
async fn fetched_in_a_trace_of_its_own(axis: &Axis) {
    let mut nghe_an = axis.h41.agency("000.00.00.H41").await;
    wait_for_documents(&nghe_an, 1).await;
    fetch_all(&mut nghe_an, DOCUMENT_ID)
        .instrument(tracing::info_span!("clerk fetches"))
        .await
        .expect("fetched");
}

/// The delivery span is in the document's trace and links to the fetching clerk's trace.
fn the_delivery_links_the_fetching_call(exporter: &InMemorySpanExporter) {
    let spans = exporter.get_finished_spans().expect("spans");
    let clerk = spans
        .iter()
        .find(|s| s.name == "clerk fetches")
        .expect("the clerk's span");
    let deliver = spans
        .iter()
        .find(|s| s.name == "document.deliver")
        .expect("the delivery span");
    assert_ne!(
        deliver.span_context.trace_id(),
        clerk.span_context.trace_id(),
        "the delivery is not in the fetching call's trace"
    );
    assert!(
        deliver
            .links
            .iter()
            .any(|l| l.span_context.trace_id() == clerk.span_context.trace_id()),
        "the delivery links to the fetching call: {:?}",
        deliver.links
    );
}

/// TrackDocument names the trace the document was sent in.
async fn tracked_with_the_senders_trace_id(
    binh_son: &lienthong_api::exchange::v1::exchange_service_client::ExchangeServiceClient<
        lienthong_platform::client::TracedChannel,
    >,
    exporter: &InMemorySpanExporter,
) {
    let spans = exporter.get_finished_spans().expect("spans");
    let root = spans
        .iter()
        .find(|s| s.name == "clerk sends to Nghệ An")
        .expect("the sender's span");
    let tracked = binh_son
        .clone()
        .track_document(lienthong_api::exchange::v1::TrackDocumentRequest {
            document_id: DOCUMENT_ID.into(),
        })
        .await
        .expect("tracked")
        .into_inner();
    assert_eq!(tracked.trace_id, root.span_context.trace_id().to_string());
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

/// The value of attribute `key` on a span, as text.
fn attribute(span: &opentelemetry_sdk::trace::SpanData, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.to_string())
}

/// The hub's own attributes are on the spans of the calls: who sent which document, through
/// which hubs, and what the acknowledgement was about.
fn the_axis_attributes_are_on_the_rpc_spans(exporter: &InMemorySpanExporter) {
    let spans = exporter.get_finished_spans().expect("spans");
    let with = |name: &str, key: &str| -> Vec<String> {
        spans
            .iter()
            .filter(|s| s.name == name)
            .filter_map(|s| attribute(s, key))
            .collect()
    };
    let send = "lienthong.exchange.v1.ExchangeService/SendDocument";
    assert_eq!(with(send, "lienthong.document_id"), [DOCUMENT_ID]);
    assert_eq!(with(send, "lienthong.agency"), ["000.00.53.H48"]);
    assert_eq!(with(send, "lienthong.hub.id"), ["H48"]);
    assert_eq!(with(send, "lienthong.attachment.count"), ["0"]);
    assert_eq!(with(send, "lienthong.succeeded"), ["true"]);
    let relay = "lienthong.exchange.v1.RelayService/RelayDocument";
    let mut peers = with(relay, "lienthong.peer_hub");
    peers.sort();
    assert_eq!(
        peers,
        ["H48", "national"],
        "each receiving hub names the one before"
    );
    let ack = "lienthong.exchange.v1.ExchangeService/AcknowledgeDocument";
    assert_eq!(with(ack, "lienthong.agency"), ["000.00.00.H41"]);
}

/// A refused call's span carries the stable reason as the fault code, and not succeeded.
async fn a_refusal_records_its_fault_code(
    binh_son: &lienthong_api::exchange::v1::exchange_service_client::ExchangeServiceClient<
        lienthong_platform::client::TracedChannel,
    >,
    provider: &opentelemetry_sdk::trace::SdkTracerProvider,
    exporter: &InMemorySpanExporter,
) {
    let unknown = "000.00.53.H48,2026/11/26,999/UBND-TH";
    let e = binh_son
        .clone()
        .track_document(lienthong_api::exchange::v1::TrackDocumentRequest {
            document_id: unknown.into(),
        })
        .await
        .expect_err("no such document");
    assert_eq!(e.code(), tonic::Code::NotFound);
    let refused = eventually("the refused call's span", PATIENCE, || async {
        provider.force_flush().expect("flush");
        let spans = exporter.get_finished_spans().expect("spans");
        spans
            .iter()
            .find(|s| {
                s.name == "lienthong.exchange.v1.ExchangeService/TrackDocument"
                    && attribute(s, "lienthong.document_id").as_deref() == Some(unknown)
            })
            .cloned()
    })
    .await;
    assert_eq!(
        attribute(&refused, "lienthong.fault_code").as_deref(),
        Some("NO_DOCUMENT")
    );
    assert_eq!(
        attribute(&refused, "lienthong.succeeded").as_deref(),
        Some("false")
    );
}
