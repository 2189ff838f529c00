//! A failure for people (lines on stderr) and for scripts (one JSON object on stderr).
use std::fmt::Write as _;

use serde_json::{Value, json};

use super::{Failure, Origin, code_name};

/// The violations joined as a status message words them (`field: rule; field: rule`).
fn joined(f: &Failure) -> String {
    f.violations
        .iter()
        .map(|v| format!("{}: {}", v.field, v.description))
        .collect::<Vec<_>>()
        .join("; ")
}

/// `error: CODE (REASON): message`, then one line per violation (`  field: rule`), the subject
/// of a refused precondition, when to retry, and the hints (`hint: …`).
pub fn failure_text(f: &Failure) -> String {
    let mut out = format!("error: {}", code_name(f.code));
    if let Some(reason) = &f.reason {
        let _ = write!(out, " ({reason})");
    }
    let n = f.violations.len();
    if n > 0 && f.message == joined(f) {
        // The message only repeats the violations listed below.
        let _ = writeln!(out, ": {n} invalid field{}", if n == 1 { "" } else { "s" });
    } else {
        let _ = writeln!(out, ": {}", f.message);
    }
    for v in &f.violations {
        let _ = writeln!(out, "  {}: {}", v.field, v.description);
    }
    for p in f.preconditions.iter().filter(|p| !p.subject.is_empty()) {
        let _ = writeln!(out, "  about: {}", p.subject);
    }
    if let Some(d) = f.retry_after {
        let _ = writeln!(out, "  retry after {:.1} s", d.as_secs_f64());
    }
    for h in &f.hints {
        let _ = writeln!(out, "hint: {h}");
    }
    out
}

/// `{"code", "reason", "message", "violations", "preconditions", "retry_after_seconds",
/// "hints", "origin", "exit_code"}`.
pub fn failure_json(f: &Failure) -> Value {
    json!({
        "code": code_name(f.code),
        "reason": f.reason,
        "message": f.message,
        "violations": f.violations.iter().map(|v| json!({
            "field": v.field,
            "description": v.description,
        })).collect::<Vec<_>>(),
        "preconditions": f.preconditions.iter().map(|p| json!({
            "type": p.kind,
            "subject": p.subject,
            "description": p.description,
        })).collect::<Vec<_>>(),
        "retry_after_seconds": f.retry_after.map(|d| d.as_secs_f64()),
        "hints": f.hints,
        "origin": match f.origin {
            Origin::Server => "server",
            Origin::Cli => "cli",
        },
        "exit_code": f.exit_code(),
    })
}
