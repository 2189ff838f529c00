//! Errors as a client sees them, mapped to gRPC status codes in one place.
//!
//! Each service keeps its own error enum, whose variants name its domain's rules; it implements
//! [`ApiError`] (which class of refusal, which stable reason) and converts to a
//! [`tonic::Status`] through [`to_status`]. Infrastructure failures are classified once, here,
//! as [`InfraError`]: every service answers a database outage, a lost race or an internal fault
//! the same way.
use std::fmt;

use lienthong_axis::error::FieldError;
use thiserror::Error;
use tonic::{Code, Status};

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

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{v}")?;
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
        &self.0
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
    match kind {
        Kind::Internal => {
            tracing::error!(reason = e.reason(), error = %chain(e), "internal error");
        }
        Kind::Unavailable | Kind::Aborted => {
            tracing::warn!(reason = e.reason(), error = %chain(e), "call failed, the client may retry");
        }
        _ => {}
    }
    Status::new(kind.code(), e.to_string())
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
        assert!(Violations::new().into_result().is_ok());
    }

    #[test]
    fn infrastructure_failures_map_the_same_everywhere() {
        let down = InfraError::from(sqlx::Error::PoolTimedOut);
        let status = to_status(&down);
        assert_eq!(status.code(), Code::Unavailable);
        assert_eq!(status.message(), "the database is unavailable, retry later");
        assert_eq!(down.reason(), "DATABASE_UNAVAILABLE");

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
