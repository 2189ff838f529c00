//! Patterns over agency codes: a regime's submitters ("every agency under H48": `*.H48`) and
//! the scope of a compliance view or an export (`000.00.1?.H48`). `*` stands for any run of
//! characters, `?` for exactly one (matched by the `wildmatch` crate).
use lienthong_api::reporting::v1::Regime;
use lienthong_axis::FieldError;
use wildmatch::WildMatch;

/// The longest pattern.
pub const MAX_PATTERN_CHARS: usize = 32;

/// A checked pattern over agency codes.
#[derive(Clone, Debug)]
pub struct Pattern {
    text: String,
    glob: WildMatch,
}

impl Pattern {
    /// Parses a pattern: 1–32 digits, capitals, '.', '*' and '?'.
    pub fn parse(field: &str, pattern: &str) -> Result<Pattern, FieldError> {
        let ok = !pattern.is_empty()
            && pattern.len() <= MAX_PATTERN_CHARS
            && pattern.bytes().all(|b| {
                b.is_ascii_digit() || b.is_ascii_uppercase() || matches!(b, b'.' | b'*' | b'?')
            });
        if ok {
            Ok(Pattern::new(pattern))
        } else {
            Err(FieldError::new(
                field,
                format!(
                    "{pattern:?} is not a pattern over agency codes (digits, capitals, '.', '*' \
                     for any run, '?' for one character; e.g. \"*.H48\")"
                ),
            ))
        }
    }

    /// A pattern as stored in a regime (checked when the regime was created).
    fn new(pattern: &str) -> Pattern {
        Pattern {
            text: pattern.to_string(),
            glob: WildMatch::new(pattern),
        }
    }

    pub fn matches(&self, code: &str) -> bool {
        self.glob.matches(code)
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Which agencies a view covers: all of them, or those matching a pattern.
#[derive(Clone, Debug, Default)]
pub enum Scope {
    #[default]
    All,
    Matching(Pattern),
}

impl Scope {
    /// An empty value is every agency; anything else must be a [`Pattern`].
    pub fn parse(field: &str, scope: &str) -> Result<Scope, FieldError> {
        if scope.is_empty() {
            Ok(Scope::All)
        } else {
            Pattern::parse(field, scope).map(Scope::Matching)
        }
    }

    pub fn contains(&self, code: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Matching(p) => p.matches(code),
        }
    }

    /// The pattern as given ("" for every agency).
    pub fn as_str(&self) -> &str {
        match self {
            Scope::All => "",
            Scope::Matching(p) => p.as_str(),
        }
    }
}

/// Whether an agency submits a regime's reports: listed, or matching the pattern (the owner
/// never matches the pattern: it receives the reports).
pub fn is_submitter(regime: &Regime, agency: &str) -> bool {
    let Some(s) = &regime.submitters else {
        return false;
    };
    s.agency_codes.iter().any(|c| c == agency)
        || (!s.pattern.is_empty()
            && agency != regime.owner
            && Pattern::new(&s.pattern).matches(agency))
}

#[cfg(test)]
mod tests {
    use lienthong_api::reporting::v1::Submitters;
    use lienthong_axis::AgencyCode;

    use super::*;

    fn matches(pattern: &str, code: &str) -> bool {
        Pattern::parse("p", pattern).expect("pattern").matches(code)
    }

    #[test]
    fn agency_codes_and_patterns() {
        assert!(AgencyCode::is_valid("000.00.00.H48"));
        assert!(AgencyCode::is_valid("000.01.01.H48"));
        assert!(!AgencyCode::is_valid("000.00.00.h48"));
        assert!(!AgencyCode::is_valid("00.00.00.H48"));
        assert!(!AgencyCode::is_valid("000.00.00.H4"));
        assert!(!AgencyCode::is_valid("000.00.00.H48.1"));
        assert!(matches("*.H48", "000.00.12.H48"));
        assert!(!matches("*.H48", "000.00.00.H49"));
        assert!(matches("000.00.??.H48", "000.00.53.H48"));
        assert!(!matches("000.00.??.H48", "000.01.53.H48"));
        assert!(matches("*", "000.00.00.G22"));
        assert!(matches("*.*.*.H*", "000.00.00.H41"));
        assert!(!matches("000.00.00.H48", "000.00.00.H481"));
        assert!(Pattern::parse("p", "*.H48").is_ok());
        assert!(Pattern::parse("p", "*.h48").is_err());
        assert!(Pattern::parse("p", "").is_err());
        assert!(Pattern::parse("p", &"?".repeat(33)).is_err());

        let regime = Regime {
            owner: "000.00.01.H48".into(),
            submitters: Some(Submitters {
                agency_codes: vec!["000.00.00.G22".into()],
                pattern: "*.H48".into(),
            }),
            ..Default::default()
        };
        assert!(is_submitter(&regime, "000.00.12.H48"));
        assert!(is_submitter(&regime, "000.00.00.G22"));
        assert!(!is_submitter(&regime, "000.00.01.H48"), "owner excluded");
        assert!(!is_submitter(&regime, "000.00.00.H49"));
    }

    /// The semantics of the hand-written matcher this replaced: `*` any run (also empty), `?`
    /// exactly one character, everything else literally, the whole code.
    #[test]
    fn wildcards_match_the_whole_code() {
        assert!(matches("000.00.00.H48*", "000.00.00.H48"));
        assert!(matches("**.H48", "000.00.12.H48"));
        assert!(matches("0*0.00.12.H48", "000.00.12.H48"));
        assert!(!matches("000.00.1?.H48", "000.00.1.H48"));
        assert!(!matches("000", "000.00.00.H48"));
        assert!(!matches("?", ""));
        assert!(matches("*.?48", "000.00.00.H48"));
        assert!(!matches("*.H4", "000.00.00.H48"));
    }

    #[test]
    fn scopes() {
        assert!(
            Scope::parse("scope", "")
                .expect("all")
                .contains("000.00.00.G22")
        );
        let level = Scope::parse("scope", "000.00.1?.H48").expect("level");
        assert!(level.contains("000.00.12.H48"));
        assert!(!level.contains("000.00.53.H48"));
        assert_eq!(level.as_str(), "000.00.1?.H48");
        let e = Scope::parse("scope", "*.h48").expect_err("lower case");
        assert_eq!(e.field, "scope");
    }
}
