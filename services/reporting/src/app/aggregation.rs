//! A period seen by its regime's owner (or an admin): the reports in scope, the expected
//! submitters and their compliance, the indicators aggregated over the accepted reports.
use lienthong_platform::{Identity, error::Violations};

use super::{Reporting, sees_all};
use crate::{
    domain::{
        PeriodRef,
        scopes::Scope,
        text::parsed,
        view::{PeriodView, ViewInputs},
    },
    error::{ReportingError, Result},
    store,
};

impl Reporting {
    /// The view of a period within `scope` ("" for every agency); `v` holds what the caller
    /// already found wrong with the rest of its request, reported with the view's own fields.
    pub(super) async fn period_view(
        &self,
        caller: &Identity,
        at: &PeriodRef,
        scope: &str,
        mut v: Violations,
    ) -> Result<PeriodView> {
        at.check(&mut v);
        let scope = v.check(parsed("scope", scope, Scope::parse));
        v.into_result()?;
        let Some(scope) = scope else {
            return Err(ReportingError::invalid("scope", "malformed"));
        };
        let (regime, period) = self.regime_period(at).await?;
        if !sees_all(&regime, caller) {
            return Err(ReportingError::ComplianceHidden {
                caller: caller.clone(),
                regime: regime.code,
                owner: regime.owner,
            });
        }
        let mut conn = self.store.conn().await?;
        let reports = store::reports_of_period(&mut conn, &regime.code, &period.window.key).await?;
        let agencies = store::list_agencies(&mut conn).await?;
        drop(conn);
        Ok(PeriodView::build(ViewInputs {
            regime,
            period: &period,
            scope: &scope,
            reports,
            agencies: &agencies,
            today: self.today(),
        }))
    }
}
