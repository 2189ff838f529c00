//! One text policy for every free-text field of every service, the same on SQLite and on
//! PostgreSQL: what a field may hold is decided here, before any database sees it.
//!
//! Refused everywhere: NUL and the other C0 control characters (tab excepted), DEL, the C1
//! controls, the Unicode bidirectional overrides, embeddings and isolates (which make a name
//! display as something it is not), and the non-characters U+FFFE/U+FFFF. Line breaks (CR, LF,
//! U+2028, U+2029) are refused in single-line fields (names, codes, subjects) — a line break in
//! a subject splits log lines and edXML headers — and allowed in multi-line fields (content,
//! descriptions, notes).
use crate::error::FieldError;

/// Whether a field is one line or may span several.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lines {
    /// Names, codes, subjects, file names: no line breaks.
    Single,
    /// Content, descriptions, reasons, notes: line breaks allowed.
    Multi,
}

/// Why a character is refused, or `None` if it is allowed.
fn refusal(c: char, lines: Lines) -> Option<&'static str> {
    match c {
        '\t' => None,
        '\n' | '\r' | '\u{2028}' | '\u{2029}' if lines == Lines::Multi => None,
        '\n' | '\r' | '\u{2028}' | '\u{2029}' => Some("a line break (this field is one line)"),
        '\0' => Some("NUL"),
        '\u{1}'..='\u{1f}' | '\u{7f}' => Some("a control character"),
        '\u{80}'..='\u{9f}' => Some("a C1 control character"),
        '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{061c}'
        | '\u{200e}'
        | '\u{200f}' => Some("a bidirectional control (it makes text display as what it is not)"),
        '\u{fffe}' | '\u{ffff}' => Some("a Unicode non-character"),
        _ => None,
    }
}

/// Checks `s` against the policy and a length limit in characters.
pub fn check(field: &str, s: &str, lines: Lines, max_chars: usize) -> Result<(), FieldError> {
    for (i, c) in s.chars().enumerate() {
        if let Some(why) = refusal(c, lines) {
            return Err(FieldError::new(
                field,
                format!("contains {why}, U+{:04X} at character {}", c as u32, i + 1),
            ));
        }
        if i >= max_chars {
            return Err(FieldError::new(
                field,
                format!("is longer than {max_chars} characters"),
            ));
        }
    }
    Ok(())
}

/// A single-line field (a name, a code, a subject, a file name).
pub fn single_line(field: &str, s: &str, max_chars: usize) -> Result<(), FieldError> {
    check(field, s, Lines::Single, max_chars)
}

/// A multi-line field (content, a description, a reason, a note).
pub fn multi_line(field: &str, s: &str, max_chars: usize) -> Result<(), FieldError> {
    check(field, s, Lines::Multi, max_chars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_text_passes() {
        assert_eq!(
            single_line(
                "subject",
                "Về việc triển khai Kế hoạch 61/KH-UBND\tđợt 2",
                200
            ),
            Ok(())
        );
        assert_eq!(
            multi_line("content", "Dòng một\r\nDòng hai\nĐÃ KÝ", 200),
            Ok(())
        );
    }

    #[test]
    fn controls_breaks_and_overrides_are_refused_naming_the_field() {
        for (s, lines, what) in [
            ("a\0b", Lines::Multi, "NUL"),
            ("a\u{1b}[31mb", Lines::Multi, "control"),
            ("a\u{7f}", Lines::Single, "control"),
            ("a\u{85}", Lines::Multi, "C1"),
            ("a\nb", Lines::Single, "line break"),
            ("a\u{2028}b", Lines::Single, "line break"),
            ("pdf.exe\u{202e}fdp", Lines::Single, "bidirectional"),
            ("x\u{2066}y", Lines::Multi, "bidirectional"),
            ("x\u{ffff}", Lines::Multi, "non-character"),
        ] {
            let e = check("name", s, lines, 100).unwrap_err();
            assert_eq!(e.field, "name");
            assert!(e.rule.contains(what), "{s:?}: {}", e.rule);
        }
    }

    #[test]
    fn length_is_counted_in_characters() {
        assert!(single_line("n", &"Đ".repeat(10), 10).is_ok());
        let e = single_line("n", &"Đ".repeat(11), 10).unwrap_err();
        assert!(e.rule.contains("longer than 10"));
    }
}
