//! The tasks service's refusals: one variant per rule, each with its gRPC class and a stable
//! reason (listed in `docs/errors.md`). Infrastructure failures are classified once, by
//! the platform ([`InfraError`]).
//!
//! This module names the parties and states by their printed names only, so that the domain,
//! which raises most of these errors, does not import it back.
use lienthong_axis::{FieldError, TaskId};
use lienthong_platform::{
    Identity,
    error::{ApiError, InfraError, Kind, Violations, to_status},
    limits::LimitReached,
};
use thiserror::Error;
use tonic::Status;

#[derive(Debug, Error)]
pub enum TasksError {
    /// Malformed fields, all of them at once: each names the field and the rule (as many as a
    /// status carries: `Violations::reported`).
    #[error("{0}")]
    Invalid(#[from] Violations),

    /// The lead agency's progress report carries no percentage (the field, for `BadRequest`).
    #[error("{0}")]
    PercentRequired(FieldError),

    /// A coordinating agency sent a percentage with its note.
    #[error("{0}")]
    PercentFromCoordinator(FieldError),

    /// The requested deadline is not later than the current one.
    #[error("{0}")]
    DeadlineNotLater(FieldError),

    /// No such task, or the caller takes no part in it (the two are not told apart, so that
    /// task ids reveal nothing).
    #[error("task_id: no task {task_id} (or it is not assigned to, led or coordinated by you)")]
    TaskNotFound { task_id: TaskId },

    /// The caller's role in the task does not allow the action.
    #[error("task_id: only {allowed} may {action} on {task_id}; you are {role}")]
    RoleNotAllowed {
        allowed: &'static str,
        action: &'static str,
        task_id: TaskId,
        role: &'static str,
    },

    /// Progress comes from the lead agency, notes from coordinating agencies, nobody else.
    #[error(
        "task_id: only the lead agency reports progress and coordinating agencies add notes on \
         {task_id}; you are {role}"
    )]
    NotLeadOrCoordinator { task_id: TaskId, role: &'static str },

    /// The identity kind may not make this call (the policy normally refuses it first).
    #[error("{identity} is {expected}")]
    IdentityNotAllowed {
        identity: Identity,
        /// e.g. "not a service", "neither an agency nor an admin".
        expected: &'static str,
    },

    /// The task's workflow state does not allow the action.
    #[error("task_id: cannot {action} on {task_id} while it is {state}")]
    TransitionRefused {
        action: &'static str,
        task_id: TaskId,
        state: &'static str,
    },

    /// An extension already awaits the assigner's decision.
    #[error("task_id: an extension of {task_id} is already awaiting the assigner's decision")]
    ExtensionPending { task_id: TaskId },

    /// A task without a deadline cannot be extended.
    #[error("task_id: {task_id} has no deadline to extend")]
    NoDeadline { task_id: TaskId },

    /// There is no pending extension to decide.
    #[error("task_id: no extension of {task_id} awaits a decision")]
    NoPendingExtension { task_id: TaskId },

    /// An assigner gave the same source document to the same lead agency twice.
    #[error(
        "source_document_id: {source_document_id} already assigned task {task_id} to \
         {lead_agency}"
    )]
    SourceAlreadyAssigned {
        source_document_id: String,
        task_id: TaskId,
        lead_agency: String,
    },

    /// A limit of the service (an agency's open event streams) is reached: retry later.
    #[error(transparent)]
    Limit(#[from] LimitReached),

    #[error(transparent)]
    Infra(#[from] InfraError),
}

impl TasksError {
    /// The lead agency reported progress without a percentage.
    pub fn percent_required() -> Self {
        TasksError::PercentRequired(FieldError::new(
            "percent",
            "is required in the lead agency's progress report (0–100)",
        ))
    }

    /// A coordinating agency sent a percentage with its note.
    pub fn percent_from_coordinator() -> Self {
        TasksError::PercentFromCoordinator(FieldError::new(
            "percent",
            "only the lead agency reports a percentage; a coordinating agency adds a note \
             without one",
        ))
    }

    /// An extension asked for `new`, not after the `current` deadline (both yyyy-MM-dd).
    pub fn deadline_not_later(new: &str, current: &str) -> Self {
        TasksError::DeadlineNotLater(FieldError::new(
            "new_deadline",
            format!("{new} is not after the current deadline {current}"),
        ))
    }

    /// The task the refusal is about, if it is about one.
    fn task_id(&self) -> Option<TaskId> {
        match self {
            TasksError::TaskNotFound { task_id }
            | TasksError::RoleNotAllowed { task_id, .. }
            | TasksError::NotLeadOrCoordinator { task_id, .. }
            | TasksError::TransitionRefused { task_id, .. }
            | TasksError::ExtensionPending { task_id }
            | TasksError::NoDeadline { task_id }
            | TasksError::NoPendingExtension { task_id }
            | TasksError::SourceAlreadyAssigned { task_id, .. } => Some(*task_id),
            _ => None,
        }
    }
}

impl From<FieldError> for TasksError {
    fn from(e: FieldError) -> Self {
        TasksError::Invalid(e.into())
    }
}

impl From<sqlx::Error> for TasksError {
    fn from(e: sqlx::Error) -> Self {
        TasksError::Infra(e.into())
    }
}

impl ApiError for TasksError {
    fn kind(&self) -> Kind {
        match self {
            TasksError::Invalid(_)
            | TasksError::PercentRequired(_)
            | TasksError::PercentFromCoordinator(_)
            | TasksError::DeadlineNotLater(_) => Kind::InvalidArgument,
            TasksError::TaskNotFound { .. } => Kind::NotFound,
            TasksError::RoleNotAllowed { .. }
            | TasksError::NotLeadOrCoordinator { .. }
            | TasksError::IdentityNotAllowed { .. } => Kind::PermissionDenied,
            TasksError::TransitionRefused { .. }
            | TasksError::ExtensionPending { .. }
            | TasksError::NoDeadline { .. }
            | TasksError::NoPendingExtension { .. } => Kind::FailedPrecondition,
            TasksError::SourceAlreadyAssigned { .. } => Kind::AlreadyExists,
            TasksError::Limit(e) => e.kind(),
            TasksError::Infra(e) => e.kind(),
        }
    }

    fn reason(&self) -> &'static str {
        match self {
            TasksError::Invalid(v) => v.reason(),
            TasksError::PercentRequired(_) => "PERCENT_REQUIRED",
            TasksError::PercentFromCoordinator(_) => "PERCENT_FROM_COORDINATOR",
            TasksError::DeadlineNotLater(_) => "DEADLINE_NOT_LATER",
            TasksError::TaskNotFound { .. } => "TASK_NOT_FOUND",
            TasksError::RoleNotAllowed { .. } => "ROLE_NOT_ALLOWED",
            TasksError::NotLeadOrCoordinator { .. } => "NOT_LEAD_OR_COORDINATOR",
            TasksError::IdentityNotAllowed { .. } => "IDENTITY_NOT_ALLOWED",
            TasksError::TransitionRefused { .. } => "TRANSITION_REFUSED",
            TasksError::ExtensionPending { .. } => "EXTENSION_PENDING",
            TasksError::NoDeadline { .. } => "NO_DEADLINE",
            TasksError::NoPendingExtension { .. } => "NO_PENDING_EXTENSION",
            TasksError::SourceAlreadyAssigned { .. } => "SOURCE_ALREADY_ASSIGNED",
            TasksError::Limit(e) => e.reason(),
            TasksError::Infra(e) => e.reason(),
        }
    }

    /// A limit: after a second; otherwise as the platform says for the class.
    fn retry_after(&self) -> Option<std::time::Duration> {
        match self.kind() {
            Kind::ResourceExhausted | Kind::Unavailable => Some(std::time::Duration::from_secs(1)),
            Kind::Aborted => Some(std::time::Duration::ZERO),
            _ => None,
        }
    }

    /// Every malformed field: those collected, or the one field a rule of the task refused.
    fn violations(&self) -> &[FieldError] {
        match self {
            TasksError::Invalid(v) => v.reported(),
            TasksError::PercentRequired(e)
            | TasksError::PercentFromCoordinator(e)
            | TasksError::DeadlineNotLater(e) => std::slice::from_ref(e),
            _ => &[],
        }
    }

    fn domain(&self) -> &'static str {
        "tasks.lienthong"
    }

    /// The task a refused precondition (its state, its extensions) is about.
    fn subject(&self) -> String {
        self.task_id().map(|id| id.to_string()).unwrap_or_default()
    }
}

impl From<TasksError> for Status {
    fn from(e: TasksError) -> Status {
        to_status(&e)
    }
}

pub type Result<T, E = TasksError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use lienthong_platform::error::reason_of;
    use tonic::Code;
    use tonic_types::StatusExt;

    use super::*;

    #[test]
    fn classes_reasons_and_messages() {
        let id = TaskId::from_seq(7);
        let e = TasksError::TransitionRefused {
            action: "submit the result",
            task_id: id,
            state: "paused",
        };
        assert_eq!(e.reason(), "TRANSITION_REFUSED");
        let s = Status::from(e);
        assert_eq!(s.code(), Code::FailedPrecondition);
        assert_eq!(
            s.message(),
            "task_id: cannot submit the result on NV-7 while it is paused"
        );
        let details = s.get_error_details();
        let info = details.error_info().expect("ErrorInfo");
        assert_eq!(
            (info.reason.as_str(), info.domain.as_str()),
            ("TRANSITION_REFUSED", "tasks.lienthong")
        );
        let precondition = details.precondition_failure().expect("PreconditionFailure");
        assert_eq!(precondition.violations[0].subject, "NV-7");
        assert_eq!(precondition.violations[0].r#type, "TRANSITION_REFUSED");
        let nf = Status::from(TasksError::TaskNotFound { task_id: id });
        assert_eq!(nf.code(), Code::NotFound);
        assert!(nf.message().starts_with("task_id: no task NV-7"));
        let mut v = Violations::new();
        v.push("content", "is required (what is to be done)");
        v.push("deadline", "\"x\" is not a date yyyy-MM-dd");
        let e = TasksError::from(v);
        assert_eq!(e.violations().len(), 2);
        let s = Status::from(e);
        assert_eq!(s.code(), Code::InvalidArgument);
        assert_eq!(
            s.message(),
            "content: is required (what is to be done); deadline: \"x\" is not a date yyyy-MM-dd"
        );
        let e = TasksError::percent_required();
        assert_eq!(e.violations().len(), 1, "the field, for BadRequest");
        let s = Status::from(e);
        assert_eq!(reason_of(&s).as_deref(), Some("PERCENT_REQUIRED"));
        let bad = s
            .get_error_details()
            .bad_request()
            .cloned()
            .expect("BadRequest");
        assert_eq!(bad.field_violations[0].field, "percent");
        let race = TasksError::from(InfraError::conflict("task NV-7 changed"));
        assert_eq!(race.reason(), "CONCURRENT_CHANGE");
        assert_eq!(Status::from(race).code(), Code::Aborted);
        let mut many = Violations::new();
        for i in 0..500 {
            many.push(format!("coordinating_agencies[{i}]"), "x".repeat(100));
        }
        let e = TasksError::from(many);
        let shown = e.violations().len();
        assert!((10..500).contains(&shown), "{shown}");
        let s = Status::from(e);
        assert!(
            s.message().len() < lienthong_platform::error::REPORTED_BYTES + 200,
            "{}",
            s.message().len()
        );
        assert!(
            s.message().ends_with(&format!(
                "; … and {} more malformed fields not shown",
                500 - shown
            )),
            "{}",
            s.message()
        );
        let down = TasksError::from(sqlx::Error::PoolTimedOut);
        let s = Status::from(down);
        assert_eq!(s.code(), Code::Unavailable);
        assert_eq!(s.message(), "the database is unavailable, retry later");
    }
}
