//! Reading reports: one with its full history (the submitter, the owner, admins), or those of
//! a period (all of them for the owner and admins, the caller's own otherwise), a page at a
//! time.
use lienthong_api::reporting::v1::Report;
use lienthong_axis::AgencyCode;
use lienthong_platform::{Identity, error::Violations};

use super::{
    Reporting,
    paging::{Page, PageRequest, scope},
    sees_all,
};
use crate::{
    domain::{PeriodRef, text::parsed},
    error::{ReportKey, ReportingError, Result},
    store,
};

/// The agency whose report is asked for: `agency_code`, or the calling agency when empty.
fn whose(caller: &Identity, agency_code: &str, v: &mut Violations) -> Option<AgencyCode> {
    match (agency_code, caller.agency_code()) {
        ("", Some(own)) => Some(own.clone()),
        ("", None) => {
            v.push("agency_code", "required unless the caller is an agency");
            None
        }
        (code, _) => v.check(parsed("agency_code", code, AgencyCode::parse)),
    }
}

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
        let agency = whose(caller, agency_code, &mut v);
        v.into_result()?;
        let Some(agency) = agency else {
            return Err(ReportingError::invalid("agency_code", "required"));
        };
        let (regime, period) = self.regime_period(at).await?;
        let report = ReportKey::new(&regime.code, &period.window.key, &agency);
        if caller.agency_code() != Some(&agency) && !sees_all(&regime, caller) {
            return Err(ReportingError::ReportHidden {
                caller: caller.clone(),
                report,
            });
        }
        let row = self
            .report_of(&regime, &period, &agency)
            .await?
            .ok_or(ReportingError::ReportNotFound { report })?;
        let mut conn = self.store.conn().await?;
        let events = store::events_of(&mut conn, &regime.code, &row.period, &agency).await?;
        let history = events.iter().map(|e| e.to_pb()).collect();
        Ok(row.to_pb(period.due, history))
    }

    /// A page of the reports of a period, by agency: every one for the owner and admins, the
    /// caller's own otherwise.
    pub async fn list_reports(
        &self,
        caller: &Identity,
        at: &PeriodRef,
        page: &PageRequest,
    ) -> Result<Page<Report>> {
        let mut v = Violations::new();
        at.check(&mut v);
        let scope = scope("ListReports", &[&at.regime_code, &at.period]);
        let after = self.cursor(&scope, page, &mut v);
        v.into_result()?;
        let (regime, period) = self.regime_period(at).await?;
        let only = if sees_all(&regime, caller) {
            ""
        } else if let Some(own) = caller.agency_code() {
            own.as_str()
        } else {
            return Ok(Page::empty());
        };
        let size = page.size();
        let mut conn = self.store.conn().await?;
        let key = (regime.code.as_str(), period.window.key.as_str());
        let rows = store::reports_after(&mut conn, key, only, &after, size + 1).await?;
        drop(conn);
        let page = self.page(&scope, rows, size, |r| r.agency.to_string());
        Ok(Page {
            items: page
                .items
                .iter()
                .map(|r| r.to_pb(period.due, Vec::new()))
                .collect(),
            next_page_token: page.next_page_token,
        })
    }
}
