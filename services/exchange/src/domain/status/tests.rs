use lienthong_platform::error::ApiError;

use super::*;

const ID: &str = "000.00.00.H48,2026/11/26,1/UBND-TH";

fn s(code: &str) -> BusinessStatus {
    BusinessStatus::from_code(code).unwrap()
}

fn leg(business: &str, revoke: RevokeState) -> LegStatus {
    LegStatus {
        business: (!business.is_empty()).then(|| s(business)),
        revoke,
    }
}

/// Where a leg may stand, as the table names it.
fn positions() -> Vec<(&'static str, LegStatus)> {
    use RevokeState::*;
    vec![
        ("none", leg("", None)),
        ("01", leg("01", None)),
        ("02", leg("02", None)),
        ("03", leg("03", None)),
        ("04", leg("04", None)),
        ("05", leg("05", None)),
        ("06", leg("06", None)),
        ("13-pending", leg("03", Requested)),
        ("15", leg("03", Accepted)),
        ("16", leg("03", Refused)),
        // The revoke request came before the acknowledgement.
        ("13-pending, not acknowledged", leg("", Requested)),
        ("15, not acknowledged", leg("", Accepted)),
        ("16, not acknowledged", leg("", Refused)),
        // 13 after 02 and 06 (allowed), then answered.
        ("13-pending after 02", leg("02", Requested)),
        ("16 after 06", leg("06", Refused)),
    ]
}

/// The expected outcome of every pair: a row per position (as in [`positions`]), a column per
/// status in code order (01 02 03 04 05 06 13 15 16).
///
/// `ack` 01 recorded, `ack-` acknowledged without 01 (after 15), `=` already acknowledged, `ok`
/// the business status becomes current, `ask` the revoke request is made, `ans` the revoke
/// request is answered; refusals by reason: `NA` NOT_ACKNOWLEDGED, `TR` TRANSITION_REFUSED,
/// `RV` REVOKED, `NP` NO_REVOKE_PENDING.
const TABLE: [[&str; 9]; 15] = [
    // 01     02    03    04    05    06    13     15     16
    ["ack", "NA", "NA", "NA", "NA", "NA", "ask", "NP", "NP"], // none
    ["=", "ok", "ok", "TR", "TR", "TR", "ask", "NP", "NP"],   // 01
    ["=", "TR", "TR", "TR", "TR", "TR", "ask", "NP", "NP"],   // 02
    ["=", "TR", "TR", "ok", "ok", "ok", "ask", "NP", "NP"],   // 03
    ["=", "TR", "TR", "TR", "ok", "ok", "ask", "NP", "NP"],   // 04
    ["=", "TR", "TR", "TR", "ok", "ok", "ask", "NP", "NP"],   // 05
    ["=", "TR", "TR", "TR", "TR", "TR", "ask", "NP", "NP"],   // 06
    ["=", "TR", "TR", "TR", "TR", "TR", "TR", "ans", "ans"],  // 13-pending
    ["=", "RV", "RV", "RV", "RV", "RV", "TR", "RV", "RV"],    // 15
    ["=", "TR", "TR", "ok", "ok", "ok", "TR", "NP", "NP"],    // 16 (business 03)
    ["ack", "NA", "NA", "NA", "NA", "NA", "TR", "ans", "ans"], // 13-pending, no 01
    ["ack-", "RV", "RV", "RV", "RV", "RV", "TR", "RV", "RV"], // 15, no 01
    ["ack", "NA", "NA", "NA", "NA", "NA", "TR", "NP", "NP"],  // 16, no 01
    ["=", "TR", "TR", "TR", "TR", "TR", "TR", "ans", "ans"],  // 13-pending after 02
    ["=", "TR", "TR", "TR", "TR", "TR", "TR", "NP", "NP"],    // 16 after 06
];

fn outcome(r: &Result<Effect>) -> &'static str {
    match r {
        Ok(Effect::Acknowledge) => "ack",
        Ok(Effect::AcknowledgeRevoked) => "ack-",
        Ok(Effect::AlreadyAcknowledged) => "=",
        Ok(Effect::Business(_)) => "ok",
        Ok(Effect::RevokeRequest) => "ask",
        Ok(Effect::RevokeAnswer { .. }) => "ans",
        Err(e) => match e.reason() {
            "NOT_ACKNOWLEDGED" => "NA",
            "TRANSITION_REFUSED" => "TR",
            "REVOKED" => "RV",
            "NO_REVOKE_PENDING" => "NP",
            other => panic!("unexpected reason {other}"),
        },
    }
}

#[test]
fn every_pair_of_statuses() {
    let positions = positions();
    assert_eq!(positions.len(), TABLE.len());
    for ((name, at), row) in positions.iter().zip(TABLE) {
        for (to, expected) in BusinessStatus::ALL.into_iter().zip(row) {
            let got = transition(ID, *at, to);
            assert_eq!(outcome(&got), expected, "{to} after {name}: {got:?}");
            if let Err(e) = got {
                let message = e.to_string();
                assert!(message.contains(to.code()), "{to} after {name}: {message}");
                // The code the leg shows, its business status, or that it has none.
                let names_from = [shown(*at), at.business]
                    .into_iter()
                    .flatten()
                    .any(|from| message.contains(&format!("{from} (")))
                    || (at.business.is_none()
                        && (message.contains("(status 01)") || message.contains("no status")));
                assert!(names_from, "{to} after {name}: {message}");
                assert_eq!(e.subject(), ID, "about the document: {message}");
            }
        }
    }
}

#[test]
fn effects_record_what_they_say() {
    use RevokeState::*;
    let ok = |at: LegStatus, to: &str| transition(ID, at, s(to)).unwrap();
    assert_eq!(ok(leg("", None), "01").recorded(), Some(s("01")));
    assert!(
        ok(leg("", Accepted), "01").recorded().is_none(),
        "no 01 after 15"
    );
    assert_eq!(ok(leg("05", None), "05"), Effect::Business(s("05")));
    assert_eq!(
        ok(leg("03", Requested), "15"),
        Effect::RevokeAnswer {
            status: s("15"),
            state: Accepted
        }
    );
    assert_eq!(
        ok(leg("03", Requested), "16"),
        Effect::RevokeAnswer {
            status: s("16"),
            state: Refused
        }
    );
    assert_eq!(ok(leg("02", None), "13").recorded(), Some(s("13")));
}

#[test]
fn refusals_say_why_and_about_what() {
    use RevokeState::*;
    let refusal = |at: LegStatus, to: &str| transition(ID, at, s(to)).unwrap_err().to_string();
    assert_eq!(
        refusal(leg("01", None), "04"),
        "status: 04 (assigned) cannot follow 01 (arrived): 04 follows 03 only"
    );
    assert_eq!(
        refusal(leg("06", None), "05"),
        "status: 05 (processing) cannot follow 06 (completed): after 02 or 06 only the answer \
         (15/16) to a revoke request (13) may follow"
    );
    assert_eq!(
        refusal(leg("04", Requested), "05"),
        "status: 05 (processing) cannot follow 13 (revoke requested): a revoke request (13) is \
         pending: answer it with 15 or 16 first"
    );
    assert_eq!(
        refusal(leg("03", Accepted), "05"),
        "status: 05 (processing) cannot follow 15 (revoke accepted): the document was revoked \
         for you; nothing follows 15"
    );
    assert_eq!(
        refusal(leg("03", Refused), "15"),
        "status: 15 (revoke accepted) cannot follow 16 (revoke refused): it answers a revoke \
         request (13), and none is pending for this document"
    );
    assert_eq!(
        refusal(leg("", None), "03"),
        "status: acknowledge the document first (status 01) before reporting 03"
    );
    let e = transition(ID, leg("03", None), s("02")).unwrap_err();
    assert_eq!(e.reason(), "TRANSITION_REFUSED");
    assert_eq!(e.subject(), ID);
}

#[test]
fn fields_are_checked_together() {
    let fields = |status: i32, description: &str| {
        let mut v = Violations::new();
        let got = check_report_fields(status, description, "", &mut v);
        let named: Vec<String> = v.as_slice().iter().map(|e| e.field.clone()).collect();
        (got, named)
    };
    assert_eq!(fields(3, ""), (Some(BusinessStatus::Accepted), vec![]));
    assert_eq!(
        fields(2, " "),
        (Some(BusinessStatus::Rejected), vec!["description".into()])
    );
    assert_eq!(fields(16, "").1, ["description"]);
    for refused in [0, 1, 7, 13] {
        assert_eq!(fields(refused, "").1, ["status"], "{refused}");
    }
    let mut v = Violations::new();
    check_report_fields(7, "", "", &mut v);
    assert!(
        v.to_string()
            .starts_with("status: 7 is not a business status"),
        "{v}"
    );
}

#[test]
fn report_text_keeps_to_the_policy() {
    let mut v = Violations::new();
    let got = check_report_fields(3, "dòng 1\ndòng 2\u{1b}[2J", "Nguyễn Văn A\nB", &mut v);
    assert_eq!(got, Some(BusinessStatus::Accepted));
    let fields: Vec<&str> = v.as_slice().iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["description", "staff_info"]);
}

#[test]
fn request_ids() {
    let mut v = Violations::new();
    assert_eq!(check_request_id("", &mut v), None);
    let uuid = "0b6f1a3e-6c1f-4d0e-9d6a-2f7c1e0a9b11";
    assert_eq!(check_request_id(uuid, &mut v), Some(uuid));
    assert_eq!(
        check_request_id(&"a".repeat(64), &mut v).map(str::len),
        Some(64)
    );
    assert!(v.is_empty());
    for bad in ["a b", "a\nb", "é", &"a".repeat(65), "a/b"] {
        let mut v = Violations::new();
        assert_eq!(check_request_id(bad, &mut v), None, "{bad:?}");
        assert_eq!(v.as_slice()[0].field, "request_id");
    }
}

#[test]
fn fingerprints_tell_requests_apart() {
    let f = |d: &str, st: &str, desc: &str, staff: &str| report_fingerprint(d, s(st), desc, staff);
    assert_eq!(f(ID, "05", "", ""), f(ID, "05", "", ""));
    assert_ne!(f(ID, "05", "", ""), f(ID, "06", "", ""));
    assert_ne!(
        f(ID, "05", "ab", ""),
        f(ID, "05", "a", "b"),
        "fields do not run together"
    );
}
