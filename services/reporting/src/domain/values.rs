//! The values of a report: one per indicator, checked against its type and bounds when the
//! report is submitted, pre-filled from pushed statistics, and combined over the accepted
//! reports of a period (aggregation).
use std::collections::BTreeSet;

use lienthong_api::reporting::v1::{
    Aggregation, Indicator, IndicatorAggregate, IndicatorType, IndicatorValue, Regime,
};
use lienthong_platform::error::Violations;
use serde::{Deserialize, Serialize};

use super::{
    regimes::{MAX_INDICATORS, is_numeric},
    text::MAX_ID_CHARS,
};

/// Largest text value, in characters.
pub const MAX_TEXT_CHARS: usize = 4000;

/// One stored value of a report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredValue {
    pub code: String,
    pub value: String,
    #[serde(default)]
    pub prefilled: bool,
}

impl StoredValue {
    fn empty(code: &str) -> Self {
        StoredValue {
            code: code.to_string(),
            value: String::new(),
            prefilled: false,
        }
    }
}

/// The values as the API shows them.
pub fn values_pb(values: &[StoredValue]) -> Vec<IndicatorValue> {
    values
        .iter()
        .map(|v| IndicatorValue {
            indicator_code: v.code.clone(),
            value: v.value.clone(),
            prefilled: v.prefilled,
        })
        .collect()
}

/// A value a draft sets: an indicator's code and its new value ("" clears it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub code: String,
    pub value: String,
}

impl Change {
    pub fn new(code: impl Into<String>, value: impl Into<String>) -> Self {
        Change {
            code: code.into(),
            value: value.into(),
        }
    }
}

impl From<IndicatorValue> for Change {
    fn from(v: IndicatorValue) -> Self {
        Change::new(v.indicator_code, v.value)
    }
}

/// Formats a number for an indicator: whole numbers without decimals, others with at most four.
pub fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Whether `s` is a plain decimal number, as a numeric indicator holds it: digits with an
/// optional sign and fraction (`125`, `-3`, `12.5`, `+0.25`), no exponent, no `inf` or `NaN`.
pub fn is_plain_number(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+'))
        && s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// Checks one value against its indicator's type and bounds; the rule broken, if any.
pub fn check_value(ind: &Indicator, value: &str) -> Result<(), String> {
    let t = ind.value_type();
    if t == IndicatorType::Text {
        let n = value.chars().count();
        return if n > MAX_TEXT_CHARS {
            Err(format!(
                "{n} characters, at most {MAX_TEXT_CHARS} are allowed"
            ))
        } else {
            Ok(())
        };
    }
    let v = value.trim();
    let number: f64 = match t {
        IndicatorType::Integer => v
            .parse::<i64>()
            .map(|i| i as f64)
            .map_err(|_| format!("{value:?} is not a whole number"))?,
        _ => match v.parse::<f64>() {
            Ok(n) if is_plain_number(v) => n,
            _ => return Err(format!("{value:?} is not a decimal number (e.g. 12.5)")),
        },
    };
    if t == IndicatorType::Percent && !(0.0..=100.0).contains(&number) {
        return Err(format!("{v} is not a percentage between 0 and 100"));
    }
    if let Some(min) = ind.min
        && number < min
    {
        return Err(format!("{v} is below the minimum {}", format_number(min)));
    }
    if let Some(max) = ind.max
        && number > max
    {
        return Err(format!("{v} is above the maximum {}", format_number(max)));
    }
    Ok(())
}

/// Checks the values a draft sets: known indicators, each once, each value within the text
/// policy (at most [`MAX_TEXT_CHARS`] characters); their types and bounds are checked at
/// submission. An indicator code that is not one short line is named by its place
/// (`values[2].indicator_code`), a known one by its code (`values[DOCS]`).
pub fn check_changes(regime: &Regime, changes: &[Change]) -> Result<(), Violations> {
    let mut v = Violations::new();
    if changes.len() > MAX_INDICATORS {
        v.push(
            "values",
            format!(
                "{} values given; a regime has at most {MAX_INDICATORS} indicators",
                changes.len()
            ),
        );
        return v.into_result();
    }
    let mut seen = BTreeSet::new();
    for (i, Change { code, value }) in changes.iter().enumerate() {
        let place = format!("values[{i}].indicator_code");
        if v.check(lienthong_axis::text::single_line(
            &place,
            code,
            MAX_ID_CHARS,
        ))
        .is_none()
        {
            continue;
        }
        let field = format!("values[{code}]");
        if !regime.indicators.iter().any(|i| &i.code == code) {
            v.push(
                field,
                format!("no indicator {code:?} in regime {}", regime.code),
            );
        } else if !seen.insert(code.as_str()) {
            v.push(field, "set twice");
        } else {
            v.check(lienthong_axis::text::multi_line(
                &field,
                value,
                MAX_TEXT_CHARS,
            ));
        }
    }
    v.into_result()
}

/// Validates a report for submission: every indicator filled in and valid. Each error names
/// the indicator code.
pub fn validate_report(regime: &Regime, values: &[StoredValue]) -> Result<(), Violations> {
    let mut v = Violations::new();
    for ind in &regime.indicators {
        let field = format!("values[{}]", ind.code);
        let value = values
            .iter()
            .find(|v| v.code == ind.code)
            .map(|v| v.value.as_str())
            .unwrap_or("");
        if value.trim().is_empty() {
            v.push(field, format!("required ({})", ind.name));
        } else if let Err(rule) = check_value(ind, value) {
            v.push(field, rule);
        }
    }
    v.into_result()
}

/// Applies changes to a report's values, keeping the regime's order: a changed value is no
/// longer pre-filled; an empty value clears it.
pub fn apply_changes(
    regime: &Regime,
    current: &[StoredValue],
    changes: &[Change],
) -> Vec<StoredValue> {
    regime
        .indicators
        .iter()
        .map(|ind| {
            let old = current.iter().find(|v| v.code == ind.code);
            match changes.iter().find(|c| c.code == ind.code) {
                Some(c) if old.is_some_and(|o| o.value == c.value) => {
                    old.cloned().unwrap_or_else(|| StoredValue {
                        code: ind.code.clone(),
                        value: c.value.clone(),
                        prefilled: false,
                    })
                }
                Some(c) => StoredValue {
                    code: ind.code.clone(),
                    value: c.value.trim().to_string(),
                    prefilled: false,
                },
                None => old
                    .cloned()
                    .unwrap_or_else(|| StoredValue::empty(&ind.code)),
            }
        })
        .collect()
}

/// The sum of daily statistic values, formatted for an indicator.
pub fn prefill_value(ind: &Indicator, sum: f64) -> String {
    if ind.value_type() == IndicatorType::Integer {
        format!("{}", sum.round() as i64)
    } else {
        format_number(sum)
    }
}

/// A draft's values from the statistics: `sums` gives, for an indicator with a source
/// statistic, the sum of its figures over the period's window and how many there were.
pub fn prefilled(
    regime: &Regime,
    mut sums: impl FnMut(&Indicator) -> Option<(f64, usize)>,
) -> Vec<StoredValue> {
    regime
        .indicators
        .iter()
        .map(|ind| match sums(ind) {
            Some((sum, n)) if n > 0 => StoredValue {
                code: ind.code.clone(),
                value: prefill_value(ind, sum),
                prefilled: true,
            },
            _ => StoredValue::empty(&ind.code),
        })
        .collect()
}

/// Brings a draft's untouched figures (pre-filled, or still empty) up to date with fresh
/// statistics; returns whether any changed.
pub fn refresh_prefilled(values: &mut [StoredValue], fresh: &[StoredValue]) -> bool {
    let mut refreshed = false;
    for v in values
        .iter_mut()
        .filter(|v| v.prefilled || v.value.is_empty())
    {
        if let Some(f) = fresh.iter().find(|f| f.code == v.code && f.prefilled)
            && (f.value != v.value || !v.prefilled)
        {
            v.value = f.value.clone();
            v.prefilled = true;
            refreshed = true;
        }
    }
    refreshed
}

/// One accepted value and when its report was accepted.
pub struct Contribution<'a> {
    pub value: &'a str,
    pub accepted_at: i64,
}

/// Combines accepted values of an indicator: the result (empty when nothing to show) and how
/// many reports contributed.
pub fn aggregate(ind: &Indicator, values: &[Contribution<'_>]) -> (String, u32) {
    let present: Vec<&Contribution<'_>> = values
        .iter()
        .filter(|c| !c.value.trim().is_empty())
        .collect();
    let n = u32::try_from(present.len()).unwrap_or(u32::MAX);
    let agg = ind.aggregation();
    if present.is_empty() || agg == Aggregation::None {
        return (String::new(), n);
    }
    if agg == Aggregation::Latest || !is_numeric(ind.value_type()) {
        let latest = present
            .iter()
            .max_by_key(|c| c.accepted_at)
            .map(|c| c.value.trim().to_string())
            .unwrap_or_default();
        return (latest, n);
    }
    let nums: Vec<f64> = present
        .iter()
        .filter_map(|c| c.value.trim().parse::<f64>().ok())
        .collect();
    if nums.is_empty() {
        return (String::new(), n);
    }
    let v = match agg {
        Aggregation::Sum => nums.iter().sum(),
        Aggregation::Average => nums.iter().sum::<f64>() / nums.len() as f64,
        Aggregation::Min => nums.iter().copied().fold(f64::INFINITY, f64::min),
        Aggregation::Max => nums.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        _ => return (String::new(), n),
    };
    (format_number(v), n)
}

/// Every indicator of a regime aggregated over accepted reports, given as (values, accepted
/// at).
pub fn aggregates<'a>(
    regime: &Regime,
    accepted: impl Iterator<Item = (&'a [StoredValue], i64)> + Clone,
) -> Vec<IndicatorAggregate> {
    regime
        .indicators
        .iter()
        .map(|ind| {
            let contributions: Vec<Contribution<'_>> = accepted
                .clone()
                .filter_map(|(values, accepted_at)| {
                    values
                        .iter()
                        .find(|v| v.code == ind.code)
                        .map(|v| Contribution {
                            value: &v.value,
                            accepted_at,
                        })
                })
                .collect();
            let (value, reports) = aggregate(ind, &contributions);
            IndicatorAggregate {
                indicator_code: ind.code.clone(),
                name: ind.name.clone(),
                unit: ind.unit.clone(),
                aggregation: ind.aggregation,
                value,
                reports,
                target: ind.target.clone(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use lienthong_api::reporting::v1::Indicator;

    use super::*;
    use crate::domain::fixtures::{ind, regime};

    #[test]
    fn values_are_checked_against_type_and_bounds() {
        use IndicatorType::*;
        let cases: &[(Indicator, &str, bool)] = &[
            (ind(Integer, None, None), "125", true),
            (ind(Integer, None, None), "-3", true),
            (ind(Integer, None, None), "12.5", false),
            (ind(Integer, None, None), "abc", false),
            (ind(Integer, Some(0.0), None), "-1", false),
            (ind(Integer, None, Some(10.0)), "11", false),
            (ind(Decimal, None, None), "12.5", true),
            (ind(Decimal, None, None), "1e3", false),
            (ind(Decimal, None, None), "NaN", false),
            (ind(Decimal, Some(1.5), Some(2.5)), "2.5", true),
            (ind(Decimal, Some(1.5), Some(2.5)), "1.4", false),
            (ind(Percent, None, None), "100", true),
            (ind(Percent, None, None), "100.1", false),
            (ind(Percent, None, None), "-0.5", false),
            (ind(Percent, Some(10.0), None), "9.99", false),
            (ind(Text, None, None), "Đã triển khai", true),
            (
                ind(Text, None, None),
                &"x".repeat(MAX_TEXT_CHARS + 1),
                false,
            ),
        ];
        for (indicator, value, ok) in cases {
            assert_eq!(
                check_value(indicator, value).is_ok(),
                *ok,
                "{:?} {value}",
                indicator.value_type()
            );
        }
    }

    fn stored(code: &str, value: &str, prefilled: bool) -> StoredValue {
        StoredValue {
            code: code.into(),
            value: value.into(),
            prefilled,
        }
    }

    #[test]
    fn reports_name_every_bad_indicator() {
        let r = regime();
        let v = |a: &str, b: &str| vec![stored("A", a, false), stored("B", b, false)];
        assert!(validate_report(&r, &v("3", "50")).is_ok());
        let e = validate_report(&r, &v("-1", "150"))
            .expect_err("invalid")
            .to_string();
        assert!(e.contains("values[A]: -1 is below the minimum 0"), "{e}");
        assert!(e.contains("values[B]: 150 is not a percentage"), "{e}");
        let e = validate_report(&r, &v("", "5"))
            .expect_err("missing")
            .to_string();
        assert!(e.contains("values[A]: required"), "{e}");
        let e = check_changes(&r, &[Change::new("Z", "1")])
            .expect_err("unknown")
            .to_string();
        assert!(e.contains("values[Z]: no indicator \"Z\""), "{e}");
        let e = check_changes(&r, &[Change::new("A", "1"), Change::new("A", "2")])
            .expect_err("twice")
            .to_string();
        assert_eq!(e, "values[A]: set twice");
        let e = check_changes(
            &r,
            &[
                Change::new("A", "1\0"),
                Change::new("B\n", "2"),
                Change::new("B", "9".repeat(MAX_TEXT_CHARS + 1)),
            ],
        )
        .expect_err("the text policy")
        .to_string();
        assert!(e.starts_with("values[A]: contains NUL"), "{e}");
        assert!(
            e.contains("; values[1].indicator_code: contains a line break"),
            "{e}"
        );
        assert!(
            e.contains("; values[B]: is longer than 4000 characters"),
            "{e}"
        );
        let many: Vec<Change> = (0..201)
            .map(|i| Change::new(format!("X{i}"), "1"))
            .collect();
        let e = check_changes(&r, &many).expect_err("too many").to_string();
        assert_eq!(
            e,
            "values: 201 values given; a regime has at most 200 indicators"
        );
    }

    #[test]
    fn values_apply_in_regime_order_and_lose_prefill_when_edited() {
        let r = regime();
        let current = vec![stored("A", "7", true)];
        let same = apply_changes(&r, &current, &[Change::new("A", "7")]);
        assert!(same[0].prefilled);
        let out = apply_changes(&r, &current, &[Change::new("B", " 40 ")]);
        assert_eq!(out.len(), 2);
        assert_eq!((out[0].value.as_str(), out[0].prefilled), ("7", true));
        assert_eq!((out[1].value.as_str(), out[1].prefilled), ("40", false));
        let out = apply_changes(&r, &current, &[Change::new("A", "8")]);
        assert_eq!((out[0].value.as_str(), out[0].prefilled), ("8", false));
    }

    #[test]
    fn drafts_are_prefilled_and_follow_fresh_statistics() {
        let r = regime();
        let values = prefilled(&r, |i| (i.code == "A").then_some((41.4, 2)));
        assert_eq!(values, [stored("A", "41", true), stored("B", "", false)]);
        let none = prefilled(&r, |_| Some((0.0, 0)));
        assert_eq!(none, [stored("A", "", false), stored("B", "", false)]);
        // An edited figure stays; a pre-filled or empty one follows the statistics.
        let mut edited = vec![stored("A", "13", false), stored("B", "", false)];
        assert!(!refresh_prefilled(&mut edited, &[stored("A", "12", true)]));
        assert_eq!(edited[0], stored("A", "13", false));
        let mut draft = vec![stored("A", "", false), stored("B", "", false)];
        assert!(refresh_prefilled(&mut draft, &[stored("A", "12", true)]));
        assert_eq!(draft[0], stored("A", "12", true));
        assert!(!refresh_prefilled(&mut draft, &[stored("A", "12", true)]));
    }

    #[test]
    fn aggregation_over_a_known_data_set() {
        let c = |value, accepted_at| Contribution { value, accepted_at };
        let data = [c("10", 3), c("25.5", 1), c("", 5), c("4", 2)];
        let with = |a: Aggregation, t: IndicatorType| Indicator {
            aggregation: a as i32,
            ..ind(t, Option::None, Option::None)
        };
        use Aggregation::{Average, Latest, Max, Min, None, Sum};
        use IndicatorType::*;
        assert_eq!(aggregate(&with(Sum, Decimal), &data), ("39.5".into(), 3));
        assert_eq!(
            aggregate(&with(Average, Decimal), &data),
            ("13.1667".into(), 3)
        );
        assert_eq!(aggregate(&with(Min, Decimal), &data), ("4".into(), 3));
        assert_eq!(aggregate(&with(Max, Decimal), &data), ("25.5".into(), 3));
        assert_eq!(aggregate(&with(Latest, Decimal), &data), ("10".into(), 3));
        assert_eq!(aggregate(&with(None, Decimal), &data), ("".into(), 3));
        assert_eq!(aggregate(&with(Sum, Integer), &[]), ("".into(), 0));
        assert_eq!(
            aggregate(&with(Latest, Text), &[c("a", 1), c("b", 9)]),
            ("b".into(), 2)
        );
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(12.25), "12.25");
        assert_eq!(prefill_value(&with(Sum, Integer), 41.0), "41");
    }

    #[test]
    fn aggregates_of_a_regime() {
        let r = regime();
        let first = [stored("A", "3", false), stored("B", "40", false)];
        let second = [stored("A", "4", false), stored("B", "60", false)];
        let accepted = [(&first[..], 1), (&second[..], 2)];
        let out = aggregates(&r, accepted.iter().copied());
        let got: Vec<(&str, &str, u32)> = out
            .iter()
            .map(|a| (a.indicator_code.as_str(), a.value.as_str(), a.reports))
            .collect();
        assert_eq!(got, [("A", "7", 2), ("B", "50", 2)]);
        let pb = values_pb(&first);
        assert_eq!(
            (pb[1].indicator_code.as_str(), pb[1].value.as_str()),
            ("B", "40")
        );
    }
}
