//! Free-text and number fields, and the fields of a request on one task.
use lienthong_axis::{FieldError, TaskId};
use lienthong_platform::error::Violations;

/// The longest free text (content, progress, result, reasons), in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;

/// A required text: not blank, at most [`MAX_TEXT_CHARS`] characters; `what` says what it is
/// for in the refusal.
pub fn required(field: &str, value: &str, what: &str) -> Result<(), FieldError> {
    if value.trim().is_empty() {
        Err(FieldError::new(field, format!("is required ({what})")))
    } else if value.chars().count() > MAX_TEXT_CHARS {
        Err(FieldError::new(field, "at most 10000 characters"))
    } else {
        Ok(())
    }
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
    let id = v.check(TaskId::parse("task_id", task_id));
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
                v.check(required("reason", "x", "why"));
            }),
            Ok(TaskId::from_seq(7))
        );
        let v = task_request("7", |v| {
            v.check(required("reason", "", "why"));
            v.check(percent("percent", 150));
        })
        .unwrap_err();
        let fields: Vec<&str> = v.as_slice().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["task_id", "reason", "percent"]);
    }

    #[test]
    fn texts_and_percentages() {
        assert!(required("text", "Đã khảo sát", "what was done").is_ok());
        assert_eq!(
            required("text", " ", "what was done")
                .unwrap_err()
                .to_string(),
            "text: is required (what was done)"
        );
        assert!(required("text", &"Đ".repeat(10_000), "x").is_ok());
        assert_eq!(
            required("text", &"Đ".repeat(10_001), "x")
                .unwrap_err()
                .to_string(),
            "text: at most 10000 characters"
        );
        assert!(percent("percent", 0).is_ok() && percent("percent", 100).is_ok());
        assert!(percent("percent", 101).is_err());
        assert_eq!(
            percent("percent", -1).unwrap_err().to_string(),
            "percent: -1 is outside 0–100 (a percentage of completion)"
        );
    }
}
