//! Submitting a report (and resubmitting a returned one): every indicator filled in and valid;
//! late when the first submission comes after the due date.
use lienthong_api::reporting::v1::Report;
use lienthong_axis::AgencyCode;
use lienthong_platform::error::Violations;

use super::{Reporting, check_started, check_submitter};
use crate::{
    domain::{PeriodRef, values::validate_report},
    error::{ReportKey, ReportingError, Result},
};

impl Reporting {
    /// Submits or resubmits the caller's report.
    pub async fn submit(&self, agency: &AgencyCode, at: &PeriodRef) -> Result<Report> {
        let mut v = Violations::new();
        at.check(&mut v);
        v.into_result()?;
        let (regime, period) = self.regime_period(at).await?;
        let report = ReportKey::new(&regime.code, &period.window.key, agency);
        check_submitter(&regime, agency)?;
        check_started(&period, self.today(), report.clone())?;
        let Some(mut row) = self.report_of(&regime, &period, agency).await? else {
            return Err(ReportingError::NoDraft { report });
        };
        row.check_submittable()?;
        validate_report(&regime, &row.values).map_err(ReportingError::InvalidValues)?;
        let now = self.now();
        let submission = row.submit(now, period.due)?;
        let mut event = row.change(now, submission.action, agency);
        event.late = submission.late;
        let row = self.record(row, event).await?;
        Ok(row.to_pb(period.due, Vec::new()))
    }
}
