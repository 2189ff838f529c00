//! The life of one document at one hub: sent with attachments, pushed to a subscribed
//! recipient, fetched, acknowledged, its statuses reported and watched by the sender, then
//! revoked and the revocation answered.
use std::time::Duration;

use lienthong_api::exchange::v1::{
    BusinessStatus as S, ConfirmStatusMessagesRequest, GetSentDocumentRequest, ListPendingRequest,
    ListSentDocumentsRequest, RevokeDocumentRequest, RevokeState, SubscribeRequest,
    SubscribeResponse, TransportState, WatchSentDocumentRequest, WatchSentDocumentResponse,
    exchange_service_client::ExchangeServiceClient, inbox_item::Payload,
};
use lienthong_platform::{client::TracedChannel, db::Backend};
use tokio_stream::StreamExt;
use tonic::{Code, Streaming};

use crate::support::*;

type Client = ExchangeServiceClient<TracedChannel>;

pub async fn full_flow_with_statuses_and_revoke(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut sender = hub.agency(H48).await;
    let mut vpcp = hub.agency(G22).await;
    let mut so = hub.agency(STTTT).await;

    // The recipient is subscribed before the document exists: it arrives by push.
    let vpcp_inbox = vpcp
        .subscribe(SubscribeRequest { after_item_id: 0 })
        .await
        .expect("subscribe")
        .into_inner();
    let pdf: Vec<u8> = (0..150_000u32).map(|i| (i % 251) as u8).collect();
    let docx = b"Phu luc: danh sach nhiem vu".to_vec();
    let h = header(
        H48,
        &[G22, STTTT],
        125,
        &[("quyet-dinh.pdf", &pdf), ("phu-luc.docx", &docx)],
    );
    let doc_id = h.document_id.clone();
    let receipt = send(&mut sender, h, &[&pdf, &docx]).await.expect("send");
    assert!(!receipt.duplicate);
    assert_eq!(receipt.recipients, vec![G22.to_string(), STTTT.to_string()]);

    let mut watch = watch_from_the_start(&mut sender, &doc_id).await;
    pushed_and_fetched(vpcp_inbox, &mut vpcp, &doc_id, vec![pdf, docx]).await;
    acknowledged_and_reported(&mut vpcp, &mut so, &doc_id).await;
    watcher_sees_the_statuses(&mut watch).await;
    statuses_flow_back_to_the_sender(&mut sender).await;
    revoked_and_answered(&mut sender, &mut vpcp, &mut so, &doc_id).await;
    hub.stop().await;
}

/// The sender watches the legs change, live.
async fn watch_from_the_start(
    sender: &mut Client,
    doc_id: &str,
) -> Streaming<WatchSentDocumentResponse> {
    let mut watch = sender
        .watch_sent_document(WatchSentDocumentRequest {
            document_id: doc_id.into(),
        })
        .await
        .expect("watch")
        .into_inner();
    let first_view = watch
        .next()
        .await
        .expect("first view")
        .expect("ok")
        .document
        .expect("view");
    assert_eq!(first_view.recipients.len(), 2);
    watch
}

async fn pushed_and_fetched(
    mut inbox: Streaming<SubscribeResponse>,
    vpcp: &mut Client,
    doc_id: &str,
    attachments: Vec<Vec<u8>>,
) {
    let item = tokio::time::timeout(Duration::from_secs(10), inbox.next())
        .await
        .expect("pushed in time")
        .expect("item")
        .expect("ok")
        .item
        .expect("item");
    let Some(Payload::Document(pushed)) = item.payload else {
        panic!("a document")
    };
    assert_eq!(pushed.document_id, doc_id);
    assert_eq!(
        pushed.trace_headers.len(),
        1,
        "the hub appends its TraceHeader"
    );
    assert_eq!(pushed.trace_headers[0].organ_id, "H48");

    let (fetched, files) = fetch_all(vpcp, doc_id).await.expect("fetch");
    assert_eq!(fetched.subject, pushed.subject);
    assert_eq!(files, attachments, "attachments arrive byte for byte");
}

async fn acknowledged_and_reported(vpcp: &mut Client, so: &mut Client, doc_id: &str) {
    assert!(ack(vpcp, doc_id).await);
    assert!(!ack(vpcp, doc_id).await, "a second ack changes nothing");
    for status in [S::Accepted, S::Processing, S::Processing, S::Completed] {
        report(vpcp, doc_id, status, "")
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", status.as_str_name()));
    }
    assert!(ack(so, doc_id).await);
    report(so, doc_id, S::Accepted, "").await.expect("03");
}

/// The watcher ends up seeing G22 completed and the Sở accepted.
async fn watcher_sees_the_statuses(watch: &mut Streaming<WatchSentDocumentResponse>) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let view = tokio::time::timeout_at(deadline, watch.next())
            .await
            .expect("watch updates in time")
            .expect("view")
            .expect("ok")
            .document
            .expect("view");
        let leg = |code: &str| {
            view.recipients
                .iter()
                .find(|r| r.agency_code == code)
                .expect("leg")
        };
        let (g, s) = (leg(G22), leg(STTTT));
        if g.current_status() == S::Completed && s.current_status() == S::Accepted {
            assert_eq!(g.transport_state(), TransportState::Acknowledged);
            let statuses: Vec<S> = g.statuses.iter().map(|s| s.status()).collect();
            assert_eq!(
                statuses,
                [
                    S::Arrived,
                    S::Accepted,
                    S::Processing,
                    S::Processing,
                    S::Completed
                ]
            );
            break;
        }
    }
}

/// Statuses flow back to the sender on its delivery channel, until confirmed.
async fn statuses_flow_back_to_the_sender(sender: &mut Client) {
    let pending = sender
        .list_pending(ListPendingRequest::default())
        .await
        .expect("pending")
        .into_inner()
        .items;
    let back: Vec<(String, S)> = pending
        .iter()
        .filter_map(|i| match &i.payload {
            Some(Payload::Status(s)) => Some((s.reporter.clone(), s.status())),
            _ => None,
        })
        .collect();
    assert_eq!(back.iter().filter(|(f, _)| f == G22).count(), 5, "{back:?}");
    assert!(
        back.contains(&(STTTT.into(), S::Arrived)) && back.contains(&(STTTT.into(), S::Accepted))
    );
    let ids: Vec<u64> = pending.iter().map(|i| i.item_id).collect();
    let confirmed = sender
        .confirm_status_messages(ConfirmStatusMessagesRequest { item_ids: ids })
        .await
        .expect("confirm")
        .into_inner()
        .confirmed;
    assert_eq!(confirmed as usize, pending.len());
    let left = sender
        .list_pending(ListPendingRequest::default())
        .await
        .expect("pending")
        .into_inner()
        .items;
    assert!(
        left.is_empty(),
        "confirmed messages are not delivered again"
    );
}

fn revoke_request(doc_id: &str, reason: &str) -> RevokeDocumentRequest {
    RevokeDocumentRequest {
        document_id: doc_id.into(),
        reason: reason.into(),
    }
}

/// Revoke: only the sender, then each recipient answers.
async fn revoked_and_answered(
    sender: &mut Client,
    vpcp: &mut Client,
    so: &mut Client,
    doc_id: &str,
) {
    refused(
        vpcp.revoke_document(revoke_request(doc_id, "x")).await,
        Code::PermissionDenied,
        "ONLY_SENDER_REVOKES",
    );
    let asked = sender
        .revoke_document(revoke_request(doc_id, "Ban hành nhầm"))
        .await
        .expect("revoke")
        .into_inner()
        .recipients;
    assert_eq!(asked.len(), 2);
    let again = refused(
        sender
            .revoke_document(revoke_request(doc_id, "again"))
            .await,
        Code::FailedPrecondition,
        "REVOKE_ALREADY_REQUESTED",
    );
    precondition_about(&again, doc_id);

    let so_items = so
        .list_pending(ListPendingRequest::default())
        .await
        .expect("pending")
        .into_inner()
        .items;
    assert!(
        so_items.iter().any(
            |i| matches!(&i.payload, Some(Payload::Status(s)) if s.status() == S::RevokeRequested && s.reporter == H48)
        ),
        "the recipient receives the revoke request"
    );
    report(so, doc_id, S::RevokeAccepted, "").await.expect("15");
    let no_reason = refused(
        report(vpcp, doc_id, S::RevokeRefused, "").await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert_eq!(violated_fields(&no_reason), ["description"]);
    report(vpcp, doc_id, S::RevokeRefused, "Văn bản đã thực hiện xong")
        .await
        .expect("16");
    let after_revoke = refused(
        report(so, doc_id, S::Processing, "").await,
        Code::FailedPrecondition,
        "REVOKED",
    );
    precondition_about(&after_revoke, doc_id);
    revocation_is_seen_by_the_sender(sender, doc_id).await;
}

async fn revocation_is_seen_by_the_sender(sender: &mut Client, doc_id: &str) {
    let view = sender
        .get_sent_document(GetSentDocumentRequest {
            document_id: doc_id.into(),
        })
        .await
        .expect("view")
        .into_inner()
        .document
        .expect("view");
    let state = |code: &str| {
        view.recipients
            .iter()
            .find(|r| r.agency_code == code)
            .expect("leg")
            .revoke_state()
    };
    assert_eq!(state(STTTT), RevokeState::Accepted);
    assert_eq!(state(G22), RevokeState::Refused);

    let listed = sender
        .list_sent_documents(ListSentDocumentsRequest::default())
        .await
        .expect("list")
        .into_inner()
        .documents;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].document_id, doc_id);
}
