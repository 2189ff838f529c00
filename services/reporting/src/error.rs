//! The reporting service's refusals: one variant per rule, each with its gRPC class and a stable
//! reason (listed in `docs/errors.md`). Infrastructure failures are classified once,
//! by the platform ([`InfraError`]).
use std::fmt;

use lienthong_api::reporting::v1::ReportStatus;
use lienthong_axis::{AgencyCode, FieldError};
use lienthong_platform::{
    Identity,
    error::{ApiError, InfraError, Kind, Violations, to_status},
};
use thiserror::Error;
use tonic::Status;

/// What a workflow step would have done to a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Change its values (SaveDraft).
    Change,
    /// Submit or resubmit it.
    Submit,
    /// Accept it (the owner).
    Accept,
    /// Return it to the submitter (the owner).
    Return,
}

impl Step {
    /// The verb, as in "only the owner may accept its reports".
    pub fn verb(self) -> &'static str {
        match self {
            Step::Change => "change",
            Step::Submit => "submit",
            Step::Accept => "accept",
            Step::Return => "return",
        }
    }
}

/// The name of a status in messages and exports: `none`, `draft`, `submitted`, `accepted`,
/// `returned`.
pub fn status_name(s: ReportStatus) -> &'static str {
    match s {
        ReportStatus::Unspecified => "none",
        ReportStatus::Draft => "draft",
        ReportStatus::Submitted => "submitted",
        ReportStatus::Accepted => "accepted",
        ReportStatus::Returned => "returned",
    }
}

/// Which report a refusal is about: the regime, the period and the submitting agency, written
/// `KH61/2026-Q1/000.00.12.H48` (the `PreconditionFailure` subject).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportKey {
    pub regime_code: String,
    pub period: String,
    pub agency: AgencyCode,
}

impl ReportKey {
    pub fn new(regime_code: &str, period: &str, agency: &AgencyCode) -> Self {
        ReportKey {
            regime_code: regime_code.to_string(),
            period: period.to_string(),
            agency: agency.clone(),
        }
    }
}

impl fmt::Display for ReportKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.regime_code, self.period, self.agency)
    }
}

fn refused(from: ReportStatus, step: Step) -> String {
    let from = status_name(from);
    match step {
        Step::Change => {
            format!("the report is {from}; only a draft or a returned report can be changed")
        }
        Step::Submit => format!(
            "the report is already {from}; only a draft or a returned report can be submitted"
        ),
        Step::Accept => format!("the report is {from}; only a submitted report can be accepted"),
        Step::Return => format!("the report is {from}; only a submitted report can be returned"),
    }
}

#[derive(Debug, Error)]
pub enum ReportingError {
    /// Malformed fields of a request, all of them: each names its field and rule (as many as
    /// a status carries: `Violations::reported`).
    #[error("{0}")]
    Invalid(#[source] Violations),
    /// A report's values break their indicators' rules (at submission): each names its
    /// indicator.
    #[error("{0}")]
    InvalidValues(#[source] Violations),
    #[error("regime_code: no regime {code:?}")]
    RegimeNotFound { code: String },
    #[error(
        "no report of {} for regime {}, period {}",
        report.agency, report.regime_code, report.period
    )]
    ReportNotFound { report: ReportKey },
    #[error("regime.code: a regime {code} already exists")]
    RegimeExists { code: String },
    /// An agency creates only the regimes it owns (admins any).
    #[error(
        "regime.owner: {caller} may not create a regime owned by {owner}; an agency creates its \
         own regimes (admins any)"
    )]
    RegimeOfAnotherOwner {
        caller: Identity,
        regime: String,
        owner: String,
    },
    #[error("agency {agency} is not a submitter of regime {regime}")]
    NotASubmitter { agency: AgencyCode, regime: String },
    /// Only the regime's owner accepts and returns its reports.
    #[error(
        "only the owner of regime {regime} ({owner}) may {} its reports; {caller} is not",
        step.verb()
    )]
    NotTheOwner {
        regime: String,
        owner: String,
        caller: AgencyCode,
        step: Step,
    },
    #[error(
        "{caller} may not read the report of {}: only the submitter, the owner of regime {} and \
         admins may",
        report.agency, report.regime_code
    )]
    ReportHidden { caller: Identity, report: ReportKey },
    #[error(
        "{caller} may not see the compliance of regime {regime}: only its owner ({owner}) and \
         admins may"
    )]
    ComplianceHidden {
        caller: Identity,
        regime: String,
        owner: String,
    },
    /// Statistics come from services (the caller's service name is their source).
    #[error("{caller} is not a service; only services push statistics")]
    NotAService { caller: Identity },
    #[error("period: {} has not started; its window opens on {opens}", report.period)]
    PeriodNotStarted { report: ReportKey, opens: String },
    /// SubmitReport before any SaveDraft.
    #[error("there is no draft to submit; create one first (SaveDraft)")]
    NoDraft { report: ReportKey },
    /// The workflow does not allow `step` from the report's status.
    #[error("{}", refused(*from, *step))]
    TransitionRefused {
        report: ReportKey,
        from: ReportStatus,
        step: Step,
    },
    #[error("values: {count} values in one call, at most {max} are allowed")]
    TooManyValues { count: usize, max: usize },
    #[error(transparent)]
    Infra(#[from] InfraError),
}

impl ReportingError {
    /// One malformed field.
    pub fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        ReportingError::Invalid(FieldError::new(field, rule).into())
    }
}

impl From<Violations> for ReportingError {
    fn from(v: Violations) -> Self {
        ReportingError::Invalid(v)
    }
}

impl From<FieldError> for ReportingError {
    fn from(e: FieldError) -> Self {
        ReportingError::Invalid(e.into())
    }
}

impl From<sqlx::Error> for ReportingError {
    fn from(e: sqlx::Error) -> Self {
        ReportingError::Infra(InfraError::from(e))
    }
}

impl ApiError for ReportingError {
    fn kind(&self) -> Kind {
        use ReportingError::*;
        match self {
            Invalid(_) | InvalidValues(_) => Kind::InvalidArgument,
            RegimeNotFound { .. } | ReportNotFound { .. } => Kind::NotFound,
            RegimeExists { .. } => Kind::AlreadyExists,
            RegimeOfAnotherOwner { .. }
            | NotASubmitter { .. }
            | NotTheOwner { .. }
            | ReportHidden { .. }
            | ComplianceHidden { .. }
            | NotAService { .. } => Kind::PermissionDenied,
            PeriodNotStarted { .. } | NoDraft { .. } | TransitionRefused { .. } => {
                Kind::FailedPrecondition
            }
            TooManyValues { .. } => Kind::ResourceExhausted,
            Infra(e) => e.kind(),
        }
    }

    fn reason(&self) -> &'static str {
        use ReportingError::*;
        match self {
            Invalid(_) => "INVALID_FIELD",
            InvalidValues(_) => "INVALID_REPORT_VALUES",
            RegimeNotFound { .. } => "REGIME_NOT_FOUND",
            ReportNotFound { .. } => "REPORT_NOT_FOUND",
            RegimeExists { .. } => "REGIME_EXISTS",
            RegimeOfAnotherOwner { .. } => "REGIME_OF_ANOTHER_OWNER",
            NotASubmitter { .. } => "NOT_A_SUBMITTER",
            NotTheOwner { .. } => "NOT_THE_OWNER",
            ReportHidden { .. } => "REPORT_NOT_VISIBLE",
            ComplianceHidden { .. } => "COMPLIANCE_NOT_VISIBLE",
            NotAService { .. } => "NOT_A_SERVICE",
            PeriodNotStarted { .. } => "PERIOD_NOT_STARTED",
            NoDraft { .. } => "NO_DRAFT",
            TransitionRefused { .. } => "TRANSITION_REFUSED",
            TooManyValues { .. } => "TOO_MANY_VALUES",
            Infra(e) => e.reason(),
        }
    }

    fn violations(&self) -> &[FieldError] {
        match self {
            ReportingError::Invalid(v) | ReportingError::InvalidValues(v) => v.reported(),
            _ => &[],
        }
    }

    fn domain(&self) -> &'static str {
        "reporting.lienthong"
    }

    /// The report a workflow refusal is about (`KH61/2026-Q1/000.00.12.H48`), the regime's code
    /// for a refusal about a regime; empty otherwise.
    fn subject(&self) -> String {
        use ReportingError::*;
        match self {
            ReportNotFound { report }
            | ReportHidden { report, .. }
            | PeriodNotStarted { report, .. }
            | NoDraft { report }
            | TransitionRefused { report, .. } => report.to_string(),
            RegimeNotFound { code } | RegimeExists { code } => code.clone(),
            RegimeOfAnotherOwner { regime, .. }
            | NotASubmitter { regime, .. }
            | NotTheOwner { regime, .. }
            | ComplianceHidden { regime, .. } => regime.clone(),
            Invalid(_)
            | InvalidValues(_)
            | NotAService { .. }
            | TooManyValues { .. }
            | Infra(_) => String::new(),
        }
    }
}

impl From<ReportingError> for Status {
    fn from(e: ReportingError) -> Status {
        to_status(&e)
    }
}

pub type Result<T, E = ReportingError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use tonic::Code;
    use tonic_types::StatusExt;

    use super::*;

    #[test]
    fn refusals_keep_their_messages_and_codes() {
        let e = ReportingError::invalid("reason", "required: say why the report is returned");
        assert_eq!(
            e.to_string(),
            "reason: required: say why the report is returned"
        );
        assert_eq!(
            (e.kind(), e.reason()),
            (Kind::InvalidArgument, "INVALID_FIELD")
        );
        assert_eq!(e.violations().len(), 1);
        let e = ReportingError::TransitionRefused {
            report: ReportKey::new("KH61", "2026", &"000.00.12.H48".parse().unwrap()),
            from: ReportStatus::Accepted,
            step: Step::Change,
        };
        assert_eq!(
            e.to_string(),
            "the report is accepted; only a draft or a returned report can be changed"
        );
        assert_eq!(e.subject(), "KH61/2026/000.00.12.H48");
        let status = Status::from(e);
        assert_eq!(status.code(), Code::FailedPrecondition);
        let details = status.get_error_details();
        let info = details.error_info().expect("ErrorInfo");
        assert_eq!(
            (info.reason.as_str(), info.domain.as_str()),
            ("TRANSITION_REFUSED", "reporting.lienthong")
        );
        let failure = details.precondition_failure().expect("PreconditionFailure");
        assert_eq!(
            (
                failure.violations[0].r#type.as_str(),
                failure.violations[0].subject.as_str()
            ),
            ("TRANSITION_REFUSED", "KH61/2026/000.00.12.H48")
        );
        let e = ReportingError::RegimeExists {
            code: "KH61".into(),
        };
        assert_eq!(e.subject(), "KH61");
        let e = ReportingError::NotTheOwner {
            regime: "WF".into(),
            owner: "000.00.01.H48".into(),
            caller: "000.00.09.H48".parse().unwrap(),
            step: Step::Return,
        };
        assert_eq!(
            e.to_string(),
            "only the owner of regime WF (000.00.01.H48) may return its reports; \
             000.00.09.H48 is not"
        );
    }

    /// The rule: a lost race (optimistic version check, unique violation) is ABORTED,
    /// a database that cannot be reached UNAVAILABLE without the driver's text.
    #[test]
    fn infrastructure_failures_follow_the_platform() {
        let race = ReportingError::from(InfraError::conflict("report WF/2026-03 changed"));
        let status = Status::from(race);
        assert_eq!(status.code(), Code::Aborted);
        assert_eq!(
            status.message(),
            "a concurrent change to the same record won; retry"
        );
        let down = ReportingError::from(sqlx::Error::PoolTimedOut);
        assert_eq!(down.reason(), "DATABASE_UNAVAILABLE");
        let status = Status::from(down);
        assert_eq!(status.code(), Code::Unavailable);
        assert_eq!(status.message(), "the database is unavailable, retry later");
        let mut many = Violations::new();
        for i in 0..200 {
            many.push(
                format!("values[IND{i}]"),
                format!("required ({})", "Đ".repeat(300)),
            );
        }
        let e = ReportingError::InvalidValues(many);
        let shown = e.violations().len();
        assert!((1..200).contains(&shown), "{shown}");
        let status = Status::from(e);
        assert!(status.message().len() < lienthong_platform::error::REPORTED_BYTES + 800);
        assert!(
            status.message().ends_with(&format!(
                "; … and {} more malformed fields not shown",
                200 - shown
            )),
            "{}",
            status.message()
        );
        let bug = ReportingError::from(sqlx::Error::RowNotFound);
        let status = Status::from(bug);
        assert_eq!(
            (status.code(), status.message()),
            (Code::Internal, "internal error")
        );
    }
}
