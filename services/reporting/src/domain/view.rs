//! A period seen by its regime's owner: who is expected to report, whether each did on time,
//! and the indicators aggregated over the accepted reports. Compliance answers and exports are
//! both drawn from it.
use std::collections::BTreeMap;

use lienthong_api::reporting::v1::{
    ComplianceRow, ComplianceState, GetComplianceResponse, IndicatorAggregate, Period, Regime,
    ReportStatus,
};
use lienthong_axis::local::local_date;
use time::Date;

use super::{
    periods::ResolvedPeriod,
    scopes::{Scope, is_submitter},
    values::aggregates,
    workflow::{ReportRecord, compliance_state, timestamp},
};

/// An agency the service knows: its code and name ("" when only seen in reports or statistics).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownAgency {
    pub code: String,
    pub name: String,
}

/// Everything an export or a compliance view shows.
#[derive(Clone, Debug)]
pub struct PeriodView {
    pub regime: Regime,
    pub period: Period,
    /// The scope pattern ("" for every agency).
    pub scope: String,
    pub aggregates: Vec<IndicatorAggregate>,
    /// One per expected submitter, by agency code.
    pub rows: Vec<ComplianceRow>,
    /// The reports in scope, by agency.
    pub reports: BTreeMap<String, ReportRecord>,
    pub today: Date,
}

/// What a view is drawn from.
pub struct ViewInputs<'a> {
    pub regime: Regime,
    pub period: &'a ResolvedPeriod,
    pub scope: &'a Scope,
    /// Every report of the period.
    pub reports: Vec<ReportRecord>,
    pub agencies: &'a [KnownAgency],
    pub today: Date,
}

impl PeriodView {
    /// The expected submitters are the listed ones, the known agencies matching the pattern,
    /// and anyone who has a report — within the scope.
    pub fn build(inputs: ViewInputs<'_>) -> PeriodView {
        let ViewInputs {
            regime,
            period,
            scope,
            reports,
            agencies,
            today,
        } = inputs;
        let reports: BTreeMap<String, ReportRecord> = reports
            .into_iter()
            .filter(|r| scope.contains(r.agency.as_str()))
            .map(|r| (r.agency.to_string(), r))
            .collect();
        let names: BTreeMap<&str, &str> = agencies
            .iter()
            .map(|a| (a.code.as_str(), a.name.as_str()))
            .collect();
        let mut expected: Vec<String> = regime
            .submitters
            .iter()
            .flat_map(|s| s.agency_codes.iter().cloned())
            .chain(
                agencies
                    .iter()
                    .filter(|a| is_submitter(&regime, &a.code))
                    .map(|a| a.code.clone()),
            )
            .chain(reports.keys().cloned())
            .filter(|a| scope.contains(a))
            .collect();
        expected.sort();
        expected.dedup();
        let rows = expected
            .iter()
            .map(|a| {
                let report = reports.get(a);
                let first = report.map(|r| r.first_submitted_at).filter(|&t| t != 0);
                let state = compliance_state(first.map(local_date), period.due, today);
                ComplianceRow {
                    agency_code: a.clone(),
                    state: state as i32,
                    status: report.map_or(ReportStatus::Unspecified, |r| r.status) as i32,
                    first_submit_time: first.and_then(timestamp),
                    agency_name: names.get(a.as_str()).copied().unwrap_or("").to_string(),
                }
            })
            .collect();
        let accepted = reports
            .values()
            .filter(|r| r.status == ReportStatus::Accepted)
            .map(|r| (r.values.as_slice(), r.accepted_at));
        let aggregates = aggregates(&regime, accepted);
        PeriodView {
            period: period.to_pb(regime.period_kind()),
            regime,
            scope: scope.as_str().to_string(),
            aggregates,
            rows,
            reports,
            today,
        }
    }

    /// How many expected submitters are in a state.
    pub fn count(&self, state: ComplianceState) -> u32 {
        let n = self.rows.iter().filter(|r| r.state == state as i32).count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// The answer of GetCompliance.
    pub fn into_compliance(self) -> GetComplianceResponse {
        GetComplianceResponse {
            on_time: self.count(ComplianceState::OnTime),
            late: self.count(ComplianceState::Late),
            missing: self.count(ComplianceState::Missing),
            pending: self.count(ComplianceState::Pending),
            regime: Some(self.regime),
            period: Some(self.period),
            aggregates: self.aggregates,
            rows: self.rows,
        }
    }
}

#[cfg(test)]
mod tests {
    use lienthong_api::reporting::v1::{ComplianceState, ReportStatus};

    use crate::domain::fixtures::view;

    #[test]
    fn expected_submitters_their_compliance_and_the_totals() {
        let all = view("");
        let rows: Vec<(&str, ComplianceState, ReportStatus)> = all
            .rows
            .iter()
            .map(|r| (r.agency_code.as_str(), r.state(), r.status()))
            .collect();
        assert_eq!(
            rows,
            [
                (
                    "000.00.09.H48",
                    ComplianceState::Missing,
                    ReportStatus::Unspecified
                ),
                (
                    "000.00.12.H48",
                    ComplianceState::OnTime,
                    ReportStatus::Accepted
                ),
                (
                    "000.00.53.H48",
                    ComplianceState::Late,
                    ReportStatus::Submitted
                ),
            ],
            "the owner and G22 are not submitters; 000.00.53 has a report"
        );
        assert_eq!(all.rows[0].agency_name, "Sở Công Thương");
        let totals: Vec<(&str, u32)> = all
            .aggregates
            .iter()
            .map(|a| (a.value.as_str(), a.reports))
            .collect();
        assert_eq!(totals, [("7", 1), ("50", 1)], "accepted reports only");
        assert_eq!(all.period.due_date, "2026-03-16");
        let compliance = all.into_compliance();
        assert_eq!(
            (
                compliance.on_time,
                compliance.late,
                compliance.missing,
                compliance.pending
            ),
            (1, 1, 1, 0)
        );
        let level = view("000.00.1?.H48");
        assert_eq!(level.rows.len(), 1);
        assert_eq!(level.reports.len(), 1);
        assert_eq!(level.scope, "000.00.1?.H48");
    }
}
