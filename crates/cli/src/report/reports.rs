//! One agency's report: `draft`, `submit`, `accept`, `return` and `show`.
use anyhow::{Result, anyhow};
use lienthong_api::reporting::v1::{
    AcceptReportRequest, GetReportRequest, IndicatorValue, ListReportsRequest, ListReportsResponse,
    Report, ReportStatus, ReturnReportRequest, SaveDraftRequest, SubmitReportRequest,
};
use serde::Serialize;

use super::{
    Client, ShowArgs,
    names::{action_name, status_name},
};
use crate::{
    Global,
    error::{Failure, invalid},
    output,
    render::ts_text,
};

/// `--value CODE=VALUE` arguments as indicator values (an empty value clears one).
pub fn parse_values(values: &[String]) -> Result<Vec<IndicatorValue>> {
    values
        .iter()
        .map(|v| {
            let Some((code, value)) = v.split_once('=') else {
                invalid!("--value {v:?}: expected CODE=VALUE");
            };
            Ok(IndicatorValue {
                indicator_code: code.trim().to_string(),
                value: value.to_string(),
                prefilled: false,
            })
        })
        .collect()
}

pub async fn draft(
    g: &Global,
    c: &mut Client,
    regime: String,
    period: String,
    values: &[String],
) -> Result<()> {
    let req = SaveDraftRequest {
        regime_code: regime,
        period,
        values: parse_values(values)?,
    };
    let r = c.save_draft(req).await?.into_inner();
    print_report(g, &r, r.report.as_ref())
}

pub async fn submit(g: &Global, c: &mut Client, regime: String, period: String) -> Result<()> {
    let req = SubmitReportRequest {
        regime_code: regime,
        period,
    };
    let r = c.submit_report(req).await?.into_inner();
    print_report(g, &r, r.report.as_ref())
}

pub async fn accept(
    g: &Global,
    c: &mut Client,
    regime: String,
    period: String,
    agency: String,
) -> Result<()> {
    let req = AcceptReportRequest {
        regime_code: regime,
        period,
        agency_code: agency,
    };
    let r = c.accept_report(req).await?.into_inner();
    print_report(g, &r, r.report.as_ref())
}

/// `report return` (`return` is a keyword).
pub async fn give_back(
    g: &Global,
    c: &mut Client,
    regime: String,
    period: String,
    agency: String,
    reason: String,
) -> Result<()> {
    let req = ReturnReportRequest {
        regime_code: regime,
        period,
        agency_code: agency,
        reason,
    };
    let r = c.return_report(req).await?.into_inner();
    print_report(g, &r, r.report.as_ref())
}

/// `report show`: one report, or with `--all` the period's reports the caller may see.
pub async fn show(g: &Global, c: &mut Client, args: ShowArgs) -> Result<()> {
    if !args.all {
        let req = GetReportRequest {
            regime_code: args.regime,
            period: args.period,
            agency_code: args.agency.unwrap_or_default(),
        };
        let r = c.get_report(req).await?.into_inner();
        return print_report(g, &r, r.report.as_ref());
    }
    // Every page, unless one page is asked for.
    let one_page = args.page_size.is_some() || args.page_token.is_some();
    let mut page = ListReportsResponse::default();
    let mut req = ListReportsRequest {
        regime_code: args.regime,
        period: args.period,
        page_size: args.page_size.unwrap_or(0),
        page_token: args.page_token.unwrap_or_default(),
    };
    loop {
        let r = c.list_reports(req.clone()).await?.into_inner();
        page.reports.extend(r.reports);
        page.next_page_token = r.next_page_token;
        if one_page || page.next_page_token.is_empty() {
            break;
        }
        req.page_token = page.next_page_token.clone();
    }
    output::emit(g, &page, || list_text(&page))
}

/// One line per report: agency, status, submissions, lateness; the next page's token.
pub fn list_text(page: &ListReportsResponse) -> String {
    let mut out = String::new();
    if page.reports.is_empty() {
        out.push_str("no reports\n");
    }
    for r in &page.reports {
        out.push_str(&format!(
            "{}  {:<10} submitted {}  {}\n",
            r.agency_code,
            status_name(r.status()),
            r.submissions,
            if r.late { "LATE" } else { "" }
        ));
    }
    if !page.next_page_token.is_empty() {
        out.push_str(&format!("… more: --page-token {}\n", page.next_page_token));
    }
    out
}

/// The service's answer as JSON, or the report as text.
fn print_report<T: Serialize>(g: &Global, answer: &T, report: Option<&Report>) -> Result<()> {
    let report = report.ok_or_else(|| {
        anyhow!(Failure::local(
            "UNEXPECTED_ANSWER",
            "the service answered without a report"
        ))
    })?;
    output::emit(g, answer, || report_text(report))
}

/// The report's status line, its values, then its history.
pub fn report_text(r: &Report) -> String {
    let mut out = format!(
        "{} {} — {}: {}{} (due {}, submitted {} time(s))\n",
        r.regime_code,
        r.period,
        r.agency_code,
        status_name(r.status()),
        if r.late { ", LATE" } else { "" },
        r.due_date,
        r.submissions
    );
    if !r.return_reason.is_empty() && r.status() == ReportStatus::Returned {
        out.push_str(&format!("  returned: {}\n", r.return_reason));
    }
    for v in &r.values {
        out.push_str(&format!(
            "  {:<14} {}{}\n",
            v.indicator_code,
            if v.value.is_empty() { "-" } else { &v.value },
            if v.prefilled { "  (pre-filled)" } else { "" }
        ));
    }
    if !r.history.is_empty() {
        out.push_str("  history:\n");
        for e in &r.history {
            out.push_str(&format!(
                "    {}  {:<11} by {}{}{}\n",
                ts_text(e.event_time.as_ref()),
                action_name(e.action()),
                e.actor,
                if e.late { " (late)" } else { "" },
                if e.reason.is_empty() {
                    String::new()
                } else {
                    format!(": {}", e.reason)
                }
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use lienthong_api::{
        reporting::v1::{ReportAction, ReportEvent},
        wkt::Timestamp,
    };

    use super::*;

    fn report() -> Report {
        let at = |seconds| Some(Timestamp { seconds, nanos: 0 });
        Report {
            regime_code: "AXIS-MONTHLY".into(),
            period: "2026-03".into(),
            agency_code: "000.00.12.H48".into(),
            status: ReportStatus::Returned as i32,
            values: vec![
                IndicatorValue {
                    indicator_code: "DOCS_IN".into(),
                    value: "12".into(),
                    prefilled: true,
                },
                IndicatorValue {
                    indicator_code: "NOTE".into(),
                    ..Default::default()
                },
            ],
            late: true,
            return_reason: "thiếu".into(),
            submissions: 2,
            due_date: "2026-03-19".into(),
            history: vec![
                ReportEvent {
                    seq: 1,
                    action: ReportAction::Submitted as i32,
                    actor: "agency/000.00.12.H48".into(),
                    event_time: at(1_764_157_982),
                    late: true,
                    ..Default::default()
                },
                ReportEvent {
                    seq: 2,
                    action: ReportAction::Returned as i32,
                    actor: "agency/000.00.01.H48".into(),
                    event_time: at(1_764_157_983),
                    reason: "thiếu".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn a_report_as_text() {
        assert_eq!(
            report_text(&report()),
            "AXIS-MONTHLY 2026-03 — 000.00.12.H48: RETURNED, LATE (due 2026-03-19, \
             submitted 2 time(s))\n  \
             returned: thiếu\n  \
             DOCS_IN        12  (pre-filled)\n  \
             NOTE           -\n  \
             history:\n    \
             2025-11-26 11:53:02Z  SUBMITTED   by agency/000.00.12.H48 (late)\n    \
             2025-11-26 11:53:03Z  RETURNED    by agency/000.00.01.H48: thiếu\n"
        );
        // The reason of an earlier return is not shown once the report moved on.
        let resubmitted = Report {
            status: ReportStatus::Submitted as i32,
            ..report()
        };
        assert!(!report_text(&resubmitted).contains("  returned: "));
        let json = output::json(&report()).unwrap();
        assert_eq!(json["status"], "REPORT_STATUS_RETURNED");
        assert_eq!(json["history"][1]["action"], "REPORT_ACTION_RETURNED");
        assert!(json.get("accept_time").is_none());
    }

    #[test]
    fn the_periods_reports_one_per_line() {
        assert_eq!(list_text(&ListReportsResponse::default()), "no reports\n");
        let on_time = Report {
            late: false,
            status: ReportStatus::Accepted as i32,
            ..report()
        };
        assert_eq!(
            list_text(&ListReportsResponse {
                reports: vec![report(), on_time],
                next_page_token: String::new(),
            }),
            "000.00.12.H48  RETURNED   submitted 2  LATE\n\
             000.00.12.H48  ACCEPTED   submitted 2  \n"
        );
    }

    #[test]
    fn values_are_code_equals_value() {
        let values =
            parse_values(&[" DOCS_IN =12".into(), "NOTE=".into(), "X=a=b".into()]).unwrap();
        let pairs: Vec<(&str, &str)> = values
            .iter()
            .map(|v| (v.indicator_code.as_str(), v.value.as_str()))
            .collect();
        assert_eq!(pairs, [("DOCS_IN", "12"), ("NOTE", ""), ("X", "a=b")]);
        assert!(values.iter().all(|v| !v.prefilled));
        assert_eq!(
            parse_values(&["DOCS_IN".into()]).unwrap_err().to_string(),
            "--value \"DOCS_IN\": expected CODE=VALUE"
        );
    }
}
