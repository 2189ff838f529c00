//! Regimes (chế độ báo cáo): what one must say before it is created — its code and name, its
//! owner (the agency that receives the reports), its period kind and deadline, who submits, and
//! its indicators (chỉ tiêu) with their types, bounds and aggregations.
use std::collections::BTreeSet;

use lienthong_api::reporting::v1::{Aggregation, Indicator, IndicatorType, PeriodKind, Regime};
use lienthong_axis::AgencyCode;
use lienthong_platform::error::Violations;

use super::scopes::Pattern;

/// Largest deadline rule, in working days.
pub const MAX_DEADLINE_DAYS: u32 = 60;
/// Most indicators in a regime.
pub const MAX_INDICATORS: usize = 200;

fn is_code(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.bytes().all(|b| {
            b.is_ascii_digit() || b.is_ascii_uppercase() || matches!(b, b'_' | b'.' | b'-')
        })
}

/// Whether `s` names a statistic: lower-case letters, digits, '_', '.', '-' (e.g.
/// `axis.documents_sent`).
pub fn is_statistic_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-')
        })
}

pub fn is_numeric(t: IndicatorType) -> bool {
    matches!(
        t,
        IndicatorType::Integer | IndicatorType::Decimal | IndicatorType::Percent
    )
}

/// An enum field: `required` when unspecified, refused naming the value when it is not one of
/// `names` (a number a newer client may send); the value otherwise.
fn check_enum<E>(v: &mut Violations, field: String, raw: i32, names: &str) -> Option<E>
where
    E: TryFrom<i32> + Default + PartialEq,
{
    match E::try_from(raw) {
        Ok(e) if e != E::default() => Some(e),
        Ok(_) => {
            v.push(field, format!("required: {names}"));
            None
        }
        Err(_) => {
            v.push(field, format!("{raw} is not one of {names}"));
            None
        }
    }
}

/// Checks a regime before it is created; every refusal names its field, and all of them are
/// reported together.
pub fn check_regime(r: &Regime) -> Result<(), Violations> {
    let mut v = Violations::new();
    if !is_code(&r.code, 32) {
        v.push(
            "regime.code",
            format!(
                "{:?} must be 1–32 capitals, digits, '_', '.' or '-' (e.g. KH61)",
                r.code
            ),
        );
    }
    if r.name.trim().is_empty() {
        v.push("regime.name", "required");
    }
    v.check(AgencyCode::parse("regime.owner", &r.owner));
    check_enum::<PeriodKind>(
        &mut v,
        "regime.period_kind".into(),
        r.period_kind,
        "MONTH, QUARTER, SIX_MONTHS, NINE_MONTHS, YEAR or AD_HOC",
    );
    if r.deadline_working_days > MAX_DEADLINE_DAYS {
        v.push(
            "regime.deadline_working_days",
            format!(
                "{} is more than {MAX_DEADLINE_DAYS}",
                r.deadline_working_days
            ),
        );
    }
    check_submitters(r, &mut v);
    if r.indicators.is_empty() {
        v.push("regime.indicators", "a regime has at least one indicator");
    }
    if r.indicators.len() > MAX_INDICATORS {
        v.push(
            "regime.indicators",
            format!("at most {MAX_INDICATORS} indicators"),
        );
    }
    let mut seen = BTreeSet::new();
    for (i, ind) in r.indicators.iter().enumerate() {
        let field = |name: &str| format!("regime.indicators[{i}].{name}");
        if is_code(&ind.code, 64) && !seen.insert(ind.code.as_str()) {
            v.push(field("code"), format!("{} appears twice", ind.code));
        }
        check_indicator(ind, &field, &mut v);
    }
    v.into_result()
}

fn check_submitters(r: &Regime, v: &mut Violations) {
    let submitters = r.submitters.clone().unwrap_or_default();
    if submitters.agency_codes.is_empty() && submitters.pattern.is_empty() {
        v.push(
            "regime.submitters",
            "name at least one agency code or a pattern",
        );
    }
    for (i, code) in submitters.agency_codes.iter().enumerate() {
        v.check(AgencyCode::parse(
            &format!("regime.submitters.agency_codes[{i}]"),
            code,
        ));
    }
    if !submitters.pattern.is_empty() {
        v.check(Pattern::parse(
            "regime.submitters.pattern",
            &submitters.pattern,
        ));
    }
}

/// One indicator's own rules (its code's uniqueness is the regime's).
fn check_indicator(ind: &Indicator, field: &dyn Fn(&str) -> String, v: &mut Violations) {
    if !is_code(&ind.code, 64) {
        v.push(
            field("code"),
            format!(
                "{:?} must be 1–64 capitals, digits, '_', '.' or '-'",
                ind.code
            ),
        );
    }
    if ind.name.trim().is_empty() {
        v.push(field("name"), "required");
    }
    // Rules that depend on the type are checked only once the type is known.
    let t = check_enum::<IndicatorType>(
        v,
        field("value_type"),
        ind.value_type,
        "INTEGER, DECIMAL, PERCENT or TEXT",
    );
    let a = check_enum::<Aggregation>(
        v,
        field("aggregation"),
        ind.aggregation,
        "SUM, AVERAGE, MIN, MAX, LATEST or NONE",
    );
    if t == Some(IndicatorType::Text)
        && a.is_some_and(|a| !matches!(a, Aggregation::Latest | Aggregation::None))
    {
        v.push(
            field("aggregation"),
            "a TEXT indicator aggregates only as LATEST or NONE",
        );
    }
    check_bounds(ind, t, field, v);
    if !ind.source_statistic.is_empty() {
        if !is_statistic_code(&ind.source_statistic) {
            v.push(
                field("source_statistic"),
                format!(
                    "{:?} must be lower-case letters, digits, '_', '.' or '-' (e.g. \
                     axis.documents_sent)",
                    ind.source_statistic
                ),
            );
        } else if t.is_some_and(|t| !is_numeric(t)) {
            v.push(
                field("source_statistic"),
                "only a numeric indicator can be pre-filled from statistics",
            );
        }
    }
}

fn check_bounds(
    ind: &Indicator,
    t: Option<IndicatorType>,
    field: &dyn Fn(&str) -> String,
    v: &mut Violations,
) {
    if t.is_some_and(|t| !is_numeric(t)) && (ind.min.is_some() || ind.max.is_some()) {
        v.push(field("min"), "bounds apply to numeric indicators only");
        return;
    }
    for (name, bound) in [("min", ind.min), ("max", ind.max)] {
        if bound.is_some_and(|b| !b.is_finite()) {
            v.push(field(name), "must be a finite number");
        }
    }
    if let (Some(lo), Some(hi)) = (ind.min, ind.max)
        && lo > hi
    {
        v.push(field("min"), format!("{lo} is above max {hi}"));
    }
}

#[cfg(test)]
mod tests {
    use lienthong_api::reporting::v1::Submitters;

    use super::*;
    use crate::domain::fixtures::regime;

    fn refusal(r: &Regime) -> String {
        check_regime(r).expect_err("refused").to_string()
    }

    #[test]
    fn regimes_are_checked() {
        assert!(check_regime(&regime()).is_ok());
        let mut r = regime();
        r.indicators[1].code = "A".into();
        assert!(refusal(&r).contains("appears twice"));
        let mut r = regime();
        r.indicators[0].value_type = IndicatorType::Text as i32;
        assert!(refusal(&r).contains("indicators[0]"));
        let mut r = regime();
        r.submitters = None;
        assert!(refusal(&r).starts_with("regime.submitters"));
        let mut r = regime();
        r.owner = "H48".into();
        assert!(refusal(&r).starts_with("regime.owner"));
        let mut r = regime();
        r.indicators[0].source_statistic = "Axis Sent".into();
        assert!(refusal(&r).contains("source_statistic"));
    }

    #[test]
    fn every_broken_rule_is_named_at_once() {
        let mut r = regime();
        r.code = "kh 61".into();
        r.deadline_working_days = MAX_DEADLINE_DAYS + 1;
        r.indicators[1].max = Some(1.0);
        r.indicators[1].min = Some(f64::NAN);
        r.submitters = Some(Submitters {
            agency_codes: vec!["H48".into()],
            pattern: "*.h48".into(),
        });
        let e = check_regime(&r).expect_err("refused");
        let fields: Vec<&str> = e.as_slice().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "regime.code",
                "regime.deadline_working_days",
                "regime.submitters.agency_codes[0]",
                "regime.submitters.pattern",
                "regime.indicators[1].min",
            ]
        );
        let mut r = regime();
        r.indicators.clear();
        assert_eq!(
            refusal(&r),
            "regime.indicators: a regime has at least one indicator"
        );
        let mut r = regime();
        r.indicators[0].value_type = IndicatorType::Unspecified as i32;
        r.indicators[1].aggregation = Aggregation::Unspecified as i32;
        r.period_kind = 42;
        let e = refusal(&r);
        assert!(e.contains("indicators[0].value_type: required"), "{e}");
        assert!(e.contains("indicators[1].aggregation: required"), "{e}");
        assert!(
            e.starts_with("regime.period_kind: 42 is not one of MONTH,"),
            "{e}"
        );
    }

    #[test]
    fn statistic_codes() {
        assert!(is_statistic_code("axis.documents_sent"));
        assert!(!is_statistic_code("Axis Sent"));
        assert!(!is_statistic_code(""));
        assert!(!is_statistic_code(&"a".repeat(101)));
    }
}
