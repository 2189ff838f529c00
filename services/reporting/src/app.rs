//! The reporting use cases: each one applies the rules of [`crate::domain`] and commits its
//! changes through [`crate::store`] in one transaction.
use std::{collections::BTreeMap, sync::Arc};

use lienthong_api::reporting::v1::{
    ComplianceRow, ComplianceState, ExportFormat, ExportPeriodResponse, GetComplianceResponse,
    IndicatorAggregate, IndicatorValue, Period, PeriodKind, Regime, Report, ReportAction,
    ReportEvent, ReportStatus, StatisticValue,
};
use lienthong_platform::Identity;
use sqlx::AnyPool;
use time::Date;

use crate::{
    clock::Clock,
    domain::{self, Holidays, StoredValue, Window},
    error::{ReportingError, Result},
    export,
    store::{self, EventRow, ReportRow},
};

/// Everything a use case needs.
pub struct Reporting {
    pub pool: AnyPool,
    pub clock: Arc<dyn Clock>,
    pub holidays: Holidays,
}

pub fn timestamp(micros: i64) -> Option<prost_types::Timestamp> {
    (micros != 0).then(|| prost_types::Timestamp {
        seconds: micros.div_euclid(1_000_000),
        nanos: (micros.rem_euclid(1_000_000) * 1000) as i32,
    })
}

fn values_pb(values: &[StoredValue]) -> Vec<IndicatorValue> {
    values
        .iter()
        .map(|v| IndicatorValue {
            indicator_code: v.code.clone(),
            value: v.value.clone(),
            prefilled: v.prefilled,
        })
        .collect()
}

/// A period resolved against a regime: window and due date.
pub struct ResolvedPeriod {
    pub window: Window,
    pub due: Date,
}

impl ResolvedPeriod {
    pub fn to_pb(&self, kind: PeriodKind) -> Period {
        Period {
            key: self.window.key.clone(),
            kind: kind as i32,
            window_start: domain::format_date(self.window.start),
            window_end: domain::format_date(self.window.end),
            due_date: domain::format_date(self.due),
            open: false,
            caller_status: ReportStatus::Unspecified as i32,
        }
    }
}

/// Everything an export or a compliance view shows.
pub struct PeriodView {
    pub regime: Regime,
    pub period: Period,
    pub scope: String,
    pub aggregates: Vec<IndicatorAggregate>,
    pub rows: Vec<ComplianceRow>,
    /// The reports in scope, by agency.
    pub reports: BTreeMap<String, ReportRow>,
    pub today: Date,
}

impl Reporting {
    async fn conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>> {
        Ok(self.pool.acquire().await?)
    }

    fn now(&self) -> i64 {
        self.clock.now_micros()
    }

    pub fn today(&self) -> Date {
        domain::local_date(self.now())
    }

    pub fn resolve(&self, regime: &Regime, key: &str) -> Result<ResolvedPeriod> {
        let window = domain::parse_period("period", regime.period_kind(), key)?;
        let due = self
            .holidays
            .due_date(window.end, regime.deadline_working_days);
        Ok(ResolvedPeriod { window, due })
    }

    async fn regime(&self, code: &str) -> Result<Regime> {
        let mut conn = self.conn().await?;
        store::get_regime(&mut conn, code)
            .await?
            .ok_or_else(|| ReportingError::NotFound(format!("regime_code: no regime {code:?}")))
    }

    // -----------------------------------------------------------------------------------------
    // Agencies and regimes

    /// Registers agencies that are not known yet; returns how many were added.
    pub async fn seed_agencies(&self, agencies: &[(String, String)]) -> Result<usize> {
        let now = self.now();
        let mut conn = self.conn().await?;
        let mut added = 0;
        for (code, name) in agencies {
            if store::insert_agency_if_absent(&mut conn, code, name, now).await? {
                added += 1;
            }
        }
        Ok(added)
    }

    /// Creates the regimes that do not exist yet (at start); returns how many were added.
    pub async fn seed_regimes(&self, regimes: &[Regime]) -> Result<usize> {
        let now = self.now();
        let mut conn = self.conn().await?;
        let mut added = 0;
        for r in regimes {
            domain::check_regime(r)?;
            let mut r = r.clone();
            r.created_at = timestamp(now);
            if store::insert_regime_if_absent(&mut conn, &r, now).await? {
                added += 1;
            }
        }
        Ok(added)
    }

    pub async fn create_regime(&self, caller: &Identity, mut regime: Regime) -> Result<Regime> {
        domain::check_regime(&regime)?;
        match caller {
            Identity::Admin(_) => {}
            Identity::Agency(code) if *code == regime.owner => {}
            other => {
                return Err(ReportingError::PermissionDenied(format!(
                    "regime.owner: {other} may not create a regime owned by {}; an agency \
                     creates its own regimes (admins any)",
                    regime.owner
                )));
            }
        }
        let now = self.now();
        regime.created_at = timestamp(now);
        let mut conn = self.conn().await?;
        if !store::insert_regime_if_absent(&mut conn, &regime, now).await? {
            return Err(ReportingError::AlreadyExists(format!(
                "regime.code: a regime {} already exists",
                regime.code
            )));
        }
        Ok(regime)
    }

    pub async fn get_regime(&self, code: &str) -> Result<Regime> {
        self.regime(code).await
    }

    pub async fn list_regimes(&self) -> Result<Vec<Regime>> {
        let mut conn = self.conn().await?;
        store::list_regimes(&mut conn).await
    }

    /// The periods of a regime in a year, with windows, due dates and whether each is open for
    /// the caller.
    pub async fn list_periods(
        &self,
        caller: &Identity,
        code: &str,
        year: u32,
    ) -> Result<(Vec<Period>, Date)> {
        let regime = self.regime(code).await?;
        let today = self.today();
        let year = if year == 0 {
            today.year()
        } else {
            i32::try_from(year).map_err(|_| ReportingError::invalid("year", "out of range"))?
        };
        if !(2000..=2100).contains(&year) {
            return Err(ReportingError::invalid(
                "year",
                format!("{year} is outside 2000–2100"),
            ));
        }
        let kind = regime.period_kind();
        let mut conn = self.conn().await?;
        let windows = if kind == PeriodKind::AdHoc {
            store::periods_with_reports(&mut conn, code)
                .await?
                .iter()
                .filter_map(|k| domain::parse_period("period", kind, k).ok())
                .filter(|w| w.end.year() == year)
                .collect()
        } else {
            domain::periods_in_year(kind, year)
        };
        let own: BTreeMap<String, ReportRow> = match caller.agency_code() {
            Some(agency) => store::reports_of_agency(&mut conn, code, agency)
                .await?
                .into_iter()
                .map(|r| (r.period.clone(), r))
                .collect(),
            None => BTreeMap::new(),
        };
        drop(conn);
        let submitter = caller
            .agency_code()
            .is_some_and(|a| domain::is_submitter(&regime, a));
        let periods = windows
            .into_iter()
            .map(|window| {
                let due = self
                    .holidays
                    .due_date(window.end, regime.deadline_working_days);
                let status = own
                    .get(&window.key)
                    .map(|r| ReportStatus::try_from(r.status).unwrap_or_default())
                    .unwrap_or_default();
                let mut p = ResolvedPeriod { window, due }.to_pb(kind);
                p.open = submitter
                    && today >= domain::parse_date(&p.window_start).unwrap_or(today)
                    && domain::check_editable(status).is_ok();
                p.caller_status = status as i32;
                p
            })
            .collect();
        Ok((periods, today))
    }

    // -----------------------------------------------------------------------------------------
    // The submission workflow

    fn check_submitter(&self, regime: &Regime, agency: &str) -> Result<()> {
        if domain::is_submitter(regime, agency) {
            Ok(())
        } else {
            Err(ReportingError::PermissionDenied(format!(
                "agency {agency} is not a submitter of regime {}",
                regime.code
            )))
        }
    }

    fn check_owner(&self, regime: &Regime, agency: &str, action: &str) -> Result<()> {
        if regime.owner == agency {
            Ok(())
        } else {
            Err(ReportingError::PermissionDenied(format!(
                "only the owner of regime {} ({}) may {action} its reports; {agency} is not",
                regime.code, regime.owner
            )))
        }
    }

    fn check_started(&self, period: &ResolvedPeriod) -> Result<()> {
        if self.today() < period.window.start {
            Err(ReportingError::FailedPrecondition(format!(
                "period: {} has not started; its window opens on {}",
                period.window.key,
                domain::format_date(period.window.start)
            )))
        } else {
            Ok(())
        }
    }

    pub fn report_pb(&self, row: &ReportRow, due: Date, history: Vec<ReportEvent>) -> Report {
        Report {
            regime_code: row.regime_code.clone(),
            period: row.period.clone(),
            agency_code: row.agency.clone(),
            status: row.status,
            values: values_pb(&row.values),
            first_submitted_at: timestamp(row.first_submitted_at),
            submitted_at: timestamp(row.submitted_at),
            accepted_at: timestamp(row.accepted_at),
            late: row.late,
            return_reason: row.return_reason.clone(),
            submissions: u32::try_from(row.submissions).unwrap_or(u32::MAX),
            due_date: domain::format_date(due),
            history,
        }
    }

    /// Writes a changed report (version + 1) and its history event in one transaction.
    async fn commit(
        &self,
        mut row: ReportRow,
        new: bool,
        action: ReportAction,
        actor: &Identity,
        reason: &str,
        late: bool,
    ) -> Result<ReportRow> {
        row.version += 1;
        row.updated_at = self.now();
        let event = EventRow {
            seq: 0,
            action: action as i32,
            actor: actor.to_string(),
            at: row.updated_at,
            reason: reason.to_string(),
            late,
            values: row.values.clone(),
        };
        let mut tx = self.pool.begin().await?;
        if new {
            store::insert_report(&mut tx, &row).await?;
        } else if !store::update_report(&mut tx, &row).await? {
            return Err(ReportingError::Unavailable(
                "the report was changed concurrently; retry".into(),
            ));
        }
        store::insert_event(&mut tx, &row, &event).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Creates the caller's draft (pre-filled from statistics) or changes its values.
    pub async fn save_draft(
        &self,
        agency: &str,
        code: &str,
        period: &str,
        changes: &[(String, String)],
    ) -> Result<Report> {
        let regime = self.regime(code).await?;
        let resolved = self.resolve(&regime, period)?;
        self.check_submitter(&regime, agency)?;
        self.check_started(&resolved)?;
        domain::check_draft_values(&regime, changes)?;
        let key = resolved.window.key.clone();
        let mut conn = self.conn().await?;
        let existing = store::get_report(&mut conn, code, &key, agency).await?;
        let mut refreshed = false;
        let (row, new) = match existing {
            Some(mut row) => {
                domain::check_editable(ReportStatus::try_from(row.status).unwrap_or_default())?;
                // Figures the clerk has not touched follow the latest statistics until the
                // report is submitted (they may have arrived after the draft was opened).
                let fresh = self.prefill(&mut conn, &regime, agency, &resolved).await?;
                for v in row
                    .values
                    .iter_mut()
                    .filter(|v| v.prefilled || v.value.is_empty())
                {
                    if let Some(f) = fresh.iter().find(|f| f.code == v.code && f.prefilled)
                        && (f.value != v.value || !v.prefilled)
                    {
                        v.value = f.value.clone();
                        v.prefilled = true;
                        refreshed = true;
                    }
                }
                (row, false)
            }
            None => {
                let prefilled = self.prefill(&mut conn, &regime, agency, &resolved).await?;
                let now = self.now();
                let row = ReportRow {
                    regime_code: code.to_string(),
                    period: key.clone(),
                    agency: agency.to_string(),
                    status: ReportStatus::Draft as i32,
                    values: prefilled,
                    first_submitted_at: 0,
                    submitted_at: 0,
                    accepted_at: 0,
                    late: false,
                    return_reason: String::new(),
                    submissions: 0,
                    version: 0,
                    created_at: now,
                    updated_at: now,
                };
                (row, true)
            }
        };
        // Remember the agency for compliance views.
        store::insert_agency_if_absent(&mut conn, agency, "", self.now()).await?;
        drop(conn);
        let actor = Identity::Agency(agency.to_string());
        let row = if new {
            let mut row = row;
            row.values = domain::apply_values(&regime, &row.values, changes);
            self.commit(row, true, ReportAction::Created, &actor, "", false)
                .await?
        } else if changes.is_empty() && !refreshed {
            row
        } else {
            let mut row = row;
            row.values = domain::apply_values(&regime, &row.values, changes);
            self.commit(row, false, ReportAction::Saved, &actor, "", false)
                .await?
        };
        Ok(self.report_pb(&row, resolved.due, Vec::new()))
    }

    /// Values of the indicators that have a source statistic, summed over the window.
    async fn prefill(
        &self,
        conn: &mut sqlx::AnyConnection,
        regime: &Regime,
        agency: &str,
        period: &ResolvedPeriod,
    ) -> Result<Vec<StoredValue>> {
        let from = domain::format_date(period.window.start);
        let to = domain::format_date(period.window.end);
        let mut values = Vec::new();
        for ind in &regime.indicators {
            let mut v = StoredValue {
                code: ind.code.clone(),
                value: String::new(),
                prefilled: false,
            };
            if !ind.source_statistic.is_empty() {
                let (sum, n) =
                    store::sum_statistic(&mut *conn, &ind.source_statistic, agency, &from, &to)
                        .await?;
                if n > 0 {
                    v.value = domain::prefill_value(ind, sum);
                    v.prefilled = true;
                }
            }
            values.push(v);
        }
        Ok(values)
    }

    async fn existing(&self, code: &str, period: &str, agency: &str) -> Result<ReportRow> {
        let mut conn = self.conn().await?;
        store::get_report(&mut conn, code, period, agency)
            .await?
            .ok_or_else(|| {
                ReportingError::NotFound(format!(
                    "no report of {agency} for regime {code}, period {period}"
                ))
            })
    }

    /// Submits or resubmits the caller's report.
    pub async fn submit(&self, agency: &str, code: &str, period: &str) -> Result<Report> {
        let regime = self.regime(code).await?;
        let resolved = self.resolve(&regime, period)?;
        self.check_submitter(&regime, agency)?;
        self.check_started(&resolved)?;
        let key = resolved.window.key.clone();
        let mut conn = self.conn().await?;
        let existing = store::get_report(&mut conn, code, &key, agency).await?;
        drop(conn);
        let status = existing
            .as_ref()
            .map(|r| ReportStatus::try_from(r.status).unwrap_or_default())
            .unwrap_or_default();
        domain::check_submittable(status)?;
        let Some(mut row) = existing else {
            return Err(ReportingError::Internal("no report".into()));
        };
        domain::validate_report(&regime, &row.values)?;
        let now = self.now();
        let late = domain::is_late(domain::local_date(now), resolved.due);
        let action = if status == ReportStatus::Returned {
            ReportAction::Resubmitted
        } else {
            ReportAction::Submitted
        };
        if row.first_submitted_at == 0 {
            row.first_submitted_at = now;
            row.late = late;
        }
        row.submitted_at = now;
        row.submissions += 1;
        row.status = ReportStatus::Submitted as i32;
        let actor = Identity::Agency(agency.to_string());
        let row = self.commit(row, false, action, &actor, "", late).await?;
        Ok(self.report_pb(&row, resolved.due, Vec::new()))
    }

    /// Accepts or returns a submitted report (the regime's owner only).
    pub async fn review(
        &self,
        owner: &str,
        code: &str,
        period: &str,
        agency: &str,
        accept: bool,
        reason: &str,
    ) -> Result<Report> {
        let regime = self.regime(code).await?;
        let resolved = self.resolve(&regime, period)?;
        domain::check_agency_code("agency_code", agency)?;
        let verb = if accept { "accept" } else { "return" };
        self.check_owner(&regime, owner, verb)?;
        if !accept && reason.trim().is_empty() {
            return Err(ReportingError::invalid(
                "reason",
                "required: say why the report is returned",
            ));
        }
        let mut row = self.existing(code, &resolved.window.key, agency).await?;
        domain::check_reviewable(
            ReportStatus::try_from(row.status).unwrap_or_default(),
            if accept { "accepted" } else { "returned" },
        )?;
        let action = if accept {
            row.status = ReportStatus::Accepted as i32;
            row.accepted_at = self.now();
            ReportAction::Accepted
        } else {
            row.status = ReportStatus::Returned as i32;
            row.return_reason = reason.trim().to_string();
            ReportAction::Returned
        };
        let actor = Identity::Agency(owner.to_string());
        let row = self
            .commit(row, false, action, &actor, reason.trim(), false)
            .await?;
        Ok(self.report_pb(&row, resolved.due, Vec::new()))
    }

    /// Whether the caller sees every report of a regime (owner, admin).
    fn sees_all(regime: &Regime, caller: &Identity) -> bool {
        match caller {
            Identity::Admin(_) => true,
            Identity::Agency(code) => *code == regime.owner,
            _ => false,
        }
    }

    /// One report with its history.
    pub async fn get_report(
        &self,
        caller: &Identity,
        code: &str,
        period: &str,
        agency: &str,
    ) -> Result<Report> {
        let regime = self.regime(code).await?;
        let resolved = self.resolve(&regime, period)?;
        let agency = match (agency, caller.agency_code()) {
            ("", Some(own)) => own.to_string(),
            ("", None) => {
                return Err(ReportingError::invalid(
                    "agency_code",
                    "required unless the caller is an agency",
                ));
            }
            (a, _) => a.to_string(),
        };
        domain::check_agency_code("agency_code", &agency)?;
        if caller.agency_code() != Some(agency.as_str()) && !Self::sees_all(&regime, caller) {
            return Err(ReportingError::PermissionDenied(format!(
                "{caller} may not read the report of {agency}: only the submitter, the owner \
                 of regime {code} and admins may"
            )));
        }
        let row = self.existing(code, &resolved.window.key, &agency).await?;
        let mut conn = self.conn().await?;
        let events = store::events_of(&mut conn, code, &row.period, &agency).await?;
        let history = events
            .into_iter()
            .map(|e| ReportEvent {
                seq: u64::try_from(e.seq).unwrap_or(0),
                action: e.action,
                actor: e.actor,
                at: timestamp(e.at),
                reason: e.reason,
                late: e.late,
                values: values_pb(&e.values),
            })
            .collect();
        Ok(self.report_pb(&row, resolved.due, history))
    }

    /// The reports of a period: every one for the owner and admins, the caller's own otherwise.
    pub async fn list_reports(
        &self,
        caller: &Identity,
        code: &str,
        period: &str,
    ) -> Result<Vec<Report>> {
        let regime = self.regime(code).await?;
        let resolved = self.resolve(&regime, period)?;
        let mut conn = self.conn().await?;
        let rows = store::reports_of_period(&mut conn, code, &resolved.window.key).await?;
        let all = Self::sees_all(&regime, caller);
        Ok(rows
            .iter()
            .filter(|r| all || caller.agency_code() == Some(r.agency.as_str()))
            .map(|r| self.report_pb(r, resolved.due, Vec::new()))
            .collect())
    }

    // -----------------------------------------------------------------------------------------
    // Aggregation, compliance, export

    /// Aggregates and compliance of a period, for the owner and admins.
    pub async fn period_view(
        &self,
        caller: &Identity,
        code: &str,
        period: &str,
        scope: &str,
    ) -> Result<PeriodView> {
        let regime = self.regime(code).await?;
        let resolved = self.resolve(&regime, period)?;
        if !scope.is_empty() {
            domain::check_pattern("scope", scope)?;
        }
        if !Self::sees_all(&regime, caller) {
            return Err(ReportingError::PermissionDenied(format!(
                "{caller} may not see the compliance of regime {code}: only its owner ({}) and \
                 admins may",
                regime.owner
            )));
        }
        let in_scope = |a: &str| scope.is_empty() || domain::matches_pattern(scope, a);
        let mut conn = self.conn().await?;
        let reports: BTreeMap<String, ReportRow> =
            store::reports_of_period(&mut conn, code, &resolved.window.key)
                .await?
                .into_iter()
                .filter(|r| in_scope(&r.agency))
                .map(|r| (r.agency.clone(), r))
                .collect();
        let agencies = store::list_agencies(&mut conn).await?;
        drop(conn);
        let names: BTreeMap<&str, &str> = agencies
            .iter()
            .map(|(c, n)| (c.as_str(), n.as_str()))
            .collect();

        // Expected submitters: listed ones, known agencies matching the pattern, and anyone
        // who has a report.
        let mut expected: Vec<String> = regime
            .submitters
            .iter()
            .flat_map(|s| s.agency_codes.iter().cloned())
            .chain(
                agencies
                    .iter()
                    .filter(|(c, _)| domain::is_submitter(&regime, c))
                    .map(|(c, _)| c.clone()),
            )
            .chain(reports.keys().cloned())
            .filter(|a| in_scope(a))
            .collect();
        expected.sort();
        expected.dedup();

        let today = self.today();
        let rows: Vec<ComplianceRow> = expected
            .iter()
            .map(|a| {
                let report = reports.get(a);
                let first = report.map(|r| r.first_submitted_at).filter(|&t| t != 0);
                let state =
                    domain::compliance_state(first.map(domain::local_date), resolved.due, today);
                ComplianceRow {
                    agency_code: a.clone(),
                    state: state as i32,
                    status: report.map(|r| r.status).unwrap_or(0),
                    first_submitted_at: first.and_then(timestamp),
                    agency_name: names.get(a.as_str()).copied().unwrap_or("").to_string(),
                }
            })
            .collect();

        let aggregates = regime
            .indicators
            .iter()
            .map(|ind| {
                let contributions: Vec<domain::Contribution<'_>> = reports
                    .values()
                    .filter(|r| r.status == ReportStatus::Accepted as i32)
                    .filter_map(|r| {
                        r.values
                            .iter()
                            .find(|v| v.code == ind.code)
                            .map(|v| domain::Contribution {
                                value: &v.value,
                                accepted_at: r.accepted_at,
                            })
                    })
                    .collect();
                let (value, n) = domain::aggregate(ind, &contributions);
                IndicatorAggregate {
                    indicator_code: ind.code.clone(),
                    name: ind.name.clone(),
                    unit: ind.unit.clone(),
                    aggregation: ind.aggregation,
                    value,
                    reports: n,
                    target: ind.target.clone(),
                }
            })
            .collect();
        let period = resolved.to_pb(regime.period_kind());
        Ok(PeriodView {
            regime,
            period,
            scope: scope.to_string(),
            aggregates,
            rows,
            reports,
            today,
        })
    }

    pub async fn compliance(
        &self,
        caller: &Identity,
        code: &str,
        period: &str,
        scope: &str,
    ) -> Result<GetComplianceResponse> {
        let view = self.period_view(caller, code, period, scope).await?;
        let count =
            |s: ComplianceState| view.rows.iter().filter(|r| r.state == s as i32).count() as u32;
        Ok(GetComplianceResponse {
            on_time: count(ComplianceState::OnTime),
            late: count(ComplianceState::Late),
            missing: count(ComplianceState::Missing),
            pending: count(ComplianceState::Pending),
            regime: Some(view.regime),
            period: Some(view.period),
            aggregates: view.aggregates,
            rows: view.rows,
        })
    }

    pub async fn export(
        &self,
        caller: &Identity,
        code: &str,
        period: &str,
        scope: &str,
        format: ExportFormat,
    ) -> Result<ExportPeriodResponse> {
        if format == ExportFormat::Unspecified {
            return Err(ReportingError::invalid(
                "format",
                "required: CSV or MARKDOWN",
            ));
        }
        let view = self.period_view(caller, code, period, scope).await?;
        let safe_key = view.period.key.replace("..", "_");
        Ok(match format {
            ExportFormat::Csv => ExportPeriodResponse {
                content: export::csv(&view),
                content_type: "text/csv; charset=utf-8".into(),
                file_name: format!("{code}-{safe_key}.csv"),
            },
            _ => ExportPeriodResponse {
                content: export::markdown(&view),
                content_type: "text/markdown; charset=utf-8".into(),
                file_name: format!("{code}-{safe_key}.md"),
            },
        })
    }

    // -----------------------------------------------------------------------------------------
    // Statistics intake

    /// Records pushed daily figures from a service, all or nothing.
    pub async fn push_statistics(&self, source: &str, values: &[StatisticValue]) -> Result<u32> {
        if values.len() > domain::MAX_PUSH_VALUES {
            return Err(ReportingError::ResourceExhausted(format!(
                "values: {} values in one call, at most {} are allowed",
                values.len(),
                domain::MAX_PUSH_VALUES
            )));
        }
        for (i, v) in values.iter().enumerate() {
            domain::check_statistic(i, &v.indicator_code, &v.agency_code, &v.day, v.value)?;
        }
        let now = self.now();
        let mut agencies: Vec<&str> = values.iter().map(|v| v.agency_code.as_str()).collect();
        agencies.sort();
        agencies.dedup();
        let mut tx = self.pool.begin().await?;
        for v in values {
            store::upsert_statistic(
                &mut tx,
                source,
                &v.indicator_code,
                &v.agency_code,
                &v.day,
                v.value,
                now,
            )
            .await?;
        }
        for a in agencies {
            store::insert_agency_if_absent(&mut tx, a, "", now).await?;
        }
        tx.commit().await?;
        Ok(values.len() as u32)
    }
}
