//! The exchange's errors, and their one mapping to gRPC status codes.
use thiserror::Error;
use tonic::{Code, Status};

#[derive(Debug, Error)]
pub enum ExchangeError {
    /// A malformed field: names the field and the rule.
    #[error("{field}: {rule}")]
    InvalidArgument { field: String, rule: String },
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    AlreadyExists(String),
    /// The request is well formed but the state forbids it (secret document, transition).
    #[error("{0}")]
    FailedPrecondition(String),
    #[error("{0}")]
    ResourceExhausted(String),
    /// A dependency (the database, the disk) is down: retry.
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ExchangeError {
    pub fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        ExchangeError::InvalidArgument {
            field: field.into(),
            rule: rule.into(),
        }
    }
}

impl From<sqlx::Error> for ExchangeError {
    fn from(e: sqlx::Error) -> Self {
        if lienthong_platform::db::is_unavailable(&e) {
            ExchangeError::Unavailable(format!("the database is unavailable, retry later: {e}"))
        } else {
            tracing::error!(error = %e, "database error");
            ExchangeError::Internal("database error".into())
        }
    }
}

impl From<ExchangeError> for Status {
    fn from(e: ExchangeError) -> Self {
        let code = match &e {
            ExchangeError::InvalidArgument { .. } => Code::InvalidArgument,
            ExchangeError::PermissionDenied(_) => Code::PermissionDenied,
            ExchangeError::NotFound(_) => Code::NotFound,
            ExchangeError::AlreadyExists(_) => Code::AlreadyExists,
            ExchangeError::FailedPrecondition(_) => Code::FailedPrecondition,
            ExchangeError::ResourceExhausted(_) => Code::ResourceExhausted,
            ExchangeError::Unavailable(_) => Code::Unavailable,
            ExchangeError::Internal(_) => Code::Internal,
        };
        Status::new(code, e.to_string())
    }
}

pub type Result<T, E = ExchangeError> = std::result::Result<T, E>;
