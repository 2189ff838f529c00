//! The reporting service over real gRPC and real mutual TLS, on SQLite and on PostgreSQL, one
//! module per behaviour. Every refusal is checked by its code and its stable reason
//! (`support::refused`).
mod compliance;
mod contract;
mod exports;
mod hostile;
mod intake;
mod outage;
mod paging;
mod regimes;
mod storage;
mod support;
mod values;
mod workflow;

use lienthong_api::reporting::v1::{
    Aggregation, CreateRegimeRequest, Indicator, IndicatorType, PeriodKind, Regime, Submitters,
};
use lienthong_platform::on_both_databases;
use support::*;

use compliance::aggregation_and_compliance_on_a_known_data_set;
use contract::every_malformed_field_is_reported_at_once;
use exports::{exported_cells_are_never_formulas, exports_of_a_known_data_set};
use hostile::hostile_input_is_refused_and_nothing_is_stored;
use intake::{
    agency_calling_the_intake_is_refused, intake_prefills_drafts_for_the_period_window,
    refused_pushes_name_the_field_and_store_nothing,
};
use outage::calls_fail_fast_while_the_database_is_down;
use paging::lists_page_with_signed_tokens;
use regimes::{
    malformed_regimes_name_the_field, periods_with_due_dates, regime_creation_rules, seeded_regimes,
};
use storage::lost_races_are_aborted;
use values::values_are_validated_per_indicator;
use workflow::workflow_with_authorization_and_late_flag;

on_both_databases!(
    seeded_regimes,
    periods_with_due_dates,
    workflow_with_authorization_and_late_flag,
    values_are_validated_per_indicator,
    aggregation_and_compliance_on_a_known_data_set,
    exports_of_a_known_data_set,
    intake_prefills_drafts_for_the_period_window,
    refused_pushes_name_the_field_and_store_nothing,
    agency_calling_the_intake_is_refused,
    regime_creation_rules,
    malformed_regimes_name_the_field,
    lost_races_are_aborted,
    every_malformed_field_is_reported_at_once,
    lists_page_with_signed_tokens,
    exported_cells_are_never_formulas,
    hostile_input_is_refused_and_nothing_is_stored,
    calls_fail_fast_while_the_database_is_down,
);

fn indicator(
    code: &str,
    t: IndicatorType,
    min: Option<f64>,
    max: Option<f64>,
    a: Aggregation,
) -> Indicator {
    Indicator {
        code: code.into(),
        name: format!("Chỉ tiêu {code}"),
        unit: String::new(),
        value_type: t as i32,
        min,
        max,
        aggregation: a as i32,
        source_statistic: String::new(),
        target: String::new(),
    }
}

/// A monthly test regime owned by OWNER: DOCS integer ≥ 0 (sum), RATE percent ≥ 10 (average),
/// AMOUNT decimal ≤ 1000.5 (max), NOTE text (latest).
fn test_regime(code: &str, submitters: Submitters) -> Regime {
    Regime {
        code: code.into(),
        name: format!("Báo cáo thử {code}"),
        owner: OWNER.into(),
        period_kind: PeriodKind::Month as i32,
        indicators: vec![
            indicator(
                "DOCS",
                IndicatorType::Integer,
                Some(0.0),
                None,
                Aggregation::Sum,
            ),
            indicator(
                "RATE",
                IndicatorType::Percent,
                Some(10.0),
                None,
                Aggregation::Average,
            ),
            indicator(
                "AMOUNT",
                IndicatorType::Decimal,
                None,
                Some(1000.5),
                Aggregation::Max,
            ),
            indicator("NOTE", IndicatorType::Text, None, None, Aggregation::Latest),
        ],
        submitters: Some(submitters),
        deadline_working_days: 2,
        description: String::new(),
        create_time: None,
    }
}

/// Submitters named by code.
fn listed(codes: &[&str]) -> Submitters {
    Submitters {
        agency_codes: codes.iter().map(|c| (*c).into()).collect(),
        pattern: String::new(),
    }
}

async fn create(svc: &TestService, regime: Regime) {
    svc.agency(OWNER)
        .await
        .create_regime(CreateRegimeRequest {
            regime: Some(regime),
        })
        .await
        .expect("create regime");
}
