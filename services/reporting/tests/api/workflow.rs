//! The life of a report: drafted by a submitter, submitted, returned by the owner with a
//! reason, fixed and resubmitted, accepted; who may do what at each step; the late flag; the
//! history and the listings. One scenario, told in its steps.
use lienthong_api::reporting::v1::{
    ListPeriodsRequest, ListReportsRequest, ReportAction, ReportStatus,
};
use lienthong_platform::{Identity, db::Backend};
use tonic::Code;

use crate::{create, listed, support::*, test_regime};

const P: &str = "2026-03";
const GOOD: [(&str, &str); 4] = [
    ("DOCS", "12"),
    ("RATE", "45.5"),
    ("AMOUNT", "10"),
    ("NOTE", "ổn"),
];

/// The service and the clients of the scenario.
struct Scene {
    svc: TestService,
    /// Sở TT&TT and Sở Công Thương submit regime WF; the province's office owns it.
    so: Client,
    sct: Client,
    owner: Client,
}

pub async fn workflow_with_authorization_and_late_flag(backend: Backend) {
    let svc = spawn_service(backend).await;
    create(&svc, test_regime("WF", listed(&[STTTT, SCT]))).await;
    let mut scene = Scene {
        so: svc.agency(STTTT).await,
        sct: svc.agency(SCT).await,
        owner: svc.agency(OWNER).await,
        svc,
    };
    only_submitters_draft_open_periods(&mut scene).await;
    drafts_submit_when_complete(&mut scene).await;
    nobody_touches_a_submitted_report(&mut scene).await;
    returned_fixed_resubmitted_accepted(&mut scene).await;
    history_and_listings(&mut scene).await;
    scene.svc.stop().await;
}

async fn only_submitters_draft_open_periods(s: &mut Scene) {
    let mut vpcp = s.svc.agency(G22).await;
    // Only submitters draft, and only agencies (by policy).
    let e = refused(
        save(&mut vpcp, "WF", P, &GOOD).await,
        Code::PermissionDenied,
        "NOT_A_SUBMITTER",
    );
    assert!(e.message().contains("not a submitter"), "{}", e.message());
    let mut svc_client = s.svc.client(&Identity::Service("tasks".into())).await;
    refused(
        save(&mut svc_client, "WF", P, &GOOD).await,
        Code::PermissionDenied,
        "IDENTITY_NOT_ALLOWED",
    );
    // A period that has not started yet cannot be drafted; the refusal names the report.
    let e = refused(
        save(&mut s.so, "WF", "2026-05", &GOOD).await,
        Code::FailedPrecondition,
        "PERIOD_NOT_STARTED",
    );
    assert_eq!(precondition_subject(&e), format!("WF/2026-05/{STTTT}"));
    // A period key of the wrong shape names the field.
    let e = refused(
        save(&mut s.so, "WF", "2026-Q1", &GOOD).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert!(e.message().starts_with("period:"), "{}", e.message());
    // Submitting before any draft; reviewing a report that does not exist.
    let e = refused(
        submit(&mut s.sct, "WF", P).await,
        Code::FailedPrecondition,
        "NO_DRAFT",
    );
    assert_eq!(precondition_subject(&e), format!("WF/{P}/{SCT}"));
    refused(
        accept(&mut s.owner, "WF", P, SCT).await,
        Code::NotFound,
        "REPORT_NOT_FOUND",
    );
}

async fn drafts_submit_when_complete(s: &mut Scene) {
    // Draft, then submit on the due date (Wednesday 2026-03-18): on time.
    let draft = save(&mut s.so, "WF", P, &[("DOCS", "12")])
        .await
        .expect("draft");
    assert_eq!(draft.status(), ReportStatus::Draft);
    assert_eq!(draft.due_date, "2026-03-18");
    // Submitting with indicators missing is refused.
    let e = refused(
        submit(&mut s.so, "WF", P).await,
        Code::InvalidArgument,
        "INVALID_REPORT_VALUES",
    );
    assert!(violated_fields(&e).contains(&"values[RATE]".to_string()));
    assert!(
        e.message().contains("values[RATE]: required"),
        "{}",
        e.message()
    );
    save(&mut s.so, "WF", P, &GOOD).await.expect("save");
    s.svc.today_is("2026-03-18");
    let submitted = submit(&mut s.so, "WF", P).await.expect("submit");
    assert_eq!(submitted.status(), ReportStatus::Submitted);
    assert!(!submitted.late);
    assert_eq!(submitted.submissions, 1);
}

async fn nobody_touches_a_submitted_report(s: &mut Scene) {
    // The submitter cannot change a submitted report; nobody else can touch it.
    let e = refused(
        save(&mut s.so, "WF", P, &[("DOCS", "13")]).await,
        Code::FailedPrecondition,
        "TRANSITION_REFUSED",
    );
    assert_eq!(precondition_subject(&e), format!("WF/{P}/{STTTT}"));
    refused(
        submit(&mut s.so, "WF", P).await,
        Code::FailedPrecondition,
        "TRANSITION_REFUSED",
    );
    let e = refused(
        accept(&mut s.sct, "WF", P, STTTT).await,
        Code::PermissionDenied,
        "NOT_THE_OWNER",
    );
    assert!(e.message().contains("only the owner"), "{}", e.message());
    refused(
        give_back(&mut s.sct, "WF", P, STTTT, "sai").await,
        Code::PermissionDenied,
        "NOT_THE_OWNER",
    );
    refused(
        get_report(&mut s.sct, "WF", P, STTTT).await,
        Code::PermissionDenied,
        "REPORT_NOT_VISIBLE",
    );
    let admin = Identity::Admin("operator".into());
    refused(
        accept(&mut s.svc.client(&admin).await, "WF", P, STTTT).await,
        Code::PermissionDenied,
        "IDENTITY_NOT_ALLOWED",
    );
    // An admin reads any report, naming the agency; without one it is refused.
    let mut admin = s.svc.client(&admin).await;
    get_report(&mut admin, "WF", P, STTTT)
        .await
        .expect("admins read");
    let e = refused(
        get_report(&mut admin, "WF", P, "").await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert_eq!(violated_fields(&e), ["agency_code"]);
}

async fn returned_fixed_resubmitted_accepted(s: &mut Scene) {
    // The owner returns it (a reason is required); the submitter fixes and resubmits late.
    let e = refused(
        give_back(&mut s.owner, "WF", P, STTTT, "  ").await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert!(e.message().starts_with("reason:"), "{}", e.message());
    let returned = give_back(&mut s.owner, "WF", P, STTTT, "Số liệu DOCS chưa khớp")
        .await
        .expect("return");
    assert_eq!(returned.status(), ReportStatus::Returned);
    assert_eq!(returned.return_reason, "Số liệu DOCS chưa khớp");
    // A returned report is not accepted.
    refused(
        accept(&mut s.owner, "WF", P, STTTT).await,
        Code::FailedPrecondition,
        "TRANSITION_REFUSED",
    );
    s.svc.today_is("2026-03-20");
    save(&mut s.so, "WF", P, &[("DOCS", "14")])
        .await
        .expect("fix");
    let resubmitted = submit(&mut s.so, "WF", P).await.expect("resubmit");
    assert_eq!(resubmitted.status(), ReportStatus::Submitted);
    assert_eq!(resubmitted.submissions, 2);
    assert!(
        !resubmitted.late,
        "judged on the first submission, which was on time"
    );
    let accepted = accept(&mut s.owner, "WF", P, STTTT).await.expect("accept");
    assert_eq!(accepted.status(), ReportStatus::Accepted);
    assert!(accepted.accept_time.is_some());
    // Accepted is final.
    refused(
        save(&mut s.so, "WF", P, &[("DOCS", "15")]).await,
        Code::FailedPrecondition,
        "TRANSITION_REFUSED",
    );

    // The second submitter first submits after the due date: late.
    save(&mut s.sct, "WF", P, &GOOD).await.expect("draft");
    let late = submit(&mut s.sct, "WF", P).await.expect("submit");
    assert!(late.late);
}

async fn history_and_listings(s: &mut Scene) {
    // The full history, for the submitter and the owner; not for the other submitter.
    let full = get_report(&mut s.so, "WF", P, "")
        .await
        .expect("own report");
    let actions: Vec<ReportAction> = full.history.iter().map(|e| e.action()).collect();
    assert_eq!(
        actions,
        [
            ReportAction::Created,
            ReportAction::Saved,
            ReportAction::Submitted,
            ReportAction::Returned,
            ReportAction::Saved,
            ReportAction::Resubmitted,
            ReportAction::Accepted,
        ]
    );
    assert_eq!(full.history[3].reason, "Số liệu DOCS chưa khớp");
    assert_eq!(full.history[3].actor, format!("agency/{OWNER}"));
    assert_eq!(full.history[0].actor, format!("agency/{STTTT}"));
    assert!(full.history.iter().all(|e| e.event_time.is_some()));
    let seconds = |t: &Option<lienthong_api::wkt::Timestamp>| t.as_ref().map(|t| t.seconds);
    assert!(seconds(&full.submit_time) > seconds(&full.first_submit_time));
    assert!(full.first_submit_time.is_some() && full.accept_time.is_some());
    assert_eq!(value_of(&full, "DOCS").0, "14");
    assert_eq!(
        full.history[2]
            .values
            .iter()
            .find(|v| v.indicator_code == "DOCS")
            .expect("DOCS")
            .value,
        "12",
        "history keeps the values as submitted"
    );
    let by_owner = get_report(&mut s.owner, "WF", P, STTTT)
        .await
        .expect("owner reads");
    assert_eq!(by_owner.history.len(), 7);

    // Listing: the owner sees both, a submitter only its own.
    assert_eq!(agencies_listed(&s.owner).await, [SCT, STTTT]);
    assert_eq!(agencies_listed(&s.so).await, [STTTT]);

    // The periods list shows the caller's status and closes accepted periods.
    let periods =
        s.so.list_periods(ListPeriodsRequest {
            regime_code: "WF".into(),
            year: 2026,
        })
        .await
        .expect("periods")
        .into_inner()
        .periods;
    assert_eq!(periods[2].caller_status(), ReportStatus::Accepted);
    assert!(!periods[2].open);
    assert!(periods[3].open, "April's window opened on 2026-03-15");
}

/// The agencies whose reports of WF for the period a client sees.
async fn agencies_listed(client: &Client) -> Vec<String> {
    client
        .clone()
        .list_reports(ListReportsRequest {
            regime_code: "WF".into(),
            period: P.into(),
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner()
        .reports
        .into_iter()
        .map(|r| r.agency_code)
        .collect()
}
