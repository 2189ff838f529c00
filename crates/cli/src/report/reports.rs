//! One agency's report: `draft`, `submit`, `accept`, `return` and `show`.
use anyhow::{Result, anyhow, bail};
use lienthong_api::reporting::v1::{
    AcceptReportRequest, GetReportRequest, IndicatorValue, ListReportsRequest, Report,
    ReportStatus, ReturnReportRequest, SaveDraftRequest, SubmitReportRequest,
};
use serde_json::{Value, json};

use super::{
    Client, ShowArgs,
    names::{action_name, status_name},
};
use crate::{
    Global,
    render::{ts_json, ts_text},
};

/// `--value CODE=VALUE` arguments as indicator values (an empty value clears one).
pub fn parse_values(values: &[String]) -> Result<Vec<IndicatorValue>> {
    values
        .iter()
        .map(|v| {
            let (code, value) = v
                .split_once('=')
                .ok_or_else(|| anyhow!("--value {v:?}: expected CODE=VALUE"))?;
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
    print_report(g, c.save_draft(req).await?.into_inner().report)
}

pub async fn submit(g: &Global, c: &mut Client, regime: String, period: String) -> Result<()> {
    let req = SubmitReportRequest {
        regime_code: regime,
        period,
    };
    print_report(g, c.submit_report(req).await?.into_inner().report)
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
    print_report(g, c.accept_report(req).await?.into_inner().report)
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
    print_report(g, c.return_report(req).await?.into_inner().report)
}

/// `report show`: one report, or with `--all` the period's reports the caller may see.
pub async fn show(g: &Global, c: &mut Client, args: ShowArgs) -> Result<()> {
    if !args.all {
        let req = GetReportRequest {
            regime_code: args.regime,
            period: args.period,
            agency_code: args.agency.unwrap_or_default(),
        };
        return print_report(g, c.get_report(req).await?.into_inner().report);
    }
    let reports = c
        .list_reports(ListReportsRequest {
            regime_code: args.regime,
            period: args.period,
        })
        .await?
        .into_inner()
        .reports;
    if g.json {
        println!(
            "{}",
            Value::Array(reports.iter().map(report_json).collect())
        );
    } else {
        print!("{}", list_text(&reports));
    }
    Ok(())
}

/// One line per report: agency, status, submissions, lateness.
pub fn list_text(reports: &[Report]) -> String {
    if reports.is_empty() {
        return "no reports\n".to_string();
    }
    let mut out = String::new();
    for r in reports {
        out.push_str(&format!(
            "{}  {:<10} submitted {}  {}\n",
            r.agency_code,
            status_name(r.status()),
            r.submissions,
            if r.late { "LATE" } else { "" }
        ));
    }
    out
}

fn print_report(g: &Global, report: Option<Report>) -> Result<()> {
    let Some(report) = report else {
        bail!("the service answered without a report");
    };
    if g.json {
        println!("{}", report_json(&report));
    } else {
        print!("{}", report_text(&report));
    }
    Ok(())
}

pub fn report_json(r: &Report) -> Value {
    json!({
        "regime_code": r.regime_code,
        "period": r.period,
        "agency_code": r.agency_code,
        "status": status_name(r.status()),
        "due_date": r.due_date,
        "late": r.late,
        "submissions": r.submissions,
        "first_submitted_at": ts_json(r.first_submitted_at.as_ref()),
        "submitted_at": ts_json(r.submitted_at.as_ref()),
        "accepted_at": ts_json(r.accepted_at.as_ref()),
        "return_reason": r.return_reason,
        "values": r.values.iter().map(|v| json!({"indicator_code": v.indicator_code, "value": v.value, "prefilled": v.prefilled})).collect::<Vec<_>>(),
        "history": r.history.iter().map(|e| json!({
            "seq": e.seq,
            "action": action_name(e.action()),
            "actor": e.actor,
            "at": ts_json(e.at.as_ref()),
            "reason": e.reason,
            "late": e.late,
        })).collect::<Vec<_>>(),
    })
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
                ts_text(e.at.as_ref()),
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
    use lienthong_api::reporting::v1::{ReportAction, ReportEvent};
    use prost_types::Timestamp;

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
                    actor: "000.00.12.H48".into(),
                    at: at(1_764_157_982),
                    late: true,
                    ..Default::default()
                },
                ReportEvent {
                    seq: 2,
                    action: ReportAction::Returned as i32,
                    actor: "000.00.01.H48".into(),
                    at: at(1_764_157_983),
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
            "AXIS-MONTHLY 2026-03 — 000.00.12.H48: returned, LATE (due 2026-03-19, \
             submitted 2 time(s))\n  \
             returned: thiếu\n  \
             DOCS_IN        12  (pre-filled)\n  \
             NOTE           -\n  \
             history:\n    \
             2025-11-26 11:53:02Z  submitted   by 000.00.12.H48 (late)\n    \
             2025-11-26 11:53:03Z  returned    by 000.00.01.H48: thiếu\n"
        );
        // The reason of an earlier return is not shown once the report moved on.
        let resubmitted = Report {
            status: ReportStatus::Submitted as i32,
            ..report()
        };
        assert!(!report_text(&resubmitted).contains("  returned: "));
        let json = report_json(&report());
        assert_eq!(json["status"], "returned");
        assert_eq!(json["history"][1]["action"], "returned");
        assert_eq!(json["accepted_at"], Value::Null);
    }

    #[test]
    fn the_periods_reports_one_per_line() {
        assert_eq!(list_text(&[]), "no reports\n");
        let on_time = Report {
            late: false,
            status: ReportStatus::Accepted as i32,
            ..report()
        };
        assert_eq!(
            list_text(&[report(), on_time]),
            "000.00.12.H48  returned   submitted 2  LATE\n\
             000.00.12.H48  accepted   submitted 2  \n"
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
