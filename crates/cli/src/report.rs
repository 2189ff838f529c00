//! `lienthong report …`: the reporting service (lienthong-reporting) — regimes, periods, drafts,
//! submission, review, compliance and export.
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use lienthong_api::reporting::v1::{
    AcceptReportRequest, Aggregation, ComplianceState, ExportFormat, ExportPeriodRequest,
    GetComplianceRequest, GetComplianceResponse, GetRegimeRequest, GetReportRequest, IndicatorType,
    IndicatorValue, ListPeriodsRequest, ListRegimesRequest, ListReportsRequest, Period, PeriodKind,
    Regime, Report, ReportAction, ReportStatus, ReturnReportRequest, SaveDraftRequest,
    SubmitReportRequest, reporting_service_client::ReportingServiceClient,
};
use lienthong_platform::client::{ClientError, TracedChannel, connect};
use serde_json::{Value, json};

use crate::{Global, conn, render};

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The reporting service to talk to.
    #[arg(
        long,
        env = "LIENTHONG_REPORTING_ENDPOINT",
        default_value = "https://127.0.0.1:7445",
        global = true
    )]
    pub reporting_endpoint: String,

    #[command(subcommand)]
    pub command: ReportCommand,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Csv,
    Markdown,
}

#[derive(Subcommand, Debug)]
pub enum ReportCommand {
    /// List the reporting regimes, or show one with its indicators.
    Regimes {
        /// Show only this regime.
        code: Option<String>,
    },
    /// The periods of a regime in a year: cutoff window, due date, open for you.
    Periods {
        /// The regime's code (e.g. KH61, AXIS-MONTHLY).
        regime: String,
        /// The year (default: the current year).
        #[arg(long, default_value_t = 0)]
        year: u32,
    },
    /// Create your draft (pre-filled from statistics) or change its values.
    Draft {
        /// The regime's code.
        regime: String,
        /// The period key: 2026-03, 2026-Q1, 2026-6M, 2026-9M, 2026, or a window
        /// 2026-03-01..2026-03-20 for ad hoc regimes.
        period: String,
        /// A value to set, INDICATOR=VALUE (repeatable; an empty value clears it).
        #[arg(long = "value", value_name = "CODE=VALUE")]
        values: Vec<String>,
    },
    /// Submit (or resubmit, after a return) your report.
    Submit {
        /// The regime's code.
        regime: String,
        /// The period key.
        period: String,
    },
    /// Accept a submitted report (the regime's owner).
    Accept {
        /// The regime's code.
        regime: String,
        /// The period key.
        period: String,
        /// The submitting agency.
        agency: String,
    },
    /// Return a submitted report to its submitter (the regime's owner).
    Return {
        /// The regime's code.
        regime: String,
        /// The period key.
        period: String,
        /// The submitting agency.
        agency: String,
        /// Why it is returned.
        #[arg(long)]
        reason: String,
    },
    /// Show a report with its history (yours by default), or list the period's reports with --all.
    Show {
        /// The regime's code.
        regime: String,
        /// The period key.
        period: String,
        /// The submitting agency (the owner and admins may read any).
        agency: Option<String>,
        /// List every report of the period you may see instead.
        #[arg(long, conflicts_with = "agency")]
        all: bool,
    },
    /// Per-indicator totals over accepted reports and who submitted on time, late or not at all.
    Compliance {
        /// The regime's code.
        regime: String,
        /// The period key.
        period: String,
        /// Only agencies matching this pattern, e.g. '*.H48' or '000.00.1?.H48'.
        #[arg(long, default_value = "")]
        scope: String,
    },
    /// Export a period as CSV or as a Markdown report.
    Export {
        /// The regime's code.
        regime: String,
        /// The period key.
        period: String,
        #[arg(long, value_enum, default_value = "markdown")]
        format: Format,
        /// Only agencies matching this pattern.
        #[arg(long, default_value = "")]
        scope: String,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

async fn client(g: &Global, endpoint: &str) -> Result<ReportingServiceClient<TracedChannel>> {
    let files = conn::tls_files(g)?;
    let channel = connect(endpoint, &files).await.map_err(|e| match e {
        ClientError::Endpoint(url, e) => anyhow!(
            "cannot connect to the reporting service at {url}: {}",
            render::error_chain(&e)
        ),
        other => anyhow::Error::new(other).context("client TLS configuration"),
    })?;
    Ok(ReportingServiceClient::new(channel)
        .max_decoding_message_size(64 * 1024 * 1024)
        .max_encoding_message_size(64 * 1024 * 1024))
}

pub async fn run(g: &Global, args: ReportArgs) -> Result<()> {
    let mut c = client(g, &args.reporting_endpoint).await?;
    match args.command {
        ReportCommand::Regimes { code } => {
            let regimes = match code {
                Some(code) => vec![
                    c.get_regime(GetRegimeRequest { code })
                        .await?
                        .into_inner()
                        .regime
                        .ok_or_else(|| anyhow!("no regime in the answer"))?,
                ],
                None => {
                    c.list_regimes(ListRegimesRequest {})
                        .await?
                        .into_inner()
                        .regimes
                }
            };
            let detailed = regimes.len() == 1;
            if g.json {
                println!(
                    "{}",
                    Value::Array(regimes.iter().map(regime_json).collect())
                );
            } else {
                for r in &regimes {
                    print!("{}", regime_text(r, detailed));
                }
            }
        }
        ReportCommand::Periods { regime, year } => {
            let r = c
                .list_periods(ListPeriodsRequest {
                    regime_code: regime,
                    year,
                })
                .await?
                .into_inner();
            if g.json {
                println!(
                    "{}",
                    json!({"today": r.today, "periods": r.periods.iter().map(period_json).collect::<Vec<_>>()})
                );
            } else {
                println!("today {}", r.today);
                println!(
                    "{:<24} {:<10} {:<10} {:<10} {:<5} YOUR REPORT",
                    "PERIOD", "FROM", "TO", "DUE", "OPEN"
                );
                for p in &r.periods {
                    println!(
                        "{:<24} {:<10} {:<10} {:<10} {:<5} {}",
                        p.key,
                        p.window_start,
                        p.window_end,
                        p.due_date,
                        if p.open { "yes" } else { "no" },
                        status_name(p.caller_status())
                    );
                }
            }
        }
        ReportCommand::Draft {
            regime,
            period,
            values,
        } => {
            let values = values
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
                .collect::<Result<Vec<_>>>()?;
            let report = c
                .save_draft(SaveDraftRequest {
                    regime_code: regime,
                    period,
                    values,
                })
                .await?
                .into_inner()
                .report;
            print_report(g, report)?;
        }
        ReportCommand::Submit { regime, period } => {
            let report = c
                .submit_report(SubmitReportRequest {
                    regime_code: regime,
                    period,
                })
                .await?
                .into_inner()
                .report;
            print_report(g, report)?;
        }
        ReportCommand::Accept {
            regime,
            period,
            agency,
        } => {
            let report = c
                .accept_report(AcceptReportRequest {
                    regime_code: regime,
                    period,
                    agency_code: agency,
                })
                .await?
                .into_inner()
                .report;
            print_report(g, report)?;
        }
        ReportCommand::Return {
            regime,
            period,
            agency,
            reason,
        } => {
            let report = c
                .return_report(ReturnReportRequest {
                    regime_code: regime,
                    period,
                    agency_code: agency,
                    reason,
                })
                .await?
                .into_inner()
                .report;
            print_report(g, report)?;
        }
        ReportCommand::Show {
            regime,
            period,
            agency,
            all,
        } => {
            if all {
                let reports = c
                    .list_reports(ListReportsRequest {
                        regime_code: regime,
                        period,
                    })
                    .await?
                    .into_inner()
                    .reports;
                if g.json {
                    println!(
                        "{}",
                        Value::Array(reports.iter().map(report_json).collect())
                    );
                } else if reports.is_empty() {
                    println!("no reports");
                } else {
                    for r in &reports {
                        println!(
                            "{}  {:<10} submitted {}  {}",
                            r.agency_code,
                            status_name(r.status()),
                            r.submissions,
                            if r.late { "LATE" } else { "" }
                        );
                    }
                }
            } else {
                let report = c
                    .get_report(GetReportRequest {
                        regime_code: regime,
                        period,
                        agency_code: agency.unwrap_or_default(),
                    })
                    .await?
                    .into_inner()
                    .report;
                print_report(g, report)?;
            }
        }
        ReportCommand::Compliance {
            regime,
            period,
            scope,
        } => {
            let r = c
                .get_compliance(GetComplianceRequest {
                    regime_code: regime,
                    period,
                    scope,
                })
                .await?
                .into_inner();
            if g.json {
                println!("{}", compliance_json(&r));
            } else {
                print!("{}", compliance_text(&r));
            }
        }
        ReportCommand::Export {
            regime,
            period,
            format,
            scope,
            out,
        } => {
            let format = match format {
                Format::Csv => ExportFormat::Csv,
                Format::Markdown => ExportFormat::Markdown,
            };
            let r = c
                .export_period(ExportPeriodRequest {
                    regime_code: regime,
                    period,
                    scope,
                    format: format as i32,
                })
                .await?
                .into_inner();
            match out {
                Some(path) => {
                    std::fs::write(&path, &r.content)
                        .with_context(|| format!("writing {}", path.display()))?;
                    if g.json {
                        println!(
                            "{}",
                            json!({"file": path.display().to_string(), "content_type": r.content_type, "bytes": r.content.len()})
                        );
                    } else {
                        println!("wrote {} ({})", path.display(), r.content_type);
                    }
                }
                None => print!("{}", r.content),
            }
        }
    }
    Ok(())
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

fn status_name(s: ReportStatus) -> &'static str {
    match s {
        ReportStatus::Unspecified => "-",
        ReportStatus::Draft => "draft",
        ReportStatus::Submitted => "submitted",
        ReportStatus::Accepted => "accepted",
        ReportStatus::Returned => "returned",
    }
}

fn action_name(a: ReportAction) -> &'static str {
    match a {
        ReportAction::Unspecified => "-",
        ReportAction::Created => "created",
        ReportAction::Saved => "saved",
        ReportAction::Submitted => "submitted",
        ReportAction::Resubmitted => "resubmitted",
        ReportAction::Accepted => "accepted",
        ReportAction::Returned => "returned",
    }
}

fn kind_name(k: PeriodKind) -> &'static str {
    match k {
        PeriodKind::Unspecified => "-",
        PeriodKind::Month => "month",
        PeriodKind::Quarter => "quarter",
        PeriodKind::SixMonths => "6 months",
        PeriodKind::NineMonths => "9 months",
        PeriodKind::Year => "year",
        PeriodKind::AdHoc => "ad hoc",
    }
}

fn type_name(t: IndicatorType) -> &'static str {
    match t {
        IndicatorType::Unspecified => "-",
        IndicatorType::Integer => "integer",
        IndicatorType::Decimal => "decimal",
        IndicatorType::Percent => "percent",
        IndicatorType::Text => "text",
    }
}

fn aggregation_name(a: Aggregation) -> &'static str {
    match a {
        Aggregation::Unspecified => "-",
        Aggregation::Sum => "sum",
        Aggregation::Average => "average",
        Aggregation::Min => "min",
        Aggregation::Max => "max",
        Aggregation::Latest => "latest",
        Aggregation::None => "none",
    }
}

fn state_name(s: ComplianceState) -> &'static str {
    match s {
        ComplianceState::Unspecified => "-",
        ComplianceState::OnTime => "on time",
        ComplianceState::Late => "late",
        ComplianceState::Missing => "missing",
        ComplianceState::Pending => "pending",
    }
}

fn regime_json(r: &Regime) -> Value {
    let submitters = r.submitters.clone().unwrap_or_default();
    json!({
        "code": r.code,
        "name": r.name,
        "owner": r.owner,
        "period_kind": kind_name(r.period_kind()),
        "deadline_working_days": r.deadline_working_days,
        "submitters": {"agency_codes": submitters.agency_codes, "pattern": submitters.pattern},
        "description": r.description,
        "created_at": render::ts_json(r.created_at.as_ref()),
        "indicators": r.indicators.iter().map(|i| json!({
            "code": i.code,
            "name": i.name,
            "unit": i.unit,
            "type": type_name(i.value_type()),
            "min": i.min,
            "max": i.max,
            "aggregation": aggregation_name(i.aggregation()),
            "source_statistic": i.source_statistic,
            "target": i.target,
        })).collect::<Vec<_>>(),
    })
}

fn regime_text(r: &Regime, detailed: bool) -> String {
    let submitters = r.submitters.clone().unwrap_or_default();
    let mut who: Vec<String> = submitters.agency_codes.clone();
    if !submitters.pattern.is_empty() {
        who.push(submitters.pattern.clone());
    }
    let mut out = format!(
        "{:<14} {} — {}, owner {}, submitters {}, due {} working day(s) after the cutoff\n",
        r.code,
        r.name,
        kind_name(r.period_kind()),
        r.owner,
        who.join(" "),
        r.deadline_working_days
    );
    if detailed {
        for i in &r.indicators {
            let bounds = match (i.min, i.max) {
                (None, None) => String::new(),
                (lo, hi) => format!(
                    " [{}..{}]",
                    lo.map(|v| v.to_string()).unwrap_or_default(),
                    hi.map(|v| v.to_string()).unwrap_or_default()
                ),
            };
            let source = if i.source_statistic.is_empty() {
                String::new()
            } else {
                format!(", pre-filled from {}", i.source_statistic)
            };
            let target = if i.target.is_empty() {
                String::new()
            } else {
                format!(", target {}", i.target)
            };
            out.push_str(&format!(
                "  {:<14} {} ({} {}{bounds}, {}{source}{target})\n",
                i.code,
                i.name,
                type_name(i.value_type()),
                i.unit,
                aggregation_name(i.aggregation()),
            ));
        }
    }
    out
}

fn period_json(p: &Period) -> Value {
    json!({
        "key": p.key,
        "kind": kind_name(p.kind()),
        "window_start": p.window_start,
        "window_end": p.window_end,
        "due_date": p.due_date,
        "open": p.open,
        "your_status": status_name(p.caller_status()),
    })
}

fn report_json(r: &Report) -> Value {
    json!({
        "regime_code": r.regime_code,
        "period": r.period,
        "agency_code": r.agency_code,
        "status": status_name(r.status()),
        "due_date": r.due_date,
        "late": r.late,
        "submissions": r.submissions,
        "first_submitted_at": render::ts_json(r.first_submitted_at.as_ref()),
        "submitted_at": render::ts_json(r.submitted_at.as_ref()),
        "accepted_at": render::ts_json(r.accepted_at.as_ref()),
        "return_reason": r.return_reason,
        "values": r.values.iter().map(|v| json!({"indicator_code": v.indicator_code, "value": v.value, "prefilled": v.prefilled})).collect::<Vec<_>>(),
        "history": r.history.iter().map(|e| json!({
            "seq": e.seq,
            "action": action_name(e.action()),
            "actor": e.actor,
            "at": render::ts_json(e.at.as_ref()),
            "reason": e.reason,
            "late": e.late,
        })).collect::<Vec<_>>(),
    })
}

fn report_text(r: &Report) -> String {
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
                render::ts_text(e.at.as_ref()),
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

fn compliance_json(r: &GetComplianceResponse) -> Value {
    json!({
        "regime_code": r.regime.as_ref().map(|x| x.code.clone()),
        "period": r.period.as_ref().map(period_json),
        "on_time": r.on_time,
        "late": r.late,
        "missing": r.missing,
        "pending": r.pending,
        "aggregates": r.aggregates.iter().map(|a| json!({
            "indicator_code": a.indicator_code,
            "name": a.name,
            "unit": a.unit,
            "aggregation": aggregation_name(a.aggregation()),
            "value": a.value,
            "reports": a.reports,
            "target": a.target,
        })).collect::<Vec<_>>(),
        "rows": r.rows.iter().map(|row| json!({
            "agency_code": row.agency_code,
            "agency_name": row.agency_name,
            "state": state_name(row.state()),
            "status": status_name(row.status()),
            "first_submitted_at": render::ts_json(row.first_submitted_at.as_ref()),
        })).collect::<Vec<_>>(),
    })
}

fn compliance_text(r: &GetComplianceResponse) -> String {
    let mut out = String::new();
    if let (Some(regime), Some(p)) = (&r.regime, &r.period) {
        out.push_str(&format!(
            "{} {} — window {} – {}, due {}\n",
            regime.code, p.key, p.window_start, p.window_end, p.due_date
        ));
    }
    out.push_str("totals over accepted reports:\n");
    for a in &r.aggregates {
        out.push_str(&format!(
            "  {:<14} {:>10} {:<8} ({} of {} report(s)){}\n",
            a.indicator_code,
            if a.value.is_empty() { "-" } else { &a.value },
            a.unit,
            aggregation_name(a.aggregation()),
            a.reports,
            if a.target.is_empty() {
                String::new()
            } else {
                format!("  target {}", a.target)
            }
        ));
    }
    out.push_str(&format!(
        "on time {}, late {}, missing {}, pending {}\n",
        r.on_time, r.late, r.missing, r.pending
    ));
    for row in &r.rows {
        out.push_str(&format!(
            "  {}  {:<8} {:<10} {}\n",
            row.agency_code,
            state_name(row.state()),
            status_name(row.status()),
            row.agency_name
        ));
    }
    out
}
