//! A period's aggregates and compliance as CSV or as a Markdown report.
use lienthong_api::reporting::v1::{Aggregation, ComplianceState, PeriodKind, ReportStatus};

use crate::{app::PeriodView, domain};

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
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

fn datetime(ts: Option<&prost_types::Timestamp>) -> String {
    ts.map(|t| {
        let micros = t.seconds * 1_000_000 + i64::from(t.nanos / 1000);
        domain::format_date(domain::local_date(micros))
    })
    .unwrap_or_default()
}

/// Values are shown for submitted and accepted reports; totals count accepted ones only.
fn shown(status: i32) -> bool {
    status == ReportStatus::Submitted as i32 || status == ReportStatus::Accepted as i32
}

/// One row per expected submitter (agency, name, status, compliance, first submission, one
/// column per indicator), then a TOTAL row with the aggregates over accepted reports.
pub fn csv(view: &PeriodView) -> String {
    let mut out = String::new();
    let mut header = vec![
        "agency_code".to_string(),
        "agency_name".into(),
        "status".into(),
        "compliance".into(),
        "first_submitted_on".into(),
    ];
    header.extend(view.regime.indicators.iter().map(|i| i.code.clone()));
    out.push_str(
        &header
            .iter()
            .map(|h| csv_field(h))
            .collect::<Vec<_>>()
            .join(","),
    );
    out.push('\n');
    for row in &view.rows {
        let report = view.reports.get(&row.agency_code);
        let mut fields = vec![
            row.agency_code.clone(),
            row.agency_name.clone(),
            domain::status_name(ReportStatus::try_from(row.status).unwrap_or_default()).into(),
            state_name(ComplianceState::try_from(row.state).unwrap_or_default()).into(),
            datetime(row.first_submitted_at.as_ref()),
        ];
        for ind in &view.regime.indicators {
            let v = report
                .filter(|r| shown(r.status))
                .and_then(|r| r.values.iter().find(|v| v.code == ind.code))
                .map(|v| v.value.clone())
                .unwrap_or_default();
            fields.push(v);
        }
        out.push_str(
            &fields
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    let mut total = vec![
        "TOTAL".to_string(),
        String::new(),
        "accepted".into(),
        String::new(),
        String::new(),
    ];
    total.extend(view.aggregates.iter().map(|a| a.value.clone()));
    out.push_str(
        &total
            .iter()
            .map(|f| csv_field(f))
            .collect::<Vec<_>>()
            .join(","),
    );
    out.push('\n');
    out
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
        domain::format_date(view.today)
    ));

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
            aggregation_name(Aggregation::try_from(a.aggregation).unwrap_or_default()),
            if a.value.is_empty() {
                "—".to_string()
            } else {
                md_cell(&a.value)
            },
            a.reports,
            md_cell(&a.target),
        ));
    }

    let count = |s: ComplianceState| view.rows.iter().filter(|r| r.state == s as i32).count();
    out.push_str("\n## Tình hình gửi báo cáo / Compliance\n\n");
    out.push_str(&format!(
        "Đúng hạn / on time: **{}** · Trễ hạn / late: **{}** · Chưa gửi / missing: **{}** · Chưa đến hạn / pending: **{}**\n\n",
        count(ComplianceState::OnTime),
        count(ComplianceState::Late),
        count(ComplianceState::Missing),
        count(ComplianceState::Pending),
    ));
    out.push_str("| Cơ quan / Agency | Tên / Name | Tình trạng / Compliance | Báo cáo / Report | Gửi lần đầu / First submitted |\n");
    out.push_str("|---|---|---|---|---|\n");
    for row in &view.rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            row.agency_code,
            md_cell(&row.agency_name),
            state_label(ComplianceState::try_from(row.state).unwrap_or_default()),
            domain::status_name(ReportStatus::try_from(row.status).unwrap_or_default()),
            datetime(row.first_submitted_at.as_ref()),
        ));
    }
    out
}
