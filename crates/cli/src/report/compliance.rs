//! The owner's views of a period: `report compliance` and `report export`.
use anyhow::{Context, Result};
use lienthong_api::reporting::v1::{
    ExportFormat, ExportPeriodRequest, GetComplianceRequest, GetComplianceResponse,
};
use serde_json::json;

use super::{
    Client, ExportArgs, Format,
    names::{aggregation_name, state_name, status_name},
};
use crate::{Global, output};

pub async fn compliance(
    g: &Global,
    c: &mut Client,
    regime: String,
    period: String,
    scope: String,
) -> Result<()> {
    let r = c
        .get_compliance(GetComplianceRequest {
            regime_code: regime,
            period,
            scope,
        })
        .await?
        .into_inner();
    output::emit(g, &r, || compliance_text(&r))
}

/// `report export`: the service renders; the CLI prints it or writes it to `--out`. With
/// `--json`, the answer (content included) without `--out`; where it was written with it.
pub async fn export(g: &Global, c: &mut Client, args: ExportArgs) -> Result<()> {
    let format = match args.format {
        Format::Csv => ExportFormat::Csv,
        Format::Markdown => ExportFormat::Markdown,
    };
    let r = c
        .export_period(ExportPeriodRequest {
            regime_code: args.regime,
            period: args.period,
            scope: args.scope,
            format: format as i32,
        })
        .await?
        .into_inner();
    let Some(path) = args.out else {
        return output::emit(g, &r, || r.content.clone());
    };
    write_new_file(&path, r.content.as_bytes(), args.force)?;
    if g.json {
        return output::document(&json!({
            "file": path.display().to_string(),
            "file_name": r.file_name,
            "content_type": r.content_type,
            "bytes": r.content.len(),
        }));
    }
    println!("wrote {} ({})", path.display(), r.content_type);
    Ok(())
}

/// The period, the totals over accepted reports, the counts, then one line per agency.
pub fn compliance_text(r: &GetComplianceResponse) -> String {
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

#[cfg(test)]
mod tests {
    use lienthong_api::reporting::v1::{
        Aggregation, ComplianceRow, ComplianceState, IndicatorAggregate, Period, Regime,
        ReportStatus,
    };

    use super::*;

    #[test]
    fn compliance_as_text() {
        let r = GetComplianceResponse {
            regime: Some(Regime {
                code: "AXIS-MONTHLY".into(),
                ..Default::default()
            }),
            period: Some(Period {
                key: "2026-03".into(),
                window_start: "2026-02-15".into(),
                window_end: "2026-03-14".into(),
                due_date: "2026-03-19".into(),
                ..Default::default()
            }),
            aggregates: vec![
                IndicatorAggregate {
                    indicator_code: "DOCS_IN".into(),
                    unit: "văn bản".into(),
                    aggregation: Aggregation::Sum as i32,
                    value: "24".into(),
                    reports: 2,
                    ..Default::default()
                },
                IndicatorAggregate {
                    indicator_code: "RATE".into(),
                    unit: "%".into(),
                    aggregation: Aggregation::Average as i32,
                    target: "95".into(),
                    ..Default::default()
                },
            ],
            rows: vec![
                ComplianceRow {
                    agency_code: "000.00.12.H48".into(),
                    state: ComplianceState::Late as i32,
                    status: ReportStatus::Accepted as i32,
                    agency_name: "Sở".into(),
                    ..Default::default()
                },
                ComplianceRow {
                    agency_code: "000.00.13.H48".into(),
                    state: ComplianceState::Missing as i32,
                    ..Default::default()
                },
            ],
            on_time: 1,
            late: 1,
            missing: 1,
            pending: 0,
        };
        assert_eq!(
            compliance_text(&r),
            "AXIS-MONTHLY 2026-03 — window 2026-02-15 – 2026-03-14, due 2026-03-19\n\
             totals over accepted reports:\n  \
             DOCS_IN                24 văn bản  (SUM of 2 report(s))\n  \
             RATE                    - %        (AVERAGE of 0 report(s))  target 95\n\
             on time 1, late 1, missing 1, pending 0\n  \
             000.00.12.H48  LATE     ACCEPTED   Sở\n  \
             000.00.13.H48  MISSING  -          \n"
        );
        let json = output::json(&r).unwrap();
        assert_eq!(json["regime"]["code"], "AXIS-MONTHLY");
        assert_eq!(json["rows"][1]["state"], "COMPLIANCE_STATE_MISSING");
        assert_eq!(json["rows"][1]["status"], "REPORT_STATUS_UNSPECIFIED");
        assert_eq!(json["aggregates"][0]["aggregation"], "AGGREGATION_SUM");
        assert_eq!(
            compliance_text(&GetComplianceResponse::default()),
            "totals over accepted reports:\non time 0, late 0, missing 0, pending 0\n"
        );
    }
}

/// Writes `content` to `path` as a new file: written beside it under a temporary name, then
/// moved into place — refused if `path` exists unless `force` (which replaces the file or the
/// link itself, never a link's target).
fn write_new_file(path: &std::path::Path, content: &[u8], force: bool) -> anyhow::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("creating a file in {}", dir.display()))?;
    tmp.write_all(content)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    if force {
        tmp.persist(path)
            .with_context(|| format!("writing {}", path.display()))?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| {
            anyhow::anyhow!(
                "{} exists (or is a link): not overwritten; pass --force to replace it ({})",
                path.display(),
                e.error
            )
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod export_file_tests {
    use super::write_new_file;

    #[test]
    fn an_export_never_overwrites_nor_follows_links_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("outside.txt");
        std::fs::write(&target, "keep").unwrap();
        let link = dir.path().join("report.md");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(write_new_file(&link, b"new", false).is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
        write_new_file(&link, b"new", true).unwrap();
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "keep",
            "the link's target"
        );
        assert_eq!(std::fs::read_to_string(&link).unwrap(), "new");
        let fresh = dir.path().join("fresh.csv");
        write_new_file(&fresh, b"a,b", false).unwrap();
        assert!(write_new_file(&fresh, b"c", false).is_err());
        assert_eq!(std::fs::read_to_string(&fresh).unwrap(), "a,b");
    }
}
