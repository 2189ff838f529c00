//! Regimes: the seeded ones, their periods with windows and due dates, and who may create one.
use lienthong_api::reporting::v1::{
    Aggregation, CreateRegimeRequest, GetRegimeRequest, IndicatorType, ListPeriodsRequest,
    ListPeriodsResponse, ListRegimesRequest, PeriodKind, Regime, Submitters,
};
use lienthong_platform::{Identity, db::Backend};
use tonic::Code;
use tonic_types::StatusExt;

use crate::{support::*, test_regime};

pub async fn seeded_regimes(backend: Backend) {
    let svc = spawn_service(backend).await;
    let mut any = svc.client(&Identity::Service("tasks".into())).await;
    let regimes = any
        .list_regimes(ListRegimesRequest::default())
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
    let missing = refused(
        any.get_regime(GetRegimeRequest {
            code: "NOPE".into(),
        })
        .await,
        Code::NotFound,
        "REGIME_NOT_FOUND",
    );
    assert_eq!(missing.message(), "regime_code: no regime \"NOPE\"");
    let blank = refused(
        any.get_regime(GetRegimeRequest::default()).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert_eq!(violated_fields(&blank), ["code"]);
    svc.stop().await;
}

async fn periods(client: &mut Client, regime: &str, year: u32) -> ListPeriodsResponse {
    client
        .list_periods(ListPeriodsRequest {
            regime_code: regime.into(),
            year,
        })
        .await
        .expect("periods")
        .into_inner()
}

pub async fn periods_with_due_dates(backend: Backend) {
    let svc = spawn_service(backend).await;
    // Monthly periods of 2026 for a submitter, on 2026-03-10.
    let mut so = svc.agency(STTTT).await;
    let periods_2026 = periods(&mut so, "AXIS-MONTHLY", 2026).await;
    assert_eq!(periods_2026.today, "2026-03-10");
    assert_eq!(periods_2026.periods.len(), 12);
    let jan = &periods_2026.periods[0];
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
    let feb = &periods_2026.periods[1];
    // Cutoff Saturday 2026-02-14; Monday 16 is a holiday of the file: Tuesday 17, Wednesday 18.
    assert_eq!(feb.due_date, "2026-02-18");
    let mar = &periods_2026.periods[2];
    // Cutoff Saturday 2026-03-14; Monday 16 is the configured extra holiday.
    assert_eq!(
        (mar.window_start.as_str(), mar.due_date.as_str()),
        ("2026-02-15", "2026-03-18")
    );
    let open: Vec<&str> = periods_2026
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
    let for_owner = periods(&mut owner, "AXIS-MONTHLY", 2026).await;
    assert!(for_owner.periods.iter().all(|p| !p.open));

    // The annual regime: one period, 15/12 of the previous year to 14/12.
    let year = periods(&mut so, "KH61", 0).await.periods;
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

async fn create_as(client: &mut Client, regime: Regime) -> Result<Regime, tonic::Status> {
    client
        .create_regime(CreateRegimeRequest {
            regime: Some(regime),
        })
        .await
        .map(|r| r.into_inner().regime.expect("regime"))
}

pub async fn regime_creation_rules(backend: Backend) {
    let svc = spawn_service(backend).await;
    let submitters = Submitters {
        agency_codes: vec![STTTT.into()],
        pattern: String::new(),
    };
    // An agency creates only regimes it owns; admins may create any; codes are unique.
    let mut so = svc.agency(STTTT).await;
    refused(
        create_as(&mut so, test_regime("R1", submitters.clone())).await,
        Code::PermissionDenied,
        "REGIME_OF_ANOTHER_OWNER",
    );
    let mut tasks = svc.client(&Identity::Service("tasks".into())).await;
    refused(
        create_as(&mut tasks, test_regime("R1", submitters.clone())).await,
        Code::PermissionDenied,
        "IDENTITY_NOT_ALLOWED",
    );
    let mut admin = svc.client(&Identity::Admin("operator".into())).await;
    let created = create_as(&mut admin, test_regime("R1", submitters.clone()))
        .await
        .expect("admin creates");
    assert!(created.create_time.is_some());
    let mut owner = svc.agency(OWNER).await;
    refused(
        create_as(&mut owner, test_regime("R1", submitters.clone())).await,
        Code::AlreadyExists,
        "REGIME_EXISTS",
    );
    refused(
        create_as(&mut owner, test_regime("KH61", submitters)).await,
        Code::AlreadyExists,
        "REGIME_EXISTS",
    );
    refused(
        owner
            .create_regime(CreateRegimeRequest { regime: None })
            .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    svc.stop().await;
}

pub async fn malformed_regimes_name_the_field(backend: Backend) {
    let svc = spawn_service(backend).await;
    let submitters = Submitters {
        agency_codes: vec![STTTT.into()],
        pattern: String::new(),
    };
    let mut admin = svc.client(&Identity::Admin("operator".into())).await;
    // Malformed regimes name the field.
    let mut bad = test_regime("R2", submitters.clone());
    bad.indicators[3].aggregation = Aggregation::Sum as i32;
    let e = refused(
        create_as(&mut admin, bad).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert!(
        e.message().starts_with("regime.indicators[3].aggregation:"),
        "{}",
        e.message()
    );
    let mut bad = test_regime("R2", submitters.clone());
    bad.submitters = Some(Submitters {
        agency_codes: vec!["H48".into()],
        pattern: String::new(),
    });
    let e = refused(
        create_as(&mut admin, bad).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert!(
        e.message()
            .starts_with("regime.submitters.agency_codes[0]:"),
        "{}",
        e.message()
    );
    // Three broken rules: three field violations, each named, in one answer.
    let mut bad = test_regime("r 3", submitters);
    bad.owner = "H48".into();
    bad.indicators[1].value_type = 99;
    let e = refused(
        create_as(&mut admin, bad).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert_eq!(
        violated_fields(&e),
        [
            "regime.code",
            "regime.owner",
            "regime.indicators[1].value_type"
        ]
    );
    let bad_request = e.get_error_details();
    let violations = &bad_request
        .bad_request()
        .expect("BadRequest")
        .field_violations;
    assert!(
        violations[2]
            .description
            .starts_with("99 is not one of INTEGER"),
        "{violations:?}"
    );
    assert!(violations.iter().all(|v| v.reason == "INVALID_FIELD"));
    svc.stop().await;
}
