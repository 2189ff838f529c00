//! The exchange hub over real gRPC and real mutual TLS, on SQLite and on PostgreSQL.
mod federation;
mod support;

use federation::{
    cross_province_delivery_and_statuses_back, national_hub_down_delays_and_loses_nothing,
    relay_is_for_hubs_and_only_for_their_agencies,
};

use std::time::Duration;

use lienthong_api::exchange::v1::{
    AcknowledgeDocumentRequest, Agency, ConfirmStatusMessagesRequest, FetchDocumentRequest,
    GetAgencyRequest, GetSentDocumentRequest, ListAgenciesRequest, ListPendingRequest,
    ListSentDocumentsRequest, OtherInfo, RegisterAgencyRequest, RemoveAgencyRequest,
    ReportStatusRequest, RevokeDocumentRequest, RevokeState, Secrecy, SubscribeRequest,
    TransportState, WatchSentDocumentRequest, exchange_service_client::ExchangeServiceClient,
    fetch_document_response, inbox_item::Payload,
};
use lienthong_platform::{Identity, client::TracedChannel, db::Backend, pki::DevCa};
use support::*;
use tokio_stream::StreamExt;
use tonic::{Code, transport::Endpoint};

use lienthong_platform::on_both_databases;

on_both_databases!(
    full_flow_with_statuses_and_revoke,
    resend_returns_first_receipt_and_conflict_is_refused,
    subscriber_resumes_without_loss_or_duplicates,
    refuses_clients_without_valid_certificates,
    refuses_spoofed_sender_and_foreign_reads,
    refuses_secret_oversize_and_wrong_digest,
    refuses_forbidden_transitions,
    bad_input_names_field_and_rule,
    directory_and_admin_rules,
    health_reflects_the_database,
    cross_province_delivery_and_statuses_back,
    national_hub_down_delays_and_loses_nothing,
    relay_is_for_hubs_and_only_for_their_agencies,
);

fn code_of<T: std::fmt::Debug>(r: Result<T, tonic::Status>) -> tonic::Status {
    r.expect_err("the call must fail")
}

async fn fetch_all(
    client: &mut ExchangeServiceClient<TracedChannel>,
    document_id: &str,
) -> Result<(lienthong_api::exchange::v1::DocumentHeader, Vec<Vec<u8>>), tonic::Status> {
    let mut stream = client
        .fetch_document(FetchDocumentRequest {
            document_id: document_id.into(),
            include_content: true,
        })
        .await?
        .into_inner();
    let mut header = None;
    let mut files: Vec<Vec<u8>> = Vec::new();
    while let Some(msg) = stream.next().await {
        match msg?.part.expect("part") {
            fetch_document_response::Part::Header(h) => {
                files = vec![Vec::new(); h.attachments.len()];
                header = Some(h);
            }
            fetch_document_response::Part::Chunk(c) => {
                files[c.attachment_index as usize].extend_from_slice(&c.data)
            }
        }
    }
    Ok((header.expect("header first"), files))
}

async fn report(
    client: &mut ExchangeServiceClient<TracedChannel>,
    document_id: &str,
    code: &str,
    description: &str,
) -> Result<(), tonic::Status> {
    client
        .report_status(ReportStatusRequest {
            document_id: document_id.into(),
            code: code.into(),
            description: description.into(),
            staff_info: String::new(),
        })
        .await
        .map(|_| ())
}

async fn ack(client: &mut ExchangeServiceClient<TracedChannel>, document_id: &str) -> bool {
    client
        .acknowledge_document(AcknowledgeDocumentRequest {
            document_id: document_id.into(),
        })
        .await
        .expect("ack")
        .into_inner()
        .newly_acknowledged
}

async fn full_flow_with_statuses_and_revoke(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut sender = hub.agency(H48).await;
    let mut vpcp = hub.agency(G22).await;
    let mut so = hub.agency(STTTT).await;

    // The recipient is subscribed before the document exists: it arrives by push.
    let mut vpcp_inbox = vpcp
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

    // The sender watches the legs change, live.
    let mut watch = sender
        .watch_sent_document(WatchSentDocumentRequest {
            document_id: doc_id.clone(),
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

    let item = tokio::time::timeout(Duration::from_secs(10), vpcp_inbox.next())
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

    let (fetched, files) = fetch_all(&mut vpcp, &doc_id).await.expect("fetch");
    assert_eq!(fetched.subject, pushed.subject);
    assert_eq!(
        files,
        vec![pdf.clone(), docx.clone()],
        "attachments arrive byte for byte"
    );

    assert!(ack(&mut vpcp, &doc_id).await);
    assert!(
        !ack(&mut vpcp, &doc_id).await,
        "a second ack changes nothing"
    );
    for code in ["03", "05", "05", "06"] {
        report(&mut vpcp, &doc_id, code, "").await.expect(code);
    }
    assert!(ack(&mut so, &doc_id).await);
    report(&mut so, &doc_id, "03", "").await.expect("03");

    // The watcher ends up seeing G22 completed and the Sở accepted.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let view = tokio::time::timeout_at(deadline, watch.next())
            .await
            .expect("watch updates in time")
            .expect("view")
            .expect("ok")
            .document
            .expect("view");
        let g = view
            .recipients
            .iter()
            .find(|r| r.agency_code == G22)
            .expect("G22");
        let s = view
            .recipients
            .iter()
            .find(|r| r.agency_code == STTTT)
            .expect("Sở");
        if g.current_status == "06" && s.current_status == "03" {
            assert_eq!(g.transport_state, TransportState::Acknowledged as i32);
            let codes: Vec<_> = g.statuses.iter().map(|s| s.code.as_str()).collect();
            assert_eq!(codes, ["01", "03", "05", "05", "06"]);
            break;
        }
    }

    // Statuses flow back to the sender on its delivery channel.
    let pending = sender
        .list_pending(ListPendingRequest {
            after_item_id: 0,
            limit: 0,
        })
        .await
        .expect("pending")
        .into_inner()
        .items;
    let back: Vec<(String, String)> = pending
        .iter()
        .filter_map(|i| match &i.payload {
            Some(Payload::Status(s)) => Some((s.from.clone(), s.code.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(back.iter().filter(|(f, _)| f == G22).count(), 5, "{back:?}");
    assert!(
        back.contains(&(STTTT.into(), "01".into())) && back.contains(&(STTTT.into(), "03".into()))
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

    // Revoke: only the sender, then each recipient answers.
    let refused = code_of(
        vpcp.revoke_document(RevokeDocumentRequest {
            document_id: doc_id.clone(),
            reason: "x".into(),
        })
        .await,
    );
    assert_eq!(refused.code(), Code::PermissionDenied);
    let asked = sender
        .revoke_document(RevokeDocumentRequest {
            document_id: doc_id.clone(),
            reason: "Ban hành nhầm".into(),
        })
        .await
        .expect("revoke")
        .into_inner()
        .recipients;
    assert_eq!(asked.len(), 2);
    let again = code_of(
        sender
            .revoke_document(RevokeDocumentRequest {
                document_id: doc_id.clone(),
                reason: "again".into(),
            })
            .await,
    );
    assert_eq!(again.code(), Code::FailedPrecondition);

    let so_items = so
        .list_pending(ListPendingRequest::default())
        .await
        .expect("pending")
        .into_inner()
        .items;
    assert!(
        so_items.iter().any(
            |i| matches!(&i.payload, Some(Payload::Status(s)) if s.code == "13" && s.from == H48)
        ),
        "the recipient receives the revoke request"
    );
    report(&mut so, &doc_id, "15", "").await.expect("15");
    let no_reason = code_of(report(&mut vpcp, &doc_id, "16", "").await);
    assert_eq!(no_reason.code(), Code::InvalidArgument);
    report(&mut vpcp, &doc_id, "16", "Văn bản đã thực hiện xong")
        .await
        .expect("16");
    let after_revoke = code_of(report(&mut so, &doc_id, "05", "").await);
    assert_eq!(after_revoke.code(), Code::FailedPrecondition);

    let view = sender
        .get_sent_document(GetSentDocumentRequest {
            document_id: doc_id.clone(),
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
            .revoke_state
    };
    assert_eq!(state(STTTT), RevokeState::Accepted as i32);
    assert_eq!(state(G22), RevokeState::Refused as i32);

    let listed = sender
        .list_sent_documents(ListSentDocumentsRequest::default())
        .await
        .expect("list")
        .into_inner()
        .documents;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].document_id, doc_id);
    hub.stop().await;
}

async fn resend_returns_first_receipt_and_conflict_is_refused(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut sender = hub.agency(H48).await;
    let data = b"noi dung".to_vec();
    let h = header(H48, &[G22], 7, &[("a.pdf", &data)]);
    let first = send(&mut sender, h.clone(), &[&data]).await.expect("first");
    tokio::time::sleep(Duration::from_millis(20)).await;
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

async fn subscriber_resumes_without_loss_or_duplicates(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut sender = hub.agency(H48).await;
    let mut ids = Vec::new();
    for n in 1..=5 {
        let r = send(&mut sender, header(H48, &[G22], n, &[]), &[])
            .await
            .expect("send");
        ids.push(r.document_id);
    }
    let mut vpcp = hub.agency(G22).await;
    let mut stream = vpcp
        .subscribe(SubscribeRequest { after_item_id: 0 })
        .await
        .expect("sub")
        .into_inner();
    let mut seen = Vec::new();
    for _ in 0..3 {
        let item = stream
            .next()
            .await
            .expect("item")
            .expect("ok")
            .item
            .expect("item");
        let Some(Payload::Document(d)) = item.payload else {
            panic!("document")
        };
        seen.push((item.item_id, d.document_id));
    }
    // Processed (acknowledged) the first two, then the connection drops mid-stream.
    ack(&mut vpcp, &seen[0].1).await;
    ack(&mut vpcp, &seen[1].1).await;
    drop(stream);
    drop(vpcp);

    let mut vpcp = hub.agency(G22).await;
    // Resuming from the start: everything not acknowledged, and nothing that was.
    let mut stream = vpcp
        .subscribe(SubscribeRequest { after_item_id: 0 })
        .await
        .expect("sub")
        .into_inner();
    let mut again = Vec::new();
    for _ in 0..3 {
        let item = stream
            .next()
            .await
            .expect("item")
            .expect("ok")
            .item
            .expect("item");
        let Some(Payload::Document(d)) = item.payload else {
            panic!("document")
        };
        again.push(d.document_id);
    }
    assert_eq!(
        again,
        ids[2..].to_vec(),
        "unacknowledged items come again, acknowledged ones never"
    );
    // Nothing more is pending on this stream.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), stream.next())
            .await
            .is_err()
    );
    drop(stream);

    // Resuming after a cursor skips what was already processed.
    let mut stream = vpcp
        .subscribe(SubscribeRequest {
            after_item_id: seen[2].0,
        })
        .await
        .expect("sub")
        .into_inner();
    let next = stream
        .next()
        .await
        .expect("item")
        .expect("ok")
        .item
        .expect("item");
    let Some(Payload::Document(d)) = next.payload else {
        panic!("document")
    };
    assert_eq!(d.document_id, ids[3]);

    // A document sent now reaches the live subscription.
    let live = send(&mut sender, header(H48, &[G22], 6, &[]), &[])
        .await
        .expect("send");
    let mut got = Vec::new();
    while got.last() != Some(&live.document_id) {
        let item = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("in time")
            .expect("item")
            .expect("ok")
            .item
            .expect("item");
        if let Some(Payload::Document(d)) = item.payload {
            got.push(d.document_id);
        }
    }
    assert_eq!(got, vec![ids[4].clone(), live.document_id]);
    hub.stop().await;
}

/// A channel whose TLS setup is given by hand (for clients the hub must refuse).
async fn raw_channel(
    url: &str,
    tls: tonic::transport::ClientTlsConfig,
) -> Option<tonic::transport::Channel> {
    Endpoint::from_shared(url.to_string())
        .expect("url")
        .tls_config(tls)
        .expect("tls")
        .connect()
        .await
        .ok()
}

async fn refuses_clients_without_valid_certificates(backend: Backend) {
    let hub = spawn_hub_with(
        backend,
        Options {
            tls_reload_secs: 0.2,
            ..Options::default()
        },
    )
    .await;
    let ca = std::fs::read(hub.pki_dir().join("ca.pem")).expect("ca");
    let list = |ch: tonic::transport::Channel| async move {
        lienthong_api::exchange::v1::directory_service_client::DirectoryServiceClient::new(ch)
            .list_agencies(ListAgenciesRequest {})
            .await
    };

    // No client certificate.
    let tls = tonic::transport::ClientTlsConfig::new()
        .ca_certificate(tonic::transport::Certificate::from_pem(&ca));
    if let Some(ch) = raw_channel(&hub.url, tls).await {
        assert!(
            list(ch).await.is_err(),
            "a client without a certificate is refused"
        );
    }

    // A certificate from another CA.
    let other_dir = tempfile::tempdir().expect("tmp");
    let mut other = DevCa::init(other_dir.path(), TRUST_DOMAIN).expect("other ca");
    let rogue = other
        .issue(&Identity::Agency(H48.into()), &[])
        .expect("rogue");
    let tls = tonic::transport::ClientTlsConfig::new()
        .ca_certificate(tonic::transport::Certificate::from_pem(&ca))
        .identity(tonic::transport::Identity::from_pem(
            std::fs::read(&rogue.cert).expect("cert"),
            std::fs::read(&rogue.key).expect("key"),
        ));
    if let Some(ch) = raw_channel(&hub.url, tls).await {
        assert!(
            list(ch).await.is_err(),
            "a certificate from another CA is refused"
        );
    }

    // A certificate revoked while the hub runs: accepted before, refused after the CRL reload.
    let mut before = hub.agency(SCT).await;
    before
        .list_pending(ListPendingRequest::default())
        .await
        .expect("valid before revocation");
    hub.revoke(&format!("agency-{SCT}"));
    let files = hub.files(&Identity::Agency(SCT.into()));
    let url = hub.url.clone();
    eventually("the revoked certificate to be refused", || {
        let files = files.clone();
        let url = url.clone();
        async move {
            match lienthong_platform::client::connect(&url, &files).await {
                Err(_) => true,
                Ok(ch) => ExchangeServiceClient::new(ch)
                    .list_pending(ListPendingRequest::default())
                    .await
                    .is_err(),
            }
        }
    })
    .await;
    // Others are unaffected.
    let mut fine = hub.agency(G22).await;
    fine.list_pending(ListPendingRequest::default())
        .await
        .expect("others still served");
    hub.stop().await;
}

async fn refuses_spoofed_sender_and_foreign_reads(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut h48 = hub.agency(H48).await;
    // H48's certificate claiming to be Văn phòng Chính phủ.
    let spoof = code_of(send(&mut h48, header(G22, &[STTTT], 1, &[]), &[]).await);
    assert_eq!(spoof.code(), Code::PermissionDenied);
    assert!(spoof.message().contains("from.code"), "{}", spoof.message());

    let r = send(&mut h48, header(H48, &[G22], 2, &[]), &[])
        .await
        .expect("send");
    let mut other = hub.agency(SCT).await;
    let read = code_of(fetch_all(&mut other, &r.document_id).await);
    assert_eq!(read.code(), Code::PermissionDenied);
    let view = code_of(
        other
            .get_sent_document(GetSentDocumentRequest {
                document_id: r.document_id.clone(),
            })
            .await,
    );
    assert_eq!(view.code(), Code::PermissionDenied);
    let ack = code_of(
        other
            .acknowledge_document(AcknowledgeDocumentRequest {
                document_id: r.document_id.clone(),
            })
            .await,
    );
    assert_eq!(ack.code(), Code::PermissionDenied);
    // The sender itself cannot report a recipient's status.
    let own = code_of(report(&mut h48, &r.document_id, "03", "").await);
    assert_eq!(own.code(), Code::PermissionDenied);
    // A hub or admin certificate is no agency: the exchange RPCs are refused.
    let admin_ch = hub.channel(&Identity::Admin("ops".into())).await;
    let mut as_admin = ExchangeServiceClient::new(admin_ch);
    let denied = code_of(as_admin.list_pending(ListPendingRequest::default()).await);
    assert_eq!(denied.code(), Code::PermissionDenied);
    hub.stop().await;
}

async fn refuses_secret_oversize_and_wrong_digest(backend: Backend) {
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

    // Nothing was half-stored: no recipient sees anything, and the same ids can be sent properly.
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
        header(H48, &[G22], 3, &[("a.pdf", &data)]),
        &[&data],
    )
    .await
    .expect("correct resend");
    hub.stop().await;
}

async fn refuses_forbidden_transitions(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut h48 = hub.agency(H48).await;
    let mut vpcp = hub.agency(G22).await;
    let r = send(&mut h48, header(H48, &[G22], 1, &[]), &[])
        .await
        .expect("send");
    let id = r.document_id;
    let early = code_of(report(&mut vpcp, &id, "03", "").await);
    assert_eq!(
        early.code(),
        Code::FailedPrecondition,
        "03 before acknowledgement"
    );
    ack(&mut vpcp, &id).await;
    report(&mut vpcp, &id, "03", "").await.expect("03");
    report(&mut vpcp, &id, "04", "").await.expect("04");
    let back = code_of(report(&mut vpcp, &id, "03", "").await);
    assert_eq!(back.code(), Code::FailedPrecondition);
    assert!(
        back.message().contains("cannot follow"),
        "{}",
        back.message()
    );
    let repeat = code_of(report(&mut vpcp, &id, "04", "").await);
    assert_eq!(repeat.code(), Code::FailedPrecondition);
    let reject_late = code_of(report(&mut vpcp, &id, "02", "lý do").await);
    assert_eq!(reject_late.code(), Code::FailedPrecondition);
    let unknown = code_of(report(&mut vpcp, &id, "07", "").await);
    assert_eq!(unknown.code(), Code::InvalidArgument);
    let revoke_answer = code_of(report(&mut vpcp, &id, "15", "").await);
    assert_eq!(
        revoke_answer.code(),
        Code::FailedPrecondition,
        "15 without a revoke request"
    );

    let r2 = send(&mut h48, header(H48, &[G22], 2, &[]), &[])
        .await
        .expect("send");
    ack(&mut vpcp, &r2.document_id).await;
    let no_reason = code_of(report(&mut vpcp, &r2.document_id, "02", "").await);
    assert_eq!(no_reason.code(), Code::InvalidArgument);
    assert!(
        no_reason.message().contains("description"),
        "{}",
        no_reason.message()
    );
    report(&mut vpcp, &r2.document_id, "02", "Không thuộc thẩm quyền")
        .await
        .expect("02");
    let after_reject = code_of(report(&mut vpcp, &r2.document_id, "03", "").await);
    assert_eq!(after_reject.code(), Code::FailedPrecondition);
    hub.stop().await;
}

async fn bad_input_names_field_and_rule(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut h48 = hub.agency(H48).await;
    fn check<T: std::fmt::Debug>(r: Result<T, tonic::Status>, code: Code, field: &str) {
        let e = code_of(r);
        assert_eq!(e.code(), code, "{}", e.message());
        assert!(
            e.message().contains(field),
            "{field} not named in {:?}",
            e.message()
        );
    }
    let mut h = header(H48, &[G22], 1, &[]);
    h.to[0].code = "H48".into();
    check(
        send(&mut h48, h, &[]).await,
        Code::InvalidArgument,
        "to[0].code",
    );

    let mut h = header(H48, &[G22], 1, &[]);
    h.document_id = "125/UBND".into();
    check(
        send(&mut h48, h, &[]).await,
        Code::InvalidArgument,
        "document_id",
    );

    let mut h = header(H48, &[G22], 1, &[]);
    h.document_id = format!("{G22},2026/11/26,1/X");
    check(
        send(&mut h48, h, &[]).await,
        Code::InvalidArgument,
        "OrganId",
    );

    let mut h = header(H48, &[G22], 1, &[]);
    h.subject = "  ".into();
    check(
        send(&mut h48, h, &[]).await,
        Code::InvalidArgument,
        "subject",
    );

    let mut h = header(H48, &[G22], 1, &[]);
    h.other_info = Some(OtherInfo {
        priority: 5,
        ..Default::default()
    });
    check(
        send(&mut h48, h, &[]).await,
        Code::InvalidArgument,
        "other_info.priority",
    );

    let mut h = header(H48, &[G22], 1, &[]);
    h.to.clear();
    check(send(&mut h48, h, &[]).await, Code::InvalidArgument, "to");

    check(
        send(&mut h48, header(H48, &[G22, "000.00.77.H48"], 1, &[]), &[]).await,
        Code::NotFound,
        "to[1].code",
    );
    let mut h = header(H48, &[G22], 1, &[]);
    h.from = None;
    check(send(&mut h48, h, &[]).await, Code::InvalidArgument, "from");

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

async fn directory_and_admin_rules(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut as_agency = hub.directory(&Identity::Agency(H48.into())).await;
    let all = as_agency
        .list_agencies(ListAgenciesRequest {})
        .await
        .expect("list")
        .into_inner()
        .agencies;
    for code in [G22, H48, "000.00.53.H48", "000.00.00.H41", "000.00.00.H49"] {
        assert!(all.iter().any(|a| a.code == code), "seed has {code}");
    }
    let vpcp = as_agency
        .get_agency(GetAgencyRequest { code: G22.into() })
        .await
        .expect("get")
        .into_inner();
    assert_eq!(vpcp.agency.expect("agency").name, "Văn phòng Chính phủ");

    let new = Agency {
        code: "000.00.21.H48".into(),
        name: "Sở Y tế tỉnh Quảng Ngãi".into(),
        ..Default::default()
    };
    let denied = code_of(
        as_agency
            .register_agency(RegisterAgencyRequest {
                agency: Some(new.clone()),
            })
            .await,
    );
    assert_eq!(denied.code(), Code::PermissionDenied);

    let mut admin = hub.directory(&Identity::Admin("ops".into())).await;
    let bad = code_of(
        admin
            .register_agency(RegisterAgencyRequest {
                agency: Some(Agency {
                    code: "SYT".into(),
                    name: "x".into(),
                    ..Default::default()
                }),
            })
            .await,
    );
    assert_eq!(bad.code(), Code::InvalidArgument);
    let created = admin
        .register_agency(RegisterAgencyRequest {
            agency: Some(new.clone()),
        })
        .await
        .expect("register");
    assert!(created.into_inner().created);

    // The new agency can now receive documents.
    let mut h48 = hub.agency(H48).await;
    send(&mut h48, header(H48, &[&new.code], 1, &[]), &[])
        .await
        .expect("send to new agency");

    admin
        .remove_agency(RemoveAgencyRequest {
            code: new.code.clone(),
        })
        .await
        .expect("remove");
    let gone = code_of(
        as_agency
            .get_agency(GetAgencyRequest {
                code: new.code.clone(),
            })
            .await,
    );
    assert_eq!(gone.code(), Code::NotFound);
    let again = code_of(
        admin
            .remove_agency(RemoveAgencyRequest {
                code: new.code.clone(),
            })
            .await,
    );
    assert_eq!(again.code(), Code::NotFound);
    let unknown = code_of(send(&mut h48, header(H48, &[&new.code], 2, &[]), &[]).await);
    assert_eq!(unknown.code(), Code::NotFound);
    hub.stop().await;
}

async fn health_reflects_the_database(backend: Backend) {
    use tonic_health::pb::{
        HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
    };
    let hub = spawn_hub(backend).await;
    let mut health = HealthClient::new(hub.channel(&Identity::Admin("ops".into())).await);
    for service in ["", "lienthong.exchange.v1.ExchangeService"] {
        let mut status = ServingStatus::Unknown;
        for _ in 0..100 {
            status = health
                .check(HealthCheckRequest {
                    service: service.into(),
                })
                .await
                .expect("health")
                .into_inner()
                .status();
            if status == ServingStatus::Serving {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(status, ServingStatus::Serving, "{service:?}");
    }
    // The database going away turns the hub NOT_SERVING.
    hub.hub.as_ref().expect("hub").app.pool.close().await;
    let mut status = ServingStatus::Serving;
    for _ in 0..100 {
        status = health
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await
            .expect("health")
            .into_inner()
            .status();
        if status == ServingStatus::NotServing {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, ServingStatus::NotServing);
    hub.stop().await;
}
