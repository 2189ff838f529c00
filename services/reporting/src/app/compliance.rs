//! Compliance: who reported on time, late, not yet, or not at all, with the period's totals.
use lienthong_api::reporting::v1::GetComplianceResponse;
use lienthong_platform::{Identity, error::Violations};

use super::Reporting;
use crate::{domain::PeriodRef, error::Result};

impl Reporting {
    /// The compliance and aggregates of a period, for the owner and admins.
    pub async fn compliance(
        &self,
        caller: &Identity,
        at: &PeriodRef,
        scope: &str,
    ) -> Result<GetComplianceResponse> {
        Ok(self
            .period_view(caller, at, scope, Violations::new())
            .await?
            .into_compliance())
    }
}
