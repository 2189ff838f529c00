//! The reporting rules, free of gRPC transport and SQL, each concern in its own file:
//!
//! - [`regimes`]: what a regime must say (code, owner, period kind, indicators);
//! - [`periods`]: period keys, their data-cutoff windows, working days and due dates;
//! - [`values`]: indicator values (type and range), aggregation, pre-filling from statistics;
//! - [`workflow`]: report statuses and transitions, lateness and compliance;
//! - [`view`]: a period seen by its owner: expected submitters, compliance, aggregates;
//! - [`scopes`]: patterns over agency codes (who submits, which agencies a view covers);
//! - [`statistics`]: the daily figures other services push;
//! - [`export`]: a period's aggregates and compliance as CSV or Markdown;
//! - [`seed`]: the regimes every reporting service starts with;
//! - [`text`]: the text policy on every string of a request, and its length limits.
//!
//! Agency codes, Vietnam dates and clocks are the axis's vocabulary (`lienthong_axis`).
pub mod export;
pub mod periods;
pub mod regimes;
pub mod scopes;
pub mod seed;
pub mod statistics;
pub mod text;
pub mod values;
pub mod view;
pub mod workflow;

use lienthong_platform::error::Violations;

/// A period of a regime, as a request names it: the regime's code and the period's key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeriodRef {
    pub regime_code: String,
    pub period: String,
}

impl PeriodRef {
    pub fn new(regime_code: impl Into<String>, period: impl Into<String>) -> Self {
        PeriodRef {
            regime_code: regime_code.into(),
            period: period.into(),
        }
    }

    /// Both are required; each blank or malformed one is named (the period's own rule, which
    /// depends on the regime, is checked once the regime is known).
    pub fn check(&self, v: &mut Violations) {
        v.check(regimes::regime_code("regime_code", &self.regime_code));
        if self.period.trim().is_empty() {
            v.push("period", "required");
        } else {
            v.check(lienthong_axis::text::single_line(
                "period",
                &self.period,
                text::MAX_ID_CHARS,
            ));
        }
    }
}

/// Regimes, reports and a period view for the unit tests of the domain.
#[cfg(test)]
pub(crate) mod fixtures {
    use lienthong_api::reporting::v1::{
        Aggregation, Indicator, IndicatorType, PeriodKind, Regime, ReportStatus, Submitters,
    };
    use lienthong_axis::{
        AgencyCode,
        local::{local_noon, parse_date},
    };
    use time::Date;

    use super::{
        periods::{Holidays, parse_period},
        scopes::Scope,
        values::StoredValue,
        view::{KnownAgency, PeriodView, ViewInputs},
        workflow::ReportRecord,
    };

    /// An indicator `X` of a type, with bounds, summed.
    pub fn ind(t: IndicatorType, min: Option<f64>, max: Option<f64>) -> Indicator {
        Indicator {
            code: "X".into(),
            name: "x".into(),
            value_type: t as i32,
            min,
            max,
            aggregation: Aggregation::Sum as i32,
            ..Default::default()
        }
    }

    /// A monthly regime of 000.00.01.H48 for every agency under H48: A integer ≥ 0 (sum),
    /// B percent (average).
    pub fn regime() -> Regime {
        Regime {
            code: "R".into(),
            name: "r".into(),
            owner: "000.00.01.H48".into(),
            period_kind: PeriodKind::Month as i32,
            submitters: Some(Submitters {
                agency_codes: vec![],
                pattern: "*.H48".into(),
            }),
            indicators: vec![
                Indicator {
                    code: "A".into(),
                    ..ind(IndicatorType::Integer, Some(0.0), None)
                },
                Indicator {
                    code: "B".into(),
                    aggregation: Aggregation::Average as i32,
                    ..ind(IndicatorType::Percent, None, None)
                },
            ],
            ..Default::default()
        }
    }

    pub fn d(s: &str) -> Date {
        parse_date("test date", s).unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn report(agency: &str, first: &str, a: &str, status: ReportStatus) -> ReportRecord {
        let code: AgencyCode = agency.parse().expect("code");
        let values = vec![
            StoredValue {
                code: "A".into(),
                value: a.into(),
                prefilled: false,
            },
            StoredValue {
                code: "B".into(),
                value: "50".into(),
                prefilled: false,
            },
        ];
        let mut r = ReportRecord::draft("R", "2026-03", &code, values, 1);
        r.status = status;
        r.first_submitted_at = local_noon(d(first));
        r.accepted_at = r.first_submitted_at + 1;
        r
    }

    /// A view of regime R (every agency under H48 but the owner) for March 2026, due
    /// 2026-03-16, on 2026-03-25: two reports, one accepted on time, one submitted late.
    pub fn view(scope: &str) -> PeriodView {
        let mut regime = regime();
        regime.deadline_working_days = 1;
        let window = parse_period("period", regime.period_kind(), "2026-03").expect("march");
        let period = Holidays::default().resolve(&regime, window);
        let agencies: Vec<KnownAgency> = [
            ("000.00.01.H48", "Văn phòng UBND tỉnh"),
            ("000.00.09.H48", "Sở Công Thương"),
            ("000.00.12.H48", "Sở Thông tin, \"TT\""),
            ("000.00.00.G22", "Văn phòng Chính phủ"),
        ]
        .iter()
        .map(|(c, n)| KnownAgency {
            code: (*c).into(),
            name: (*n).into(),
        })
        .collect();
        PeriodView::build(ViewInputs {
            regime,
            period: &period,
            scope: &Scope::parse("scope", scope).expect("scope"),
            reports: vec![
                report("000.00.12.H48", "2026-03-16", "7", ReportStatus::Accepted),
                report("000.00.53.H48", "2026-03-19", "9", ReportStatus::Submitted),
            ],
            agencies: &agencies,
            today: d("2026-03-25"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_names_every_missing_part() {
        let mut v = Violations::new();
        PeriodRef::new(" ", "").check(&mut v);
        assert_eq!(v.to_string(), "regime_code: required; period: required");
        let mut v = Violations::new();
        PeriodRef::new("KH61", "2026").check(&mut v);
        assert!(v.is_empty());
        PeriodRef::new("kh 61", "2026\n").check(&mut v);
        PeriodRef::new("KH61\0", "2".repeat(100_000)).check(&mut v);
        let fields: Vec<&str> = v.as_slice().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["regime_code", "period", "regime_code", "period"]);
        assert!(v.to_string().len() < 400, "no echo: {v}");
    }
}
