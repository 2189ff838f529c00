//! Every string of every request goes through the axis text policy (`lienthong_axis::text`)
//! before anything else looks at it: no NUL, control characters, bidirectional overrides or
//! non-characters; line breaks only in descriptions, reasons and text values; a length limit
//! in characters. The same refusal (`INVALID_ARGUMENT` naming the field) on SQLite and on
//! PostgreSQL, before any database sees the value. Identifiers (codes, keys, dates) are one
//! short line first, so that their own rule never echoes more than that.
use lienthong_axis::{FieldError, text};
use lienthong_platform::error::Violations;

/// The longest regime or indicator name, in characters.
pub const MAX_NAME_CHARS: usize = 300;
/// The longest indicator unit, in characters.
pub const MAX_UNIT_CHARS: usize = 50;
/// The longest indicator target, in characters.
pub const MAX_TARGET_CHARS: usize = 200;
/// The longest regime description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 4000;
/// The longest reason (ReturnReport), in characters.
pub const MAX_REASON_CHARS: usize = 2000;
/// The longest identifier (a regime, indicator or statistic code, a period key, an agency
/// code, a pattern, a day), in characters: longer than any valid one.
pub const MAX_ID_CHARS: usize = 128;

/// An identifier: one line of at most [`MAX_ID_CHARS`] characters under the text policy, then
/// its own rule (`parse`).
pub fn parsed<T>(
    field: &str,
    value: &str,
    parse: impl FnOnce(&str, &str) -> Result<T, FieldError>,
) -> Result<T, FieldError> {
    text::single_line(field, value, MAX_ID_CHARS)?;
    parse(field, value)
}

/// An identifier checked by a predicate: refused with `rule` (which may show the value: it is
/// one short line by then).
pub fn code(
    field: &str,
    value: &str,
    ok: impl FnOnce(&str) -> bool,
    rule: impl FnOnce(&str) -> String,
) -> Result<(), FieldError> {
    text::single_line(field, value, MAX_ID_CHARS)?;
    if ok(value) {
        Ok(())
    } else {
        Err(FieldError::new(field, rule(value)))
    }
}

/// A required one-line text (a name): not blank, at most `max` characters.
pub fn required_line(v: &mut Violations, field: &str, value: &str, max: usize) {
    if value.trim().is_empty() {
        v.push(field, "required");
    } else {
        v.check(text::single_line(field, value, max));
    }
}

/// An optional one-line text (a unit, a target).
pub fn line(v: &mut Violations, field: &str, value: &str, max: usize) {
    v.check(text::single_line(field, value, max));
}

/// An optional text of several lines (a description, a text value).
pub fn lines(v: &mut Violations, field: &str, value: &str, max: usize) {
    v.check(text::multi_line(field, value, max));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_texts_follow_the_policy() {
        let mut v = Violations::new();
        required_line(&mut v, "regime.name", "Báo cáo\tquý", MAX_NAME_CHARS);
        line(&mut v, "unit", "%", MAX_UNIT_CHARS);
        lines(&mut v, "regime.description", "Dòng 1\r\nDòng 2", 100);
        assert!(v.is_empty(), "{v}");
        required_line(&mut v, "regime.name", " ", MAX_NAME_CHARS);
        required_line(&mut v, "regime.name", "Báo cáo\nquý", MAX_NAME_CHARS);
        line(&mut v, "unit", "\u{202e}%", MAX_UNIT_CHARS);
        lines(&mut v, "regime.description", "a\0b", 100);
        lines(&mut v, "regime.description", &"x".repeat(101), 100);
        let rules: Vec<&str> = v.as_slice().iter().map(|e| e.rule.as_str()).collect();
        assert_eq!(rules[0], "required");
        assert!(rules[1].contains("line break"), "{}", rules[1]);
        assert!(rules[2].contains("bidirectional"), "{}", rules[2]);
        assert!(rules[3].contains("NUL"), "{}", rules[3]);
        assert!(rules[4].contains("longer than 100"), "{}", rules[4]);
    }

    #[test]
    fn identifiers_are_one_short_line_before_their_rule() {
        let upper = |s: &str| s.bytes().all(|b| b.is_ascii_uppercase());
        let rule = |s: &str| format!("{s:?} is not upper case");
        assert!(code("code", "KH", upper, rule).is_ok());
        let e = code("code", "kh", upper, rule).unwrap_err();
        assert_eq!(e.rule, "\"kh\" is not upper case");
        let e = code("code", &"k".repeat(100_000), upper, rule).unwrap_err();
        assert_eq!(e.rule, "is longer than 128 characters", "no echo");
        let e = code("code", "K\u{1b}H", upper, rule).unwrap_err();
        assert!(e.rule.contains("control"), "{}", e.rule);
        let e = parsed("day", "2026-13-01", lienthong_axis::local::parse_date).unwrap_err();
        assert!(e.rule.contains("not a date"), "{}", e.rule);
    }
}
