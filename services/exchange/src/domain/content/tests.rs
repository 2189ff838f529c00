use lienthong_api::exchange::v1::{Business, DocumentCode, SignerInfo};
use time::macros::date;

use super::*;

const LATEST: Date = date!(2026 - 11 - 27);

fn attachment(name: &str) -> AttachmentInfo {
    AttachmentInfo {
        name: name.into(),
        content_type: "application/pdf".into(),
        size: 1,
        sha256: "b".repeat(64),
        description: String::new(),
    }
}

fn header() -> DocumentHeader {
    DocumentHeader {
        subject: "Kế hoạch 61/KH-UBND".into(),
        ..Default::default()
    }
}

fn fields_of(h: &DocumentHeader, prefix: &str) -> Vec<String> {
    let mut v = Violations::new();
    check_fields(h, prefix, LATEST, &mut v);
    v.as_slice().iter().map(|e| e.field.clone()).collect()
}

#[test]
fn attachment_names_a_client_can_write() {
    for fine in [
        "quyet-dinh.pdf",
        "Phụ lục 1.docx",
        ".hidden",
        "a..b",
        &format!("{}.pdf", "a".repeat(236)),
    ] {
        assert_eq!(attachment_name(fine), Ok(()), "{fine:?}");
    }
    for (bad, why) in [
        ("", "required"),
        ("  ", "required"),
        (".", "not a file name"),
        ("..", "not a file name"),
        ("header.json", "reserved"),
        ("HEADER.Json", "reserved"),
        ("a/b", "path separators"),
        ("a\\b", "path separators"),
        ("a\0b", "NUL"),
        ("a\nb", "line break"),
        ("x\u{202e}fdp.exe", "bidirectional"),
    ] {
        let rule = attachment_name(bad).unwrap_err();
        assert!(rule.contains(why), "{bad:?}: {rule}");
    }
    // 240 bytes, counted in bytes: 120 two-byte letters are fine, 121 are not.
    assert_eq!(attachment_name(&"đ".repeat(120)), Ok(()));
    let rule = attachment_name(&"đ".repeat(121)).unwrap_err();
    assert!(rule.contains("242 bytes"), "{rule}");
}

#[test]
fn attachment_names_are_unique_ignoring_case() {
    let mut h = header();
    h.attachments = vec![
        attachment("Báo cáo.PDF"),
        attachment("phu-luc.pdf"),
        attachment("báo cáo.pdf"),
        attachment("PHU-LUC.pdf"),
    ];
    assert_eq!(
        fields_of(&h, ""),
        ["attachments[2].name", "attachments[3].name"]
    );
    let mut v = Violations::new();
    check_fields(&h, "", LATEST, &mut v);
    assert!(
        v.to_string()
            .contains("is already the name of attachments[0]"),
        "{v}"
    );
}

#[test]
fn every_text_field_keeps_to_the_policy() {
    let mut h = header();
    h.subject = "a\u{202e}b".into();
    h.code = Some(DocumentCode {
        code_number: "1\n".into(),
        code_notation: "UBND-TH".into(),
    });
    h.signer_info = Some(SignerInfo {
        competence: "KT. CHỦ TỊCH".into(),
        position: "Phó\u{7}Chủ tịch".into(),
        full_name: "Nguyễn Văn A".into(),
    });
    h.business = Some(Business {
        business_type: 2,
        target_document_id: "000.00.00.G22,2026/11/20,1/VPCP".into(),
        reason: "Dòng 1\nDòng 2\0".into(),
    });
    h.attachments = vec![AttachmentInfo {
        description: "mô tả\u{1b}".into(),
        ..attachment("a.pdf")
    }];
    assert_eq!(
        fields_of(&h, "header.document."),
        [
            "header.document.subject",
            "header.document.code.code_number",
            "header.document.signer_info.position",
            "header.document.business.reason",
            "header.document.attachments[0].description",
        ]
    );
}

#[test]
fn named_documents_are_real_and_not_from_the_future() {
    let mut h = header();
    h.response_for = vec![
        "000.00.00.G22,2026/11/27,1/VPCP".into(),
        "000.00.00.G22,2026/11/28,1/VPCP".into(),
        "000.00.00.G22,2026/02/30,1/VPCP".into(),
    ];
    assert_eq!(fields_of(&h, ""), ["response_for[1]", "response_for[2]"]);
}

#[test]
fn recipients_and_their_text() {
    let sender = AgencyCode::parse("f", "000.00.00.H48").unwrap();
    let agency = |code: &str, name: &str| Agency {
        code: code.into(),
        name: name.into(),
        ..Default::default()
    };
    let mut h = header();
    h.recipients = vec![
        agency("000.00.00.G22", "Văn phòng Chính phủ"),
        agency("000.00.00.H48", ""),
        agency("000.00.00.G22", ""),
        agency("000.00.00.H41", "UBND\ntỉnh"),
    ];
    let mut v = Violations::new();
    let got = check_recipients(&h, Some(&sender), "", &mut v);
    assert_eq!(got.len(), 2);
    let fields: Vec<&str> = v.as_slice().iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "recipients[1].code",
            "recipients[2].code",
            "recipients[3].name"
        ]
    );
}

#[test]
fn the_hubs_policy_comes_first() {
    let mut h = header();
    h.other_info = Some(lienthong_api::exchange::v1::OtherInfo {
        secrecy: Secrecy::Confidential as i32,
        ..Default::default()
    });
    assert!(matches!(
        check_policy(&h, &Limits::default(), ""),
        Err(ExchangeError::SecretDocument { mark: "Mật", .. })
    ));
    let mut h = header();
    h.attachments = vec![attachment("a"); 3];
    let limits = Limits {
        max_attachments: 2,
        ..Limits::default()
    };
    assert!(matches!(
        check_policy(&h, &limits, "header.document."),
        Err(ExchangeError::TooManyAttachments {
            count: 3,
            max: 2,
            prefix: "header.document."
        })
    ));
}
