//! Pagination of ListRegimes and ListReports: every list walked to its end across several
//! pages; forged, foreign (another list, other filters) and expired page tokens refused naming
//! `page_token`.
use lienthong_api::reporting::v1::{ListRegimesRequest, ListReportsRequest, Regime};
use lienthong_platform::{Identity, db::Backend, paging::TOKEN_LIFETIME};
use tonic::Code;

use crate::{create, listed, support::*, test_regime};

const P: &str = "2026-03";
const SUBMITTERS: [&str; 5] = [H48, SCT, STTTT, BINH_SON, TTPV];

/// ListRegimes, one page.
async fn regimes(
    client: &Client,
    page_size: u32,
    page_token: &str,
) -> Result<(Vec<String>, String), tonic::Status> {
    client
        .clone()
        .list_regimes(ListRegimesRequest {
            page_size,
            page_token: page_token.into(),
        })
        .await
        .map(|r| {
            let r = r.into_inner();
            let codes = r.regimes.into_iter().map(|g: Regime| g.code).collect();
            (codes, r.next_page_token)
        })
}

/// ListReports of regime PG, one page: the agencies listed and the next token.
async fn reports(
    client: &Client,
    period: &str,
    page_size: u32,
    page_token: &str,
) -> Result<(Vec<String>, String), tonic::Status> {
    client
        .clone()
        .list_reports(ListReportsRequest {
            regime_code: "PG".into(),
            period: period.into(),
            page_size,
            page_token: page_token.into(),
        })
        .await
        .map(|r| {
            let r = r.into_inner();
            let agencies = r.reports.into_iter().map(|r| r.agency_code).collect();
            (agencies, r.next_page_token)
        })
}

/// Walks a list to its end; the sizes of the pages and everything listed, in order.
async fn walk<F, Fut>(mut page: F) -> (Vec<usize>, Vec<String>)
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<String>, String), tonic::Status>>,
{
    let (mut sizes, mut all, mut token) = (Vec::new(), Vec::new(), String::new());
    loop {
        let (items, next) = page(token).await.expect("a page");
        sizes.push(items.len());
        all.extend(items);
        if next.is_empty() {
            return (sizes, all);
        }
        assert!(sizes.len() < 100, "the walk never ends");
        token = next;
    }
}

/// A refused page token: INVALID_ARGUMENT, the one violation naming `page_token`.
fn bad_token(r: Result<(Vec<String>, String), tonic::Status>, rule: &str) {
    let e = refused(r, Code::InvalidArgument, "INVALID_FIELD");
    assert_eq!(violated_fields(&e), ["page_token"]);
    assert!(e.message().contains(rule), "{}", e.message());
}

pub async fn lists_page_with_signed_tokens(backend: Backend) {
    let svc = spawn_service(backend).await;
    // 2 seeded regimes and 5 more; PG has 5 submitters, each with a draft for March.
    create(&svc, test_regime("PG", listed(&SUBMITTERS))).await;
    for code in ["PA", "PB", "PC", "PD"] {
        create(&svc, test_regime(code, listed(&[STTTT]))).await;
    }
    for agency in SUBMITTERS {
        save(&mut svc.agency(agency).await, "PG", P, &[("DOCS", "1")])
            .await
            .expect("draft");
    }
    save(&mut svc.agency(STTTT).await, "PG", "2026-02", &[])
        .await
        .expect("a draft of another period");
    let owner = svc.agency(OWNER).await;

    // Regimes, 3 a page: 3 + 3 + 1, by code, each once.
    let (sizes, codes) = walk(|t| {
        let owner = owner.clone();
        async move { regimes(&owner, 3, &t).await }
    })
    .await;
    assert_eq!(sizes, [3, 3, 1]);
    assert_eq!(
        codes,
        ["AXIS-MONTHLY", "KH61", "PA", "PB", "PC", "PD", "PG"]
    );
    let (all, next) = regimes(&owner, 0, "").await.expect("default size");
    assert_eq!((all.len(), next.as_str()), (7, ""), "100 by default");
    let (exact, next) = regimes(&owner, 7, "").await.expect("exactly one page");
    assert_eq!((exact.len(), next.as_str()), (7, ""), "no empty last page");

    // Reports of PG for March, 2 a page, for the owner: 2 + 2 + 1, by agency.
    let (sizes, agencies) = walk(|t| {
        let owner = owner.clone();
        async move { reports(&owner, P, 2, &t).await }
    })
    .await;
    assert_eq!(sizes, [2, 2, 1]);
    let mut expected = SUBMITTERS.map(String::from).to_vec();
    expected.sort();
    assert_eq!(agencies, expected);
    // A submitter pages through its own report only.
    let so = svc.agency(STTTT).await;
    let (own, next) = reports(&so, P, 1, "").await.expect("own");
    assert_eq!((own, next.as_str()), (vec![STTTT.to_string()], ""));

    tokens_are_refused_when_forged_foreign_or_expired(&svc, &owner).await;
    svc.stop().await;
}

async fn tokens_are_refused_when_forged_foreign_or_expired(svc: &TestService, owner: &Client) {
    let (_, regimes_token) = regimes(owner, 3, "").await.expect("page 1");
    let (_, reports_token) = reports(owner, P, 2, "").await.expect("page 1");
    assert!(!regimes_token.is_empty() && !reports_token.is_empty());

    // Forged: made up, a bare number, altered.
    let not_issued = "is not a token this service issued";
    bad_token(regimes(owner, 3, "7").await, not_issued);
    bad_token(reports(owner, P, 2, "abc.def").await, not_issued);
    let altered = format!("x{}", &reports_token[1..]);
    bad_token(reports(owner, P, 2, &altered).await, not_issued);
    let admin = svc.client(&Identity::Admin("operator".into())).await;
    bad_token(
        regimes(&admin, 3, &format!("{regimes_token}x")).await,
        not_issued,
    );

    // Foreign: another list (other filters, another method).
    let other_list = "was issued for another list";
    bad_token(
        reports(owner, "2026-02", 2, &reports_token).await,
        other_list,
    );
    bad_token(regimes(owner, 3, &reports_token).await, other_list);
    bad_token(reports(owner, P, 2, &regimes_token).await, other_list);

    // Still good a moment before a day has passed; expired after.
    let micros_per_sec = 1_000_000;
    svc.clock.advance_secs(TOKEN_LIFETIME / micros_per_sec - 60);
    reports(owner, P, 2, &reports_token)
        .await
        .expect("a token lasts a day");
    svc.clock.advance_secs(61);
    bad_token(reports(owner, P, 2, &reports_token).await, "has expired");
    bad_token(regimes(owner, 3, &regimes_token).await, "has expired");
}
