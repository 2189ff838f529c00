//! `report regimes` and `report periods`: what must be reported, by whom, and when.
use anyhow::{Result, anyhow};
use lienthong_api::reporting::v1::{
    GetRegimeRequest, ListPeriodsRequest, ListPeriodsResponse, ListRegimesRequest,
    ListRegimesResponse, Regime,
};

use super::{
    Client, RegimesArgs,
    names::{aggregation_name, kind_name, status_name, type_name},
};
use crate::{Global, error::Failure, output};

/// `report regimes [CODE]`: the regimes (a page, or every page with `--all`), or one with its
/// indicators.
pub async fn regimes(g: &Global, c: &mut Client, args: RegimesArgs) -> Result<()> {
    if let Some(code) = args.code {
        let r = c.get_regime(GetRegimeRequest { code }).await?.into_inner();
        let regime = r.regime.clone().ok_or_else(|| {
            anyhow!(Failure::local(
                "UNEXPECTED_ANSWER",
                "the service answered without the regime"
            ))
        })?;
        return output::emit(g, &r, || regime_text(&regime, true));
    }
    let mut page = ListRegimesResponse::default();
    let mut req = ListRegimesRequest {
        page_size: args.page.page_size.unwrap_or(0),
        page_token: args.page.page_token.unwrap_or_default(),
    };
    loop {
        let r = c.list_regimes(req.clone()).await?.into_inner();
        page.regimes.extend(r.regimes);
        page.next_page_token = r.next_page_token;
        if !args.page.all || page.next_page_token.is_empty() {
            break;
        }
        req.page_token = page.next_page_token.clone();
    }
    output::emit(g, &page, || {
        let mut out: String = page.regimes.iter().map(|r| regime_text(r, false)).collect();
        if !page.next_page_token.is_empty() {
            out.push_str(&format!(
                "… more: --page-token {} (or --all)\n",
                page.next_page_token
            ));
        }
        out
    })
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
    output::emit(g, &r, || periods_text(&r))
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

#[cfg(test)]
mod tests {
    use lienthong_api::reporting::v1::{
        Aggregation, Indicator, IndicatorType, Period, PeriodKind, ReportStatus, Submitters,
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
        let head = "AXIS-MONTHLY   Báo cáo — MONTH, owner 000.00.01.H48, submitters \
                    000.00.12.H48 *.H48, due 3 working day(s) after the cutoff\n";
        assert_eq!(regime_text(&regime(), false), head);
        assert_eq!(
            regime_text(&regime(), true),
            format!(
                "{head}  DOCS_IN        Văn bản đến (INTEGER văn bản [0..], SUM, pre-filled \
                 from received)\n  \
                 RATE           Tỷ lệ (PERCENT % [0.5..100], AVERAGE, target 95)\n  \
                 NOTE           Ghi chú (TEXT , NONE)\n"
            )
        );
        let json = output::json(&regime()).unwrap();
        assert_eq!(json["period_kind"], "PERIOD_KIND_MONTH");
        assert_eq!(
            json["indicators"][1]["value_type"],
            "INDICATOR_TYPE_PERCENT"
        );
        assert_eq!(json["indicators"][1]["aggregation"], "AGGREGATION_AVERAGE");
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
             2026-03                  2026-02-15 2026-03-14 2026-03-19 yes   RETURNED\n"
        );
        let json = output::json(&r).unwrap();
        assert_eq!(
            json["periods"][0]["caller_status"],
            "REPORT_STATUS_RETURNED"
        );
    }
}
