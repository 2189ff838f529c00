//! Reading reports: one with its full history (the submitter, the owner, admins), or those of
//! a period (all of them for the owner and admins, the caller's own otherwise).
use lienthong_api::reporting::v1::Report;
use lienthong_axis::AgencyCode;
use lienthong_platform::{Identity, error::Violations};

use super::{Reporting, sees_all};
use crate::{
    domain::PeriodRef,
    error::{ReportingError, Result},
    store,
};

impl Reporting {
    /// One report with its history; `agency_code` may be left empty by an agency reading its
    /// own.
    pub async fn get_report(
        &self,
        caller: &Identity,
        at: &PeriodRef,
        agency_code: &str,
    ) -> Result<Report> {
        let mut v = Violations::new();
        at.check(&mut v);
        v.into_result()?;
        let (regime, period) = self.regime_period(at).await?;
        let agency = match (agency_code, caller.agency_code()) {
            ("", Some(own)) => own.clone(),
            ("", None) => {
                return Err(ReportingError::invalid(
                    "agency_code",
                    "required unless the caller is an agency",
                ));
            }
            (code, _) => AgencyCode::parse("agency_code", code)?,
        };
        if caller.agency_code() != Some(&agency) && !sees_all(&regime, caller) {
            return Err(ReportingError::ReportHidden {
                caller: caller.clone(),
                agency,
                regime: regime.code,
            });
        }
        let row = self
            .report_of(&regime, &period, &agency)
            .await?
            .ok_or_else(|| ReportingError::ReportNotFound {
                regime: regime.code.clone(),
                period: period.window.key.clone(),
                agency: agency.clone(),
            })?;
        let mut conn = self.store.conn().await?;
        let events = store::events_of(&mut conn, &regime.code, &row.period, &agency).await?;
        let history = events.iter().map(|e| e.to_pb()).collect();
        Ok(row.to_pb(period.due, history))
    }

    /// The reports of a period: every one for the owner and admins, the caller's own otherwise.
    pub async fn list_reports(&self, caller: &Identity, at: &PeriodRef) -> Result<Vec<Report>> {
        let mut v = Violations::new();
        at.check(&mut v);
        v.into_result()?;
        let (regime, period) = self.regime_period(at).await?;
        let mut conn = self.store.conn().await?;
        let rows = store::reports_of_period(&mut conn, &regime.code, &period.window.key).await?;
        let all = sees_all(&regime, caller);
        Ok(rows
            .iter()
            .filter(|r| all || caller.agency_code() == Some(&r.agency))
            .map(|r| r.to_pb(period.due, Vec::new()))
            .collect())
    }
}
