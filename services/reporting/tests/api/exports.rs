//! Exports of a period: the CSV table and the Markdown report, for the owner.
use lienthong_api::reporting::v1::{ExportFormat, ExportPeriodRequest, ExportPeriodResponse};
use lienthong_platform::db::Backend;
use tonic::Code;

use crate::{
    compliance::{P, create_agg, submit_known_data},
    create, listed,
    support::*,
    test_regime,
};

fn request(format: i32) -> ExportPeriodRequest {
    ExportPeriodRequest {
        regime_code: "AGG".into(),
        period: P.into(),
        scope: String::new(),
        format,
    }
}

async fn export(client: &Client, format: ExportFormat) -> ExportPeriodResponse {
    client
        .clone()
        .export_period(request(format as i32))
        .await
        .expect("export")
        .into_inner()
}

pub async fn exports_of_a_known_data_set(backend: Backend) {
    let svc = spawn_service(backend).await;
    create_agg(&svc).await;
    submit_known_data(&svc).await;
    let mut owner = svc.agency(OWNER).await;
    let csv = export(&owner, ExportFormat::Csv).await;
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
    let md = export(&owner, ExportFormat::Markdown).await.content;
    assert!(md.starts_with("# Báo cáo thử AGG (AGG)\n"), "{md}");
    assert!(md.contains("2026-02-15 – 2026-03-14"), "{md}");
    assert!(md.contains("Due date: 2026-03-18"), "{md}");
    assert!(
        md.contains("| DOCS | Chỉ tiêu DOCS |  | sum | 15 | 2 |  |"),
        "{md}"
    );
    assert!(md.contains(&format!("| {SCT} |")), "{md}");
    assert!(md.contains("late: **1**"), "{md}");
    let e = refused(
        owner.export_period(request(0)).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert_eq!(violated_fields(&e), ["format"]);
    // Three malformed fields, three violations.
    let e = refused(
        owner
            .export_period(ExportPeriodRequest {
                regime_code: " ".into(),
                period: P.into(),
                scope: "*.h48".into(),
                format: 7,
            })
            .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert_eq!(violated_fields(&e), ["format", "regime_code", "scope"]);
    svc.stop().await;
}

/// Text cells a spreadsheet would run as formulas get a `'` in front (each of OWASP's starts);
/// figures, negative ones included, stay numbers — in the rows and in the totals.
pub async fn exported_cells_are_never_formulas(backend: Backend) {
    let svc = spawn_service(backend).await;
    let agencies = [STTTT, SCT, BINH_SON, TTPV, H48, G22];
    create(&svc, test_regime("CSVX", listed(&agencies))).await;
    let notes = [
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(A1:A9)",
        "\t=1+2",
        "\r=1+2",
    ];
    let amounts = ["-12.5", "-0.75", "-3", "+4", "0", "-1000"];
    let mut owner = svc.agency(OWNER).await;
    for ((agency, note), amount) in agencies.iter().zip(notes).zip(amounts) {
        let mut c = svc.agency(agency).await;
        let values = [
            ("DOCS", "1"),
            ("RATE", "50"),
            ("AMOUNT", amount),
            ("NOTE", note),
        ];
        save(&mut c, "CSVX", P, &values).await.expect("draft");
        submit(&mut c, "CSVX", P).await.expect("submit");
        accept(&mut owner, "CSVX", P, agency).await.expect("accept");
    }
    let csv = owner
        .export_period(ExportPeriodRequest {
            regime_code: "CSVX".into(),
            period: P.into(),
            scope: String::new(),
            format: ExportFormat::Csv as i32,
        })
        .await
        .expect("export")
        .into_inner()
        .content;
    let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .from_reader(csv.as_bytes())
        .records()
        .map(|r| r.expect("a record").iter().map(String::from).collect())
        .collect();
    for ((agency, note), amount) in agencies.iter().zip(notes).zip(amounts) {
        let row = rows
            .iter()
            .find(|r| r[0] == *agency)
            .unwrap_or_else(|| panic!("a row for {agency}: {csv}"));
        // Values are stored trimmed: a leading tab or CR goes before the formula does.
        assert_eq!(
            row[8],
            format!("'{}", note.trim()),
            "{agency}: the note is text"
        );
        assert_eq!(row[7], amount, "{agency}: the amount stays a number");
        assert!(!row[8].starts_with(['=', '+', '-', '@', '\t', '\r']));
    }
    let total = rows.last().expect("a TOTAL row");
    assert_eq!(total[0], "TOTAL");
    assert_eq!(total[7], "4", "the max of the amounts");
    assert!(
        total[8].starts_with('\''),
        "the latest note, neutralised: {total:?}"
    );
    svc.stop().await;
}
