//! Regimes (chế độ báo cáo): what one must say before it is created — its code and name, its
//! owner (the agency that receives the reports), its period kind and deadline, who submits, and
//! its indicators (chỉ tiêu) with their types, bounds and aggregations.
use std::collections::BTreeSet;

use lienthong_api::reporting::v1::{Aggregation, Indicator, IndicatorType, PeriodKind, Regime};
use lienthong_axis::{AgencyCode, FieldError};
use lienthong_platform::error::Violations;

use super::{
    scopes::Pattern,
    text::{self, MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, MAX_TARGET_CHARS, MAX_UNIT_CHARS},
};

/// Largest deadline rule, in working days.
pub const MAX_DEADLINE_DAYS: u32 = 60;
/// Most indicators in a regime.
pub const MAX_INDICATORS: usize = 200;
/// Most agencies a regime lists as submitters (more are named by a pattern).
pub const MAX_SUBMITTER_CODES: usize = 1000;

fn is_code(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.bytes().all(|b| {
            b.is_ascii_digit() || b.is_ascii_uppercase() || matches!(b, b'_' | b'.' | b'-')
        })
}

/// A regime's code as a request names it (`regime_code`, `code`): required, 1–32 capitals,
/// digits, '_', '.' or '-' starting with a letter or digit. A code of another shape names no
/// regime, and is refused before any lookup.
pub fn regime_code(field: &str, s: &str) -> Result<(), FieldError> {
    if s.trim().is_empty() {
        return Err(FieldError::new(field, "required"));
    }
    text::code(
        field,
        s,
        |s| is_code(s, 32),
        |s| {
            format!(
                "{s:?} is not a regime code: 1–32 capitals, digits, '_', '.' or '-' (e.g. KH61)"
            )
        },
    )
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

/// A statistic's code as a request gives it (a source statistic, a pushed value's code).
pub fn statistic_code(field: &str, s: &str) -> Result<(), FieldError> {
    text::code(field, s, is_statistic_code, |s| {
        format!(
            "{s:?} must be 1–100 lower-case letters, digits, '_', '.' or '-' (e.g. \
             axis.documents_sent)"
        )
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
/// reported together. Every text follows the text policy (`domain::text`).
pub fn check_regime(r: &Regime) -> Result<(), Violations> {
    let mut v = Violations::new();
    v.check(text::code(
        "regime.code",
        &r.code,
        |s| is_code(s, 32),
        |s| format!("{s:?} must be 1–32 capitals, digits, '_', '.' or '-' (e.g. KH61)"),
    ));
    text::required_line(&mut v, "regime.name", &r.name, MAX_NAME_CHARS);
    text::lines(
        &mut v,
        "regime.description",
        &r.description,
        MAX_DESCRIPTION_CHARS,
    );
    v.check(text::parsed("regime.owner", &r.owner, AgencyCode::parse));
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
        // Not read one by one: a list this long is refused whole, with one violation.
        v.push(
            "regime.indicators",
            format!(
                "{} indicators given, at most {MAX_INDICATORS} are allowed",
                r.indicators.len()
            ),
        );
        return v.into_result();
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
    if submitters.agency_codes.len() > MAX_SUBMITTER_CODES {
        v.push(
            "regime.submitters.agency_codes",
            format!(
                "{} agencies given, at most {MAX_SUBMITTER_CODES} are allowed (name more with \
                 a pattern)",
                submitters.agency_codes.len()
            ),
        );
    } else {
        for (i, code) in submitters.agency_codes.iter().enumerate() {
            let field = format!("regime.submitters.agency_codes[{i}]");
            v.check(text::parsed(&field, code, AgencyCode::parse));
        }
    }
    if !submitters.pattern.is_empty() {
        v.check(text::parsed(
            "regime.submitters.pattern",
            &submitters.pattern,
            Pattern::parse,
        ));
    }
}

/// One indicator's own rules (its code's uniqueness is the regime's).
fn check_indicator(ind: &Indicator, field: &dyn Fn(&str) -> String, v: &mut Violations) {
    v.check(text::code(
        &field("code"),
        &ind.code,
        |s| is_code(s, 64),
        |s| format!("{s:?} must be 1–64 capitals, digits, '_', '.' or '-'"),
    ));
    text::required_line(v, &field("name"), &ind.name, MAX_NAME_CHARS);
    text::line(v, &field("unit"), &ind.unit, MAX_UNIT_CHARS);
    text::line(v, &field("target"), &ind.target, MAX_TARGET_CHARS);
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
    let source = field("source_statistic");
    if !ind.source_statistic.is_empty()
        && v.check(statistic_code(&source, &ind.source_statistic))
            .is_some()
        && t.is_some_and(|t| !is_numeric(t))
    {
        v.push(
            source,
            "only a numeric indicator can be pre-filled from statistics",
        );
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
