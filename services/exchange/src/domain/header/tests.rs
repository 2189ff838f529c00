use lienthong_api::exchange::v1::{
    Agency, AttachmentInfo, Business, BusinessType, DocumentType, OtherInfo, Secrecy,
};
use lienthong_platform::error::ApiError;

use super::*;

const H48: &str = "000.00.00.H48";
/// Tomorrow, for a hub whose today is 2026-11-26.
const LATEST: time::Date = time::macros::date!(2026 - 11 - 27);
const G22: &str = "000.00.00.G22";

fn sender() -> AgencyCode {
    AgencyCode::parse("f", H48).unwrap()
}

fn agency(code: &str) -> Agency {
    Agency {
        code: code.into(),
        ..Default::default()
    }
}

fn header() -> DocumentHeader {
    DocumentHeader {
        sender: Some(agency(H48)),
        recipients: vec![agency(G22)],
        document_id: format!("{H48},2026/11/26,1/UBND-TH"),
        subject: "Kế hoạch 61/KH-UBND".into(),
        attachments: vec![AttachmentInfo {
            name: "a.pdf".into(),
            content_type: "application/pdf".into(),
            size: 10,
            sha256: "a".repeat(64),
            description: String::new(),
        }],
        ..Default::default()
    }
}

fn fields(e: ExchangeError) -> Vec<String> {
    e.violations().iter().map(|v| v.field.clone()).collect()
}

#[test]
fn documents_are_not_dated_after_tomorrow() {
    let dated = |date: &str| {
        let mut h = header();
        h.document_id = format!("{H48},{date},1/UBND-TH");
        h.response_for = vec![format!("{G22},{date},9/VPCP")];
        check_header_at(&h, &sender(), &Limits::default(), LATEST).map_err(fields)
    };
    assert!(dated("2026/11/27").is_ok(), "tomorrow is fine");
    assert_eq!(
        dated("2026/11/28").unwrap_err(),
        ["document_id", "response_for[0]"]
    );
    assert_eq!(dated("2099/12/31").unwrap_err().len(), 2);
}

#[test]
fn a_good_header_gives_its_recipients() {
    let r = check_header_at(&header(), &sender(), &Limits::default(), LATEST).unwrap();
    assert_eq!(r, vec![AgencyCode::parse("f", G22).unwrap()]);
}

#[test]
fn every_malformed_field_is_reported_at_once() {
    let mut h = header();
    h.recipients.push(agency(H48));
    h.recipients.push(agency(G22));
    h.recipients.push(agency("H48"));
    h.subject = " ".into();
    h.due_date = "20/11/2026".into();
    h.other_info = Some(OtherInfo {
        priority: 9,
        ..Default::default()
    });
    h.attachments[0].sha256 = "X".into();
    h.attachments[0].name = "../a".into();
    h.business = Some(Business {
        business_type: BusinessType::Update as i32,
        ..Default::default()
    });
    h.steering_type = 9;
    h.document_type = Some(DocumentType {
        kind: 3,
        ..Default::default()
    });
    let e = check_header_at(&h, &sender(), &Limits::default(), LATEST).unwrap_err();
    assert_eq!(
        fields(e),
        [
            "recipients[1].code",
            "recipients[2].code",
            "recipients[3].code",
            "subject",
            "due_date",
            "other_info.priority",
            "steering_type",
            "document_type.kind",
            "business.target_document_id",
            "business.reason",
            "attachments[0].name",
            "attachments[0].sha256",
        ]
    );
}

#[test]
fn messages_name_field_and_rule() {
    let mut h = header();
    h.recipients[0].code = H48.into();
    let e = check_header_at(&h, &sender(), &Limits::default(), LATEST).unwrap_err();
    assert_eq!(
        e.to_string(),
        "recipients[0].code: an agency cannot send to itself"
    );
    let mut h = header();
    h.document_id = format!("{G22},2026/11/26,1/X");
    let e = check_header_at(&h, &sender(), &Limits::default(), LATEST).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("document_id: its OrganId {G22} must be the sender's code {H48}")
    );
    let mut h = header();
    h.sender = None;
    let e = check_header_at(&h, &sender(), &Limits::default(), LATEST).unwrap_err();
    assert_eq!(e.to_string(), "sender: is required");
}

#[test]
fn policy_refusals_come_first() {
    let mut h = header();
    h.sender = Some(agency(G22));
    h.subject = String::new();
    let e = check_header_at(&h, &sender(), &Limits::default(), LATEST).unwrap_err();
    assert!(matches!(e, ExchangeError::SpoofedSender { .. }), "{e}");

    let mut h = header();
    h.other_info = Some(OtherInfo {
        secrecy: Secrecy::TopSecret as i32,
        ..Default::default()
    });
    let e = check_header_at(&h, &sender(), &Limits::default(), LATEST).unwrap_err();
    assert!(e.to_string().contains("Tuyệt mật"), "{e}");
    assert_eq!(e.subject(), h.document_id, "the refused document");

    let limits = Limits {
        max_attachment_bytes: 5,
        ..Limits::default()
    };
    let e = check_header_at(&header(), &sender(), &limits, LATEST).unwrap_err();
    assert_eq!(
        e.to_string(),
        "attachments[0].size: 10 bytes is over this hub's limit of 5 bytes per attachment"
    );
    let limits = Limits {
        max_recipients: 0,
        ..Limits::default()
    };
    let e = check_header_at(&header(), &sender(), &limits, LATEST).unwrap_err();
    assert_eq!(e.reason(), "TOO_MANY_RECIPIENTS");
}

#[test]
fn the_fingerprint_ignores_trace_headers() {
    let mut h = header();
    let before = fingerprint(&h);
    h.trace_headers.push(Default::default());
    assert_eq!(fingerprint(&h), before);
    h.subject.push('!');
    assert_ne!(fingerprint(&h), before);
}

#[test]
fn relayed_documents() {
    let routing =
        Routing::new("national", "national", None, None, Some("H48=https://a:1")).expect("routing");
    let binh_son = "000.00.53.H48";
    let mut h = header();
    h.sender = Some(agency(binh_son));
    h.document_id = format!("{binh_son},2026/11/26,1/UBND-TH");
    let limits = Limits::default();
    let relay = |h: DocumentHeader, recipients: Vec<String>| RelayHeader {
        document: Some(h),
        recipients,
    };
    let ok = check_relay_header(
        relay(h.clone(), vec![G22.into()]),
        "H48",
        &routing,
        &limits,
        LATEST,
    )
    .unwrap();
    assert_eq!(ok.sender.as_str(), binh_son);
    let e = check_relay_header(
        relay(h.clone(), vec![G22.into()]),
        "H41",
        &routing,
        &limits,
        LATEST,
    )
    .unwrap_err();
    assert!(matches!(e, ExchangeError::RelayRefused { .. }), "{e}");
    let e = check_relay_header(
        relay(h.clone(), vec!["000.00.00.H41".into(), "x".into()]),
        "H48",
        &routing,
        &limits,
        LATEST,
    )
    .unwrap_err();
    assert_eq!(fields(e), ["header.recipients[0]", "header.recipients[1]"]);
    // The content rules of a local send, named inside the relay.
    let mut bad = h.clone();
    bad.subject = "a\0b".into();
    bad.document_id = format!("{binh_son},2026/11/28,1/UBND-TH");
    bad.attachments.push(bad.attachments[0].clone());
    let e = check_relay_header(
        relay(bad, vec![G22.into()]),
        "H48",
        &routing,
        &limits,
        LATEST,
    )
    .unwrap_err();
    assert_eq!(
        fields(e),
        [
            "header.document.document_id",
            "header.document.subject",
            "header.document.attachments[1].name"
        ]
    );
    let mut secret = h;
    secret.other_info = Some(OtherInfo {
        secrecy: Secrecy::Secret as i32,
        ..Default::default()
    });
    let e = check_relay_header(
        relay(secret, vec![G22.into()]),
        "H48",
        &routing,
        &limits,
        LATEST,
    )
    .unwrap_err();
    assert_eq!(e.reason(), "SECRET_DOCUMENT");
}

#[test]
fn a_business_says_what_it_does() {
    let with = |business_type: i32, target: &str, reason: &str| {
        let mut h = header();
        h.business = Some(Business {
            business_type,
            target_document_id: target.into(),
            reason: reason.into(),
        });
        check_header_at(&h, &sender(), &Limits::default(), LATEST).map_err(fields)
    };
    let target = format!("{G22},2026/11/20,9/VPCP");
    assert!(
        with(BusinessType::New as i32, "", "").is_ok(),
        "new: nothing else"
    );
    assert!(with(BusinessType::Replace as i32, &target, "sai sót").is_ok());
    for unset in [BusinessType::Unspecified as i32, 9] {
        assert_eq!(
            with(unset, &target, "x").unwrap_err(),
            ["business.business_type"],
            "{unset}"
        );
    }
    let mut h = header();
    h.other_info = Some(OtherInfo {
        priority: lienthong_api::exchange::v1::Priority::Flash as i32,
        secrecy: 8,
        ..Default::default()
    });
    let e = check_header_at(&h, &sender(), &Limits::default(), LATEST).unwrap_err();
    assert_eq!(
        fields(e),
        ["other_info.secrecy"],
        "an unknown marking is malformed"
    );
}
