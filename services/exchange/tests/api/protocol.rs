//! The protocol's own rules, over the API: statuses follow the table exactly (no skips, nothing
//! after 15, a revoke after 02), retried reports return their first result (request ids), an
//! outsider cannot tell a document exists, and a cursor from the future is refused.
use lienthong_api::exchange::v1::{
    AcknowledgeDocumentRequest, BusinessStatus as S, GetSentDocumentRequest, ListPendingRequest,
    RecipientView, ReportStatusRequest, RevokeDocumentRequest, SubscribeRequest, TransportState,
    WatchSentDocumentRequest, exchange_service_client::ExchangeServiceClient, inbox_item::Payload,
};
use lienthong_platform::{client::TracedChannel, db::Backend};
use tokio_stream::StreamExt;
use tonic::Code;

use crate::support::*;

type Client = ExchangeServiceClient<TracedChannel>;

fn revoke(document_id: &str) -> RevokeDocumentRequest {
    RevokeDocumentRequest {
        document_id: document_id.into(),
        reason: "Ban hành nhầm".into(),
    }
}

/// The sender's view of one recipient's leg.
async fn leg_of(sender: &mut Client, document_id: &str, recipient: &str) -> RecipientView {
    sender
        .get_sent_document(GetSentDocumentRequest {
            document_id: document_id.into(),
        })
        .await
        .expect("view")
        .into_inner()
        .document
        .expect("view")
        .recipients
        .into_iter()
        .find(|r| r.agency_code == recipient)
        .expect("leg")
}

fn codes(leg: &RecipientView) -> Vec<S> {
    leg.statuses.iter().map(|s| s.status()).collect()
}

pub async fn statuses_follow_the_table_exactly(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut h48 = hub.agency(H48).await;
    let mut vpcp = hub.agency(G22).await;
    let id = |n: u32| header(H48, &[G22], n, &[]);

    // No skips: after 01 only 02 or 03.
    let d1 = send(&mut h48, id(1), &[]).await.expect("send").document_id;
    ack(&mut vpcp, &d1).await;
    for skipped in [S::Assigned, S::Processing, S::Completed] {
        let e = refused(
            report(&mut vpcp, &d1, skipped, "").await,
            Code::FailedPrecondition,
            "TRANSITION_REFUSED",
        );
        let code = format!("{:02}", skipped as i32);
        assert!(
            e.message().contains(&code) && e.message().contains("01 (arrived)"),
            "both codes named: {}",
            e.message()
        );
        precondition_about(&e, &d1);
    }
    report(&mut vpcp, &d1, S::Accepted, "").await.expect("03");

    // A revoke of a document its only recipient rejected is asked and answered.
    let d2 = send(&mut h48, id(2), &[]).await.expect("send").document_id;
    ack(&mut vpcp, &d2).await;
    report(&mut vpcp, &d2, S::Rejected, "Không thuộc thẩm quyền")
        .await
        .expect("02");
    let asked = h48.revoke_document(revoke(&d2)).await.expect("13 after 02");
    assert_eq!(asked.into_inner().recipients, [G22]);
    report(&mut vpcp, &d2, S::RevokeAccepted, "")
        .await
        .expect("15");
    let again = refused(
        h48.revoke_document(revoke(&d2)).await,
        Code::FailedPrecondition,
        "REVOKE_ALREADY_REQUESTED",
    );
    assert!(
        again.message().contains("15 (revoke accepted)"),
        "what each recipient shows: {}",
        again.message()
    );
    nothing_follows_15(&mut h48, &mut vpcp).await;
    a_pending_revoke_is_answered_first(&mut h48, &mut vpcp).await;
    hub.stop().await;
}

/// Revoked before it was acknowledged: the acknowledgement takes the document out of the inbox
/// but records no 01, and no status follows.
async fn nothing_follows_15(h48: &mut Client, vpcp: &mut Client) {
    let d3 = send(h48, header(H48, &[G22], 3, &[]), &[])
        .await
        .expect("send")
        .document_id;
    h48.revoke_document(revoke(&d3)).await.expect("13");
    report(vpcp, &d3, S::RevokeAccepted, "").await.expect("15");
    assert!(ack(vpcp, &d3).await, "the document is stored");
    assert!(!ack(vpcp, &d3).await, "once");
    let leg = leg_of(h48, &d3, G22).await;
    assert_eq!(
        leg.current_status(),
        S::Unspecified,
        "01 did not become current"
    );
    assert_eq!(
        codes(&leg),
        [S::RevokeRequested, S::RevokeAccepted],
        "no 01"
    );
    assert_eq!(leg.transport_state(), TransportState::Acknowledged);
    assert!(
        !documents_in(vpcp).await.iter().any(|d| d.document_id == d3),
        "it left the inbox"
    );
    for after in [S::Accepted, S::RevokeRefused] {
        let e = refused(
            report(vpcp, &d3, after, "lý do").await,
            Code::FailedPrecondition,
            "REVOKED",
        );
        assert!(
            e.message().contains("15 (revoke accepted)"),
            "{}",
            e.message()
        );
    }
}

/// While a revoke request is pending, the recipient answers it before anything else; after a
/// refusal (16) it goes on from its status.
async fn a_pending_revoke_is_answered_first(h48: &mut Client, vpcp: &mut Client) {
    let d4 = send(h48, header(H48, &[G22], 4, &[]), &[])
        .await
        .expect("send")
        .document_id;
    ack(vpcp, &d4).await;
    report(vpcp, &d4, S::Accepted, "").await.expect("03");
    h48.revoke_document(revoke(&d4)).await.expect("13");
    let e = refused(
        report(vpcp, &d4, S::Processing, "").await,
        Code::FailedPrecondition,
        "TRANSITION_REFUSED",
    );
    assert!(
        e.message().contains("13 (revoke requested)"),
        "{}",
        e.message()
    );
    report(vpcp, &d4, S::RevokeRefused, "Đang thực hiện")
        .await
        .expect("16");
    report(vpcp, &d4, S::Processing, "")
        .await
        .expect("05 after 16");
    let leg = leg_of(h48, &d4, G22).await;
    assert_eq!(
        codes(&leg),
        [
            S::Arrived,
            S::Accepted,
            S::RevokeRequested,
            S::RevokeRefused,
            S::Processing
        ]
    );
}

fn with_id(document_id: &str, status: S, request_id: &str) -> ReportStatusRequest {
    ReportStatusRequest {
        document_id: document_id.into(),
        status: status as i32,
        description: String::new(),
        staff_info: "Chuyên viên Nguyễn Văn A".into(),
        request_id: request_id.into(),
    }
}

pub async fn retried_reports_return_the_first_result(backend: Backend) {
    // A fixed port: the hub restarts on it.
    let options = Options {
        port: free_port(),
        ..Options::default()
    };
    let mut hub = spawn_hub_with(backend, options).await;
    let mut h48 = hub.agency(H48).await;
    let mut vpcp = hub.agency(G22).await;
    let mut so = hub.agency(STTTT).await;
    let d = send(&mut h48, header(H48, &[G22, STTTT], 1, &[]), &[])
        .await
        .expect("send")
        .document_id;
    ack(&mut vpcp, &d).await;
    let first = vpcp
        .report_status(with_id(&d, S::Accepted, "r-1"))
        .await
        .expect("03");
    hub.clock.advance_secs(5);
    let retried = vpcp
        .report_status(with_id(&d, S::Accepted, "r-1"))
        .await
        .expect("a retried 03 does not fail");
    assert_eq!(retried.into_inner(), first.into_inner(), "the first result");
    for _ in 0..2 {
        vpcp.report_status(with_id(&d, S::Processing, "r-2"))
            .await
            .expect("05");
    }
    // Remembered across a restart.
    hub.halt().await;
    hub.resume().await;
    let mut vpcp = hub.agency(G22).await;
    vpcp.report_status(with_id(&d, S::Processing, "r-2"))
        .await
        .expect("05 again after the restart");
    vpcp.report_status(with_id(&d, S::Accepted, "r-1"))
        .await
        .expect("an old retry still answers");
    let mut h48 = hub.agency(H48).await;
    assert_eq!(
        codes(&leg_of(&mut h48, &d, G22).await),
        [S::Arrived, S::Accepted, S::Processing],
        "a retried 05 is stored once"
    );
    // The same id for another request is refused; another reporter has its own ids.
    let e = refused(
        vpcp.report_status(with_id(&d, S::Completed, "r-2")).await,
        Code::AlreadyExists,
        "REQUEST_ID_REUSED",
    );
    assert!(e.message().contains("request_id"), "{}", e.message());
    ack(&mut so, &d).await;
    so.report_status(with_id(&d, S::Accepted, "r-1"))
        .await
        .expect("ids are per reporter");
    let e = refused(
        vpcp.report_status(with_id(&d, S::Completed, "r 3")).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert_eq!(violated_fields(&e), ["request_id"]);
    hub.stop().await;
}

pub async fn outsiders_cannot_tell_documents_exist(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut h48 = hub.agency(H48).await;
    let known = send(&mut h48, header(H48, &[G22], 1, &[]), &[])
        .await
        .expect("send")
        .document_id;
    let unknown = format!("{H48},2026/11/26,2/UBND-TH");
    let mut outsider = hub.agency(SCT).await;
    for (rpc, on_known, on_unknown) in [
        (
            "FetchDocument",
            probe(&mut outsider, Rpc::Fetch, &known).await,
            probe(&mut outsider, Rpc::Fetch, &unknown).await,
        ),
        (
            "AcknowledgeDocument",
            probe(&mut outsider, Rpc::Ack, &known).await,
            probe(&mut outsider, Rpc::Ack, &unknown).await,
        ),
        (
            "ReportStatus",
            probe(&mut outsider, Rpc::Report, &known).await,
            probe(&mut outsider, Rpc::Report, &unknown).await,
        ),
        (
            "RevokeDocument",
            probe(&mut outsider, Rpc::Revoke, &known).await,
            probe(&mut outsider, Rpc::Revoke, &unknown).await,
        ),
        (
            "GetSentDocument",
            probe(&mut outsider, Rpc::View, &known).await,
            probe(&mut outsider, Rpc::View, &unknown).await,
        ),
        (
            "WatchSentDocument",
            probe(&mut outsider, Rpc::Watch, &known).await,
            probe(&mut outsider, Rpc::Watch, &unknown).await,
        ),
    ] {
        let (known_status, unknown_status) = (on_known, on_unknown);
        for s in [&known_status, &unknown_status] {
            assert_eq!(s.code(), Code::NotFound, "{rpc}: {}", s.message());
            assert_eq!(
                lienthong_platform::error::reason_of(s).as_deref(),
                Some("NO_DOCUMENT"),
                "{rpc}"
            );
        }
        assert_eq!(
            known_status.message().replace(&known, "ID"),
            unknown_status.message().replace(&unknown, "ID"),
            "{rpc}: the same answer"
        );
    }
    // The recipient knows the document: it hears why it may not revoke or view it.
    let mut vpcp = hub.agency(G22).await;
    refused(
        vpcp.revoke_document(revoke(&known)).await,
        Code::PermissionDenied,
        "ONLY_SENDER_REVOKES",
    );
    refused(
        vpcp.get_sent_document(GetSentDocumentRequest {
            document_id: known.clone(),
        })
        .await,
        Code::PermissionDenied,
        "ONLY_SENDER_VIEWS",
    );
    hub.stop().await;
}

#[derive(Clone, Copy)]
enum Rpc {
    Fetch,
    Ack,
    Report,
    Revoke,
    View,
    Watch,
}

/// Calls `rpc` on `document_id`; returns the refusal.
async fn probe(client: &mut Client, rpc: Rpc, document_id: &str) -> tonic::Status {
    let id = || document_id.to_string();
    let r = match rpc {
        Rpc::Fetch => fetch_all(client, document_id).await.map(|_| ()),
        Rpc::Ack => client
            .acknowledge_document(AcknowledgeDocumentRequest { document_id: id() })
            .await
            .map(|_| ()),
        Rpc::Report => report(client, document_id, S::Accepted, "").await,
        Rpc::Revoke => client
            .revoke_document(revoke(document_id))
            .await
            .map(|_| ()),
        Rpc::View => client
            .get_sent_document(GetSentDocumentRequest { document_id: id() })
            .await
            .map(|_| ()),
        Rpc::Watch => client
            .watch_sent_document(WatchSentDocumentRequest { document_id: id() })
            .await
            .map(|_| ()),
    };
    r.expect_err("refused")
}

pub async fn cursors_from_the_future_are_out_of_range(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut h48 = hub.agency(H48).await;
    let mut vpcp = hub.agency(G22).await;
    for n in 1..=2 {
        send(&mut h48, header(H48, &[G22], n, &[]), &[])
            .await
            .expect("send");
    }
    let items = vpcp
        .list_pending(ListPendingRequest::default())
        .await
        .expect("pending")
        .into_inner()
        .items;
    let last = items.last().expect("two items").item_id;
    let far = 1_000_000_000_000_000;
    let list = |after_item_id| ListPendingRequest {
        after_item_id,
        ..Default::default()
    };
    let e = refused(
        vpcp.list_pending(list(far)).await,
        Code::OutOfRange,
        "CURSOR_OUT_OF_RANGE",
    );
    assert!(
        e.message().starts_with("after_item_id: ") && e.message().contains(&format!("({last})")),
        "names the field and the last item: {}",
        e.message()
    );
    assert_eq!(violated_fields(&e), ["after_item_id"]);
    let e = refused(
        vpcp.subscribe(SubscribeRequest { after_item_id: far })
            .await
            .map(|_| ()),
        Code::OutOfRange,
        "CURSOR_OUT_OF_RANGE",
    );
    assert!(
        e.message().contains(&format!("({last})")),
        "{}",
        e.message()
    );
    // The last item itself and 0 are fine; an inbox that never had an item takes only 0.
    let at_last = vpcp.list_pending(list(last)).await.expect("the last item");
    assert!(at_last.into_inner().items.is_empty());
    assert_eq!(
        vpcp.list_pending(list(0))
            .await
            .expect("0")
            .into_inner()
            .items
            .len(),
        2
    );
    let mut empty = hub.agency(SCT).await;
    empty.list_pending(list(0)).await.expect("0 is always fine");
    let e = refused(
        empty.list_pending(list(1)).await,
        Code::OutOfRange,
        "CURSOR_OUT_OF_RANGE",
    );
    assert!(e.message().contains("(0)"), "{}", e.message());
    a_subscription_at_the_last_item_gets_new_ones(&mut h48, &mut vpcp, last).await;
    hub.stop().await;
}

/// Subscribed at the last item, a new document still arrives.
async fn a_subscription_at_the_last_item_gets_new_ones(
    h48: &mut Client,
    vpcp: &mut Client,
    last: u64,
) {
    let mut stream = vpcp
        .subscribe(SubscribeRequest {
            after_item_id: last,
        })
        .await
        .expect("subscribe at the last item")
        .into_inner();
    let d3 = send(h48, header(H48, &[G22], 3, &[]), &[])
        .await
        .expect("send")
        .document_id;
    let pushed = tokio::time::timeout(PATIENCE, stream.next())
        .await
        .expect("pushed in time")
        .expect("an item")
        .expect("ok")
        .item
        .expect("item");
    assert!(matches!(pushed.payload, Some(Payload::Document(d)) if d.document_id == d3));
}
