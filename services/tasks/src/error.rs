//! The tasks service's errors, and their one mapping to gRPC status codes.
use thiserror::Error;
use tonic::{Code, Status};

#[derive(Debug, Error)]
pub enum TasksError {
    /// A malformed field: names the field and the rule.
    #[error("{field}: {rule}")]
    InvalidArgument { field: String, rule: String },
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    AlreadyExists(String),
    /// The request is well formed but the task's state forbids it.
    #[error("{0}")]
    FailedPrecondition(String),
    /// A dependency (the database) is down: retry.
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl TasksError {
    pub fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        TasksError::InvalidArgument {
            field: field.into(),
            rule: rule.into(),
        }
    }
}

impl From<sqlx::Error> for TasksError {
    fn from(e: sqlx::Error) -> Self {
        if lienthong_platform::db::is_unavailable(&e) {
            TasksError::Unavailable(format!("the database is unavailable, retry later: {e}"))
        } else {
            tracing::error!(error = %e, "database error");
            TasksError::Internal("database error".into())
        }
    }
}

impl From<TasksError> for Status {
    fn from(e: TasksError) -> Self {
        let code = match &e {
            TasksError::InvalidArgument { .. } => Code::InvalidArgument,
            TasksError::PermissionDenied(_) => Code::PermissionDenied,
            TasksError::NotFound(_) => Code::NotFound,
            TasksError::AlreadyExists(_) => Code::AlreadyExists,
            TasksError::FailedPrecondition(_) => Code::FailedPrecondition,
            TasksError::Unavailable(_) => Code::Unavailable,
            TasksError::Internal(_) => Code::Internal,
        };
        Status::new(code, e.to_string())
    }
}

pub type Result<T, E = TasksError> = std::result::Result<T, E>;
