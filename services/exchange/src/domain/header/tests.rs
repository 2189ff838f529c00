use lienthong_api::exchange::v1::{Agency, Business, OtherInfo};
use lienthong_platform::error::ApiError;

use super::*;

const H48: &str = "000.00.00.H48";
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
        from: Some(agency(H48)),
        to: vec![agency(G22)],
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
fn a_good_header_gives_its_recipients() {
    let r = check_header(&header(), &sender(), &Limits::default()).unwrap();
    assert_eq!(r, vec![AgencyCode::parse("f", G22).unwrap()]);
}

#[test]
fn every_malformed_field_is_reported_at_once() {
    let mut h = header();
    h.to.push(agency(H48));
    h.to.push(agency(G22));
    h.to.push(agency("H48"));
    h.subject = " ".into();
    h.due_date = "20/11/2026".into();
    h.other_info = Some(OtherInfo {
        priority: 9,
        ..Default::default()
    });
    h.attachments[0].sha256 = "X".into();
    h.attachments[0].name = "../a".into();
    h.business = Some(Business {
        business_type: 2,
        ..Default::default()
    });
    let e = check_header(&h, &sender(), &Limits::default()).unwrap_err();
    assert_eq!(
        fields(e),
        [
            "to[1].code",
            "to[2].code",
            "to[3].code",
            "subject",
            "other_info.priority",
            "due_date",
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
    h.to[0].code = H48.into();
    let e = check_header(&h, &sender(), &Limits::default()).unwrap_err();
    assert_eq!(e.to_string(), "to[0].code: an agency cannot send to itself");
    let mut h = header();
    h.document_id = format!("{G22},2026/11/26,1/X");
    let e = check_header(&h, &sender(), &Limits::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("document_id: its OrganId {G22} must be the sender's code {H48}")
    );
    let mut h = header();
    h.from = None;
    let e = check_header(&h, &sender(), &Limits::default()).unwrap_err();
    assert_eq!(e.to_string(), "from: is required");
}

#[test]
fn policy_refusals_come_first() {
    let mut h = header();
    h.from = Some(agency(G22));
    h.subject = String::new();
    let e = check_header(&h, &sender(), &Limits::default()).unwrap_err();
    assert!(matches!(e, ExchangeError::SpoofedSender { .. }), "{e}");

    let mut h = header();
    h.other_info = Some(OtherInfo {
        secrecy: Secrecy::TopSecret as i32,
        ..Default::default()
    });
    let e = check_header(&h, &sender(), &Limits::default()).unwrap_err();
    assert!(e.to_string().contains("Tuyệt mật"), "{e}");

    let limits = Limits {
        max_attachment_bytes: 5,
        ..Limits::default()
    };
    let e = check_header(&header(), &sender(), &limits).unwrap_err();
    assert_eq!(
        e.to_string(),
        "attachments[0].size: 10 bytes is over this hub's limit of 5 bytes per attachment"
    );
    let limits = Limits {
        max_recipients: 0,
        ..Limits::default()
    };
    let e = check_header(&header(), &sender(), &limits).unwrap_err();
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
    h.from = Some(agency(binh_son));
    h.document_id = format!("{binh_son},2026/11/26,1/UBND-TH");
    let relay = |h: DocumentHeader, recipients: Vec<String>| RelayHeader {
        document: Some(h),
        recipients,
    };
    let ok = check_relay_header(relay(h.clone(), vec![G22.into()]), "H48", &routing).unwrap();
    assert_eq!(ok.sender.as_str(), binh_son);
    let e = check_relay_header(relay(h.clone(), vec![G22.into()]), "H41", &routing).unwrap_err();
    assert!(matches!(e, ExchangeError::RelayRefused { .. }), "{e}");
    let e = check_relay_header(
        relay(h, vec!["000.00.00.H41".into(), "x".into()]),
        "H48",
        &routing,
    )
    .unwrap_err();
    assert_eq!(fields(e), ["header.recipients[0]", "header.recipients[1]"]);
}
