//! Values: drafts take anything within their indicators; a submission is checked against every
//! indicator's type and bounds, each broken rule naming its indicator.
use lienthong_api::reporting::v1::ReportStatus;
use lienthong_platform::db::Backend;
use tonic::Code;

use crate::{create, listed, support::*, test_regime};

const P: &str = "2026-03";
const GOOD: [(&str, &str); 4] = [
    ("DOCS", "3"),
    ("RATE", "10"),
    ("AMOUNT", "1000.5"),
    ("NOTE", "ghi chú"),
];

pub async fn values_are_validated_per_indicator(backend: Backend) {
    let svc = spawn_service(backend).await;
    create(&svc, test_regime("VAL", listed(&[STTTT]))).await;
    let mut so = svc.agency(STTTT).await;
    // An unknown indicator is refused at once.
    let e = refused(
        save(&mut so, "VAL", P, &[("NOPE", "1")]).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert!(e.message().contains("values[NOPE]"), "{}", e.message());
    every_broken_rule_names_its_indicator(&mut so).await;
    several_at_once_and_the_limits(&mut so).await;
    svc.stop().await;
}

async fn every_broken_rule_names_its_indicator(so: &mut Client) {
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
    for (code, bad, expected) in cases {
        save(so, "VAL", P, &GOOD).await.expect("reset");
        save(so, "VAL", P, &[(code, bad)])
            .await
            .expect("drafts take anything");
        let e = refused(
            submit(so, "VAL", P).await,
            Code::InvalidArgument,
            "INVALID_REPORT_VALUES",
        );
        assert_eq!(violated_fields(&e), [format!("values[{code}]")]);
        assert!(
            e.message().contains(expected),
            "{code}={bad}: {}",
            e.message()
        );
    }
}

async fn several_at_once_and_the_limits(so: &mut Client) {
    // Several at once, every one named (NOTE is still blank from the last case above).
    save(so, "VAL", P, &[("DOCS", "x"), ("RATE", "200")])
        .await
        .expect("save");
    let e = refused(
        submit(so, "VAL", P).await,
        Code::InvalidArgument,
        "INVALID_REPORT_VALUES",
    );
    assert!(
        e.message().contains("values[DOCS]") && e.message().contains("values[RATE]"),
        "{}",
        e.message()
    );
    assert_eq!(
        violated_fields(&e),
        ["values[DOCS]", "values[RATE]", "values[NOTE]"]
    );
    // A text longer than 4000 characters.
    let long = "x".repeat(4001);
    let e = refused(
        save(so, "VAL", P, &[("NOTE", long.as_str())]).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert!(e.message().contains("values[NOTE]"), "{}", e.message());
    // Bounds are inclusive: the good values submit.
    save(so, "VAL", P, &GOOD).await.expect("save");
    let ok = submit(so, "VAL", P).await.expect("valid report submits");
    assert_eq!(ok.status(), ReportStatus::Submitted);
}
