//! Sending: idempotent resends, and what the hub refuses (with the field and the rule named),
//! storing nothing of a refused document.
use lienthong_api::exchange::v1::{
    AcknowledgeDocumentRequest, Business, BusinessType, ConfirmStatusMessagesRequest,
    DocumentHeader, GetSentDocumentRequest, ListPendingRequest, ListSentDocumentsRequest,
    OtherInfo, Priority, RevokeDocumentRequest, Secrecy,
};
use lienthong_platform::db::Backend;
use tonic::Code;

use crate::support::*;

pub async fn resend_returns_first_receipt_and_conflict_is_refused(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut sender = hub.agency(H48).await;
    let data = b"noi dung".to_vec();
    let h = header(H48, &[G22], 7, &[("a.pdf", &data)]);
    let first = send(&mut sender, h.clone(), &[&data]).await.expect("first");
    // The resend comes later: its receipt is still the first one.
    hub.clock.advance_secs(1);
    let second = send(&mut sender, h.clone(), &[&data])
        .await
        .expect("resend");
    assert!(second.duplicate);
    assert_eq!(
        second.accept_time, first.accept_time,
        "the first receipt comes back"
    );

    let mut changed = h.clone();
    changed.subject = "Một văn bản khác".into();
    let conflict = refused(
        send(&mut sender, changed, &[&data]).await,
        Code::AlreadyExists,
        "CONTENT_CONFLICT",
    );
    assert!(
        conflict.message().contains("document_id"),
        "{}",
        conflict.message()
    );

    // The recipient got it once.
    let mut vpcp = hub.agency(G22).await;
    let items = vpcp
        .list_pending(ListPendingRequest::default())
        .await
        .expect("pending")
        .into_inner()
        .items;
    assert_eq!(items.len(), 1);
    hub.stop().await;
}

pub async fn refuses_secret_oversize_and_wrong_digest(backend: Backend) {
    let hub = spawn_hub_with(
        backend,
        Options {
            max_attachment_bytes: 1000,
            ..Options::default()
        },
    )
    .await;
    let mut h48 = hub.agency(H48).await;

    let mut secret = header(H48, &[G22], 1, &[]);
    secret.other_info = Some(OtherInfo {
        secrecy: Secrecy::Secret as i32,
        ..Default::default()
    });
    let secret_id = secret.document_id.clone();
    let e = refused(
        send(&mut h48, secret, &[]).await,
        Code::FailedPrecondition,
        "SECRET_DOCUMENT",
    );
    assert!(
        e.message().contains("state secrets never travel the axis"),
        "{}",
        e.message()
    );
    precondition_about(&e, &secret_id);

    let big = vec![7u8; 1001];
    let e = refused(
        send(
            &mut h48,
            header(H48, &[G22], 2, &[("big.pdf", &big)]),
            &[&big],
        )
        .await,
        Code::ResourceExhausted,
        "ATTACHMENT_TOO_LARGE",
    );
    assert!(
        e.message().contains("attachments[0].size"),
        "{}",
        e.message()
    );

    let data = b"dung noi dung".to_vec();
    let mut wrong = header(H48, &[G22], 3, &[("a.pdf", &data)]);
    wrong.attachments[0].sha256 = "0".repeat(64);
    let e = refused(
        send(&mut h48, wrong, &[&data]).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert_eq!(violated_fields(&e), ["attachments[0].sha256"]);

    // Fewer bytes than declared.
    let e = refused(
        send(
            &mut h48,
            header(H48, &[G22], 4, &[("a.pdf", &data)]),
            &[&data[..5]],
        )
        .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert_eq!(violated_fields(&e), ["attachments[0].size"]);
    nothing_was_half_stored(&hub, &data).await;
    hub.stop().await;
}

/// No recipient sees anything, and the same ids can be sent properly.
async fn nothing_was_half_stored(hub: &TestHub, data: &[u8]) {
    let mut h48 = hub.agency(H48).await;
    let mut vpcp = hub.agency(G22).await;
    assert!(
        vpcp.list_pending(ListPendingRequest::default())
            .await
            .expect("pending")
            .into_inner()
            .items
            .is_empty()
    );
    refused(
        h48.get_sent_document(GetSentDocumentRequest {
            document_id: format!("{H48},2026/11/26,3/UBND-TH"),
        })
        .await,
        Code::NotFound,
        "NO_DOCUMENT",
    );
    send(
        &mut h48,
        header(H48, &[G22], 3, &[("a.pdf", data)]),
        &[data],
    )
    .await
    .expect("correct resend");
}

#[track_caller]
fn check<T: std::fmt::Debug>(r: Result<T, tonic::Status>, code: Code, reason: &str, field: &str) {
    let e = refused(r, code, reason);
    assert!(
        e.message().contains(field),
        "{field} not named in {:?}",
        e.message()
    );
}

/// A header with one thing wrong, the code and reason it is refused with, and the words
/// naming it.
fn bad_headers() -> Vec<(DocumentHeader, Code, &'static str, &'static str)> {
    let base = || header(H48, &[G22], 1, &[]);
    let with = |change: &dyn Fn(&mut DocumentHeader)| {
        let mut h = base();
        change(&mut h);
        h
    };
    let invalid = |h: DocumentHeader, field| (h, Code::InvalidArgument, "INVALID_FIELD", field);
    vec![
        invalid(
            with(&|h| h.recipients[0].code = "H48".into()),
            "recipients[0].code",
        ),
        invalid(with(&|h| h.document_id = "125/UBND".into()), "document_id"),
        invalid(
            with(&|h| h.document_id = format!("{G22},2026/11/26,1/X")),
            "OrganId",
        ),
        invalid(with(&|h| h.subject = "  ".into()), "subject"),
        invalid(
            with(&|h| {
                h.other_info = Some(OtherInfo {
                    priority: Priority::FlashScheduled as i32 + 1,
                    ..Default::default()
                })
            }),
            "other_info.priority",
        ),
        invalid(with(&|h| h.steering_type = 7), "steering_type"),
        invalid(
            with(&|h| {
                h.business = Some(Business {
                    business_type: BusinessType::Unspecified as i32,
                    target_document_id: format!("{H48},2026/11/25,1/UBND-TH"),
                    reason: "đính chính".into(),
                })
            }),
            "business.business_type",
        ),
        invalid(with(&|h| h.recipients.clear()), "recipients"),
        (
            header(H48, &[G22, "000.00.77.H48"], 1, &[]),
            Code::NotFound,
            "AGENCY_NOT_REGISTERED",
            "recipients[1].code",
        ),
        invalid(with(&|h| h.sender = None), "sender"),
    ]
}

pub async fn bad_input_names_field_and_rule(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut h48 = hub.agency(H48).await;
    for (h, code, reason, field) in bad_headers() {
        check(send(&mut h48, h, &[]).await, code, reason, field);
    }
    check(
        h48.acknowledge_document(AcknowledgeDocumentRequest {
            document_id: "nonsense".into(),
        })
        .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "document_id",
    );
    check(
        h48.get_sent_document(GetSentDocumentRequest {
            document_id: format!("{H48},2026/11/26,999/X"),
        })
        .await,
        Code::NotFound,
        "NO_DOCUMENT",
        "document_id",
    );
    // None of it was stored.
    let listed = h48
        .list_sent_documents(ListSentDocumentsRequest::default())
        .await
        .expect("list")
        .into_inner();
    assert!(listed.documents.is_empty());
    hub.stop().await;
}

pub async fn all_malformed_fields_are_reported_together(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut h48 = hub.agency(H48).await;
    let mut h = header(H48, &[G22, "H41"], 1, &[]);
    h.subject = String::new();
    h.due_date = "26/11/2026".into();
    let e = refused(
        send(&mut h48, h, &[]).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert_eq!(
        e.message(),
        "recipients[1].code: \"H41\" is not an agency code of the form DDD.CC.BB.Axx \
         (e.g. 000.00.00.H48); subject: is required (trích yếu); \
         due_date: \"26/11/2026\" is not a date yyyy-MM-dd"
    );
    assert_eq!(
        violated_fields(&e),
        ["recipients[1].code", "subject", "due_date"],
        "three violations, three entries in BadRequest"
    );

    // Three malformed item ids of one ConfirmStatusMessages: three violations, nothing confirmed.
    let e = refused(
        h48.confirm_status_messages(ConfirmStatusMessagesRequest {
            item_ids: vec![u64::MAX, 1, u64::MAX - 1, u64::MAX - 2],
        })
        .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert_eq!(
        violated_fields(&e),
        ["item_ids[0]", "item_ids[2]", "item_ids[3]"]
    );
    // A report with a malformed DocumentId, an unknown status: both named.
    let e = refused(
        report_raw(&mut h48, "nonsense", 7, "").await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert_eq!(violated_fields(&e), ["document_id", "status"]);
    // A revoke without a DocumentId or a reason.
    let e = refused(
        h48.revoke_document(RevokeDocumentRequest::default()).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert_eq!(violated_fields(&e), ["document_id", "reason"]);
    hub.stop().await;
}
