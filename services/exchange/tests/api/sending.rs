//! Sending: idempotent resends, and what the hub refuses (with the field and the rule named),
//! storing nothing of a refused document.
use lienthong_api::exchange::v1::{
    AcknowledgeDocumentRequest, DocumentHeader, GetSentDocumentRequest, ListPendingRequest,
    ListSentDocumentsRequest, OtherInfo, Secrecy,
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
        second.accepted_at, first.accepted_at,
        "the first receipt comes back"
    );

    let mut changed = h.clone();
    changed.subject = "Một văn bản khác".into();
    let conflict = code_of(send(&mut sender, changed, &[&data]).await);
    assert_eq!(conflict.code(), Code::AlreadyExists);
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
    let e = code_of(send(&mut h48, secret, &[]).await);
    assert_eq!(e.code(), Code::FailedPrecondition);
    assert!(
        e.message().contains("state secrets never travel the axis"),
        "{}",
        e.message()
    );

    let big = vec![7u8; 1001];
    let e = code_of(
        send(
            &mut h48,
            header(H48, &[G22], 2, &[("big.pdf", &big)]),
            &[&big],
        )
        .await,
    );
    assert_eq!(e.code(), Code::ResourceExhausted);
    assert!(
        e.message().contains("attachments[0].size"),
        "{}",
        e.message()
    );

    let data = b"dung noi dung".to_vec();
    let mut wrong = header(H48, &[G22], 3, &[("a.pdf", &data)]);
    wrong.attachments[0].sha256 = "0".repeat(64);
    let e = code_of(send(&mut h48, wrong, &[&data]).await);
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(
        e.message().contains("attachments[0].sha256"),
        "{}",
        e.message()
    );

    // Fewer bytes than declared.
    let e = code_of(
        send(
            &mut h48,
            header(H48, &[G22], 4, &[("a.pdf", &data)]),
            &[&data[..5]],
        )
        .await,
    );
    assert_eq!(e.code(), Code::InvalidArgument);
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
    let not_found = code_of(
        h48.get_sent_document(GetSentDocumentRequest {
            document_id: format!("{H48},2026/11/26,3/UBND-TH"),
        })
        .await,
    );
    assert_eq!(not_found.code(), Code::NotFound);
    send(
        &mut h48,
        header(H48, &[G22], 3, &[("a.pdf", data)]),
        &[data],
    )
    .await
    .expect("correct resend");
}

fn check<T: std::fmt::Debug>(r: Result<T, tonic::Status>, code: Code, field: &str) {
    let e = code_of(r);
    assert_eq!(e.code(), code, "{}", e.message());
    assert!(
        e.message().contains(field),
        "{field} not named in {:?}",
        e.message()
    );
}

/// A header with one thing wrong, the code it is refused with, and the words naming it.
fn bad_headers() -> Vec<(DocumentHeader, Code, &'static str)> {
    let base = || header(H48, &[G22], 1, &[]);
    let with = |change: &dyn Fn(&mut DocumentHeader)| {
        let mut h = base();
        change(&mut h);
        h
    };
    vec![
        (
            with(&|h| h.to[0].code = "H48".into()),
            Code::InvalidArgument,
            "to[0].code",
        ),
        (
            with(&|h| h.document_id = "125/UBND".into()),
            Code::InvalidArgument,
            "document_id",
        ),
        (
            with(&|h| h.document_id = format!("{G22},2026/11/26,1/X")),
            Code::InvalidArgument,
            "OrganId",
        ),
        (
            with(&|h| h.subject = "  ".into()),
            Code::InvalidArgument,
            "subject",
        ),
        (
            with(&|h| {
                h.other_info = Some(OtherInfo {
                    priority: 5,
                    ..Default::default()
                })
            }),
            Code::InvalidArgument,
            "other_info.priority",
        ),
        (with(&|h| h.to.clear()), Code::InvalidArgument, "to"),
        (
            header(H48, &[G22, "000.00.77.H48"], 1, &[]),
            Code::NotFound,
            "to[1].code",
        ),
        (with(&|h| h.from = None), Code::InvalidArgument, "from"),
    ]
}

pub async fn bad_input_names_field_and_rule(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut h48 = hub.agency(H48).await;
    for (h, code, field) in bad_headers() {
        check(send(&mut h48, h, &[]).await, code, field);
    }
    check(
        h48.acknowledge_document(AcknowledgeDocumentRequest {
            document_id: "nonsense".into(),
        })
        .await,
        Code::InvalidArgument,
        "document_id",
    );
    check(
        h48.get_sent_document(GetSentDocumentRequest {
            document_id: format!("{H48},2026/11/26,999/X"),
        })
        .await,
        Code::NotFound,
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
    let e = code_of(send(&mut h48, h, &[]).await);
    assert_eq!(e.code(), Code::InvalidArgument);
    assert_eq!(
        e.message(),
        "to[1].code: \"H41\" is not an agency code of the form DDD.CC.BB.Axx \
         (e.g. 000.00.00.H48); subject: is required (trích yếu); \
         due_date: \"26/11/2026\" is not a date yyyy-MM-dd"
    );
    hub.stop().await;
}
