//! The reporting service over real gRPC and real mutual TLS, on SQLite and on PostgreSQL.
mod support;

use lienthong_api::reporting::v1::{
    AcceptReportRequest, Aggregation, ComplianceState, CreateRegimeRequest, ExportFormat,
    ExportPeriodRequest, GetComplianceRequest, GetRegimeRequest, GetReportRequest, Indicator,
    IndicatorType, ListPeriodsRequest, ListRegimesRequest, ListReportsRequest, PeriodKind,
    PushStatisticsRequest, Regime, ReportAction, ReportStatus, ReturnReportRequest, StatisticValue,
    Submitters, reporting_service_client::ReportingServiceClient,
};
use lienthong_platform::{Identity, client::TracedChannel, db::Backend};
use support::*;
use tonic::Code;

use lienthong_platform::on_both_databases;

on_both_databases!(
    seeded_regimes_and_periods_with_due_dates,
    workflow_with_authorization_and_late_flag,
    values_are_validated_per_indicator,
    aggregation_and_compliance_on_a_known_data_set,
    intake_prefills_drafts_for_the_period_window,
    agency_calling_the_intake_is_refused,
    regime_creation_rules,
);

fn err<T: std::fmt::Debug>(r: Result<T, tonic::Status>) -> tonic::Status {
    r.expect_err("the call must fail")
}

fn indicator(
    code: &str,
    t: IndicatorType,
    min: Option<f64>,
    max: Option<f64>,
    a: Aggregation,
) -> Indicator {
    Indicator {
        code: code.into(),
        name: format!("Chỉ tiêu {code}"),
        unit: String::new(),
        value_type: t as i32,
        min,
        max,
        aggregation: a as i32,
        source_statistic: String::new(),
        target: String::new(),
    }
}

/// A monthly test regime owned by OWNER: DOCS integer ≥ 0 (sum), RATE percent ≥ 10 (average),
/// AMOUNT decimal ≤ 1000.5 (max), NOTE text (latest).
fn test_regime(code: &str, submitters: Submitters) -> Regime {
    Regime {
        code: code.into(),
        name: format!("Báo cáo thử {code}"),
        owner: OWNER.into(),
        period_kind: PeriodKind::Month as i32,
        indicators: vec![
            indicator(
                "DOCS",
                IndicatorType::Integer,
                Some(0.0),
                None,
                Aggregation::Sum,
            ),
            indicator(
                "RATE",
                IndicatorType::Percent,
                Some(10.0),
                None,
                Aggregation::Average,
            ),
            indicator(
                "AMOUNT",
                IndicatorType::Decimal,
                None,
                Some(1000.5),
                Aggregation::Max,
            ),
            indicator("NOTE", IndicatorType::Text, None, None, Aggregation::Latest),
        ],
        submitters: Some(submitters),
        deadline_working_days: 2,
        description: String::new(),
        created_at: None,
    }
}

async fn create(svc: &TestService, regime: Regime) {
    svc.agency(OWNER)
        .await
        .create_regime(CreateRegimeRequest {
            regime: Some(regime),
        })
        .await
        .expect("create regime");
}

async fn get_report(
    client: &mut ReportingServiceClient<TracedChannel>,
    regime: &str,
    period: &str,
    agency: &str,
) -> Result<lienthong_api::reporting::v1::Report, tonic::Status> {
    client
        .get_report(GetReportRequest {
            regime_code: regime.into(),
            period: period.into(),
            agency_code: agency.into(),
        })
        .await
        .map(|r| r.into_inner().report.expect("report"))
}

async fn review(
    client: &mut ReportingServiceClient<TracedChannel>,
    regime: &str,
    period: &str,
    agency: &str,
    accept: bool,
    reason: &str,
) -> Result<lienthong_api::reporting::v1::Report, tonic::Status> {
    if accept {
        client
            .accept_report(AcceptReportRequest {
                regime_code: regime.into(),
                period: period.into(),
                agency_code: agency.into(),
            })
            .await
            .map(|r| r.into_inner().report.expect("report"))
    } else {
        client
            .return_report(ReturnReportRequest {
                regime_code: regime.into(),
                period: period.into(),
                agency_code: agency.into(),
                reason: reason.into(),
            })
            .await
            .map(|r| r.into_inner().report.expect("report"))
    }
}

fn value_of(report: &lienthong_api::reporting::v1::Report, code: &str) -> (String, bool) {
    let v = report
        .values
        .iter()
        .find(|v| v.indicator_code == code)
        .unwrap_or_else(|| panic!("no value {code}"));
    (v.value.clone(), v.prefilled)
}

async fn seeded_regimes_and_periods_with_due_dates(backend: Backend) {
    let svc = spawn_service(backend).await;
    let mut any = svc.client(&Identity::Service("tasks".into())).await;
    let regimes = any
        .list_regimes(ListRegimesRequest {})
        .await
        .expect("list")
        .into_inner()
        .regimes;
    let codes: Vec<&str> = regimes.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["AXIS-MONTHLY", "KH61"]);
    let kh61 = any
        .get_regime(GetRegimeRequest {
            code: "KH61".into(),
        })
        .await
        .expect("get")
        .into_inner()
        .regime
        .expect("regime");
    assert_eq!(kh61.owner, OWNER);
    assert_eq!(kh61.period_kind(), PeriodKind::Year);
    assert_eq!(kh61.indicators.len(), 7);
    let truc = kh61
        .indicators
        .iter()
        .find(|i| i.code == "KH61.TRUC")
        .expect("axis indicator");
    assert_eq!(truc.source_statistic, "axis.documents_sent");
    let cks = &kh61.indicators[0];
    assert_eq!(
        (cks.value_type(), cks.max, cks.target.as_str()),
        (IndicatorType::Percent, Some(100.0), "≥ 10%")
    );
    let missing = err(any
        .get_regime(GetRegimeRequest {
            code: "NOPE".into(),
        })
        .await);
    assert_eq!(missing.code(), Code::NotFound);

    // Monthly periods of 2026 for a submitter, on 2026-03-10.
    let mut so = svc.agency(STTTT).await;
    let periods = so
        .list_periods(ListPeriodsRequest {
            regime_code: "AXIS-MONTHLY".into(),
            year: 2026,
        })
        .await
        .expect("periods")
        .into_inner();
    assert_eq!(periods.today, "2026-03-10");
    assert_eq!(periods.periods.len(), 12);
    let jan = &periods.periods[0];
    assert_eq!(
        (
            jan.key.as_str(),
            jan.window_start.as_str(),
            jan.window_end.as_str(),
            jan.due_date.as_str()
        ),
        // Cutoff Wednesday 2026-01-14: Thursday, Friday.
        ("2026-01", "2025-12-15", "2026-01-14", "2026-01-16")
    );
    let feb = &periods.periods[1];
    // Cutoff Saturday 2026-02-14; Monday 16 is a holiday of the file: Tuesday 17, Wednesday 18.
    assert_eq!(feb.due_date, "2026-02-18");
    let mar = &periods.periods[2];
    // Cutoff Saturday 2026-03-14; Monday 16 is the configured extra holiday.
    assert_eq!(
        (mar.window_start.as_str(), mar.due_date.as_str()),
        ("2026-02-15", "2026-03-18")
    );
    let open: Vec<&str> = periods
        .periods
        .iter()
        .filter(|p| p.open)
        .map(|p| p.key.as_str())
        .collect();
    assert_eq!(
        open,
        ["2026-01", "2026-02", "2026-03"],
        "windows started by 2026-03-10"
    );

    // The owner is not a submitter of its own pattern regime: nothing is open for it.
    let mut owner = svc.agency(OWNER).await;
    let for_owner = owner
        .list_periods(ListPeriodsRequest {
            regime_code: "AXIS-MONTHLY".into(),
            year: 2026,
        })
        .await
        .expect("periods")
        .into_inner();
    assert!(for_owner.periods.iter().all(|p| !p.open));

    // The annual regime: one period, 15/12 of the previous year to 14/12.
    let year = so
        .list_periods(ListPeriodsRequest {
            regime_code: "KH61".into(),
            year: 0,
        })
        .await
        .expect("periods")
        .into_inner()
        .periods;
    assert_eq!(year.len(), 1);
    assert_eq!(
        (
            year[0].key.as_str(),
            year[0].window_start.as_str(),
            year[0].window_end.as_str(),
            year[0].due_date.as_str()
        ),
        // Cutoff Monday 2026-12-14: Tuesday, Wednesday.
        ("2026", "2025-12-15", "2026-12-14", "2026-12-16")
    );
    svc.stop().await;
}

async fn workflow_with_authorization_and_late_flag(backend: Backend) {
    let svc = spawn_service(backend).await;
    create(
        &svc,
        test_regime(
            "WF",
            Submitters {
                agency_codes: vec![STTTT.into(), SCT.into()],
                pattern: String::new(),
            },
        ),
    )
    .await;
    let (p, good) = (
        "2026-03",
        [
            ("DOCS", "12"),
            ("RATE", "45.5"),
            ("AMOUNT", "10"),
            ("NOTE", "ổn"),
        ],
    );
    let mut so = svc.agency(STTTT).await;
    let mut sct = svc.agency(SCT).await;
    let mut owner = svc.agency(OWNER).await;
    let mut vpcp = svc.agency(G22).await;

    // Only submitters draft, and only agencies (by policy).
    let e = err(save(&mut vpcp, "WF", p, &good).await);
    assert_eq!(e.code(), Code::PermissionDenied, "{e:?}");
    assert!(e.message().contains("not a submitter"), "{}", e.message());
    let mut svc_client = svc.client(&Identity::Service("tasks".into())).await;
    let e = err(save(&mut svc_client, "WF", p, &good).await);
    assert_eq!(e.code(), Code::PermissionDenied);
    // A period that has not started yet cannot be drafted.
    let e = err(save(&mut so, "WF", "2026-05", &good).await);
    assert_eq!(e.code(), Code::FailedPrecondition, "{e:?}");
    // A period key of the wrong shape names the field.
    let e = err(save(&mut so, "WF", "2026-Q1", &good).await);
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().starts_with("period:"), "{}", e.message());

    // Draft, then submit on the due date (Wednesday 2026-03-18): on time.
    let draft = save(&mut so, "WF", p, &[("DOCS", "12")])
        .await
        .expect("draft");
    assert_eq!(draft.status(), ReportStatus::Draft);
    assert_eq!(draft.due_date, "2026-03-18");
    // Submitting with indicators missing is refused.
    let e = err(submit(&mut so, "WF", p).await);
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(
        e.message().contains("values[RATE]: required"),
        "{}",
        e.message()
    );
    save(&mut so, "WF", p, &good).await.expect("save");
    svc.today_is("2026-03-18");
    let submitted = submit(&mut so, "WF", p).await.expect("submit");
    assert_eq!(submitted.status(), ReportStatus::Submitted);
    assert!(!submitted.late);
    assert_eq!(submitted.submissions, 1);

    // The submitter cannot change a submitted report; nobody else can touch it.
    let e = err(save(&mut so, "WF", p, &[("DOCS", "13")]).await);
    assert_eq!(e.code(), Code::FailedPrecondition);
    let e = err(submit(&mut so, "WF", p).await);
    assert_eq!(e.code(), Code::FailedPrecondition);
    let e = err(review(&mut sct, "WF", p, STTTT, true, "").await);
    assert_eq!(e.code(), Code::PermissionDenied);
    assert!(e.message().contains("only the owner"), "{}", e.message());
    let e = err(review(&mut sct, "WF", p, STTTT, false, "sai").await);
    assert_eq!(e.code(), Code::PermissionDenied);
    let e = err(get_report(&mut sct, "WF", p, STTTT).await);
    assert_eq!(e.code(), Code::PermissionDenied);
    let admin = Identity::Admin("operator".into());
    let e = err(review(&mut svc.client(&admin).await, "WF", p, STTTT, true, "").await);
    assert_eq!(e.code(), Code::PermissionDenied, "admins do not accept");

    // The owner returns it (a reason is required); the submitter fixes and resubmits late.
    let e = err(review(&mut owner, "WF", p, STTTT, false, "  ").await);
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().starts_with("reason:"), "{}", e.message());
    let returned = review(&mut owner, "WF", p, STTTT, false, "Số liệu DOCS chưa khớp")
        .await
        .expect("return");
    assert_eq!(returned.status(), ReportStatus::Returned);
    assert_eq!(returned.return_reason, "Số liệu DOCS chưa khớp");
    let e = err(review(&mut owner, "WF", p, STTTT, true, "").await);
    assert_eq!(
        e.code(),
        Code::FailedPrecondition,
        "a returned report is not accepted"
    );
    svc.today_is("2026-03-20");
    save(&mut so, "WF", p, &[("DOCS", "14")])
        .await
        .expect("fix");
    let resubmitted = submit(&mut so, "WF", p).await.expect("resubmit");
    assert_eq!(resubmitted.status(), ReportStatus::Submitted);
    assert_eq!(resubmitted.submissions, 2);
    assert!(
        !resubmitted.late,
        "judged on the first submission, which was on time"
    );
    let accepted = review(&mut owner, "WF", p, STTTT, true, "")
        .await
        .expect("accept");
    assert_eq!(accepted.status(), ReportStatus::Accepted);
    assert!(accepted.accepted_at.is_some());
    let e = err(save(&mut so, "WF", p, &[("DOCS", "15")]).await);
    assert_eq!(e.code(), Code::FailedPrecondition, "accepted is final");

    // The second submitter first submits after the due date: late.
    save(&mut sct, "WF", p, &good).await.expect("draft");
    let late = submit(&mut sct, "WF", p).await.expect("submit");
    assert!(late.late);

    // The full history, for the submitter and the owner; not for the other submitter.
    let full = get_report(&mut so, "WF", p, "").await.expect("own report");
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
    let by_owner = get_report(&mut owner, "WF", p, STTTT)
        .await
        .expect("owner reads");
    assert_eq!(by_owner.history.len(), 7);

    // Listing: the owner sees both, a submitter only its own.
    let list = |c: &mut ReportingServiceClient<TracedChannel>| {
        let mut c = c.clone();
        async move {
            c.list_reports(ListReportsRequest {
                regime_code: "WF".into(),
                period: p.into(),
            })
            .await
            .expect("list")
            .into_inner()
            .reports
            .into_iter()
            .map(|r| r.agency_code)
            .collect::<Vec<_>>()
        }
    };
    assert_eq!(list(&mut owner).await, [SCT, STTTT]);
    assert_eq!(list(&mut so).await, [STTTT]);

    // The periods list shows the caller's status and closes accepted periods.
    let periods = so
        .list_periods(ListPeriodsRequest {
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
    svc.stop().await;
}

async fn values_are_validated_per_indicator(backend: Backend) {
    let svc = spawn_service(backend).await;
    create(
        &svc,
        test_regime(
            "VAL",
            Submitters {
                agency_codes: vec![STTTT.into()],
                pattern: String::new(),
            },
        ),
    )
    .await;
    let mut so = svc.agency(STTTT).await;
    let p = "2026-03";
    // An unknown indicator is refused at once.
    let e = err(save(&mut so, "VAL", p, &[("NOPE", "1")]).await);
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().contains("values[NOPE]"), "{}", e.message());

    // Every broken rule is reported, each naming its indicator.
    let cases: &[(&str, &str, &str)] = &[
        (
            "DOCS",
            "12.5",
            "values[DOCS]: \"12.5\" is not a whole number",
        ),
        ("DOCS", "-1", "values[DOCS]: -1 is below the minimum 0"),
        ("RATE", "101", "values[RATE]: 101 is not a percentage"),
        ("RATE", "9.5", "values[RATE]: 9.5 is below the minimum 10"),
        (
            "RATE",
            "abc",
            "values[RATE]: \"abc\" is not a decimal number",
        ),
        (
            "AMOUNT",
            "1000.6",
            "values[AMOUNT]: 1000.6 is above the maximum 1000.5",
        ),
        (
            "AMOUNT",
            "1,5",
            "values[AMOUNT]: \"1,5\" is not a decimal number",
        ),
        ("NOTE", "", "values[NOTE]: required"),
    ];
    let good = [
        ("DOCS", "3"),
        ("RATE", "10"),
        ("AMOUNT", "1000.5"),
        ("NOTE", "ghi chú"),
    ];
    for (code, bad, expected) in cases {
        save(&mut so, "VAL", p, &good).await.expect("reset");
        save(&mut so, "VAL", p, &[(code, bad)])
            .await
            .expect("drafts take anything");
        let e = err(submit(&mut so, "VAL", p).await);
        assert_eq!(e.code(), Code::InvalidArgument, "{code}={bad}");
        assert!(
            e.message().contains(expected),
            "{code}={bad}: {}",
            e.message()
        );
    }
    // Several at once: both named.
    save(&mut so, "VAL", p, &[("DOCS", "x"), ("RATE", "200")])
        .await
        .expect("save");
    let e = err(submit(&mut so, "VAL", p).await);
    assert!(
        e.message().contains("values[DOCS]") && e.message().contains("values[RATE]"),
        "{}",
        e.message()
    );
    // A text longer than 4000 characters.
    let long = "x".repeat(4001);
    let e = err(save(&mut so, "VAL", p, &[("NOTE", long.as_str())]).await);
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().contains("values[NOTE]"), "{}", e.message());
    // Bounds are inclusive: the good values submit.
    save(&mut so, "VAL", p, &good).await.expect("save");
    let ok = submit(&mut so, "VAL", p)
        .await
        .expect("valid report submits");
    assert_eq!(ok.status(), ReportStatus::Submitted);
    svc.stop().await;
}

async fn aggregation_and_compliance_on_a_known_data_set(backend: Backend) {
    let svc = spawn_service(backend).await;
    // Submitters: every agency under H48 (the seed knows 000.00.00, 000.00.09, 000.00.12,
    // 000.00.53 and 000.01.01; the owner 000.00.01 is excluded).
    create(
        &svc,
        test_regime(
            "AGG",
            Submitters {
                agency_codes: vec![],
                pattern: "*.H48".into(),
            },
        ),
    )
    .await;
    let p = "2026-03";
    let mut owner = svc.agency(OWNER).await;
    let owner_client = owner.clone();
    let compliance = |scope: &str| {
        let mut c = owner_client.clone();
        let scope = scope.to_string();
        async move {
            c.get_compliance(GetComplianceRequest {
                regime_code: "AGG".into(),
                period: p.into(),
                scope,
            })
            .await
            .expect("compliance")
            .into_inner()
        }
    };

    // Before the due date nobody is missing yet.
    let before = compliance("").await;
    assert_eq!(before.rows.len(), 5, "{:?}", before.rows);
    assert_eq!((before.pending, before.missing), (5, 0));

    // 000.00.12 on time (accepted), 000.00.53 on time (not accepted), 000.00.09 late (accepted).
    let data = [
        (STTTT, "2026-03-17", "10", "40", "100.25", "a", true),
        (BINH_SON, "2026-03-18", "7", "90", "999", "b", false),
        (SCT, "2026-03-19", "5", "60", "20", "c", true),
    ];
    for (agency, day, docs, rate, amount, note, accept) in data {
        svc.today_is(day);
        let mut c = svc.agency(agency).await;
        save(
            &mut c,
            "AGG",
            p,
            &[
                ("DOCS", docs),
                ("RATE", rate),
                ("AMOUNT", amount),
                ("NOTE", note),
            ],
        )
        .await
        .expect("draft");
        submit(&mut c, "AGG", p).await.expect("submit");
        if accept {
            review(&mut owner, "AGG", p, agency, true, "")
                .await
                .expect("accept");
        }
    }
    svc.today_is("2026-03-25");
    let all = compliance("").await;
    let agg: Vec<(&str, &str, u32)> = all
        .aggregates
        .iter()
        .map(|a| (a.indicator_code.as_str(), a.value.as_str(), a.reports))
        .collect();
    assert_eq!(
        agg,
        [
            ("DOCS", "15", 2),
            ("RATE", "50", 2),
            ("AMOUNT", "100.25", 2),
            ("NOTE", "c", 2),
        ],
        "over the accepted reports only; NOTE is the latest accepted"
    );
    let states: Vec<(&str, ComplianceState)> = all
        .rows
        .iter()
        .map(|r| (r.agency_code.as_str(), r.state()))
        .collect();
    assert_eq!(
        states,
        [
            (H48, ComplianceState::Missing),
            (SCT, ComplianceState::Late),
            (STTTT, ComplianceState::OnTime),
            (BINH_SON, ComplianceState::OnTime),
            (TTPV, ComplianceState::Missing),
        ]
    );
    assert_eq!(
        (all.on_time, all.late, all.missing, all.pending),
        (2, 1, 2, 0)
    );
    assert!(
        all.rows[2]
            .agency_name
            .contains("Thông tin và Truyền thông")
    );

    // A level: only 000.00.1?.H48.
    let level = compliance("000.00.1?.H48").await;
    assert_eq!(level.rows.len(), 1);
    assert_eq!(level.aggregates[0].value, "10");
    assert_eq!(level.aggregates[1].value, "40");

    // Exports.
    let export = |format: ExportFormat| {
        let mut c = owner_client.clone();
        async move {
            c.export_period(ExportPeriodRequest {
                regime_code: "AGG".into(),
                period: p.into(),
                scope: String::new(),
                format: format as i32,
            })
            .await
            .expect("export")
            .into_inner()
        }
    };
    let csv = export(ExportFormat::Csv).await;
    assert_eq!(csv.file_name, "AGG-2026-03.csv");
    let lines: Vec<&str> = csv.content.lines().collect();
    assert_eq!(
        lines[0],
        "agency_code,agency_name,status,compliance,first_submitted_on,DOCS,RATE,AMOUNT,NOTE"
    );
    assert_eq!(lines.len(), 7, "{}", csv.content);
    assert!(lines[2].starts_with(&format!("{SCT},")), "{}", lines[2]);
    assert!(
        lines[2].ends_with(",accepted,late,2026-03-19,5,60,20,c"),
        "{}",
        lines[2]
    );
    assert!(lines[1].ends_with(",none,missing,,,,,"), "{}", lines[1]);
    assert_eq!(lines[6], "TOTAL,,accepted,,,15,50,100.25,c");
    let md = export(ExportFormat::Markdown).await.content;
    assert!(md.starts_with("# Báo cáo thử AGG (AGG)\n"), "{md}");
    assert!(md.contains("2026-02-15 – 2026-03-14"), "{md}");
    assert!(md.contains("Due date: 2026-03-18"), "{md}");
    assert!(
        md.contains("| DOCS | Chỉ tiêu DOCS |  | sum | 15 | 2 |  |"),
        "{md}"
    );
    assert!(md.contains(&format!("| {SCT} |")), "{md}");
    assert!(md.contains("late: **1**"), "{md}");
    let e = err(owner
        .export_period(ExportPeriodRequest {
            regime_code: "AGG".into(),
            period: p.into(),
            scope: String::new(),
            format: 0,
        })
        .await);
    assert_eq!(e.code(), Code::InvalidArgument);

    // Compliance is for the owner and admins.
    let mut so = svc.agency(STTTT).await;
    let e = err(so
        .get_compliance(GetComplianceRequest {
            regime_code: "AGG".into(),
            period: p.into(),
            scope: String::new(),
        })
        .await);
    assert_eq!(e.code(), Code::PermissionDenied);
    let mut admin = svc.client(&Identity::Admin("operator".into())).await;
    let by_admin = admin
        .get_compliance(GetComplianceRequest {
            regime_code: "AGG".into(),
            period: p.into(),
            scope: "*.h48".into(),
        })
        .await;
    assert_eq!(
        err(by_admin).code(),
        Code::InvalidArgument,
        "bad scope pattern"
    );
    svc.stop().await;
}

fn stat(code: &str, agency: &str, day: &str, value: f64) -> StatisticValue {
    StatisticValue {
        indicator_code: code.into(),
        agency_code: agency.into(),
        day: day.into(),
        value,
    }
}

async fn intake_prefills_drafts_for_the_period_window(backend: Backend) {
    let svc = spawn_service(backend).await;
    let exchange = svc.intake(&Identity::Service("exchange".into())).await;
    let sent = "axis.documents_sent";
    let received = "axis.documents_received";
    let push = |values: Vec<StatisticValue>| {
        let mut c = exchange.clone();
        async move {
            c.push_statistics(PushStatisticsRequest { values })
                .await
                .map(|r| r.into_inner().recorded)
        }
    };
    // The March 2026 window is 2026-02-15 .. 2026-03-14.
    let recorded = push(vec![
        stat(sent, STTTT, "2026-02-14", 100.0), // before the window
        stat(sent, STTTT, "2026-02-15", 3.0),
        stat(sent, STTTT, "2026-03-01", 99.0), // replaced below
        stat(sent, STTTT, "2026-03-14", 5.0),
        stat(sent, STTTT, "2026-03-15", 1000.0), // after the window (April)
        stat(received, STTTT, "2026-03-02", 8.0),
        stat(sent, SCT, "2026-03-02", 50.0), // another agency
    ])
    .await
    .expect("push");
    assert_eq!(recorded, 7);
    // The same key again replaces the value: a push can be repeated safely.
    push(vec![stat(sent, STTTT, "2026-03-01", 4.0)])
        .await
        .expect("repush");

    svc.today_is("2026-03-16");
    let mut so = svc.agency(STTTT).await;
    let draft = save(&mut so, "AXIS-MONTHLY", "2026-03", &[])
        .await
        .expect("draft");
    assert_eq!(value_of(&draft, "AXIS.SENT"), ("12".into(), true));
    assert_eq!(value_of(&draft, "AXIS.RECEIVED"), ("8".into(), true));
    // The annual KH61 window (2025-12-15 .. 2026-12-14) takes every day pushed.
    let kh61 = save(&mut so, "KH61", "2026", &[]).await.expect("draft");
    assert_eq!(value_of(&kh61, "KH61.TRUC"), ("1112".into(), true));
    assert_eq!(value_of(&kh61, "KH61.CKS"), (String::new(), false));
    // An edited value is no longer marked pre-filled; the draft submits as is.
    let edited = save(&mut so, "AXIS-MONTHLY", "2026-03", &[("AXIS.SENT", "13")])
        .await
        .expect("edit");
    assert_eq!(value_of(&edited, "AXIS.SENT"), ("13".into(), false));
    assert_eq!(value_of(&edited, "AXIS.RECEIVED"), ("8".into(), true));
    submit(&mut so, "AXIS-MONTHLY", "2026-03")
        .await
        .expect("submit");
    // An agency without statistics gets an empty draft.
    let mut binh_son = svc.agency(BINH_SON).await;
    let empty = save(&mut binh_son, "AXIS-MONTHLY", "2026-03", &[])
        .await
        .expect("draft");
    assert_eq!(value_of(&empty, "AXIS.SENT"), (String::new(), false));

    // Bad input names the field and the rule; nothing of a refused push is stored.
    let e = err(push(vec![
        stat(sent, H48, "2026-03-02", 9.0),
        stat(sent, H48, "02/03/2026", 1.0),
    ])
    .await);
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().starts_with("values[1].day:"), "{}", e.message());
    let e = err(push(vec![stat(sent, "H48", "2026-03-02", 1.0)]).await);
    assert!(
        e.message().starts_with("values[0].agency_code:"),
        "{}",
        e.message()
    );
    let e = err(push(vec![stat("Axis Sent", BINH_SON, "2026-03-02", 1.0)]).await);
    assert!(
        e.message().starts_with("values[0].indicator_code:"),
        "{}",
        e.message()
    );
    let too_many = (0..10_001)
        .map(|_| stat(sent, BINH_SON, "2026-03-02", 1.0))
        .collect();
    let e = err(push(too_many).await);
    assert_eq!(e.code(), Code::ResourceExhausted);
    assert!(e.message().starts_with("values:"), "{}", e.message());
    let mut vp_ubnd = svc.agency(H48).await;
    let fresh = save(&mut vp_ubnd, "AXIS-MONTHLY", "2026-03", &[])
        .await
        .expect("draft");
    assert_eq!(
        value_of(&fresh, "AXIS.SENT"),
        (String::new(), false),
        "the refused push stored nothing"
    );
    svc.stop().await;
}

async fn agency_calling_the_intake_is_refused(backend: Backend) {
    let svc = spawn_service(backend).await;
    let values = vec![stat("axis.documents_sent", STTTT, "2026-03-01", 7.0)];
    for id in [
        Identity::Agency(STTTT.into()),
        Identity::Admin("operator".into()),
        Identity::Hub("H48".into()),
    ] {
        let mut c = svc.intake(&id).await;
        let e = err(c
            .push_statistics(PushStatisticsRequest {
                values: values.clone(),
            })
            .await);
        assert_eq!(e.code(), Code::PermissionDenied, "{id}: {e:?}");
    }
    // Nothing was recorded: the draft is not pre-filled.
    let mut so = svc.agency(STTTT).await;
    let draft = save(&mut so, "AXIS-MONTHLY", "2026-03", &[])
        .await
        .expect("draft");
    assert_eq!(value_of(&draft, "AXIS.SENT"), (String::new(), false));
    // A service may push.
    let mut tasks = svc.intake(&Identity::Service("tasks".into())).await;
    tasks
        .push_statistics(PushStatisticsRequest { values })
        .await
        .expect("a service pushes");
    svc.stop().await;
}

async fn regime_creation_rules(backend: Backend) {
    let svc = spawn_service(backend).await;
    let submitters = Submitters {
        agency_codes: vec![STTTT.into()],
        pattern: String::new(),
    };
    // An agency creates only regimes it owns; admins may create any; codes are unique.
    let mut so = svc.agency(STTTT).await;
    let e = err(so
        .create_regime(CreateRegimeRequest {
            regime: Some(test_regime("R1", submitters.clone())),
        })
        .await);
    assert_eq!(e.code(), Code::PermissionDenied);
    let mut tasks = svc.client(&Identity::Service("tasks".into())).await;
    let e = err(tasks
        .create_regime(CreateRegimeRequest {
            regime: Some(test_regime("R1", submitters.clone())),
        })
        .await);
    assert_eq!(e.code(), Code::PermissionDenied);
    let mut admin = svc.client(&Identity::Admin("operator".into())).await;
    let created = admin
        .create_regime(CreateRegimeRequest {
            regime: Some(test_regime("R1", submitters.clone())),
        })
        .await
        .expect("admin creates")
        .into_inner()
        .regime
        .expect("regime");
    assert!(created.created_at.is_some());
    let e = err(svc
        .agency(OWNER)
        .await
        .create_regime(CreateRegimeRequest {
            regime: Some(test_regime("R1", submitters.clone())),
        })
        .await);
    assert_eq!(e.code(), Code::AlreadyExists);
    let e = err(svc
        .agency(OWNER)
        .await
        .create_regime(CreateRegimeRequest {
            regime: Some(test_regime("KH61", submitters.clone())),
        })
        .await);
    assert_eq!(e.code(), Code::AlreadyExists, "the seeded regime stays");
    // Malformed regimes name the field.
    let mut bad = test_regime("R2", submitters.clone());
    bad.indicators[3].aggregation = Aggregation::Sum as i32;
    let e = err(admin
        .create_regime(CreateRegimeRequest { regime: Some(bad) })
        .await);
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(
        e.message().starts_with("regime.indicators[3].aggregation:"),
        "{}",
        e.message()
    );
    let mut bad = test_regime("R2", submitters);
    bad.submitters = Some(Submitters {
        agency_codes: vec!["H48".into()],
        pattern: String::new(),
    });
    let e = err(admin
        .create_regime(CreateRegimeRequest { regime: Some(bad) })
        .await);
    assert!(
        e.message()
            .starts_with("regime.submitters.agency_codes[0]:"),
        "{}",
        e.message()
    );
    svc.stop().await;
}
