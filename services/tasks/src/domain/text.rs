//! Free-text and number fields.
use lienthong_axis::FieldError;

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

#[cfg(test)]
mod tests {
    use super::*;

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
