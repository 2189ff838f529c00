//! The regime's owner accepts a submitted report (final) or returns it with a reason.
use lienthong_api::reporting::v1::Report;
use lienthong_axis::AgencyCode;
use lienthong_platform::error::Violations;

use super::Reporting;
use crate::{
    domain::{PeriodRef, text::parsed, workflow::Review},
    error::{ReportKey, ReportingError, Result},
};

impl Reporting {
    /// Accepts or returns `agency_code`'s submitted report (the regime's owner only).
    pub async fn review(
        &self,
        owner: &AgencyCode,
        at: &PeriodRef,
        agency_code: &str,
        review: Review,
    ) -> Result<Report> {
        let mut v = Violations::new();
        at.check(&mut v);
        let agency = v.check(parsed("agency_code", agency_code, AgencyCode::parse));
        v.check(review.check());
        v.into_result()?;
        let Some(agency) = agency else {
            return Err(ReportingError::invalid("agency_code", "required"));
        };
        let (regime, period) = self.regime_period(at).await?;
        if *owner != regime.owner {
            return Err(ReportingError::NotTheOwner {
                regime: regime.code,
                owner: regime.owner,
                caller: owner.clone(),
                step: review.step(),
            });
        }
        let mut row = self
            .report_of(&regime, &period, &agency)
            .await?
            .ok_or_else(|| ReportingError::ReportNotFound {
                report: ReportKey::new(&regime.code, &period.window.key, &agency),
            })?;
        let now = self.now();
        let action = row.review(&review, now)?;
        let mut event = row.change(now, action, owner);
        event.reason = review.reason().to_string();
        let row = self.record(row, event).await?;
        Ok(row.to_pb(period.due, Vec::new()))
    }
}
