//! The submission workflow of one report (one agency, one period of a regime):
//!
//! ```text
//! (none) ──SaveDraft──▶ draft ──Submit──▶ submitted ──Accept──▶ accepted (final)
//!                         ▲                  │
//!                         └──SaveDraft── returned ◀──Return (with a reason)
//! ```
//!
//! A submitter changes a draft or a returned report and submits it; the regime's owner accepts
//! or returns it. A report is late when its *first* submission comes after the due date.
use lienthong_api::reporting::v1::{
    ComplianceState, Report, ReportAction, ReportEvent, ReportStatus,
};
use lienthong_api::wkt::Timestamp;
use lienthong_axis::{AgencyCode, FieldError, local::format_date, timestamp::to_timestamp};
use lienthong_platform::Identity;
use time::Date;

pub use crate::error::{ReportKey, Step, status_name};
use crate::error::{ReportingError, Result};

use super::{
    text::MAX_REASON_CHARS,
    values::{StoredValue, values_pb},
};

/// The protobuf timestamp of an instant; 0 means "not yet" and has none.
pub fn timestamp(micros: i64) -> Option<Timestamp> {
    (micros != 0).then(|| to_timestamp(micros))
}

/// Whether the submitter may change its values: no report yet, a draft or a returned report.
pub fn is_editable(s: ReportStatus) -> bool {
    matches!(
        s,
        ReportStatus::Unspecified | ReportStatus::Draft | ReportStatus::Returned
    )
}

/// A submission on `day` is late when it comes after the due date.
pub fn is_late(day: Date, due: Date) -> bool {
    day > due
}

/// The compliance of one expected submitter.
pub fn compliance_state(first_submitted: Option<Date>, due: Date, today: Date) -> ComplianceState {
    match first_submitted {
        Some(d) if is_late(d, due) => ComplianceState::Late,
        Some(_) => ComplianceState::OnTime,
        None if today > due => ComplianceState::Missing,
        None => ComplianceState::Pending,
    }
}

/// The owner's decision on a submitted report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Review {
    Accept,
    /// Back to the submitter, saying why.
    Return {
        reason: String,
    },
}

impl Review {
    pub fn step(&self) -> Step {
        match self {
            Review::Accept => Step::Accept,
            Review::Return { .. } => Step::Return,
        }
    }

    /// A return says why, in at most [`MAX_REASON_CHARS`] characters the text policy allows.
    pub fn check(&self) -> Result<(), FieldError> {
        match self {
            Review::Return { reason } if reason.trim().is_empty() => Err(FieldError::new(
                "reason",
                "required: say why the report is returned",
            )),
            Review::Return { reason } => {
                lienthong_axis::text::multi_line("reason", reason, MAX_REASON_CHARS)
            }
            Review::Accept => Ok(()),
        }
    }

    /// The reason kept in the history ("" for an acceptance).
    pub fn reason(&self) -> &str {
        match self {
            Review::Accept => "",
            Review::Return { reason } => reason.trim(),
        }
    }
}

/// A report's current state, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportRecord {
    pub regime_code: String,
    pub period: String,
    pub agency: AgencyCode,
    pub status: ReportStatus,
    pub values: Vec<StoredValue>,
    /// 0 = not yet.
    pub first_submitted_at: i64,
    pub submitted_at: i64,
    pub accepted_at: i64,
    pub late: bool,
    pub return_reason: String,
    pub submissions: i64,
    /// Increases with every change (optimistic concurrency).
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One event of a report's history.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub seq: i64,
    pub action: ReportAction,
    /// Who did it, as `agency/<code>`.
    pub actor: String,
    pub at: i64,
    pub reason: String,
    pub late: bool,
    /// The values after the change.
    pub values: Vec<StoredValue>,
}

/// What a submission did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Submission {
    pub action: ReportAction,
    /// Whether this submission came after the due date.
    pub late: bool,
}

impl ReportRecord {
    /// Which report this is, for refusals.
    pub fn key(&self) -> ReportKey {
        ReportKey::new(&self.regime_code, &self.period, &self.agency)
    }

    fn refuse(&self, step: Step) -> ReportingError {
        ReportingError::TransitionRefused {
            report: self.key(),
            from: self.status,
            step,
        }
    }

    /// Whether the submitter may change its values.
    pub fn check_editable(&self) -> Result<()> {
        if is_editable(self.status) {
            Ok(())
        } else {
            Err(self.refuse(Step::Change))
        }
    }

    /// Whether the submitter may submit (a draft) or resubmit (a returned report).
    pub fn check_submittable(&self) -> Result<()> {
        match self.status {
            ReportStatus::Draft | ReportStatus::Returned => Ok(()),
            ReportStatus::Unspecified => Err(ReportingError::NoDraft { report: self.key() }),
            _ => Err(self.refuse(Step::Submit)),
        }
    }

    /// Whether the owner may accept or return.
    pub fn check_reviewable(&self, step: Step) -> Result<()> {
        match self.status {
            ReportStatus::Submitted => Ok(()),
            _ => Err(self.refuse(step)),
        }
    }

    /// A new draft (version 0: not stored yet).
    pub fn draft(
        regime_code: &str,
        period: &str,
        agency: &AgencyCode,
        values: Vec<StoredValue>,
        now: i64,
    ) -> Self {
        ReportRecord {
            regime_code: regime_code.to_string(),
            period: period.to_string(),
            agency: agency.clone(),
            status: ReportStatus::Draft,
            values,
            first_submitted_at: 0,
            submitted_at: 0,
            accepted_at: 0,
            late: false,
            return_reason: String::new(),
            submissions: 0,
            version: 0,
            created_at: now,
            updated_at: now,
        }
    }

    /// Submits (a draft) or resubmits (a returned report) at `now`. Lateness is judged on the
    /// first submission.
    pub fn submit(&mut self, now: i64, due: Date) -> Result<Submission> {
        self.check_submittable()?;
        let late = is_late(lienthong_axis::local::local_date(now), due);
        let action = if self.status == ReportStatus::Returned {
            ReportAction::Resubmitted
        } else {
            ReportAction::Submitted
        };
        if self.first_submitted_at == 0 {
            self.first_submitted_at = now;
            self.late = late;
        }
        self.submitted_at = now;
        self.submissions += 1;
        self.status = ReportStatus::Submitted;
        Ok(Submission { action, late })
    }

    /// Accepts or returns a submitted report at `now`.
    pub fn review(&mut self, review: &Review, now: i64) -> Result<ReportAction> {
        self.check_reviewable(review.step())?;
        Ok(match review {
            Review::Accept => {
                self.status = ReportStatus::Accepted;
                self.accepted_at = now;
                ReportAction::Accepted
            }
            Review::Return { .. } => {
                self.status = ReportStatus::Returned;
                self.return_reason = review.reason().to_string();
                ReportAction::Returned
            }
        })
    }

    /// Marks a change at `now` (the next version) and describes it for the history.
    pub fn change(&mut self, now: i64, action: ReportAction, by: &AgencyCode) -> Event {
        self.version += 1;
        self.updated_at = now;
        Event {
            seq: 0,
            action,
            actor: Identity::Agency(by.clone()).to_string(),
            at: now,
            reason: String::new(),
            late: false,
            values: self.values.clone(),
        }
    }

    /// Whether this version is the report's first (to be inserted, not updated).
    pub fn is_new(&self) -> bool {
        self.version == 1
    }

    /// The report as the API shows it.
    pub fn to_pb(&self, due: Date, history: Vec<ReportEvent>) -> Report {
        Report {
            regime_code: self.regime_code.clone(),
            period: self.period.clone(),
            agency_code: self.agency.to_string(),
            status: self.status as i32,
            values: values_pb(&self.values),
            first_submit_time: timestamp(self.first_submitted_at),
            submit_time: timestamp(self.submitted_at),
            accept_time: timestamp(self.accepted_at),
            late: self.late,
            return_reason: self.return_reason.clone(),
            submissions: u32::try_from(self.submissions).unwrap_or(u32::MAX),
            due_date: format_date(due),
            history,
        }
    }
}

impl Event {
    pub fn to_pb(&self) -> ReportEvent {
        ReportEvent {
            seq: u64::try_from(self.seq).unwrap_or(0),
            action: self.action as i32,
            actor: self.actor.clone(),
            event_time: timestamp(self.at),
            reason: self.reason.clone(),
            late: self.late,
            values: values_pb(&self.values),
        }
    }
}

#[cfg(test)]
mod tests {
    use lienthong_axis::local::{local_date, local_noon};

    use super::*;
    use crate::domain::fixtures::d;

    /// Days are Hà Nội days: a submission at 17:30 UTC counts for the next day.
    #[test]
    fn local_dates_are_vietnam_time() {
        // 2026-03-16 17:30 UTC is already 2026-03-17 00:30 in Hà Nội.
        let micros = (d("2026-03-16").midnight().assume_utc().unix_timestamp() + 17 * 3600 + 1800)
            * 1_000_000;
        assert_eq!(local_date(micros), d("2026-03-17"));
        assert_eq!(local_date(local_noon(d("2026-03-17"))), d("2026-03-17"));
        assert!(is_late(local_date(micros), d("2026-03-16")));
    }

    #[test]
    fn workflow_transitions() {
        use ReportStatus::*;
        let agency: AgencyCode = "000.00.12.H48".parse().expect("code");
        let at = |status| {
            let mut r = ReportRecord::draft("WF", "2026-03", &agency, vec![], 5);
            r.status = status;
            r
        };
        for s in [Unspecified, Draft, Returned] {
            assert!(is_editable(s) && at(s).check_editable().is_ok());
        }
        for s in [Submitted, Accepted] {
            assert!(!is_editable(s));
            let e = at(s).check_editable().expect_err("refused");
            assert!(
                matches!(&e, ReportingError::TransitionRefused { report, .. }
                    if report.to_string() == "WF/2026-03/000.00.12.H48"),
                "{e:?}"
            );
        }
        assert!(at(Draft).check_submittable().is_ok());
        assert!(at(Returned).check_submittable().is_ok());
        assert!(at(Submitted).check_submittable().is_err());
        assert!(at(Accepted).check_submittable().is_err());
        assert!(matches!(
            at(Unspecified).check_submittable(),
            Err(ReportingError::NoDraft { .. })
        ));
        assert!(at(Submitted).check_reviewable(Step::Accept).is_ok());
        for s in [Unspecified, Draft, Accepted, Returned] {
            assert!(at(s).check_reviewable(Step::Accept).is_err());
        }
    }

    #[test]
    fn compliance_states() {
        let due = d("2026-03-17");
        assert_eq!(
            compliance_state(Some(d("2026-03-17")), due, d("2026-04-01")),
            ComplianceState::OnTime
        );
        assert_eq!(
            compliance_state(Some(d("2026-03-18")), due, d("2026-04-01")),
            ComplianceState::Late
        );
        assert_eq!(
            compliance_state(None, due, d("2026-03-18")),
            ComplianceState::Missing
        );
        assert_eq!(
            compliance_state(None, due, d("2026-03-17")),
            ComplianceState::Pending
        );
    }

    #[test]
    fn a_report_through_its_life() {
        let agency: AgencyCode = "000.00.12.H48".parse().expect("code");
        let due = d("2026-03-18");
        let mut r = ReportRecord::draft("WF", "2026-03", &agency, vec![], 5);
        let created = r.change(5, ReportAction::Created, &agency);
        assert!(r.is_new());
        assert_eq!(created.actor, "agency/000.00.12.H48");
        let on_due_day = local_noon(due);
        let first = r.submit(on_due_day, due).expect("submit");
        assert_eq!(
            first,
            Submission {
                action: ReportAction::Submitted,
                late: false
            }
        );
        r.change(on_due_day, first.action, &agency);
        assert!(!r.is_new());
        assert!(matches!(
            r.submit(on_due_day, due),
            Err(ReportingError::TransitionRefused { .. })
        ));
        let back = Review::Return {
            reason: " Số liệu chưa khớp ".into(),
        };
        assert_eq!(r.review(&back, 9).expect("return"), ReportAction::Returned);
        assert_eq!(r.return_reason, "Số liệu chưa khớp");
        assert_eq!(
            r.review(&back, 9).expect_err("again").to_string(),
            "the report is returned; only a submitted report can be returned"
        );
        let later = local_noon(d("2026-03-20"));
        let again = r.submit(later, due).expect("resubmit");
        assert_eq!(
            (again.action, again.late),
            (ReportAction::Resubmitted, true)
        );
        assert!(!r.late, "judged on the first submission");
        assert_eq!(r.submissions, 2);
        assert_eq!(
            r.review(&Review::Accept, 11).expect("accept"),
            ReportAction::Accepted
        );
        let pb = r.to_pb(due, vec![created.to_pb()]);
        assert_eq!(pb.status(), ReportStatus::Accepted);
        assert_eq!(pb.due_date, "2026-03-18");
        assert!(pb.accept_time.is_some() && pb.first_submit_time.is_some());
        assert_eq!(pb.history[0].action(), ReportAction::Created);
    }

    #[test]
    fn a_return_says_why() {
        let blank = Review::Return {
            reason: "  ".into(),
        };
        assert_eq!(
            blank.check().expect_err("blank").to_string(),
            "reason: required: say why the report is returned"
        );
        assert!(Review::Accept.check().is_ok());
        assert_eq!(Review::Accept.reason(), "");
        assert_eq!(timestamp(0), None);
    }
}
