use lienthong_axis::local;
use time::macros::date;

use super::*;
use crate::render::tests::{T, ts};

/// 2026-03-06 17:00:00 UTC: midnight of 2026-03-07 in Vietnam, in nanoseconds.
const MIDNIGHT_VN: i128 = 1_772_816_400 * 1_000_000_000;

#[test]
fn default_numbers_count_nanoseconds_since_the_vietnam_midnight() {
    assert_eq!(
        local::start_of_day(date!(2026 - 03 - 07)),
        1_772_816_400 * 1_000_000,
        "the constant is that midnight"
    );
    assert_eq!(
        default_number(MIDNIGHT_VN, 4242),
        (date!(2026 - 03 - 07), "0-4242".to_string())
    );
    // One nanosecond before: still the 6th in Vietnam, its last nanosecond.
    assert_eq!(
        default_number(MIDNIGHT_VN - 1, 7),
        (date!(2026 - 03 - 06), "86399999999999-7".to_string())
    );
    // 12:34:56.123456789 local time.
    let noon = MIDNIGHT_VN + ((12 * 3600 + 34 * 60 + 56) * 1_000_000_000 + 123_456_789);
    assert_eq!(default_number(noon, 1).1, "45296123456789-1");
}

#[test]
fn two_sends_in_the_same_second_get_different_ids() {
    // Two processes, the same second (even the same nanosecond), the same agency.
    let at = MIDNIGHT_VN + 5_000_000_000;
    let mut ids = std::collections::BTreeSet::new();
    for (nanos, pid) in [(at, 100), (at, 101), (at + 1, 100), (at + 999_999_999, 100)] {
        let (day, number) = default_number(nanos, pid);
        let id = default_document_id("000.00.00.H48", day, &number, "LT").unwrap();
        assert!(ids.insert(id.into_string()), "{nanos} {pid}");
    }
    assert_eq!(ids.len(), 4);
    assert!(
        ids.contains("000.00.00.H48,2026/03/07,5000000000-100/LT"),
        "{ids:?}"
    );
}

#[test]
fn default_document_ids_are_built_by_the_vocabulary() {
    let day = date!(2026 - 03 - 07);
    let id = default_document_id("000.00.00.H48", day, "1764157982", "UBND-VX").unwrap();
    assert_eq!(id.as_str(), "000.00.00.H48,2026/03/07,1764157982/UBND-VX");
    let e = default_document_id("H48", day, "1", "LT").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("--from: \"H48\" is not an agency code"),
        "{e}"
    );
    assert_eq!(
        Failure::of(&e).exit_code(),
        4,
        "an invalid argument of the CLI"
    );
    let e = default_document_id("000.00.00.H48", day, "1/2", "LT").unwrap_err();
    assert!(
        e.to_string().contains("the Number \"1/2\" contains '/'"),
        "{e}"
    );
    assert!(default_document_id("000.00.00.H48", day, "1", "").is_err());
}

#[test]
fn priorities_by_code_or_name() {
    assert_eq!(parse_priority("0"), Ok(Priority::Normal));
    assert_eq!(parse_priority("4"), Ok(Priority::FlashScheduled));
    assert_eq!(parse_priority("very-urgent"), Ok(Priority::VeryUrgent));
    assert_eq!(parse_priority("PRIORITY_FLASH"), Ok(Priority::Flash));
    assert!(parse_priority("5").is_err());
    assert!(parse_priority("unspecified").is_err());
}

fn args() -> SendArgs {
    SendArgs {
        to: vec!["000.00.00.G22".into()],
        subject: "S".into(),
        attach: vec![],
        from: None,
        document_id: None,
        number: None,
        notation: "LT".into(),
        type_name: Some("Công văn".into()),
        priority: Some(Priority::Urgent),
        due_date: None,
        content: None,
        signer: None,
        steering: true,
    }
}

#[test]
fn the_header_uses_the_apis_enums() {
    let id = Identification {
        from: "000.00.00.H48".into(),
        document_id: "000.00.00.H48,2026/03/07,1/LT".into(),
        number: "1".into(),
        date: date!(2026 - 03 - 07),
        chosen: false,
    };
    let names = HashMap::from([("000.00.00.G22".to_string(), "VPCP".to_string())]);
    let h = header(&args(), &id, vec![], &names);
    assert_eq!(h.steering_type(), SteeringType::Steering);
    assert_eq!(
        h.other_info.as_ref().map(OtherInfo::priority),
        Some(Priority::Urgent)
    );
    assert_eq!(
        h.document_type.as_ref().map(DocumentType::kind),
        Some(DocumentKind::Administrative)
    );
    assert_eq!(h.recipients[0].name, "VPCP");
    assert_eq!(
        h.promulgation_info.map(|p| p.promulgation_date),
        Some("2026-03-07".to_string())
    );
    let plain = header(
        &SendArgs {
            steering: false,
            priority: None,
            ..args()
        },
        &id,
        vec![],
        &names,
    );
    assert_eq!(plain.steering_type(), SteeringType::Unspecified);
    assert_eq!(
        plain.other_info.as_ref().map(OtherInfo::priority),
        Some(Priority::Unspecified)
    );
}

#[test]
fn receipts_as_text_and_json() {
    let receipt = SendDocumentResponse {
        document_id: "000.00.00.H48,2026/03/07,1/LT".into(),
        accept_time: ts(T, 0),
        duplicate: false,
        recipients: vec!["000.00.00.G22".into(), "000.00.12.H48".into()],
    };
    assert_eq!(
        receipt_text(&receipt, 2, 1536),
        "sent 000.00.00.H48,2026/03/07,1/LT\n  \
         accepted at: 2025-11-26 11:53:02Z\n  \
         recipients:  000.00.00.G22, 000.00.12.H48\n  \
         attachments: 2 (1.50 KiB)\n"
    );
    let duplicate = SendDocumentResponse {
        duplicate: true,
        ..receipt.clone()
    };
    assert!(
        receipt_text(&duplicate, 0, 0)
            .starts_with("already sent (duplicate, first receipt): 000.00.00.H48")
    );
    assert!(!receipt_text(&duplicate, 0, 0).contains("attachments"));
    assert_eq!(
        output::json(&receipt).unwrap().to_string(),
        "{\"accept_time\":\"2025-11-26T11:53:02+00:00\",\"document_id\":\
         \"000.00.00.H48,2026/03/07,1/LT\",\"duplicate\":false,\"recipients\":\
         [\"000.00.00.G22\",\"000.00.12.H48\"]}"
    );
}
