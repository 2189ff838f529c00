//! Free text in the hub's requests: the axis's one text policy (`lienthong_axis::text`: no NUL
//! or other control characters, no bidirectional overrides, no non-characters, line breaks only
//! in fields that may span lines) and the hub's length limits, in characters unless said
//! otherwise. Applied to every free-text field of every RPC, before anything is read or
//! stored, so that SQLite and PostgreSQL see the same text (docs/exchange.md, "Limits on
//! fields").
use lienthong_axis::text;
use lienthong_platform::error::Violations;

/// `subject` (trích yếu), one line.
pub const SUBJECT: usize = 2000;
/// `content` (nội dung), several lines.
pub const CONTENT: usize = 50_000;
/// An agency's `name`, one line.
pub const AGENCY_NAME: usize = 300;
/// An agency's `email`, `phone`, `address`, `website`, one line each.
pub const CONTACT: usize = 500;
/// Codes and notations: `code.code_number`, `code.code_notation`, `document_type.type_code`,
/// `other_info.typer_notation`, one line each.
pub const CODE: usize = 100;
/// Names and places: `promulgation_info.place`, `document_type.type_name`, the signer's
/// `competence`, `position`, `full_name`, `other_info.sphere_of_promulgation`, each
/// `to_places[i]` and `other_info.appendixes[i]`, one line each.
pub const NAME: usize = 500;
/// Reasons and descriptions: `business.reason`, `attachments[i].description`, a status's
/// `description`, a revoke's `reason`, several lines each.
pub const REASON: usize = 2000;
/// A status's `staff_info` (handling staff), one line.
pub const STAFF_INFO: usize = 300;
/// `attachments[i].content_type`, one line.
pub const CONTENT_TYPE: usize = 255;
/// A hub id (`trace_headers[i].organ_id`, a relayed update's `hub`), one line.
pub const HUB_ID: usize = 64;
/// A relayed update's `update_id`, one line.
pub const UPDATE_ID: usize = 200;
/// Entries of `to_places`, `other_info.appendixes` and `response_for`.
pub const LIST_ENTRIES: usize = 100;

/// A single-line field of at most `max` characters.
pub fn single(v: &mut Violations, field: &str, s: &str, max: usize) {
    v.check(text::single_line(field, s, max));
}

/// A multi-line field of at most `max` characters.
pub fn multi(v: &mut Violations, field: &str, s: &str, max: usize) {
    v.check(text::multi_line(field, s, max));
}

/// A repeated single-line field: at most [`LIST_ENTRIES`] entries of at most `max` characters.
pub fn list(v: &mut Violations, field: &str, items: &[String], max: usize) {
    if items.len() > LIST_ENTRIES {
        v.push(
            field,
            format!(
                "{} entries, at most {LIST_ENTRIES} per document",
                items.len()
            ),
        );
        return;
    }
    for (i, s) in items.iter().enumerate() {
        single(v, &format!("{field}[{i}]"), s, max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_and_limits_name_the_field() {
        let mut v = Violations::new();
        single(&mut v, "subject", "a\nb", SUBJECT);
        multi(&mut v, "content", "dòng 1\ndòng 2", CONTENT);
        multi(&mut v, "content", "a\u{202e}b", CONTENT);
        single(&mut v, "code.code_number", &"1".repeat(CODE + 1), CODE);
        list(&mut v, "to_places", &["Hà Nội".into(), "x\0".into()], NAME);
        list(
            &mut v,
            "other_info.appendixes",
            &vec![String::new(); 101],
            NAME,
        );
        let fields: Vec<&str> = v.as_slice().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "subject",
                "content",
                "code.code_number",
                "to_places[1]",
                "other_info.appendixes"
            ]
        );
        assert!(v.to_string().contains("line break"), "{v}");
        assert!(v.to_string().contains("101 entries"), "{v}");
    }
}
