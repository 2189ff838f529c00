//! A hostile or careless agency against every ExchangeService RPC: malformed and oversized
//! fields, control characters and bidirectional overrides, implausible DocumentIds, attachment
//! names a client cannot write, wrong identities and rule violations. Each refusal has its
//! code, its reason and a message naming the field; nothing is stored (the sender's and the
//! recipient's views stay empty). The other services are in `hostile_hubs`.
use lienthong_api::exchange::v1::{
    AcknowledgeDocumentRequest, Agency, AttachmentInfo, Business, BusinessStatus as S,
    BusinessType, ConfirmStatusMessagesRequest, DocumentCode, DocumentHeader, DocumentType,
    FetchDocumentRequest, GetSentDocumentRequest, ListPendingRequest, ListSentDocumentsRequest,
    OtherInfo, PromulgationInfo, ReportStatusRequest, RevokeDocumentRequest, Secrecy, SignerInfo,
    SubscribeRequest, WatchSentDocumentRequest, exchange_service_client::ExchangeServiceClient,
};
use lienthong_platform::{Identity, client::TracedChannel, db::Backend};
use tonic::Code;

use crate::support::*;

type Client = ExchangeServiceClient<TracedChannel>;

/// The call was refused with `code` and `reason`, and the message (and, for a malformed field,
/// the BadRequest) names `field`.
#[track_caller]
pub fn refused_naming<T: std::fmt::Debug>(
    r: Result<T, tonic::Status>,
    code: Code,
    reason: &str,
    field: &str,
) -> tonic::Status {
    let e = refused(r, code, reason);
    assert!(
        e.message().contains(field),
        "{field} not named in {:?}",
        e.message()
    );
    if reason == "INVALID_FIELD" {
        assert!(
            violated_fields(&e).iter().any(|f| f == field),
            "{field} not in the BadRequest of {:?}",
            e.message()
        );
    }
    e
}

/// One malformed header: what is wrong, how it is refused, the field named.
pub struct Case {
    pub what: &'static str,
    pub change: Box<dyn Fn(&mut DocumentHeader)>,
    pub code: Code,
    pub reason: &'static str,
    pub field: &'static str,
}

fn invalid(
    what: &'static str,
    field: &'static str,
    change: impl Fn(&mut DocumentHeader) + 'static,
) -> Case {
    Case {
        what,
        change: Box::new(change),
        code: Code::InvalidArgument,
        reason: "INVALID_FIELD",
        field,
    }
}

fn attachment(name: &str) -> AttachmentInfo {
    AttachmentInfo {
        name: name.into(),
        content_type: "application/pdf".into(),
        size: 3,
        sha256: "a".repeat(64),
        description: String::new(),
    }
}

fn other_info(change: impl Fn(&mut OtherInfo)) -> Option<OtherInfo> {
    let mut o = OtherInfo::default();
    change(&mut o);
    Some(o)
}

fn revoking(target: &str, reason: &str) -> Option<Business> {
    Some(Business {
        business_type: BusinessType::Revoke as i32,
        target_document_id: target.into(),
        reason: reason.into(),
    })
}

/// Free text against the text policy and the hub's lengths (docs/exchange.md, "Limits on
/// fields"), the same prefix-less for a send as prefixed for a relay.
#[allow(clippy::too_many_lines)]
pub fn text_cases() -> Vec<Case> {
    vec![
        invalid("NUL in the subject", "subject", |h| h.subject.push('\0')),
        invalid("a line break in the subject", "subject", |h| {
            h.subject.push_str("\nX-Injected: 1")
        }),
        invalid("a subject over 2000 characters", "subject", |h| {
            h.subject = "Đ".repeat(2001)
        }),
        invalid("a bidi override in the content", "content", |h| {
            h.content = "Nội dung\u{202e}txt.exe".into()
        }),
        invalid("content over 50000 characters", "content", |h| {
            h.content = "a".repeat(50_001)
        }),
        invalid("ESC in the number", "code.code_number", |h| {
            h.code = Some(DocumentCode {
                code_number: "1\u{1b}[31m".into(),
                code_notation: "UBND-TH".into(),
            })
        }),
        invalid("CR in the notation", "code.code_notation", |h| {
            h.code = Some(DocumentCode {
                code_number: "1".into(),
                code_notation: "UBND\r-TH".into(),
            })
        }),
        invalid(
            "a line break in the place",
            "promulgation_info.place",
            |h| {
                h.promulgation_info = Some(PromulgationInfo {
                    place: "Quảng\nNgãi".into(),
                    promulgation_date: "2026-11-26".into(),
                })
            },
        ),
        invalid("NUL in the type code", "document_type.type_code", |h| {
            h.document_type = Some(DocumentType {
                type_code: "1\0".into(),
                ..Default::default()
            })
        }),
        invalid(
            "a C1 control in the type name",
            "document_type.type_name",
            |h| {
                h.document_type = Some(DocumentType {
                    type_name: "Công\u{85}văn".into(),
                    ..Default::default()
                })
            },
        ),
        invalid("an isolate in the signer", "signer_info.full_name", |h| {
            h.signer_info = Some(SignerInfo {
                full_name: "Nguyễn\u{2066}Văn A".into(),
                ..Default::default()
            })
        }),
        invalid("DEL in the position", "signer_info.position", |h| {
            h.signer_info = Some(SignerInfo {
                position: "Phó Chủ tịch\u{7f}".into(),
                ..Default::default()
            })
        }),
        invalid("NUL in a place it is sent to", "to_places[1]", |h| {
            h.to_places = vec!["Lưu: VT".into(), "x\0".into()]
        }),
        invalid("101 places", "to_places", |h| {
            h.to_places = vec!["Lưu: VT".into(); 101]
        }),
        invalid(
            "a line break in the sphere",
            "other_info.sphere_of_promulgation",
            |h| h.other_info = other_info(|o| o.sphere_of_promulgation = "a\nb".into()),
        ),
        invalid(
            "ESC in the typer notation",
            "other_info.typer_notation",
            |h| h.other_info = other_info(|o| o.typer_notation = "\u{1b}".into()),
        ),
        invalid(
            "a non-character in an appendix",
            "other_info.appendixes[0]",
            |h| h.other_info = other_info(|o| o.appendixes = vec!["Phụ lục\u{ffff}".into()]),
        ),
        invalid("NUL in the business reason", "business.reason", |h| {
            h.business = revoking(&format!("{H48},2026/11/20,1/UBND-TH"), "Nhầm\0")
        }),
        invalid("a bidi override in the sender's name", "sender.name", |h| {
            if let Some(s) = h.sender.as_mut() {
                s.name = "UBND\u{202e}".into();
            }
        }),
        invalid(
            "a header injected in an e-mail",
            "recipients[0].email",
            |h| h.recipients[0].email = "vpcp@chinhphu.vn\r\nBcc: x@y".into(),
        ),
        invalid(
            "NUL in an attachment's description",
            "attachments[0].description",
            |h| {
                h.attachments = vec![AttachmentInfo {
                    description: "Bản\0chính".into(),
                    ..attachment("a.pdf")
                }]
            },
        ),
        invalid(
            "a line break in a content type",
            "attachments[0].content_type",
            |h| {
                h.attachments = vec![AttachmentInfo {
                    content_type: "application/pdf\r\nX: y".into(),
                    ..attachment("a.pdf")
                }]
            },
        ),
    ]
}

/// DocumentIds a hub must not believe, and attachment names a client cannot write.
pub fn id_and_name_cases() -> Vec<Case> {
    let organ = |h: &mut DocumentHeader, rest: &str| {
        let sender = h
            .sender
            .as_ref()
            .map(|s| s.code.clone())
            .unwrap_or_default();
        h.document_id = format!("{sender},{rest}");
    };
    vec![
        invalid("a DocumentId of 2099", "document_id", move |h| {
            organ(h, "2099/12/31,1/UBND-TH")
        }),
        invalid(
            "a DocumentId of the day after tomorrow",
            "document_id",
            move |h| organ(h, "2026/11/28,1/UBND-TH"),
        ),
        invalid("a year +202", "document_id", move |h| {
            organ(h, "+202/11/26,1/UBND-TH")
        }),
        invalid("a newline in the Number", "document_id", move |h| {
            organ(h, "2026/11/26,1\n/UBND-TH")
        }),
        invalid("NUL in the Notation", "document_id", move |h| {
            organ(h, "2026/11/26,1/UBND\0TH")
        }),
        invalid("an answer to a future document", "response_for[0]", |h| {
            h.response_for = vec![format!("{G22},2027/01/01,1/VPCP")]
        }),
        invalid("answers to 101 documents", "response_for", |h| {
            h.response_for = vec![format!("{G22},2026/11/01,1/VPCP"); 101]
        }),
        invalid(
            "revoking a future document",
            "business.target_document_id",
            |h| h.business = revoking(&format!("{G22},2030/01/01,1/VPCP"), "Nhầm"),
        ),
        invalid("two attachments named alike", "attachments[1].name", |h| {
            h.attachments = vec![attachment("Quyet-dinh.PDF"), attachment("quyet-dinh.pdf")]
        }),
        invalid(
            "an attachment named header.json",
            "attachments[0].name",
            |h| h.attachments = vec![attachment("Header.JSON")],
        ),
        invalid("an attachment named ..", "attachments[0].name", |h| {
            h.attachments = vec![attachment("..")]
        }),
        invalid("a path", "attachments[0].name", |h| {
            h.attachments = vec![attachment("a/b.pdf")]
        }),
        invalid("a Windows path", "attachments[0].name", |h| {
            h.attachments = vec![attachment("..\\b.pdf")]
        }),
        invalid("a name of 241 bytes", "attachments[0].name", |h| {
            h.attachments = vec![attachment(&format!("{}.pdf", "a".repeat(237)))]
        }),
        invalid("a line break in a name", "attachments[0].name", |h| {
            h.attachments = vec![attachment("a\n.pdf")]
        }),
        invalid(
            "a name that displays reversed",
            "attachments[0].name",
            |h| h.attachments = vec![attachment("hop-dong\u{202e}fdp.exe")],
        ),
    ]
}

/// Rules of the axis rather than malformed fields.
fn rule_cases() -> Vec<Case> {
    let case = |what, code, reason, field, change: fn(&mut DocumentHeader)| Case {
        what,
        change: Box::new(change),
        code,
        reason,
        field,
    };
    vec![
        case(
            "a spoofed sender",
            Code::PermissionDenied,
            "SPOOFED_SENDER",
            "sender.code",
            |h| {
                h.sender = Some(Agency {
                    code: G22.into(),
                    ..Default::default()
                })
            },
        ),
        case(
            "a state secret",
            Code::FailedPrecondition,
            "SECRET_DOCUMENT",
            "other_info.secrecy",
            |h| h.other_info = other_info(|o| o.secrecy = Secrecy::Confidential as i32),
        ),
        case(
            "eleven attachments (the test hub takes ten)",
            Code::ResourceExhausted,
            "TOO_MANY_ATTACHMENTS",
            "attachments",
            |h| h.attachments = (0..11).map(|i| attachment(&format!("{i}.pdf"))).collect(),
        ),
        case(
            "an attachment over the size limit",
            Code::ResourceExhausted,
            "ATTACHMENT_TOO_LARGE",
            "attachments[0].size",
            |h| {
                h.attachments = vec![AttachmentInfo {
                    size: 1024 * 1024 + 1,
                    ..attachment("a.pdf")
                }]
            },
        ),
        case(
            "an unknown recipient",
            Code::NotFound,
            "AGENCY_NOT_REGISTERED",
            "recipients[0].code",
            |h| h.recipients[0].code = "000.00.77.H48".into(),
        ),
        case(
            "a recipient listed twice",
            Code::InvalidArgument,
            "INVALID_FIELD",
            "recipients[1].code",
            |h| h.recipients.push(h.recipients[0].clone()),
        ),
        case(
            "a priority that is none",
            Code::InvalidArgument,
            "INVALID_FIELD",
            "other_info.priority",
            |h| h.other_info = other_info(|o| o.priority = 99),
        ),
    ]
}

pub async fn hostile_sends_store_nothing(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut h48 = hub.agency(H48).await;
    let cases: Vec<Case> = text_cases()
        .into_iter()
        .chain(id_and_name_cases())
        .chain(rule_cases())
        .collect();
    for (n, case) in cases.iter().enumerate() {
        let mut h = header(H48, &[G22], n as u32 + 1, &[]);
        (case.change)(&mut h);
        let e = refused_naming(
            send(&mut h48, h, &[]).await,
            case.code,
            case.reason,
            case.field,
        );
        assert!(!e.message().is_empty(), "{}", case.what);
    }
    // Neither an admin nor a hub certificate may use the agencies' service.
    for id in [Identity::Admin("ops".into()), Identity::Hub("H41".into())] {
        let mut other = ExchangeServiceClient::new(hub.channel(&id).await);
        refused(
            send(&mut other, header(H48, &[G22], 900, &[]), &[]).await,
            Code::PermissionDenied,
            "IDENTITY_NOT_ALLOWED",
        );
    }
    nothing_stored(&mut h48, &mut hub.agency(G22).await).await;
    what_is_fine_passes(&mut h48).await;
    hub.stop().await;
}

/// The sender has sent nothing, the recipient received nothing.
async fn nothing_stored(sender: &mut Client, recipient: &mut Client) {
    let sent = sender
        .list_sent_documents(ListSentDocumentsRequest::default())
        .await
        .expect("sent")
        .into_inner()
        .documents;
    assert!(sent.is_empty(), "nothing stored: {sent:?}");
    let pending = recipient
        .list_pending(ListPendingRequest::default())
        .await
        .expect("pending")
        .into_inner()
        .items;
    assert!(pending.is_empty(), "nothing delivered: {pending:?}");
}

/// At the edges of the rules: dated tomorrow, a name of 240 bytes, tabs, Vietnamese text and
/// line breaks where a field may span lines.
async fn what_is_fine_passes(h48: &mut Client) {
    let data = b"abc".to_vec();
    let name = format!("{}.pdf", "a".repeat(236));
    let mut h = header(H48, &[G22], 1000, &[(name.as_str(), &data)]);
    h.document_id = format!("{H48},2026/11/27,1000/UBND-TH");
    h.subject = "Về việc\ttriển khai Kế hoạch 61/KH-UBND".into();
    h.content = "Dòng một\r\nDòng hai\nĐÃ KÝ".into();
    h.response_for = vec![format!("{G22},2026/11/27,9/VPCP")];
    send(h48, h, &[&data]).await.expect("a plausible document");
}

/// Every other ExchangeService RPC, against a document the recipient holds.
pub async fn hostile_requests_change_nothing(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut h48 = hub.agency(H48).await;
    let mut vpcp = hub.agency(G22).await;
    let d = send(&mut h48, header(H48, &[G22], 1, &[]), &[])
        .await
        .expect("send")
        .document_id;
    ack(&mut vpcp, &d).await;
    bad_reports(&mut vpcp, &d).await;
    bad_revokes(&mut h48, &mut vpcp, &d).await;
    bad_reads(&mut vpcp, &d).await;
    // Nothing changed: the leg is at 01, no revoke asked.
    let view = h48
        .get_sent_document(GetSentDocumentRequest {
            document_id: d.clone(),
        })
        .await
        .expect("view")
        .into_inner()
        .document
        .expect("view");
    let leg = &view.recipients[0];
    assert_eq!(leg.current_status(), S::Arrived);
    assert_eq!(leg.statuses.len(), 1, "{:?}", leg.statuses);
    assert_eq!(leg.revoke_state, 0);
    hub.stop().await;
}

async fn bad_reports(vpcp: &mut Client, d: &str) {
    let req = |change: &dyn Fn(&mut ReportStatusRequest)| {
        let mut r = ReportStatusRequest {
            document_id: d.into(),
            status: S::Accepted as i32,
            ..Default::default()
        };
        change(&mut r);
        r
    };
    for (r, field) in [
        (req(&|r| r.description = "Đã nhận\0".into()), "description"),
        (req(&|r| r.description = "x".repeat(2001)), "description"),
        (req(&|r| r.staff_info = "A\nB".into()), "staff_info"),
        (req(&|r| r.request_id = "ü".into()), "request_id"),
        (req(&|r| r.request_id = "r".repeat(65)), "request_id"),
        (req(&|r| r.document_id.push('\n')), "document_id"),
        (req(&|r| r.status = 99), "status"),
        (req(&|r| r.status = S::Rejected as i32), "description"),
    ] {
        refused_naming(
            vpcp.report_status(r).await,
            Code::InvalidArgument,
            "INVALID_FIELD",
            field,
        );
    }
    refused_naming(
        vpcp.report_status(req(&|r| r.status = S::Completed as i32))
            .await,
        Code::FailedPrecondition,
        "TRANSITION_REFUSED",
        "status",
    );
}

async fn bad_revokes(h48: &mut Client, vpcp: &mut Client, d: &str) {
    let revoke = |document_id: &str, reason: &str| RevokeDocumentRequest {
        document_id: document_id.into(),
        reason: reason.into(),
    };
    for (r, field) in [
        (revoke(d, "Nhầm\u{1b}[2J"), "reason"),
        (revoke(d, &"x".repeat(2001)), "reason"),
        (revoke(d, " "), "reason"),
        (revoke(&format!("{d}\0"), "Nhầm"), "document_id"),
    ] {
        refused_naming(
            h48.revoke_document(r).await,
            Code::InvalidArgument,
            "INVALID_FIELD",
            field,
        );
    }
    refused_naming(
        vpcp.revoke_document(revoke(d, "Nhầm")).await,
        Code::PermissionDenied,
        "ONLY_SENDER_REVOKES",
        "document_id",
    );
}

async fn bad_reads(vpcp: &mut Client, d: &str) {
    let broken = format!("{d}\n");
    let id = || broken.clone();
    let malformed = |r: Result<(), tonic::Status>, field| {
        refused_naming(r, Code::InvalidArgument, "INVALID_FIELD", field);
    };
    malformed(fetch_all(vpcp, &broken).await.map(|_| ()), "document_id");
    let fetch = FetchDocumentRequest {
        document_id: id(),
        include_content: false,
    };
    malformed(vpcp.fetch_document(fetch).await.map(|_| ()), "document_id");
    let ack = AcknowledgeDocumentRequest { document_id: id() };
    malformed(
        vpcp.acknowledge_document(ack).await.map(|_| ()),
        "document_id",
    );
    let view = GetSentDocumentRequest { document_id: id() };
    malformed(
        vpcp.get_sent_document(view).await.map(|_| ()),
        "document_id",
    );
    let watch = WatchSentDocumentRequest { document_id: id() };
    malformed(
        vpcp.watch_sent_document(watch).await.map(|_| ()),
        "document_id",
    );
    let confirm = |ids: Vec<u64>| ConfirmStatusMessagesRequest { item_ids: ids };
    malformed(
        vpcp.confirm_status_messages(confirm(vec![u64::MAX]))
            .await
            .map(|_| ()),
        "item_ids[0]",
    );
    refused_naming(
        vpcp.confirm_status_messages(confirm(vec![999_999])).await,
        Code::NotFound,
        "NO_INBOX_ITEM",
        "item_ids[0]",
    );
    let forged = |after_item_id| ListPendingRequest {
        after_item_id,
        page_token: "forged".into(),
        ..Default::default()
    };
    malformed(vpcp.list_pending(forged(0)).await.map(|_| ()), "page_token");
    let pending = ListPendingRequest {
        after_item_id: u64::MAX,
        ..Default::default()
    };
    malformed(
        vpcp.list_pending(pending).await.map(|_| ()),
        "after_item_id",
    );
    let subscribe = SubscribeRequest {
        after_item_id: u64::MAX,
    };
    malformed(vpcp.subscribe(subscribe).await.map(|_| ()), "after_item_id");
    let sent = ListSentDocumentsRequest {
        page_token: "forged".into(),
        ..Default::default()
    };
    malformed(
        vpcp.list_sent_documents(sent).await.map(|_| ()),
        "page_token",
    );
}
