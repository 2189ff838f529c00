//! Aggregation and compliance over a known data set: who reported on time, late or not at
//! all; totals over the accepted reports only; scopes; who may look.
use lienthong_api::reporting::v1::{
    ComplianceState, GetComplianceRequest, GetComplianceResponse, Submitters,
};
use lienthong_platform::{Identity, db::Backend};
use tonic::Code;

use crate::{create, support::*, test_regime};

pub const P: &str = "2026-03";

/// Regime AGG, submitted by every agency under H48 (the seed knows 000.00.00, 000.00.09,
/// 000.00.12, 000.00.53 and 000.01.01; the owner 000.00.01 is excluded).
pub async fn create_agg(svc: &TestService) {
    create(
        svc,
        test_regime(
            "AGG",
            Submitters {
                agency_codes: vec![],
                pattern: "*.H48".into(),
            },
        ),
    )
    .await;
}

/// 000.00.12 on time (accepted), 000.00.53 on time (not accepted), 000.00.09 late (accepted).
/// The clock ends on 2026-03-25.
pub async fn submit_known_data(svc: &TestService) {
    let mut owner = svc.agency(OWNER).await;
    let data = [
        (STTTT, "2026-03-17", "10", "40", "100.25", "a", true),
        (BINH_SON, "2026-03-18", "7", "90", "999", "b", false),
        (SCT, "2026-03-19", "5", "60", "20", "c", true),
    ];
    for (agency, day, docs, rate, amount, note, accepted) in data {
        svc.today_is(day);
        let mut c = svc.agency(agency).await;
        let values = [
            ("DOCS", docs),
            ("RATE", rate),
            ("AMOUNT", amount),
            ("NOTE", note),
        ];
        save(&mut c, "AGG", P, &values).await.expect("draft");
        submit(&mut c, "AGG", P).await.expect("submit");
        if accepted {
            accept(&mut owner, "AGG", P, agency).await.expect("accept");
        }
    }
    svc.today_is("2026-03-25");
}

async fn compliance(client: &Client, scope: &str) -> GetComplianceResponse {
    client
        .clone()
        .get_compliance(GetComplianceRequest {
            regime_code: "AGG".into(),
            period: P.into(),
            scope: scope.into(),
        })
        .await
        .expect("compliance")
        .into_inner()
}

pub async fn aggregation_and_compliance_on_a_known_data_set(backend: Backend) {
    let svc = spawn_service(backend).await;
    let owner = svc.agency(OWNER).await;
    create_agg(&svc).await;
    // Before the due date nobody is missing yet.
    let before = compliance(&owner, "").await;
    assert_eq!(before.rows.len(), 5, "{:?}", before.rows);
    assert_eq!((before.pending, before.missing), (5, 0));
    submit_known_data(&svc).await;
    let all = compliance(&owner, "").await;
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
    let level = compliance(&owner, "000.00.1?.H48").await;
    assert_eq!(level.rows.len(), 1);
    assert_eq!(level.aggregates[0].value, "10");
    assert_eq!(level.aggregates[1].value, "40");
    only_the_owner_and_admins_look(&svc).await;
    svc.stop().await;
}

async fn only_the_owner_and_admins_look(svc: &TestService) {
    // Compliance is for the owner and admins.
    let mut so = svc.agency(STTTT).await;
    let e = refused(
        so.get_compliance(GetComplianceRequest {
            regime_code: "AGG".into(),
            period: P.into(),
            scope: String::new(),
        })
        .await,
        Code::PermissionDenied,
        "COMPLIANCE_NOT_VISIBLE",
    );
    assert!(e.message().contains("only its owner"), "{}", e.message());
    let mut admin = svc.client(&Identity::Admin("operator".into())).await;
    let by_admin = admin
        .get_compliance(GetComplianceRequest {
            regime_code: "AGG".into(),
            period: P.into(),
            scope: "*.h48".into(),
        })
        .await;
    // A bad scope pattern.
    let e = refused(by_admin, Code::InvalidArgument, "INVALID_FIELD");
    assert_eq!(violated_fields(&e), ["scope"]);
}
