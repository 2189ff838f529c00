//! What went wrong, as the CLI reports it: a gRPC status from a service (with its
//! `google.rpc` details), or a failure of the CLI itself (an argument, a file, a connection that
//! cannot be made), each with the class that decides the exit code.
//!
//! `render.rs` words a [`Failure`] for people and as one JSON object; `transport.rs` reads
//! connection and TLS failures and says what to do about them.
use std::{fmt, time::Duration};

use tonic::{Code, Status};
use tonic_types::StatusExt;

mod render;
mod transport;

pub use render::{failure_json, failure_text};
pub use transport::{
    Target, connect_failure, key_mismatch, set_target, status_transport_failure,
    target as transport_target,
};

/// Exit status of a command-line usage error (clap's).
pub const EXIT_USAGE: u8 = 2;

/// Who raised the failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A service answered with this status.
    Server,
    /// The CLI itself (an argument, a file, a connection it could not make).
    Cli,
}

/// One malformed field of a request (`google.rpc.BadRequest.FieldViolation`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub field: String,
    pub description: String,
}

/// A protocol rule that refused the call (`google.rpc.PreconditionFailure.Violation`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Precondition {
    pub kind: String,
    pub subject: String,
    pub description: String,
}

/// A failed command, with what a person or a script needs to act on it.
#[derive(Clone, Debug)]
pub struct Failure {
    /// The gRPC code (for a failure of the CLI itself, the class it belongs to).
    pub code: Code,
    /// The stable reason (`ErrorInfo.reason`, or one of the CLI's own), when there is one.
    pub reason: Option<String>,
    pub message: String,
    pub violations: Vec<Violation>,
    pub preconditions: Vec<Precondition>,
    /// When a retry makes sense, after how long (`RetryInfo`).
    pub retry_after: Option<Duration>,
    /// What to try next.
    pub hints: Vec<String>,
    pub origin: Origin,
}

impl Failure {
    /// A failure of the CLI itself.
    pub fn cli(code: Code, reason: &str, message: impl Into<String>) -> Self {
        Failure {
            code,
            reason: Some(reason.to_string()),
            message: message.into(),
            violations: Vec::new(),
            preconditions: Vec::new(),
            retry_after: None,
            hints: Vec::new(),
            origin: Origin::Cli,
        }
    }

    /// An argument of the CLI that cannot be used (exit status 4).
    pub fn invalid(message: impl Into<String>) -> Self {
        Failure::cli(Code::InvalidArgument, "INVALID_CLI_ARGUMENT", message)
    }

    /// A local failure that is none of the other classes (exit status 1).
    pub fn local(reason: &str, message: impl Into<String>) -> Self {
        Failure::cli(Code::Unknown, reason, message)
    }

    /// Adds a hint.
    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        let hint = hint.into();
        if !self.hints.contains(&hint) {
            self.hints.push(hint);
        }
        self
    }

    /// A status a service answered, with its `google.rpc` details; a status that the transport
    /// made (the connection broke, the TLS handshake failed) is read as such.
    pub fn from_status(status: &Status) -> Self {
        if let Some(f) = status_transport_failure(status) {
            return f;
        }
        let details = status.get_error_details();
        let message = if status.message().is_empty() {
            status.code().description().to_string()
        } else {
            status.message().to_string()
        };
        Failure {
            code: status.code(),
            reason: details.error_info().map(|i| i.reason.clone()),
            message,
            violations: details
                .bad_request()
                .map(|b| {
                    b.field_violations
                        .iter()
                        .map(|v| Violation {
                            field: v.field.clone(),
                            description: v.description.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            preconditions: details
                .precondition_failure()
                .map(|p| {
                    p.violations
                        .iter()
                        .map(|v| Precondition {
                            kind: v.r#type.clone(),
                            subject: v.subject.clone(),
                            description: v.description.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            retry_after: details.retry_info().and_then(|r| r.retry_delay),
            hints: Vec::new(),
            origin: Origin::Server,
        }
    }

    /// The failure an error chain ends in: a [`Failure`] raised by the CLI, a gRPC status, or
    /// a local failure (a file, …) classified by its cause. Context added on the way up is
    /// kept in the message.
    pub fn of(e: &anyhow::Error) -> Self {
        let outer = |depth: usize| -> Vec<String> {
            e.chain().take(depth).map(ToString::to_string).collect()
        };
        for (depth, cause) in e.chain().enumerate() {
            let found = if let Some(f) = cause.downcast_ref::<Failure>() {
                Some(f.clone())
            } else {
                cause.downcast_ref::<Status>().map(Failure::from_status)
            };
            if let Some(mut f) = found {
                if depth > 0 {
                    f.message = format!("{}: {}", outer(depth).join(": "), f.message);
                }
                return f;
            }
        }
        let io = e.chain().find_map(|c| c.downcast_ref::<std::io::Error>());
        let reason = match io.map(std::io::Error::kind) {
            Some(std::io::ErrorKind::NotFound) => "FILE_NOT_FOUND",
            Some(std::io::ErrorKind::PermissionDenied) => "FILE_PERMISSION_DENIED",
            Some(_) => "IO_ERROR",
            None => "LOCAL_ERROR",
        };
        Failure::local(reason, format!("{e:#}"))
    }

    /// The exit status of the command.
    pub fn exit_code(&self) -> u8 {
        exit_code(self.code)
    }

    /// Whether trying again later may succeed (the service is down or restarting, the
    /// connection broke): what `--follow` resubscribes after.
    pub fn is_retryable(&self) -> bool {
        match self.code {
            Code::Unavailable
            | Code::DeadlineExceeded
            | Code::ResourceExhausted
            | Code::Aborted => true,
            // A broken connection surfaces as UNKNOWN, INTERNAL or CANCELLED without any of
            // the services' reasons; a service's own INTERNAL carries one and is not retried.
            Code::Unknown | Code::Internal | Code::Cancelled => {
                self.origin == Origin::Server && self.reason.is_none()
            }
            _ => false,
        }
    }
}

/// The message (the code, reason, violations and hints are rendered by `render.rs`).
impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// The exit status of a class of failure:
///
/// | status | class |
/// |---|---|
/// | 0 | success |
/// | 1 | anything else (internal, unknown, a local file, …) |
/// | 2 | usage (clap) |
/// | 3 | not found |
/// | 4 | invalid argument, out of range |
/// | 5 | unauthenticated, permission denied |
/// | 6 | already exists, failed precondition, aborted |
/// | 7 | unavailable, deadline exceeded, resource exhausted (retry later) |
pub fn exit_code(code: Code) -> u8 {
    match code {
        Code::Ok => 0,
        Code::NotFound => 3,
        Code::InvalidArgument | Code::OutOfRange => 4,
        Code::Unauthenticated | Code::PermissionDenied => 5,
        Code::AlreadyExists | Code::FailedPrecondition | Code::Aborted => 6,
        Code::Unavailable | Code::DeadlineExceeded | Code::ResourceExhausted => 7,
        Code::Cancelled | Code::Unknown | Code::Unimplemented | Code::Internal | Code::DataLoss => {
            1
        }
    }
}

/// The canonical name of a gRPC code, as in the gRPC specification (`NOT_FOUND`).
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// `anyhow::bail!` for an unusable argument of the CLI (exit status 4).
macro_rules! invalid {
    ($($arg:tt)*) => {
        return Err(anyhow::Error::new($crate::error::Failure::invalid(format!($($arg)*))))
    };
}
pub(crate) use invalid;

/// Adds hints to the failure of a result, when it is of one of `codes`.
pub trait HintExt<T> {
    /// A hint for the failures of these codes.
    fn hint_on(self, codes: &[Code], hint: impl FnOnce() -> String) -> anyhow::Result<T>;
}

impl<T, E: Into<anyhow::Error>> HintExt<T> for Result<T, E> {
    fn hint_on(self, codes: &[Code], hint: impl FnOnce() -> String) -> anyhow::Result<T> {
        self.map_err(|e| {
            let e: anyhow::Error = e.into();
            let f = Failure::of(&e);
            if codes.contains(&f.code) {
                anyhow::Error::new(f.hint(hint()))
            } else {
                e
            }
        })
    }
}

#[cfg(test)]
mod tests;
