//! Errors as a client sees them, mapped to gRPC status codes in one place.
//!
//! Each service keeps its own error enum, whose variants name its domain's rules; it implements
//! [`ApiError`] (which class of refusal, which stable reason) and converts to a
//! [`tonic::Status`] through [`to_status`]. Infrastructure failures are classified once, here,
//! as [`InfraError`]: every service answers a database outage, a lost race or an internal fault
//! the same way.
//!
//! Every status carries `google.rpc` details (AIP-193), so that clients act on structure, not
//! on text: `ErrorInfo` (the stable reason and the service's domain), `BadRequest` (every
//! malformed field), `PreconditionFailure` (a protocol rule that refused the call) and
//! `RetryInfo` (when a retry makes sense, and after how long).
use std::{collections::HashMap, fmt, time::Duration};

use lienthong_axis::error::FieldError;
use thiserror::Error;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, FieldViolation, PreconditionViolation, StatusExt};

/// The classes of refusal, one per gRPC code the services use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A malformed field: the message names the field and the rule.
    InvalidArgument,
    /// A well-formed value outside the range the state allows (e.g. a cursor past the end).
    OutOfRange,
    Unauthenticated,
    /// The identity may not do this.
    PermissionDenied,
    NotFound,
    AlreadyExists,
    /// The request is well formed but the state forbids it.
    FailedPrecondition,
    /// A concurrent change won: retry the whole call.
    Aborted,
    /// A size, count or rate limit.
    ResourceExhausted,
    /// A dependency is down, or the service is shutting down: retry later.
    Unavailable,
    /// A fault of the service itself.
    Internal,
    /// The method or service is not served here.
    Unimplemented,
}

impl Kind {
    pub fn code(self) -> Code {
        match self {
            Kind::InvalidArgument => Code::InvalidArgument,
            Kind::OutOfRange => Code::OutOfRange,
            Kind::Unauthenticated => Code::Unauthenticated,
            Kind::PermissionDenied => Code::PermissionDenied,
            Kind::NotFound => Code::NotFound,
            Kind::AlreadyExists => Code::AlreadyExists,
            Kind::FailedPrecondition => Code::FailedPrecondition,
            Kind::Aborted => Code::Aborted,
            Kind::ResourceExhausted => Code::ResourceExhausted,
            Kind::Unavailable => Code::Unavailable,
            Kind::Internal => Code::Internal,
            Kind::Unimplemented => Code::Unimplemented,
        }
    }
}

/// What every service's error tells the one mapping to gRPC.
pub trait ApiError: std::error::Error {
    /// The class of refusal (the gRPC code).
    fn kind(&self) -> Kind;
    /// A stable UPPER_SNAKE_CASE name of the rule that refused the call, for clients to match
    /// on instead of the message (documented in `docs/errors.md`).
    fn reason(&self) -> &'static str;
    /// The malformed fields, when the refusal is about fields.
    fn violations(&self) -> &[FieldError] {
        &[]
    }
    /// The `ErrorInfo` domain: the service that refused, e.g. `exchange.lienthong`.
    fn domain(&self) -> &'static str {
        "lienthong"
    }
    /// What a refused precondition is about (a DocumentId, a task id), for `PreconditionFailure`.
    fn subject(&self) -> String {
        String::new()
    }
    /// When retrying makes sense, after how long (`RetryInfo`). By default: a dependency that is
    /// down after a second, a lost race at once; nothing else.
    fn retry_after(&self) -> Option<Duration> {
        match self.kind() {
            Kind::Unavailable => Some(Duration::from_secs(1)),
            Kind::Aborted => Some(Duration::ZERO),
            _ => None,
        }
    }
}

/// Every malformed field of one request, reported at once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Violations(Vec<FieldError>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, field: impl Into<String>, rule: impl Into<String>) {
        self.0.push(FieldError::new(field, rule));
    }

    pub fn add(&mut self, e: FieldError) {
        self.0.push(e);
    }

    /// Keeps the value of a check, or records its violation and returns `None`.
    pub fn check<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn as_slice(&self) -> &[FieldError] {
        &self.0
    }

    /// The violations a refusal reports: as many as fit in [`REPORTED_BYTES`], at least one.
    /// A status travels in HTTP/2 trailers, which clients cap (tonic at 16 KiB): a request with
    /// a thousand bad fields must still get its refusal, not a protocol error.
    pub fn reported(&self) -> &[FieldError] {
        let mut total = 0;
        for (i, e) in self.0.iter().enumerate() {
            total += e.field.len() + e.rule.len() + 4;
            if i > 0 && total > REPORTED_BYTES {
                return &self.0[..i];
            }
        }
        &self.0
    }

    /// `Ok` when nothing was violated.
    pub fn into_result(self) -> Result<(), Violations> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl From<FieldError> for Violations {
    fn from(e: FieldError) -> Self {
        Violations(vec![e])
    }
}

/// How much of a refusal's violations is reported, in bytes (the rest is counted).
pub const REPORTED_BYTES: usize = 2048;

/// The longest message a status carries, in bytes (cut at a character boundary).
pub const MAX_MESSAGE_BYTES: usize = 4096;

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reported = self.reported();
        for (i, v) in reported.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{v}")?;
        }
        if reported.len() < self.0.len() {
            write!(
                f,
                "; … and {} more malformed fields not shown",
                self.0.len() - reported.len()
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

impl ApiError for Violations {
    fn kind(&self) -> Kind {
        Kind::InvalidArgument
    }
    fn reason(&self) -> &'static str {
        "INVALID_FIELD"
    }
    fn violations(&self) -> &[FieldError] {
        self.reported()
    }
}

/// A boxed source error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An infrastructure failure, the same in every service.
#[derive(Debug, Error)]
pub enum InfraError {
    /// The database cannot be reached: the client retries later. The driver's text stays in
    /// the logs (it can name hosts and users).
    #[error("the database is unavailable, retry later")]
    DatabaseUnavailable(#[source] sqlx::Error),
    /// A unique violation or a lost optimistic-concurrency race: another call changed the same
    /// record first. Retrying the whole call is safe.
    #[error("a concurrent change to the same record won; retry")]
    Conflict(#[source] BoxError),
    /// Local storage (the disk) failed.
    #[error("the {what} is unavailable, retry later")]
    StorageUnavailable {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// A fault of the service: logged with its source, shown as a plain INTERNAL.
    #[error("internal error")]
    Internal(#[source] BoxError),
}

impl InfraError {
    /// A lost race detected by the service itself (e.g. an optimistic version check).
    pub fn conflict(what: impl Into<String>) -> Self {
        InfraError::Conflict(what.into().into())
    }

    /// An internal fault with a description for the logs.
    pub fn internal(what: impl Into<String>) -> Self {
        InfraError::Internal(what.into().into())
    }

    /// Whether the database is unreachable (as opposed to a fault in the request or the data).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            InfraError::DatabaseUnavailable(_) | InfraError::StorageUnavailable { .. }
        )
    }
}

impl From<sqlx::Error> for InfraError {
    fn from(e: sqlx::Error) -> Self {
        if crate::db::is_unavailable(&e) {
            InfraError::DatabaseUnavailable(e)
        } else if crate::db::is_conflict(&e) {
            InfraError::Conflict(Box::new(e))
        } else {
            InfraError::Internal(Box::new(e))
        }
    }
}

impl ApiError for InfraError {
    fn kind(&self) -> Kind {
        match self {
            InfraError::DatabaseUnavailable(_) | InfraError::StorageUnavailable { .. } => {
                Kind::Unavailable
            }
            InfraError::Conflict(_) => Kind::Aborted,
            InfraError::Internal(_) => Kind::Internal,
        }
    }
    fn reason(&self) -> &'static str {
        match self {
            InfraError::DatabaseUnavailable(_) => "DATABASE_UNAVAILABLE",
            InfraError::StorageUnavailable { .. } => "STORAGE_UNAVAILABLE",
            InfraError::Conflict(_) => "CONCURRENT_CHANGE",
            InfraError::Internal(_) => "INTERNAL",
        }
    }
}

/// The source chain of an error, for logs.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        out.push_str(": ");
        out.push_str(&s.to_string());
        cur = s.source();
    }
    out
}

/// The one mapping from an error to what the client receives. Internal faults are logged with
/// their source chain and shown as a plain `internal error`; unavailable dependencies are logged
/// at WARN; everything else is the client's to fix and is not logged here.
pub fn to_status<E: ApiError + 'static>(e: &E) -> Status {
    let kind = e.kind();
    {
        // On the RPC's span (the current one in a handler): the stable reason is the axis's
        // fault code, which operators filter on.
        use tracing_opentelemetry::OpenTelemetrySpanExt as _;
        let span = tracing::Span::current();
        span.set_attribute("lienthong.fault_code", e.reason());
        span.set_attribute("lienthong.succeeded", false);
    }
    match kind {
        Kind::Internal => {
            tracing::error!(reason = e.reason(), error = %chain(e), "internal error");
        }
        Kind::Unavailable | Kind::Aborted => {
            tracing::warn!(reason = e.reason(), error = %chain(e), "call failed, the client may retry");
        }
        _ => {}
    }
    status_with_details(
        kind,
        e.to_string(),
        &Details {
            reason: e.reason(),
            domain: e.domain(),
            violations: e.violations(),
            subject: e.subject(),
            retry_after: e.retry_after(),
        },
    )
}

/// What goes into a status's `google.rpc` details.
pub struct Details<'a> {
    pub reason: &'static str,
    pub domain: &'static str,
    pub violations: &'a [FieldError],
    pub subject: String,
    pub retry_after: Option<Duration>,
}

/// A status with its details, for refusals that are not a service's error (the platform's
/// authorization, a stream ended by shutdown).
pub fn status_with_details(kind: Kind, mut message: String, d: &Details<'_>) -> Status {
    if message.len() > MAX_MESSAGE_BYTES {
        let mut cut = MAX_MESSAGE_BYTES;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
        message.push('…');
    }
    let mut details = ErrorDetails::with_error_info(d.reason, d.domain, HashMap::new());
    if !d.violations.is_empty() {
        details.set_bad_request(
            d.violations
                .iter()
                .map(|v| FieldViolation {
                    field: v.field.clone(),
                    description: v.rule.clone(),
                    reason: d.reason.to_string(),
                    localized_message: None,
                })
                .collect::<Vec<_>>(),
        );
    }
    if kind == Kind::FailedPrecondition {
        details.set_precondition_failure(vec![PreconditionViolation::new(
            d.reason,
            d.subject.clone(),
            message.clone(),
        )]);
    }
    if let Some(delay) = d.retry_after {
        details.set_retry_info(Some(delay));
    }
    Status::with_error_details(kind.code(), message, details)
}

/// The reason of a status from any lienthong service (its `ErrorInfo`), if it has one.
pub fn reason_of(status: &Status) -> Option<String> {
    status
        .get_error_details()
        .error_info()
        .map(|i| i.reason.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violations_are_reported_together() {
        let mut v = Violations::new();
        v.push("to[0].code", "is required");
        assert_eq!(
            v.check::<u8>(Err(FieldError::new("subject", "is required"))),
            None
        );
        assert_eq!(v.check::<u8>(Ok(3)), Some(3));
        let status = to_status(&v);
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(
            status.message(),
            "to[0].code: is required; subject: is required"
        );
        assert_eq!(v.violations().len(), 2);
        let details = status.get_error_details();
        let bad = details.bad_request().expect("BadRequest");
        assert_eq!(
            bad.field_violations.len(),
            2,
            "every violation, not the first"
        );
        assert_eq!(bad.field_violations[1].field, "subject");
        assert_eq!(reason_of(&status).as_deref(), Some("INVALID_FIELD"));
        assert!(
            details.retry_info().is_none(),
            "no retry for a malformed request"
        );
        assert!(Violations::new().into_result().is_ok());
    }

    #[test]
    fn a_flood_of_violations_still_fits_in_a_status() {
        let mut v = Violations::new();
        for i in 0..1000 {
            v.push(format!("recipients[{i}].code"), "x".repeat(100));
        }
        let status = to_status(&v);
        assert!(status.message().len() <= MAX_MESSAGE_BYTES + 4);
        assert!(status.message().contains("more malformed fields not shown"));
        let shown = status
            .get_error_details()
            .bad_request()
            .map(|b| b.field_violations.len());
        assert!(shown.is_some_and(|n| (1..1000).contains(&n)), "{shown:?}");
        let one = Violations::from(FieldError::new("f", "y".repeat(10_000)));
        assert_eq!(one.reported().len(), 1, "at least one is reported");
        assert!(to_status(&one).message().len() <= MAX_MESSAGE_BYTES + 4);
    }

    #[test]
    fn infrastructure_failures_map_the_same_everywhere() {
        let down = InfraError::from(sqlx::Error::PoolTimedOut);
        let status = to_status(&down);
        assert_eq!(status.code(), Code::Unavailable);
        assert_eq!(status.message(), "the database is unavailable, retry later");
        assert_eq!(down.reason(), "DATABASE_UNAVAILABLE");
        assert_eq!(reason_of(&status).as_deref(), Some("DATABASE_UNAVAILABLE"));
        let retry = status.get_error_details().retry_info().cloned();
        assert!(
            retry.is_some_and(|r| r.retry_delay.is_some()),
            "RetryInfo on UNAVAILABLE"
        );

        let race = InfraError::conflict("report 7 changed");
        assert_eq!(to_status(&race).code(), Code::Aborted);

        let bug = InfraError::from(sqlx::Error::RowNotFound);
        let status = to_status(&bug);
        assert_eq!(status.code(), Code::Internal);
        assert_eq!(status.message(), "internal error", "no driver text leaks");
        assert!(
            std::error::Error::source(&bug).is_some(),
            "the source is kept"
        );
    }
}
