//! `report regimes` and `report periods`: what must be reported, by whom, and when.
use anyhow::{Result, anyhow};
use lienthong_api::reporting::v1::{
    GetRegimeRequest, ListPeriodsRequest, ListPeriodsResponse, ListRegimesRequest, Period, Regime,
};
use serde_json::{Value, json};

use super::{
    Client,
    names::{aggregation_name, kind_name, status_name, type_name},
};
use crate::{Global, render::ts_json};

/// `report regimes [CODE]`: every regime, or one with its indicators.
pub async fn regimes(g: &Global, c: &mut Client, code: Option<String>) -> Result<()> {
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
    Ok(())
}

/// `report periods REGIME [--year Y]`.
pub async fn periods(g: &Global, c: &mut Client, regime: String, year: u32) -> Result<()> {
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
        print!("{}", periods_text(&r));
    }
    Ok(())
}

/// Today, then a table of the periods: window, due date, open, the caller's report.
pub fn periods_text(r: &ListPeriodsResponse) -> String {
    let mut out = format!("today {}\n", r.today);
    out.push_str(&format!(
        "{:<24} {:<10} {:<10} {:<10} {:<5} YOUR REPORT\n",
        "PERIOD", "FROM", "TO", "DUE", "OPEN"
    ));
    for p in &r.periods {
        out.push_str(&format!(
            "{:<24} {:<10} {:<10} {:<10} {:<5} {}\n",
            p.key,
            p.window_start,
            p.window_end,
            p.due_date,
            if p.open { "yes" } else { "no" },
            status_name(p.caller_status())
        ));
    }
    out
}

pub fn regime_json(r: &Regime) -> Value {
    let submitters = r.submitters.clone().unwrap_or_default();
    json!({
        "code": r.code,
        "name": r.name,
        "owner": r.owner,
        "period_kind": kind_name(r.period_kind()),
        "deadline_working_days": r.deadline_working_days,
        "submitters": {"agency_codes": submitters.agency_codes, "pattern": submitters.pattern},
        "description": r.description,
        "created_at": ts_json(r.created_at.as_ref()),
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

/// One line per regime; with `detailed`, one more per indicator.
pub fn regime_text(r: &Regime, detailed: bool) -> String {
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

pub fn period_json(p: &Period) -> Value {
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

#[cfg(test)]
mod tests {
    use lienthong_api::reporting::v1::{
        Aggregation, Indicator, IndicatorType, PeriodKind, ReportStatus, Submitters,
    };

    use super::*;

    fn regime() -> Regime {
        Regime {
            code: "AXIS-MONTHLY".into(),
            name: "Báo cáo".into(),
            owner: "000.00.01.H48".into(),
            period_kind: PeriodKind::Month as i32,
            indicators: vec![
                Indicator {
                    code: "DOCS_IN".into(),
                    name: "Văn bản đến".into(),
                    unit: "văn bản".into(),
                    value_type: IndicatorType::Integer as i32,
                    min: Some(0.0),
                    aggregation: Aggregation::Sum as i32,
                    source_statistic: "received".into(),
                    ..Default::default()
                },
                Indicator {
                    code: "RATE".into(),
                    name: "Tỷ lệ".into(),
                    unit: "%".into(),
                    value_type: IndicatorType::Percent as i32,
                    min: Some(0.5),
                    max: Some(100.0),
                    aggregation: Aggregation::Average as i32,
                    target: "95".into(),
                    ..Default::default()
                },
                Indicator {
                    code: "NOTE".into(),
                    name: "Ghi chú".into(),
                    value_type: IndicatorType::Text as i32,
                    aggregation: Aggregation::None as i32,
                    ..Default::default()
                },
            ],
            submitters: Some(Submitters {
                agency_codes: vec!["000.00.12.H48".into()],
                pattern: "*.H48".into(),
            }),
            deadline_working_days: 3,
            ..Default::default()
        }
    }

    #[test]
    fn regimes_as_text() {
        let head = "AXIS-MONTHLY   Báo cáo — month, owner 000.00.01.H48, submitters \
                    000.00.12.H48 *.H48, due 3 working day(s) after the cutoff\n";
        assert_eq!(regime_text(&regime(), false), head);
        assert_eq!(
            regime_text(&regime(), true),
            format!(
                "{head}  DOCS_IN        Văn bản đến (integer văn bản [0..], sum, pre-filled \
                 from received)\n  \
                 RATE           Tỷ lệ (percent % [0.5..100], average, target 95)\n  \
                 NOTE           Ghi chú (text , none)\n"
            )
        );
        let json = regime_json(&regime());
        assert_eq!(json["period_kind"], "month");
        assert_eq!(json["indicators"][1]["type"], "percent");
        assert_eq!(json["indicators"][1]["aggregation"], "average");
        assert_eq!(json["submitters"]["pattern"], "*.H48");
    }

    #[test]
    fn periods_as_a_table() {
        let r = ListPeriodsResponse {
            today: "2026-03-07".into(),
            periods: vec![Period {
                key: "2026-03".into(),
                kind: PeriodKind::Month as i32,
                window_start: "2026-02-15".into(),
                window_end: "2026-03-14".into(),
                due_date: "2026-03-19".into(),
                open: true,
                caller_status: ReportStatus::Returned as i32,
            }],
        };
        assert_eq!(
            periods_text(&r),
            "today 2026-03-07\n\
             PERIOD                   FROM       TO         DUE        OPEN  YOUR REPORT\n\
             2026-03                  2026-02-15 2026-03-14 2026-03-19 yes   returned\n"
        );
        assert_eq!(period_json(&r.periods[0])["your_status"], "returned");
        assert_eq!(period_json(&Period::default())["your_status"], "-");
    }
}
