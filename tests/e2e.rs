//! End-to-end: the real `lienthong-exchange` binary, killed and restarted, over real mTLS, on
//! SQLite and PostgreSQL.
use std::time::Duration;

use lienthong_api::exchange::v1::{
    AcknowledgeDocumentRequest, Agency, AttachmentChunk, AttachmentInfo, DocumentHeader,
    FetchDocumentRequest, GetSentDocumentRequest, SendDocumentRequest, SubscribeRequest,
    TransportState, exchange_service_client::ExchangeServiceClient, fetch_document_response,
    inbox_item::Payload, send_document_request::Part,
};
use lienthong_e2e::{Pki, Service, free_port, hub_env};
use lienthong_platform::{Identity, db::Backend, testing::TestDb};
use sha2::{Digest, Sha256};
use tokio_stream::StreamExt;

mod federation;
mod integrations;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_steering_document_becomes_a_task_even_if_tasks_was_down() {
    integrations::steering_document_becomes_a_task_even_if_tasks_was_down(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_steering_document_becomes_a_task_even_if_tasks_was_down() {
    integrations::steering_document_becomes_a_task_even_if_tasks_was_down(Backend::Postgres).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_statistics_reach_reporting_across_its_restart() {
    integrations::statistics_reach_reporting_across_its_restart(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_statistics_reach_reporting_across_its_restart() {
    integrations::statistics_reach_reporting_across_its_restart(Backend::Postgres).await
}

const H48: &str = "000.00.00.H48";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_national_hub_killed_while_documents_are_sent() {
    federation::national_hub_killed_while_documents_are_sent(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_national_hub_killed_while_documents_are_sent() {
    federation::national_hub_killed_while_documents_are_sent(Backend::Postgres).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_provincial_hub_killed_mid_relay() {
    federation::provincial_hub_killed_mid_relay(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_provincial_hub_killed_mid_relay() {
    federation::provincial_hub_killed_mid_relay(Backend::Postgres).await
}
const G22: &str = "000.00.00.G22";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_document_survives_sigkill_before_delivery() {
    document_survives_sigkill_before_delivery(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_document_survives_sigkill_before_delivery() {
    document_survives_sigkill_before_delivery(Backend::Postgres).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_hub_cleanly() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut pki = Pki::new(&dir.path().join("pki"));
    let port = free_port();
    let env = hub_env(&mut pki, port, &dir.path().join("data"), None);
    let mut hub = Service::start(
        "lienthong-exchange",
        &env,
        port,
        &dir.path().join("hub.log"),
    );
    let admin = pki.files(&Identity::Admin("ops".into()));
    hub.wait_ready(&admin).await;
    // A live subscription must not hold the shutdown up.
    let mut client =
        ExchangeServiceClient::new(hub.channel(&pki.files(&Identity::Agency(G22.into()))).await);
    let mut stream = client
        .subscribe(SubscribeRequest { after_item_id: 0 })
        .await
        .expect("subscribe")
        .into_inner();
    let status = hub.terminate();
    assert!(status.success(), "exit status {status}");
    // The subscriber is told to come back (UNAVAILABLE), not left hanging.
    let end = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .expect("stream ends");
    if let Some(Err(e)) = end {
        assert!(
            matches!(
                e.code(),
                tonic::Code::Unavailable | tonic::Code::Unknown | tonic::Code::Cancelled
            ),
            "{e:?}"
        );
    }
    let log = std::fs::read_to_string(&hub.log).expect("log");
    assert!(log.contains("SIGTERM received"), "{log}");
}

async fn document_survives_sigkill_before_delivery(backend: Backend) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut pki = Pki::new(&dir.path().join("pki"));
    let db = TestDb::new(backend).await;
    let port = free_port();
    let env = hub_env(&mut pki, port, &dir.path().join("data"), db.url.as_deref());
    let log = dir.path().join("hub.log");
    let sender_files = pki.files(&Identity::Agency(H48.into()));
    let recipient_files = pki.files(&Identity::Agency(G22.into()));

    let mut hub = Service::start("lienthong-exchange", &env, port, &log);
    hub.wait_ready(&sender_files).await;

    let content: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let header = DocumentHeader {
        from: Some(Agency {
            code: H48.into(),
            ..Default::default()
        }),
        to: vec![Agency {
            code: G22.into(),
            ..Default::default()
        }],
        document_id: format!("{H48},2026/11/26,88/UBND-KT"),
        subject: "Báo cáo tình hình triển khai chính quyền số".into(),
        attachments: vec![AttachmentInfo {
            name: "bao-cao.pdf".into(),
            content_type: "application/pdf".into(),
            size: content.len() as u64,
            sha256: hex_digest(&content),
            description: String::new(),
        }],
        ..Default::default()
    };
    let mut msgs = vec![SendDocumentRequest {
        part: Some(Part::Header(header.clone())),
    }];
    for piece in content.chunks(64 * 1024) {
        msgs.push(SendDocumentRequest {
            part: Some(Part::Chunk(AttachmentChunk {
                attachment_index: 0,
                data: piece.to_vec(),
            })),
        });
    }
    let mut sender = ExchangeServiceClient::new(hub.channel(&sender_files).await);
    let receipt = sender
        .send_document(tokio_stream::iter(msgs))
        .await
        .expect("accepted")
        .into_inner();
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

    let mut stream = recipient
        .fetch_document(FetchDocumentRequest {
            document_id: doc.document_id.clone(),
            include_content: true,
        })
        .await
        .expect("fetch")
        .into_inner();
    let mut bytes = Vec::new();
    while let Some(msg) = stream.next().await {
        if let Some(fetch_document_response::Part::Chunk(c)) = msg.expect("chunk").part {
            bytes.extend_from_slice(&c.data);
        }
    }
    assert_eq!(bytes, content, "the attachment survived the crash intact");
    recipient
        .acknowledge_document(AcknowledgeDocumentRequest {
            document_id: doc.document_id.clone(),
        })
        .await
        .expect("ack");

    // A client that lost the receipt in the crash sends again: same receipt, no second copy.
    let mut sender = ExchangeServiceClient::new(hub.channel(&sender_files).await);
    let mut again = vec![SendDocumentRequest {
        part: Some(Part::Header(header.clone())),
    }];
    again.push(SendDocumentRequest {
        part: Some(Part::Chunk(AttachmentChunk {
            attachment_index: 0,
            data: content.clone(),
        })),
    });
    let resent = sender
        .send_document(tokio_stream::iter(again))
        .await
        .expect("resend")
        .into_inner();
    assert!(resent.duplicate);
    assert_eq!(resent.accepted_at, receipt.accepted_at);
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
    assert_eq!(view.recipients[0].current_status, "01");

    let status = hub.terminate();
    assert!(status.success(), "{status}");
    db.drop_db().await;
}

fn hex_digest(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
