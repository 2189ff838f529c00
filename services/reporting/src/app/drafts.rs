//! A submitter's draft: created on first save, pre-filled from the statistics of the period's
//! window; its untouched figures follow the statistics until it is submitted.
use std::collections::BTreeMap;

use lienthong_api::reporting::v1::{Regime, Report, ReportAction};
use lienthong_axis::AgencyCode;
use lienthong_platform::error::Violations;

use super::{Reporting, check_started, check_submitter};
use crate::{
    domain::{
        PeriodRef,
        periods::ResolvedPeriod,
        values::{Change, StoredValue, apply_changes, check_changes, prefilled, refresh_prefilled},
        workflow::ReportRecord,
    },
    error::{ReportKey, Result},
    store,
};

impl Reporting {
    /// Creates the caller's draft (pre-filled from statistics) or changes its values.
    pub async fn save_draft(
        &self,
        agency: &AgencyCode,
        at: &PeriodRef,
        changes: &[Change],
    ) -> Result<Report> {
        let mut v = Violations::new();
        at.check(&mut v);
        v.into_result()?;
        let (regime, period) = self.regime_period(at).await?;
        check_submitter(&regime, agency)?;
        let report = ReportKey::new(&regime.code, &period.window.key, agency);
        check_started(&period, self.today(), report)?;
        check_changes(&regime, changes)?;
        let mut conn = self.store.conn().await?;
        let key = &period.window.key;
        let existing = store::get_report(&mut conn, &regime.code, key, agency).await?;
        if let Some(row) = &existing {
            row.check_editable()?;
        }
        let fresh = self.prefill(&mut conn, &regime, agency, &period).await?;
        // Remember the agency for compliance views.
        store::insert_agency_if_absent(&mut conn, agency.as_str(), "", self.now()).await?;
        drop(conn);
        let (mut row, action) = match existing {
            Some(mut row) => {
                // Figures the clerk has not touched follow the latest statistics until the
                // report is submitted (they may have arrived after the draft was opened).
                let refreshed = refresh_prefilled(&mut row.values, &fresh);
                if changes.is_empty() && !refreshed {
                    return Ok(row.to_pb(period.due, Vec::new()));
                }
                (row, ReportAction::Saved)
            }
            None => {
                let row = ReportRecord::draft(&regime.code, key, agency, fresh, self.now());
                (row, ReportAction::Created)
            }
        };
        row.values = apply_changes(&regime, &row.values, changes);
        let event = row.change(self.now(), action, agency);
        let row = self.record(row, event).await?;
        Ok(row.to_pb(period.due, Vec::new()))
    }

    /// Values of the indicators that have a source statistic, summed over the window.
    async fn prefill(
        &self,
        conn: &mut store::Conn,
        regime: &Regime,
        agency: &AgencyCode,
        period: &ResolvedPeriod,
    ) -> Result<Vec<StoredValue>> {
        let mut sums = BTreeMap::new();
        for ind in regime
            .indicators
            .iter()
            .filter(|i| !i.source_statistic.is_empty())
        {
            let sum = store::sum_statistic(
                conn,
                &ind.source_statistic,
                agency.as_str(),
                period.window.start,
                period.window.end,
            )
            .await?;
            sums.insert(ind.code.clone(), sum);
        }
        Ok(prefilled(regime, |ind| sums.get(&ind.code).copied()))
    }
}
