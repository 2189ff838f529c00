//! Regimes: the ones seeded at start, those agencies (or admins) create, and the periods of
//! each with their windows, due dates and whether they are open to the caller.
use std::collections::BTreeMap;

use lienthong_api::reporting::v1::{ListPeriodsResponse, Period, PeriodKind, Regime};
use lienthong_axis::{AgencyCode, local::format_date};
use lienthong_platform::{Identity, error::Violations};

use super::{
    Reporting,
    paging::{Page, PageRequest, scope},
};
use crate::{
    domain::{
        periods::{listing_year, parse_period, periods_in_year},
        regimes::{check_regime, regime_code},
        scopes::is_submitter,
        workflow::{is_editable, timestamp},
    },
    error::{ReportingError, Result},
    store,
};

impl Reporting {
    /// Registers agencies that are not known yet; returns how many were added.
    pub async fn seed_agencies(&self, agencies: &[(AgencyCode, String)]) -> Result<usize> {
        let now = self.now();
        let mut conn = self.store.conn().await?;
        let mut added = 0;
        for (code, name) in agencies {
            if store::insert_agency_if_absent(&mut conn, code.as_str(), name, now).await? {
                added += 1;
            }
        }
        Ok(added)
    }

    /// Creates the regimes that do not exist yet (at start); returns how many were added.
    pub async fn seed_regimes(&self, regimes: &[Regime]) -> Result<usize> {
        let now = self.now();
        let mut conn = self.store.conn().await?;
        let mut added = 0;
        for r in regimes {
            check_regime(r)?;
            let mut r = r.clone();
            r.create_time = timestamp(now);
            if store::insert_regime_if_absent(&mut conn, &r, now).await? {
                added += 1;
            }
        }
        Ok(added)
    }

    /// Creates a regime: an agency its own, an admin any.
    pub async fn create_regime(&self, caller: &Identity, regime: Option<Regime>) -> Result<Regime> {
        let mut regime = regime.ok_or_else(|| ReportingError::invalid("regime", "required"))?;
        check_regime(&regime)?;
        match caller {
            Identity::Admin(_) => {}
            Identity::Agency(code) if *code == regime.owner => {}
            other => {
                return Err(ReportingError::RegimeOfAnotherOwner {
                    caller: other.clone(),
                    regime: regime.code,
                    owner: regime.owner,
                });
            }
        }
        let now = self.now();
        regime.create_time = timestamp(now);
        let mut conn = self.store.conn().await?;
        if !store::insert_regime_if_absent(&mut conn, &regime, now).await? {
            return Err(ReportingError::RegimeExists { code: regime.code });
        }
        Ok(regime)
    }

    pub async fn get_regime(&self, code: &str) -> Result<Regime> {
        let mut v = Violations::new();
        v.check(regime_code("code", code));
        v.into_result()?;
        self.regime(code).await
    }

    /// A page of the regimes, by code.
    pub async fn list_regimes(&self, page: &PageRequest) -> Result<Page<Regime>> {
        let mut v = Violations::new();
        let scope = scope("ListRegimes", &[]);
        let after = self.cursor(&scope, page, &mut v);
        v.into_result()?;
        let size = page.size();
        let mut conn = self.store.conn().await?;
        let rows = store::regimes_after(&mut conn, &after, size + 1).await?;
        drop(conn);
        Ok(self.page(&scope, rows, size, |r| r.code.clone()))
    }

    /// The periods of a regime in a year (0: this year), with windows, due dates, the caller's
    /// status and whether each is open to the caller.
    pub async fn list_periods(
        &self,
        caller: &Identity,
        code: &str,
        year: u32,
    ) -> Result<ListPeriodsResponse> {
        let today = self.today();
        let mut v = Violations::new();
        v.check(regime_code("regime_code", code));
        let year = v.check(listing_year(year, today));
        v.into_result()?;
        let year = year.unwrap_or(today.year());
        let regime = self.regime(code).await?;
        let kind = regime.period_kind();
        let mut conn = self.store.conn().await?;
        let windows = if kind == PeriodKind::AdHoc {
            store::periods_with_reports(&mut conn, code)
                .await?
                .iter()
                .filter_map(|k| parse_period("period", kind, k).ok())
                .filter(|w| w.end.year() == year)
                .collect()
        } else {
            periods_in_year(kind, year)
        };
        let own: BTreeMap<String, _> = match caller.agency_code() {
            Some(agency) => store::reports_of_agency(&mut conn, code, agency)
                .await?
                .into_iter()
                .map(|r| (r.period.clone(), r.status))
                .collect(),
            None => BTreeMap::new(),
        };
        drop(conn);
        let submitter = caller
            .agency_code()
            .is_some_and(|a| is_submitter(&regime, a.as_str()));
        let periods: Vec<Period> = windows
            .into_iter()
            .map(|window| {
                let status = own.get(&window.key).copied().unwrap_or_default();
                let period = self.holidays.resolve(&regime, window);
                let mut p = period.to_pb(kind);
                p.open = submitter && period.has_started(today) && is_editable(status);
                p.caller_status = status as i32;
                p
            })
            .collect();
        Ok(ListPeriodsResponse {
            periods,
            today: format_date(today),
        })
    }
}
