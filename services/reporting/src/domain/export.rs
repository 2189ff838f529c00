//! A period's aggregates and compliance as a file: CSV (one row per expected submitter, then
//! the totals; written with the `csv` crate) or a Markdown report.
//!
//! A CSV is opened in spreadsheets, which read a cell starting with `=`, `+`, `-`, `@`, a tab
//! or a carriage return as a formula (OWASP "CSV injection"): such a cell — a text value, an
//! agency's name — is written with a `'` in front, which spreadsheets show as text. A cell that
//! is a plain number (what numeric indicators hold: `-3`, `-0.5`, `+4`) is no formula and is
//! written as it is, so that negative figures stay numbers.
use std::borrow::Cow;

use lienthong_api::reporting::v1::{
    Aggregation, ComplianceState, ExportFormat, ExportPeriodResponse, PeriodKind, ReportStatus,
};
use lienthong_api::wkt::Timestamp;
use lienthong_axis::{
    FieldError,
    local::{format_date, local_date},
    timestamp::from_timestamp,
};
use lienthong_platform::error::InfraError;

use super::{values::is_plain_number, view::PeriodView, workflow::status_name};

/// What spreadsheets read as the start of a formula (OWASP's list).
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A CSV cell as written: a cell that starts like a formula and is not a plain number gets a
/// `'` in front.
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some(c) if FORMULA_STARTS.contains(&c) && !is_plain_number(s) => {
            Cow::Owned(format!("'{s}"))
        }
        _ => Cow::Borrowed(s),
    }
}
use crate::error::Result;

/// The format asked for (the request's enum value): CSV or Markdown.
pub fn check_format(format: i32) -> Result<ExportFormat, FieldError> {
    match ExportFormat::try_from(format) {
        Ok(ExportFormat::Unspecified) => {
            Err(FieldError::new("format", "required: CSV or MARKDOWN"))
        }
        Ok(known) => Ok(known),
        Err(_) => Err(FieldError::new(
            "format",
            format!("{format} is not an export format: CSV or MARKDOWN"),
        )),
    }
}

/// The file of a view, named `<regime>-<period>.<csv|md>` (an ad hoc key's `..` becomes `_`).
pub fn render(view: &PeriodView, format: ExportFormat) -> Result<ExportPeriodResponse> {
    let safe_key = view.period.key.replace("..", "_");
    let code = &view.regime.code;
    Ok(match format {
        ExportFormat::Csv => ExportPeriodResponse {
            content: csv(view)?,
            content_type: "text/csv; charset=utf-8".into(),
            file_name: format!("{code}-{safe_key}.csv"),
        },
        _ => ExportPeriodResponse {
            content: markdown(view),
            content_type: "text/markdown; charset=utf-8".into(),
            file_name: format!("{code}-{safe_key}.md"),
        },
    })
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

pub fn state_name(s: ComplianceState) -> &'static str {
    match s {
        ComplianceState::OnTime => "on_time",
        ComplianceState::Late => "late",
        ComplianceState::Missing => "missing",
        ComplianceState::Pending => "pending",
        ComplianceState::Unspecified => "",
    }
}

fn state_label(s: ComplianceState) -> &'static str {
    match s {
        ComplianceState::OnTime => "Đúng hạn / on time",
        ComplianceState::Late => "Trễ hạn / late",
        ComplianceState::Missing => "Chưa gửi / missing",
        ComplianceState::Pending => "Chưa đến hạn / pending",
        ComplianceState::Unspecified => "",
    }
}

pub fn aggregation_name(a: Aggregation) -> &'static str {
    match a {
        Aggregation::Sum => "sum",
        Aggregation::Average => "average",
        Aggregation::Min => "min",
        Aggregation::Max => "max",
        Aggregation::Latest => "latest",
        Aggregation::None => "none",
        Aggregation::Unspecified => "",
    }
}

pub fn kind_label(k: PeriodKind) -> &'static str {
    match k {
        PeriodKind::Month => "tháng / month",
        PeriodKind::Quarter => "quý / quarter",
        PeriodKind::SixMonths => "6 tháng / 6 months",
        PeriodKind::NineMonths => "9 tháng / 9 months",
        PeriodKind::Year => "năm / year",
        PeriodKind::AdHoc => "đột xuất / ad hoc",
        PeriodKind::Unspecified => "",
    }
}

/// The local date of a timestamp, or "".
fn day(ts: Option<&Timestamp>) -> String {
    ts.map(|t| format_date(local_date(from_timestamp(t))))
        .unwrap_or_default()
}

/// Writes one row, each cell neutralised ([`csv_cell`]).
fn write_row<'a>(
    w: &mut csv::Writer<Vec<u8>>,
    cells: impl IntoIterator<Item = &'a str>,
) -> Result<()> {
    w.write_record(cells.into_iter().map(|c| csv_cell(c).into_owned()))
        .map_err(|e| InfraError::Internal(Box::new(e)).into())
}

/// Values are shown for submitted and accepted reports; totals count accepted ones only.
fn shown(status: ReportStatus) -> bool {
    matches!(status, ReportStatus::Submitted | ReportStatus::Accepted)
}

/// One row per expected submitter (agency, name, status, compliance, first submission, one
/// column per indicator), then a TOTAL row with the aggregates over accepted reports. Fields
/// are quoted only when they must be (a comma, a quote or a line break); a cell that would be
/// a formula is neutralised ([`csv_cell`]).
pub fn csv(view: &PeriodView) -> Result<String> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let fixed = [
        "agency_code",
        "agency_name",
        "status",
        "compliance",
        "first_submitted_on",
    ];
    let codes = view.regime.indicators.iter().map(|i| i.code.as_str());
    write_row(&mut w, fixed.into_iter().chain(codes))?;
    for row in &view.rows {
        let report = view.reports.get(&row.agency_code);
        let mut fields = vec![
            row.agency_code.clone(),
            row.agency_name.clone(),
            status_name(row.status()).into(),
            state_name(row.state()).into(),
            day(row.first_submit_time.as_ref()),
        ];
        for ind in &view.regime.indicators {
            let v = report
                .filter(|r| shown(r.status))
                .and_then(|r| r.values.iter().find(|v| v.code == ind.code))
                .map(|v| v.value.clone())
                .unwrap_or_default();
            fields.push(v);
        }
        write_row(&mut w, fields.iter().map(String::as_str))?;
    }
    let total = ["TOTAL", "", "accepted", "", ""];
    let values = view.aggregates.iter().map(|a| a.value.as_str());
    write_row(&mut w, total.into_iter().chain(values))?;
    let bytes = w
        .into_inner()
        .map_err(|e| InfraError::internal(format!("CSV export: {e}")))?;
    Ok(String::from_utf8(bytes).map_err(|e| InfraError::Internal(Box::new(e)))?)
}

/// A report: title, period and window, per-indicator totals, compliance table.
pub fn markdown(view: &PeriodView) -> String {
    let r = &view.regime;
    let p = &view.period;
    let mut out = String::new();
    out.push_str(&format!("# {} ({})\n\n", md_cell(&r.name), r.code));
    out.push_str(&format!(
        "- Kỳ báo cáo / Period: **{}** ({})\n",
        p.key,
        kind_label(r.period_kind())
    ));
    out.push_str(&format!(
        "- Thời gian chốt số liệu / Data cutoff window: {} – {}\n",
        p.window_start, p.window_end
    ));
    out.push_str(&format!("- Hạn gửi / Due date: {}\n", p.due_date));
    out.push_str(&format!("- Cơ quan nhận / Owner: {}\n", r.owner));
    if !view.scope.is_empty() {
        out.push_str(&format!("- Phạm vi / Scope: `{}`\n", view.scope));
    }
    out.push_str(&format!(
        "- Ngày lập / As of: {}\n\n",
        format_date(view.today)
    ));
    totals_table(view, &mut out);
    compliance_table(view, &mut out);
    out
}

fn totals_table(view: &PeriodView, out: &mut String) {
    out.push_str("## Chỉ tiêu tổng hợp / Indicator totals\n\n");
    out.push_str("Over accepted reports.\n\n");
    out.push_str("| Mã / Code | Chỉ tiêu / Indicator | Đơn vị / Unit | Tổng hợp / Aggregation | Giá trị / Value | Báo cáo / Reports | Mục tiêu / Target |\n");
    out.push_str("|---|---|---|---|---:|---:|---|\n");
    for a in &view.aggregates {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            md_cell(&a.indicator_code),
            md_cell(&a.name),
            md_cell(&a.unit),
            aggregation_name(a.aggregation()),
            if a.value.is_empty() {
                "—".to_string()
            } else {
                md_cell(&a.value)
            },
            a.reports,
            md_cell(&a.target),
        ));
    }
}

fn compliance_table(view: &PeriodView, out: &mut String) {
    out.push_str("\n## Tình hình gửi báo cáo / Compliance\n\n");
    out.push_str(&format!(
        "Đúng hạn / on time: **{}** · Trễ hạn / late: **{}** · Chưa gửi / missing: **{}** · Chưa đến hạn / pending: **{}**\n\n",
        view.count(ComplianceState::OnTime),
        view.count(ComplianceState::Late),
        view.count(ComplianceState::Missing),
        view.count(ComplianceState::Pending),
    ));
    out.push_str("| Cơ quan / Agency | Tên / Name | Tình trạng / Compliance | Báo cáo / Report | Gửi lần đầu / First submitted |\n");
    out.push_str("|---|---|---|---|---|\n");
    for row in &view.rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            row.agency_code,
            md_cell(&row.agency_name),
            state_label(row.state()),
            status_name(row.status()),
            day(row.first_submit_time.as_ref()),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::view;

    /// The CSV as the hand-written writer this replaced produced it, byte for byte.
    #[test]
    fn csv_quotes_only_what_it_must() {
        let out = csv(&view("")).expect("csv");
        assert_eq!(
            out,
            "agency_code,agency_name,status,compliance,first_submitted_on,A,B\n\
             000.00.09.H48,Sở Công Thương,none,missing,,,\n\
             000.00.12.H48,\"Sở Thông tin, \"\"TT\"\"\",accepted,on_time,2026-03-16,7,50\n\
             000.00.53.H48,,submitted,late,2026-03-19,9,50\n\
             TOTAL,,accepted,,,7,50\n"
        );
    }

    #[test]
    fn formulas_are_neutralised_and_numbers_stay_numbers() {
        for (cell, written) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
            ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
            ("\t=1+2", "'\t=1+2"),
            ("\r=1+2", "'\r=1+2"),
            ("-", "'-"),
            ("-3", "-3"),
            ("-0.5", "-0.5"),
            ("+4", "+4"),
            ("12.25", "12.25"),
            ("-1e3", "'-1e3"),
            ("Đã triển khai = 100%", "Đã triển khai = 100%"),
            ("", ""),
        ] {
            assert_eq!(csv_cell(cell), written, "{cell:?}");
        }
        // Through the export: a name, text values, negative figures and a total.
        let mut v = view("");
        v.rows[1].agency_name = "@SUM(A1:A9)".into();
        let report = v.reports.get_mut("000.00.12.H48").expect("a report");
        report.values[0].value = "-3".into();
        report.values[1].value = "=1+2".into();
        let other = v.reports.get_mut("000.00.53.H48").expect("a report");
        other.values[0].value = "\tx".into();
        other.values[1].value = "\rx".into();
        v.aggregates[0].value = "-0.5".into();
        v.aggregates[1].value = "+cmd".into();
        let out = csv(&v).expect("csv");
        let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(out.as_bytes())
            .records()
            .map(|r| r.expect("a record").iter().map(String::from).collect())
            .collect();
        assert_eq!(rows[2][1], "'@SUM(A1:A9)");
        assert_eq!(&rows[2][5..], ["-3", "'=1+2"]);
        assert_eq!(&rows[3][5..], ["'\tx", "'\rx"]);
        assert_eq!(&rows[4][5..], ["-0.5", "'+cmd"]);
    }

    #[test]
    fn markdown_report() {
        let md = markdown(&view("000.00.1?.H48"));
        assert!(md.starts_with("# r (R)\n\n"), "{md}");
        assert!(
            md.contains("- Kỳ báo cáo / Period: **2026-03** (tháng / month)\n"),
            "{md}"
        );
        assert!(md.contains("2026-02-15 – 2026-03-14"), "{md}");
        assert!(md.contains("- Hạn gửi / Due date: 2026-03-16\n"), "{md}");
        assert!(md.contains("- Phạm vi / Scope: `000.00.1?.H48`\n"), "{md}");
        assert!(md.contains("- Ngày lập / As of: 2026-03-25\n"), "{md}");
        assert!(md.contains("| A | x |  | sum | 7 | 1 |  |\n"), "{md}");
        assert!(
            md.contains("on time: **1** · Trễ hạn / late: **0**"),
            "{md}"
        );
        assert!(
            md.contains(
                "| 000.00.12.H48 | Sở Thông tin, \"TT\" | Đúng hạn / on time | accepted | \
                 2026-03-16 |\n"
            ),
            "{md}"
        );
    }

    #[test]
    fn files_are_named_after_regime_and_period() {
        let v = view("");
        let csv = render(&v, ExportFormat::Csv).expect("csv");
        assert_eq!(
            (csv.file_name.as_str(), csv.content_type.as_str()),
            ("R-2026-03.csv", "text/csv; charset=utf-8")
        );
        let md = render(&v, ExportFormat::Markdown).expect("md");
        assert_eq!(md.file_name, "R-2026-03.md");
        assert_eq!(
            check_format(ExportFormat::Unspecified as i32)
                .expect_err("no format")
                .to_string(),
            "format: required: CSV or MARKDOWN"
        );
        assert_eq!(
            check_format(ExportFormat::Csv as i32),
            Ok(ExportFormat::Csv)
        );
        assert_eq!(
            check_format(9).expect_err("unknown").to_string(),
            "format: 9 is not an export format: CSV or MARKDOWN"
        );
    }
}
