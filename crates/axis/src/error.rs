//! The one error of the vocabulary: a field and the rule its value broke.
//!
//! Every service turns a refusal into an `INVALID_ARGUMENT` whose message names the field
//! (`to[0].code`, `deadline`, ...) and the rule, so a clerk can fix the request without
//! reading the code; keeping both parts apart lets each service map it to its own error.

/// A value refused by a parser: `"{field}: {rule}"`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {rule}")]
pub struct FieldError {
    /// The field as the caller named it, e.g. `to[0].code`.
    pub field: String,
    /// The rule the value broke, e.g. `"x" is not an agency code of the form ...`.
    pub rule: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, rule: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            rule: rule.into(),
        }
    }

    /// The refusal of an empty value.
    pub(crate) fn required(field: &str) -> Self {
        FieldError::new(field, "is required")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_field_then_rule() {
        let e = FieldError::new("to[0].code", "is required");
        assert_eq!(e.to_string(), "to[0].code: is required");
        let boxed: Box<dyn std::error::Error> = Box::new(e.clone());
        assert_eq!(boxed.to_string(), e.to_string());
    }
}

/// How a refusal quotes the value it refuses: as Rust's `{:?}` would, but at most 64 characters
/// of it, so that a hostile 100 KB value does not come back in the error (which travels in
/// HTTP/2 trailers that clients cap).
pub fn quoted(value: &str) -> String {
    const MAX: usize = 64;
    match value.char_indices().nth(MAX) {
        None => format!("{value:?}"),
        Some((cut, _)) => format!(
            "{:?}… ({} characters)",
            &value[..cut],
            value.chars().count()
        ),
    }
}

#[cfg(test)]
mod quoting {
    use super::quoted;

    #[test]
    fn long_values_are_cut_in_refusals() {
        assert_eq!(quoted("ab\n"), "\"ab\\n\"");
        let long = "Đ".repeat(1000);
        let q = quoted(&long);
        assert!(q.len() < 200, "{q}");
        assert!(q.ends_with("… (1000 characters)"), "{q}");
    }
}
