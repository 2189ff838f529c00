use time::macros::date;

use super::*;

const H48: &str = "000.00.00.H48";
const SCT: &str = "000.00.09.H48";
const STTTT: &str = "000.00.12.H48";
const TODAY: Date = date!(2026 - 11 - 02);

fn code(s: &str) -> AgencyCode {
    AgencyCode::parse("f", s).unwrap()
}

fn request() -> CreateTaskRequest {
    CreateTaskRequest {
        content: "Nhiệm vụ".into(),
        lead_agency: SCT.into(),
        coordinating_agencies: vec![STTTT.into(), STTTT.into()],
        deadline: "2026-11-30".into(),
        source_document_id: String::new(),
        notes: "ghi chú".into(),
    }
}

fn messages(v: &Violations) -> Vec<String> {
    v.as_slice().iter().map(ToString::to_string).collect()
}

#[test]
fn a_valid_request() {
    let t = from_request(&code(H48), request(), TODAY).unwrap();
    assert_eq!(t.assigner, code(H48));
    assert_eq!(t.lead_agency, code(SCT));
    assert_eq!(t.coordinators, vec![code(STTTT)], "deduplicated");
    assert_eq!(t.deadline, Some(date!(2026 - 11 - 30)));
    assert_eq!(t.created_by, format!("agency/{H48}"));
    assert_eq!(t.on_duplicate, OnDuplicate::Refuse);
    let today = CreateTaskRequest {
        deadline: "2026-11-02".into(),
        ..request()
    };
    assert!(from_request(&code(H48), today, TODAY).is_ok());
}

#[test]
fn every_bad_field_is_reported() {
    let bad = CreateTaskRequest {
        content: " ".into(),
        lead_agency: "SCT".into(),
        coordinating_agencies: vec!["000.00.12".into()],
        deadline: "2026-11-01".into(),
        source_document_id: "125/UBND".into(),
        notes: String::new(),
    };
    let v = from_request(&code(H48), bad, TODAY).unwrap_err();
    let fields: Vec<&str> = v.as_slice().iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "content",
            "lead_agency",
            "coordinating_agencies[0]",
            "deadline",
            "source_document_id"
        ]
    );
    assert_eq!(
        messages(&v)[3],
        "deadline: 2026-11-01 is before the task's creation (2026-11-02, Vietnam time)"
    );
}

#[test]
fn three_bad_fields_are_three_violations() {
    let bad = CreateTaskRequest {
        content: String::new(),
        lead_agency: "SCT".into(),
        deadline: "2026-02-30".into(),
        ..request()
    };
    let v = from_request(&code(H48), bad, TODAY).unwrap_err();
    let fields: Vec<&str> = v.as_slice().iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["content", "lead_agency", "deadline"]);
}

#[test]
fn parties_rules() {
    let own = CreateTaskRequest {
        lead_agency: H48.into(),
        ..request()
    };
    let v = from_request(&code(H48), own, TODAY).unwrap_err();
    assert_eq!(
        messages(&v),
        ["lead_agency: an agency cannot assign a task to itself"]
    );
    let both = CreateTaskRequest {
        coordinating_agencies: vec![SCT.into()],
        ..request()
    };
    let v = from_request(&code(H48), both, TODAY).unwrap_err();
    assert_eq!(
        messages(&v),
        ["coordinating_agencies[0]: the lead agency cannot also coordinate"]
    );
    let many = CreateTaskRequest {
        coordinating_agencies: (0..201)
            .map(|i| format!("000.00.{:02}.K{:02}", i % 100, i / 100))
            .collect(),
        ..request()
    };
    let v = from_request(&code(H48), many, TODAY).unwrap_err();
    assert_eq!(
        messages(&v),
        ["coordinating_agencies: 201 agencies given, at most 200 are allowed"]
    );
}

#[test]
fn texts_follow_the_policy_and_documents_are_not_from_the_future() {
    let bad = CreateTaskRequest {
        content: "Nhiệm vụ\u{202e}".into(),
        notes: "ghi\0chú".into(),
        source_document_id: "000.00.00.H48,2026/11/04,125/UBND-TH".into(),
        ..request()
    };
    let v = from_request(&code(H48), bad, TODAY).unwrap_err();
    let fields: Vec<&str> = v.as_slice().iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["content", "source_document_id", "notes"]);
    assert!(
        messages(&v)[0].contains("bidirectional"),
        "{:?}",
        messages(&v)
    );
    assert!(messages(&v)[1].contains("future"), "{:?}", messages(&v));
    assert!(messages(&v)[2].contains("NUL"), "{:?}", messages(&v));
    // Tomorrow is as far as a sender's clock may be ahead.
    let tomorrow = CreateTaskRequest {
        source_document_id: "000.00.00.H48,2026/11/03,125/UBND-TH".into(),
        ..request()
    };
    assert!(from_request(&code(H48), tomorrow, TODAY).is_ok());
    let huge = CreateTaskRequest {
        lead_agency: "0".repeat(100_000),
        ..request()
    };
    let v = from_request(&code(H48), huge, TODAY).unwrap_err();
    assert_eq!(messages(&v), ["lead_agency: is longer than 64 characters"]);
}

#[test]
fn intake() {
    let doc = "000.00.00.H48,2026/11/02,125/UBND-TH";
    let r = CreateTaskFromDocumentRequest {
        source_document_id: doc.into(),
        assigner: H48.into(),
        lead_agency: SCT.into(),
        coordinating_agencies: vec![STTTT.into(), SCT.into(), H48.into()],
        content: String::new(),
        deadline: String::new(),
    };
    let t = from_document("exchange", r.clone(), TODAY).unwrap();
    assert_eq!(t.coordinators, vec![code(STTTT)]);
    assert_eq!(t.content, format!("Thực hiện văn bản {doc}"));
    assert_eq!(t.created_by, "service/exchange");
    assert_eq!(t.deadline, None);
    assert_eq!(t.on_duplicate, OnDuplicate::ReturnExisting);
    assert_eq!(
        t.source_document_id.map(String::from),
        Some(doc.to_string())
    );
    let bad = CreateTaskFromDocumentRequest {
        source_document_id: String::new(),
        lead_agency: "SCT".into(),
        deadline: "15/12/2026".into(),
        ..r.clone()
    };
    let v = from_document("exchange", bad, TODAY).unwrap_err();
    assert_eq!(
        messages(&v),
        [
            "source_document_id: is required",
            "lead_agency: \"SCT\" is not an agency code of the form DDD.CC.BB.Axx (e.g. 000.00.00.H48)",
            "deadline: \"15/12/2026\" is not a date yyyy-MM-dd",
        ]
    );
    let hostile = CreateTaskFromDocumentRequest {
        content: "Thực hiện\u{1b}[2J".into(),
        assigner: "000.00.00.H48\n".into(),
        ..r
    };
    let v = from_document("exchange", hostile, TODAY).unwrap_err();
    let fields: Vec<&str> = v.as_slice().iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["assigner", "content"]);
}
