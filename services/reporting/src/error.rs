//! The reporting service's errors, and their one mapping to gRPC status codes.
use thiserror::Error;
use tonic::{Code, Status};

#[derive(Debug, Error)]
pub enum ReportingError {
    /// A malformed field: names the field and the rule.
    #[error("{field}: {rule}")]
    InvalidArgument { field: String, rule: String },
    /// Several malformed fields at once (a report's values): each names its field.
    #[error("{}", .0.iter().map(|(f, r)| format!("{f}: {r}")).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<(String, String)>),
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    AlreadyExists(String),
    /// The request is well formed but the state forbids it (a transition, a closed period).
    #[error("{0}")]
    FailedPrecondition(String),
    #[error("{0}")]
    ResourceExhausted(String),
    /// A dependency (the database) is down, or a concurrent change won: retry.
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ReportingError {
    pub fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        ReportingError::InvalidArgument {
            field: field.into(),
            rule: rule.into(),
        }
    }
}

impl From<sqlx::Error> for ReportingError {
    fn from(e: sqlx::Error) -> Self {
        if lienthong_platform::db::is_unavailable(&e) {
            ReportingError::Unavailable(format!("the database is unavailable, retry later: {e}"))
        } else if lienthong_platform::db::is_unique_violation(&e) {
            ReportingError::Unavailable("a concurrent change won; retry".into())
        } else {
            tracing::error!(error = %e, "database error");
            ReportingError::Internal("database error".into())
        }
    }
}

impl From<ReportingError> for Status {
    fn from(e: ReportingError) -> Self {
        let code = match &e {
            ReportingError::InvalidArgument { .. } | ReportingError::Invalid(_) => {
                Code::InvalidArgument
            }
            ReportingError::PermissionDenied(_) => Code::PermissionDenied,
            ReportingError::NotFound(_) => Code::NotFound,
            ReportingError::AlreadyExists(_) => Code::AlreadyExists,
            ReportingError::FailedPrecondition(_) => Code::FailedPrecondition,
            ReportingError::ResourceExhausted(_) => Code::ResourceExhausted,
            ReportingError::Unavailable(_) => Code::Unavailable,
            ReportingError::Internal(_) => Code::Internal,
        };
        Status::new(code, e.to_string())
    }
}

pub type Result<T, E = ReportingError> = std::result::Result<T, E>;
