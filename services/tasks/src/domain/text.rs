//! Free-text, identifier and number fields, and the fields of a request on one task.
//!
//! Every string of every request goes through the axis text policy (`lienthong_axis::text`)
//! before anything else looks at it: no NUL, control characters, bidirectional overrides or
//! non-characters, a length limit in characters, line breaks only in free text. The same
//! refusal (`INVALID_ARGUMENT` naming the field) on SQLite and on PostgreSQL, before any
//! database sees the value.
use lienthong_axis::{DocumentId, FieldError, TaskId, text};
use lienthong_platform::error::Violations;

/// The longest task content, progress text, result or notes, in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;

/// The longest reason or comment (pausing, refusing, returning, resuming, confirming, asking or
/// deciding an extension), in characters.
pub const MAX_REASON_CHARS: usize = 2_000;

/// The longest identifier field (an agency code, a task id, a date), in characters: longer
/// than any valid one, so that a refusal never echoes more than this.
pub const MAX_ID_CHARS: usize = 64;

/// The longest DocumentId field, in characters (a valid one has at most 225).
pub const MAX_DOCUMENT_ID_CHARS: usize = 256;

/// A required free text (line breaks allowed): not blank, at most `max` characters, nothing
/// the text policy refuses; `what` says what it is for in the refusal.
pub fn required(field: &str, value: &str, what: &str, max: usize) -> Result<(), FieldError> {
    if value.trim().is_empty() {
        Err(FieldError::new(field, format!("is required ({what})")))
    } else {
        text::multi_line(field, value, max)
    }
}

/// An optional free text (line breaks allowed): empty, or at most `max` characters the text
/// policy allows.
pub fn optional(field: &str, value: &str, max: usize) -> Result<(), FieldError> {
    text::multi_line(field, value, max)
}

/// An identifier field: one line of at most [`MAX_ID_CHARS`] characters under the text
/// policy, then its own rule (`parse`).
pub fn parsed<T>(
    field: &str,
    value: &str,
    parse: impl FnOnce(&str, &str) -> Result<T, FieldError>,
) -> Result<T, FieldError> {
    text::single_line(field, value, MAX_ID_CHARS)?;
    parse(field, value)
}

/// A DocumentId field: one line of at most [`MAX_DOCUMENT_ID_CHARS`] characters, then the
/// axis's rule (its character set included).
pub fn document_id(field: &str, value: &str) -> Result<DocumentId, FieldError> {
    text::single_line(field, value, MAX_DOCUMENT_ID_CHARS)?;
    DocumentId::parse(field, value)
}

/// A percentage 0–100.
pub fn percent(field: &str, p: i32) -> Result<(), FieldError> {
    if (0..=100).contains(&p) {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!("{p} is outside 0–100 (a percentage of completion)"),
        ))
    }
}

/// The task a request on one task is about, with its other fields checked by `more`: every
/// malformed field is reported at once (`task_id` first).
pub fn task_request(
    task_id: &str,
    more: impl FnOnce(&mut Violations),
) -> Result<TaskId, Violations> {
    let mut v = Violations::new();
    let id = v.check(parsed("task_id", task_id, TaskId::parse));
    more(&mut v);
    match (id, v.is_empty()) {
        (Some(id), true) => Ok(id),
        _ => Err(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_on_a_task_report_every_field() {
        assert_eq!(
            task_request("NV-7", |v| {
                v.check(required("reason", "x", "why", MAX_REASON_CHARS));
            }),
            Ok(TaskId::from_seq(7))
        );
        let v = task_request("7", |v| {
            v.check(required("reason", "", "why", MAX_REASON_CHARS));
            v.check(percent("percent", 150));
        })
        .unwrap_err();
        let fields: Vec<&str> = v.as_slice().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["task_id", "reason", "percent"]);
    }

    #[test]
    fn texts_and_percentages() {
        assert!(required("text", "Đã khảo sát\nxong", "what was done", MAX_TEXT_CHARS).is_ok());
        assert_eq!(
            required("text", " ", "what was done", MAX_TEXT_CHARS)
                .unwrap_err()
                .to_string(),
            "text: is required (what was done)"
        );
        assert!(required("text", &"Đ".repeat(10_000), "x", MAX_TEXT_CHARS).is_ok());
        assert_eq!(
            required("text", &"Đ".repeat(10_001), "x", MAX_TEXT_CHARS)
                .unwrap_err()
                .to_string(),
            "text: is longer than 10000 characters"
        );
        assert!(percent("percent", 0).is_ok() && percent("percent", 100).is_ok());
        assert!(percent("percent", 101).is_err());
        assert_eq!(
            percent("percent", -1).unwrap_err().to_string(),
            "percent: -1 is outside 0–100 (a percentage of completion)"
        );
    }

    #[test]
    fn the_text_policy_applies_to_every_text() {
        for bad in ["a\0b", "a\u{1b}[2Jb", "pdf\u{202e}exe", "x\u{ffff}"] {
            let e = required("reason", bad, "why", MAX_REASON_CHARS).unwrap_err();
            assert_eq!(e.field, "reason");
            let e = optional("comment", bad, MAX_REASON_CHARS).unwrap_err();
            assert_eq!(e.field, "comment");
        }
        assert!(optional("comment", "", MAX_REASON_CHARS).is_ok());
        let e = optional("comment", &"x".repeat(2_001), MAX_REASON_CHARS).unwrap_err();
        assert!(e.rule.contains("longer than 2000"), "{}", e.rule);
    }

    #[test]
    fn identifiers_are_one_short_line_before_their_rule() {
        assert_eq!(
            parsed("task_id", "NV-3", TaskId::parse),
            Ok(TaskId::from_seq(3))
        );
        let e = parsed("task_id", "NV-3\n", TaskId::parse).unwrap_err();
        assert!(e.rule.contains("line break"), "{}", e.rule);
        let e = parsed("task_id", &"9".repeat(100_000), TaskId::parse).unwrap_err();
        assert_eq!(
            e.rule, "is longer than 64 characters",
            "no echo of the value"
        );
        let e = parsed("task_id", "42", TaskId::parse).unwrap_err();
        assert!(e.rule.contains("NV-<number>"), "{}", e.rule);
    }
}
