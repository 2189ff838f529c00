//! One hub process: a document accepted and not yet delivered survives SIGKILL; SIGTERM stops
//! the hub cleanly and tells live subscribers to come back.
use std::time::Duration;

use lienthong_api::exchange::v1::{
    AcknowledgeDocumentRequest, BusinessStatus, GetSentDocumentRequest, SubscribeRequest,
    TransportState, exchange_service_client::ExchangeServiceClient, inbox_item::Payload,
};
use lienthong_e2e::{Env, Service, attachment, document, send};
use lienthong_platform::{
    Identity,
    db::Backend,
    testing::{TestDb, TestPki, free_port},
};
use tokio_stream::StreamExt;

use crate::{G22, H48};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_hub_cleanly() {
    let pki = TestPki::new();
    let db = TestDb::new(Backend::Sqlite).await;
    let port = free_port();
    let env = Env::hub(&pki, "H48", port, &pki.data_dir("hub"), &db);
    let mut hub = Service::start("lienthong-exchange", &env, port, &pki.dir().join("hub.log"));
    hub.wait_ready(&pki.files(&Identity::Admin("ops".into())))
        .await;
    // A live subscription must not hold the shutdown up.
    let mut client = ExchangeServiceClient::new(hub.channel(&pki.agency(G22)).await);
    let mut stream = client
        .subscribe(SubscribeRequest { after_item_id: 0 })
        .await
        .expect("subscribe")
        .into_inner();
    hub.stop();
    // The subscriber is told to come back (UNAVAILABLE), not left hanging or cut off.
    let end = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .expect("the stream ends at once")
        .expect("the stream ends with a status, not silently")
        .expect_err("the stream ends with an error status");
    assert_eq!(end.code(), tonic::Code::Unavailable, "{end:?}");
    let log = std::fs::read_to_string(&hub.log).expect("log");
    assert!(log.contains("SIGTERM received"), "{log}");
}

pub async fn document_survives_sigkill_before_delivery(backend: Backend) {
    let pki = TestPki::new();
    let db = TestDb::new(backend).await;
    let port = free_port();
    let env = Env::hub(&pki, "H48", port, &pki.data_dir("hub"), &db);
    let log = pki.dir().join("hub.log");
    let (sender_files, recipient_files) = (pki.agency(H48), pki.agency(G22));

    let mut hub = Service::start("lienthong-exchange", &env, port, &log);
    hub.wait_ready(&sender_files).await;

    let content: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let header = document(H48, &[G22], 88, &content);
    let mut sender = ExchangeServiceClient::new(hub.channel(&sender_files).await);
    let receipt = send(&mut sender, header.clone(), &content).await;
    assert!(!receipt.duplicate);

    // Accepted, not yet delivered: the process dies without any chance to clean up.
    hub.kill();

    let mut hub = Service::start("lienthong-exchange", &env, port, &log);
    hub.wait_ready(&sender_files).await;
    let mut recipient = ExchangeServiceClient::new(hub.channel(&recipient_files).await);
    let mut inbox = recipient
        .subscribe(SubscribeRequest { after_item_id: 0 })
        .await
        .expect("subscribe")
        .into_inner();
    let item = tokio::time::timeout(Duration::from_secs(10), inbox.next())
        .await
        .expect("delivered after restart")
        .expect("item")
        .expect("ok")
        .item
        .expect("item");
    let Some(Payload::Document(doc)) = item.payload else {
        panic!("a document")
    };
    assert_eq!(doc.document_id, header.document_id);
    assert_eq!(
        attachment(&mut recipient, &doc.document_id).await,
        content,
        "the attachment survived the crash intact"
    );
    recipient
        .acknowledge_document(AcknowledgeDocumentRequest {
            document_id: doc.document_id.clone(),
        })
        .await
        .expect("ack");

    // A client that lost the receipt in the crash sends again: same receipt, no second copy.
    let mut sender = ExchangeServiceClient::new(hub.channel(&sender_files).await);
    let resent = send(&mut sender, header.clone(), &content).await;
    assert!(resent.duplicate);
    assert_eq!(resent.accept_time, receipt.accept_time);
    let view = sender
        .get_sent_document(GetSentDocumentRequest {
            document_id: doc.document_id.clone(),
        })
        .await
        .expect("view")
        .into_inner()
        .document
        .expect("view");
    assert_eq!(
        view.recipients[0].transport_state,
        TransportState::Acknowledged as i32
    );
    assert_eq!(view.recipients[0].current_status(), BusinessStatus::Arrived);
    hub.stop();
}
