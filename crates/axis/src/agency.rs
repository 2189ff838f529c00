//! Agency codes (mã định danh, QCVN 102:2016): `DDD.CC.BB.Axx`, e.g. `000.00.00.H48`.
//!
//! Three digits, two digits, two digits, then the level-1 unit: a capital letter and two
//! digits (`H48` is Đà Nẵng's people's committee, `G22` the Government Office). The hubs route
//! by that unit, so a code that does not parse can neither send nor receive; every service
//! checked the same shape with its own copy of this rule.
use std::{borrow::Borrow, fmt, str::FromStr};

use crate::error::{FieldError, quoted};

/// A valid agency code.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgencyCode(String);

impl AgencyCode {
    /// Parses `s` as an agency code; `field` names it in the refusal.
    ///
    /// An empty value is refused as "is required", anything else not of the form as
    /// `"x" is not an agency code of the form DDD.CC.BB.Axx (e.g. 000.00.00.H48)`.
    pub fn parse(field: &str, s: &str) -> Result<AgencyCode, FieldError> {
        if s.is_empty() {
            return Err(FieldError::required(field));
        }
        if Self::is_valid(s) {
            Ok(AgencyCode(s.to_string()))
        } else {
            Err(FieldError::new(
                field,
                format!(
                    "{} is not an agency code of the form DDD.CC.BB.Axx (e.g. 000.00.00.H48)",
                    quoted(s)
                ),
            ))
        }
    }

    /// Whether `s` is an agency code (exactly the rule of [`AgencyCode::parse`]).
    pub fn is_valid(s: &str) -> bool {
        let mut parts = s.split('.');
        let (Some(ddd), Some(cc), Some(bb), Some(axx), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return false;
        };
        digits(ddd, 3) && digits(cc, 2) && digits(bb, 2) && is_unit(axx)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The level-1 unit, the code's last part (`000.00.53.H48` → `H48`): the hubs route by it.
    pub fn unit(&self) -> &str {
        self.0.rsplit('.').next().unwrap_or_default()
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Whether `s` is a level-1 unit: a capital letter and two digits, e.g. `H48`.
pub fn is_unit(s: &str) -> bool {
    match s.as_bytes() {
        [letter, rest @ ..] => letter.is_ascii_uppercase() && rest.len() == 2 && all_digits(rest),
        [] => false,
    }
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && all_digits(s.as_bytes())
}

fn all_digits(b: &[u8]) -> bool {
    b.iter().all(u8::is_ascii_digit)
}

impl FromStr for AgencyCode {
    type Err = FieldError;

    /// Parses with the field named "agency code".
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AgencyCode::parse("agency code", s)
    }
}

impl fmt::Display for AgencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for AgencyCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Lets maps keyed by `AgencyCode` be looked up with a `&str`.
impl Borrow<str> for AgencyCode {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<AgencyCode> for String {
    fn from(code: AgencyCode) -> String {
        code.0
    }
}

impl PartialEq<str> for AgencyCode {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for AgencyCode {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for AgencyCode {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_qcvn_shape() {
        for ok in [
            "000.00.00.G22",
            "000.00.53.H48",
            "123.45.67.K01",
            "000.01.01.H48",
        ] {
            let code = AgencyCode::parse("f", ok).unwrap();
            assert_eq!(code.as_str(), ok);
            assert_eq!(code.to_string(), ok);
            assert!(AgencyCode::is_valid(ok));
        }
        assert_eq!(
            AgencyCode::parse("f", "000.00.53.H48").unwrap().unit(),
            "H48"
        );
    }

    #[test]
    fn refuses_naming_field_and_rule() {
        for bad in [
            "000.00.00.h48",
            "000.00.00.H4",
            "00.00.00.H48",
            "000.00.00.H48.1",
            "000-00-00-H48",
            "000.0a.00.H48",
            "000.00.00.Đ48",
            "000.00.00.H4Đ",
            "H48",
            "000.00.00.H48 ",
            "٠٠٠.00.00.H48",
        ] {
            let e = AgencyCode::parse("to[0].code", bad).unwrap_err();
            assert_eq!(e.field, "to[0].code");
            assert_eq!(
                e.to_string(),
                format!(
                    "to[0].code: {bad:?} is not an agency code of the form DDD.CC.BB.Axx \
                     (e.g. 000.00.00.H48)"
                )
            );
            assert!(!AgencyCode::is_valid(bad), "{bad}");
        }
        let e = AgencyCode::parse("lead_agency", "").unwrap_err();
        assert_eq!(e.to_string(), "lead_agency: is required");
        assert!(!AgencyCode::is_valid(""));
    }

    #[test]
    fn conversions() {
        let code: AgencyCode = "000.00.00.G22".parse().unwrap();
        assert_eq!(code, "000.00.00.G22");
        assert_eq!(code.as_ref(), "000.00.00.G22");
        let e = "x".parse::<AgencyCode>().unwrap_err();
        assert_eq!(e.field, "agency code");
        let mut set = std::collections::BTreeSet::new();
        set.insert(code.clone());
        assert!(set.contains("000.00.00.G22"));
        assert_eq!(String::from(code.clone()), code.into_string());
    }

    #[test]
    fn units() {
        assert!(is_unit("H48") && is_unit("G22"));
        for bad in ["", "h48", "H4", "H480", "48H", "Đ48", "H4Đ"] {
            assert!(!is_unit(bad), "{bad}");
        }
    }
}
