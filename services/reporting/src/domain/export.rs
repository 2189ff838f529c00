//! A period's aggregates and compliance as a file: CSV (one row per expected submitter, then
//! the totals; written with the `csv` crate) or a Markdown report.
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

use super::{view::PeriodView, workflow::status_name};
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

/// Values are shown for submitted and accepted reports; totals count accepted ones only.
fn shown(status: ReportStatus) -> bool {
    matches!(status, ReportStatus::Submitted | ReportStatus::Accepted)
}

/// One row per expected submitter (agency, name, status, compliance, first submission, one
/// column per indicator), then a TOTAL row with the aggregates over accepted reports. Fields
/// are quoted only when they must be (a comma, a quote or a line break).
pub fn csv(view: &PeriodView) -> Result<String> {
    let internal = |e: csv::Error| InfraError::Internal(Box::new(e));
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let fixed = [
        "agency_code",
        "agency_name",
        "status",
        "compliance",
        "first_submitted_on",
    ];
    let codes = view.regime.indicators.iter().map(|i| i.code.as_str());
    w.write_record(fixed.into_iter().chain(codes))
        .map_err(internal)?;
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
        w.write_record(&fields).map_err(internal)?;
    }
    let total = ["TOTAL", "", "accepted", "", ""];
    let values = view.aggregates.iter().map(|a| a.value.as_str());
    w.write_record(total.into_iter().chain(values))
        .map_err(internal)?;
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
