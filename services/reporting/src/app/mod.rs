//! The reporting use cases, one file per capability. Each applies the rules of
//! [`crate::domain`] and commits its changes through [`crate::store`] in one transaction.
//!
//! - [`regimes`]: seeding, creating, reading regimes and listing their periods;
//! - [`drafts`]: a submitter's draft, pre-filled from statistics;
//! - [`submission`]: submitting and resubmitting;
//! - [`review`]: the owner accepts or returns;
//! - [`reports`]: reading reports and their history;
//! - [`aggregation`]: a period's view (expected submitters, compliance, totals);
//! - [`compliance`], [`exports`]: that view as an answer or as a file;
//! - [`intake`]: statistics pushed by other services;
//! - [`paging`]: the pages of the list RPCs and their signed tokens.
//!
//! Callers come in as `&AgencyCode` where only agencies may call, `&Identity` otherwise.
mod aggregation;
mod compliance;
mod drafts;
mod exports;
mod gauges;
mod intake;
mod paging;
mod regimes;
mod reports;
mod review;
mod submission;

/// The inputs of the use cases.
pub use crate::domain::{PeriodRef, values::Change, workflow::Review};
pub use gauges::run_gauges;
pub use paging::{Page, PageRequest};

use lienthong_api::reporting::v1::Regime;
use lienthong_axis::{
    AgencyCode,
    clock::SharedClock,
    local::{format_date, local_date},
};
use lienthong_platform::{Identity, db::Db, error::InfraError, paging::PageTokens};
use time::Date;

use crate::{
    domain::{
        periods::{Holidays, ResolvedPeriod, parse_period},
        scopes::is_submitter,
        workflow::{Event, ReportRecord},
    },
    error::{ReportKey, ReportingError, Result},
    store::{self, Store},
};

/// The state every use case works on.
pub struct Reporting {
    store: Store,
    clock: SharedClock,
    holidays: Holidays,
    tokens: PageTokens,
    /// The operator's gauge of reports by state.
    gauges: crate::metrics::ReportGauges,
}

impl Reporting {
    /// The service on a migrated database (`db`: fails fast while it is known to be down),
    /// reading "now" from `clock`, counting due dates without `holidays`, signing page tokens
    /// with `tokens`.
    pub fn new(db: Db, clock: SharedClock, holidays: Holidays, tokens: PageTokens) -> Self {
        Reporting {
            store: Store::new(db),
            clock,
            holidays,
            tokens,
            gauges: crate::metrics::ReportGauges::register(),
        }
    }

    /// Stops using the database: every later call answers UNAVAILABLE (and health turns
    /// NOT_SERVING). For operators' drills and tests of an outage.
    pub async fn close_database(&self) {
        self.store.close().await;
    }

    fn now(&self) -> i64 {
        self.clock.now_micros()
    }

    /// Today, in Vietnam.
    pub fn today(&self) -> Date {
        local_date(self.now())
    }

    async fn regime(&self, code: &str) -> Result<Regime> {
        let mut conn = self.store.conn().await?;
        store::get_regime(&mut conn, code)
            .await?
            .ok_or_else(|| ReportingError::RegimeNotFound { code: code.into() })
    }

    /// A period key of a regime, with its window and due date.
    fn resolve(&self, regime: &Regime, key: &str) -> Result<ResolvedPeriod> {
        let window = parse_period("period", regime.period_kind(), key)?;
        Ok(self.holidays.resolve(regime, window))
    }

    /// The regime a request names and its period, both checked.
    async fn regime_period(&self, at: &PeriodRef) -> Result<(Regime, ResolvedPeriod)> {
        let regime = self.regime(&at.regime_code).await?;
        let period = self.resolve(&regime, &at.period)?;
        Ok((regime, period))
    }

    /// A submitter's report of a period, if any.
    async fn report_of(
        &self,
        regime: &Regime,
        period: &ResolvedPeriod,
        agency: &AgencyCode,
    ) -> Result<Option<ReportRecord>> {
        let mut conn = self.store.conn().await?;
        store::get_report(&mut conn, &regime.code, &period.window.key, agency).await
    }

    /// Writes a changed report and its history event in one transaction: inserted when it is
    /// new, otherwise updated if nobody changed it since it was read (ABORTED if somebody did).
    async fn record(&self, row: ReportRecord, event: Event) -> Result<ReportRecord> {
        let mut tx = self.store.transaction().await?;
        if row.is_new() {
            store::insert_report(&mut tx, &row).await?;
        } else if !store::update_report(&mut tx, &row).await? {
            return Err(InfraError::conflict(format!(
                "report {}/{} of {} was changed concurrently",
                row.regime_code, row.period, row.agency
            ))
            .into());
        }
        store::insert_event(&mut tx, &row, &event).await?;
        store::commit(tx).await?;
        Ok(row)
    }
}

/// Refuses an agency that does not submit a regime's reports.
fn check_submitter(regime: &Regime, agency: &AgencyCode) -> Result<()> {
    if is_submitter(regime, agency.as_str()) {
        Ok(())
    } else {
        Err(ReportingError::NotASubmitter {
            agency: agency.clone(),
            regime: regime.code.clone(),
        })
    }
}

/// Refuses `report` in a period whose window has not opened yet.
fn check_started(period: &ResolvedPeriod, today: Date, report: ReportKey) -> Result<()> {
    if period.has_started(today) {
        Ok(())
    } else {
        Err(ReportingError::PeriodNotStarted {
            report,
            opens: format_date(period.window.start),
        })
    }
}

/// Whether the caller sees every report of a regime: its owner and admins.
fn sees_all(regime: &Regime, caller: &Identity) -> bool {
    match caller {
        Identity::Admin(_) => true,
        Identity::Agency(code) => *code == regime.owner,
        _ => false,
    }
}
