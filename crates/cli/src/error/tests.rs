use std::time::Duration;

use anyhow::Context as _;
use lienthong_axis::error::FieldError;
use lienthong_platform::error::{Details, Kind, status_with_details};
use serde_json::Value;

use super::*;

fn rich(kind: Kind, message: &str, reason: &'static str, violations: &[FieldError]) -> Status {
    status_with_details(
        kind,
        message.to_string(),
        &Details {
            reason,
            domain: "exchange.lienthong",
            violations,
            subject: "000.00.00.H48,2026/01/02,1/X".into(),
            retry_after: (kind == Kind::Unavailable).then_some(Duration::from_secs(1)),
        },
    )
}

#[test]
fn every_code_has_its_exit_class() {
    let table = [
        (Code::Ok, 0),
        (Code::Cancelled, 1),
        (Code::Unknown, 1),
        (Code::InvalidArgument, 4),
        (Code::DeadlineExceeded, 7),
        (Code::NotFound, 3),
        (Code::AlreadyExists, 6),
        (Code::PermissionDenied, 5),
        (Code::ResourceExhausted, 7),
        (Code::FailedPrecondition, 6),
        (Code::Aborted, 6),
        (Code::OutOfRange, 4),
        (Code::Unimplemented, 1),
        (Code::Internal, 1),
        (Code::Unavailable, 7),
        (Code::DataLoss, 1),
        (Code::Unauthenticated, 5),
    ];
    for (code, exit) in table {
        assert_eq!(exit_code(code), exit, "{code:?}");
    }
    assert_eq!(EXIT_USAGE, 2);
    assert_eq!(code_name(Code::FailedPrecondition), "FAILED_PRECONDITION");
}

#[test]
fn a_status_is_read_with_its_details() {
    let violations = [
        FieldError::new("recipients[0].code", "is not an agency code"),
        FieldError::new("subject", "is required"),
        FieldError::new("due_date", "is not a date yyyy-MM-dd"),
    ];
    let status = rich(
        Kind::InvalidArgument,
        "recipients[0].code: is not an agency code; subject: is required; due_date: is not a \
         date yyyy-MM-dd",
        "INVALID_FIELD",
        &violations,
    );
    let f = Failure::of(&anyhow::Error::new(status));
    assert_eq!(f.code, Code::InvalidArgument);
    assert_eq!(f.exit_code(), 4);
    assert_eq!(f.reason.as_deref(), Some("INVALID_FIELD"));
    assert_eq!(f.violations.len(), 3);
    assert_eq!(f.origin, Origin::Server);
    assert!(!f.is_retryable());
    assert_eq!(
        failure_text(&f),
        "error: INVALID_ARGUMENT (INVALID_FIELD): 3 invalid fields\n  \
         recipients[0].code: is not an agency code\n  \
         subject: is required\n  \
         due_date: is not a date yyyy-MM-dd\n"
    );
    let json = failure_json(&f);
    assert_eq!(json["code"], "INVALID_ARGUMENT");
    assert_eq!(json["reason"], "INVALID_FIELD");
    assert_eq!(json["violations"][1]["field"], "subject");
    assert_eq!(json["violations"][1]["description"], "is required");
    assert_eq!(json["retry_after_seconds"], Value::Null);
    assert_eq!(json["exit_code"], 4);
    assert_eq!(json["origin"], "server");
}

#[test]
fn preconditions_and_retries_are_shown() {
    let status = rich(
        Kind::FailedPrecondition,
        "the document was revoked",
        "DOCUMENT_REVOKED",
        &[],
    );
    let f = Failure::from_status(&status).hint("send a new document");
    assert_eq!(f.exit_code(), 6);
    assert_eq!(
        failure_text(&f),
        "error: FAILED_PRECONDITION (DOCUMENT_REVOKED): the document was revoked\n  \
         about: 000.00.00.H48,2026/01/02,1/X\n\
         hint: send a new document\n"
    );
    assert_eq!(
        failure_json(&f)["preconditions"][0]["type"],
        "DOCUMENT_REVOKED"
    );
    let down = Failure::from_status(&rich(
        Kind::Unavailable,
        "shutting down",
        "SHUTTING_DOWN",
        &[],
    ));
    assert!(down.is_retryable());
    assert_eq!(down.exit_code(), 7);
    assert_eq!(failure_json(&down)["retry_after_seconds"], 1.0);
    assert!(failure_text(&down).contains("\n  retry after 1.0 s\n"));
}

#[test]
fn local_failures_are_classified_by_their_cause() {
    let missing = std::fs::read("/nonexistent/lienthong/file")
        .context("attachment /nonexistent/lienthong/file")
        .unwrap_err();
    let f = Failure::of(&missing);
    assert_eq!(f.reason.as_deref(), Some("FILE_NOT_FOUND"));
    assert_eq!(f.exit_code(), 1);
    assert_eq!(f.origin, Origin::Cli);
    assert!(
        f.message
            .starts_with("attachment /nonexistent/lienthong/file: "),
        "{}",
        f.message
    );
    assert_eq!(
        failure_json(&f)["code"],
        "UNKNOWN",
        "a local failure of no other class"
    );

    let bad: anyhow::Result<()> = (|| invalid!("--as {}: not an identity", "x"))();
    let f = Failure::of(&bad.unwrap_err());
    assert_eq!(f.exit_code(), 4);
    assert_eq!(
        failure_text(&f),
        "error: INVALID_ARGUMENT (INVALID_CLI_ARGUMENT): --as x: not an identity\n"
    );
    let plain = Failure::of(&anyhow::anyhow!("the hub answered without the task"));
    assert_eq!(plain.reason.as_deref(), Some("LOCAL_ERROR"));
    assert_eq!(plain.exit_code(), 1);
}

#[test]
fn context_around_a_status_stays_in_the_message() {
    let status = Status::not_found("no such task NV-9");
    let e = anyhow::Error::new(status).context("tasks show");
    let f = Failure::of(&e);
    assert_eq!(f.code, Code::NotFound);
    assert_eq!(f.reason, None, "a status without ErrorInfo has no reason");
    assert_eq!(f.message, "tasks show: no such task NV-9");
    assert_eq!(failure_json(&f)["reason"], Value::Null);
}

#[test]
fn hints_go_to_the_failures_of_their_codes() {
    let r: Result<(), Status> = Err(Status::already_exists("taken"));
    let e = r
        .hint_on(&[Code::AlreadyExists], || "choose another --number".into())
        .unwrap_err();
    assert_eq!(Failure::of(&e).hints, ["choose another --number"]);
    let r: Result<(), Status> = Err(Status::not_found("gone"));
    let e = r
        .hint_on(&[Code::AlreadyExists], || "unused".into())
        .unwrap_err();
    assert!(Failure::of(&e).hints.is_empty());
}
