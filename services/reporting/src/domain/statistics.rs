//! Daily figures pushed by other services (the exchange's documents sent and received per
//! agency and day): checked all or nothing, then kept to pre-fill drafts.
use lienthong_api::reporting::v1::StatisticValue;
use lienthong_axis::{AgencyCode, local::parse_date};
use lienthong_platform::error::Violations;
use time::Date;

use super::{regimes::statistic_code, text::parsed};
use crate::error::{ReportingError, Result};

/// Largest number of statistic values in one push.
pub const MAX_PUSH_VALUES: usize = 10_000;

/// One checked daily figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Statistic {
    pub indicator_code: String,
    pub agency: AgencyCode,
    pub day: Date,
    pub value: f64,
}

/// Checks one pushed value, `i` its index in the request; each broken rule is recorded.
pub fn parse_statistic(i: usize, s: &StatisticValue, v: &mut Violations) -> Option<Statistic> {
    let code_ok = v
        .check(statistic_code(
            &format!("values[{i}].indicator_code"),
            &s.indicator_code,
        ))
        .is_some();
    let agency = v.check(parsed(
        &format!("values[{i}].agency_code"),
        &s.agency_code,
        AgencyCode::parse,
    ));
    let day = v.check(parsed(&format!("values[{i}].day"), &s.day, parse_date));
    if !s.value.is_finite() {
        v.push(format!("values[{i}].value"), "must be a finite number");
    }
    Some(Statistic {
        indicator_code: s.indicator_code.clone(),
        agency: agency?,
        day: day?,
        value: s.value,
    })
    .filter(|_| code_ok && s.value.is_finite())
}

/// Checks a whole push: at most [`MAX_PUSH_VALUES`], every value well formed (all the bad
/// ones named at once).
pub fn parse_push(values: &[StatisticValue]) -> Result<Vec<Statistic>> {
    if values.len() > MAX_PUSH_VALUES {
        return Err(ReportingError::TooManyValues {
            count: values.len(),
            max: MAX_PUSH_VALUES,
        });
    }
    let mut v = Violations::new();
    let parsed: Vec<Statistic> = values
        .iter()
        .enumerate()
        .filter_map(|(i, s)| parse_statistic(i, s, &mut v))
        .collect();
    v.into_result()?;
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(code: &str, agency: &str, day: &str, value: f64) -> StatisticValue {
        StatisticValue {
            indicator_code: code.into(),
            agency_code: agency.into(),
            day: day.into(),
            value,
        }
    }

    fn refusal(i: usize, s: StatisticValue) -> String {
        let mut v = Violations::new();
        assert_eq!(parse_statistic(i, &s, &mut v), None);
        v.to_string()
    }

    #[test]
    fn statistics_are_checked_naming_the_field() {
        let mut v = Violations::new();
        let ok = parse_statistic(
            0,
            &stat("axis.documents_sent", "000.00.12.H48", "2026-03-01", 3.0),
            &mut v,
        )
        .expect("valid");
        assert!(v.is_empty());
        assert_eq!(ok.agency, "000.00.12.H48");
        let e = refusal(
            2,
            stat("axis.documents_sent", "000.00.12.H48", "2026/03/01", 3.0),
        );
        assert!(e.starts_with("values[2].day:"), "{e}");
        let e = refusal(1, stat("axis.documents_sent", "H48", "2026-03-01", 3.0));
        assert!(e.starts_with("values[1].agency_code:"), "{e}");
        let e = refusal(0, stat("Axis Sent", "000.00.12.H48", "2026-03-01", 3.0));
        assert!(e.starts_with("values[0].indicator_code:"), "{e}");
        let e = refusal(0, stat("a.b", "000.00.12.H48", "2026-03-01", f64::NAN));
        assert!(e.starts_with("values[0].value:"), "{e}");
        let e = refusal(0, stat("a.b\0", "000.00.12.H48", "2026-03-01", 1.0));
        assert!(
            e.starts_with("values[0].indicator_code: contains NUL"),
            "{e}"
        );
        let e = refusal(3, stat("a.b", &"0".repeat(100_000), "2026-03-01", 1.0));
        assert_eq!(e, "values[3].agency_code: is longer than 128 characters");
    }

    #[test]
    fn a_push_is_checked_whole() {
        let good = stat("axis.documents_sent", "000.00.12.H48", "2026-03-01", 3.0);
        assert_eq!(
            parse_push(&[good.clone(), good.clone()]).expect("ok").len(),
            2
        );
        let e = parse_push(&[
            stat("Axis Sent", "000.00.12.H48", "2026-03-01", 3.0),
            good.clone(),
            stat("a.b", "H48", "2026-03-01", 1.0),
        ])
        .expect_err("two bad values")
        .to_string();
        assert!(
            e.starts_with("values[0].indicator_code:") && e.contains("; values[2].agency_code:"),
            "{e}"
        );
        let e = parse_push(&vec![good; MAX_PUSH_VALUES + 1]).expect_err("too many");
        assert!(matches!(e, ReportingError::TooManyValues { .. }));
        assert!(e.to_string().starts_with("values: 10001 values"), "{e}");
    }
}
