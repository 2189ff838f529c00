//! The reporting service's enums as the CLI prints them in text: the proto name without the
//! enum's prefix (`REPORT_STATUS_SUBMITTED` → `SUBMITTED`), `-` when the service sent none.
use lienthong_api::reporting::v1::{
    Aggregation, ComplianceState, IndicatorType, PeriodKind, ReportAction, ReportStatus,
};

use crate::render::short;

fn or_dash(name: &'static str, prefix: &str) -> &'static str {
    match short(name, prefix) {
        "UNSPECIFIED" => "-",
        other => other,
    }
}

pub fn status_name(s: ReportStatus) -> &'static str {
    or_dash(s.as_str_name(), "REPORT_STATUS_")
}

pub fn action_name(a: ReportAction) -> &'static str {
    or_dash(a.as_str_name(), "REPORT_ACTION_")
}

pub fn kind_name(k: PeriodKind) -> &'static str {
    or_dash(k.as_str_name(), "PERIOD_KIND_")
}

pub fn type_name(t: IndicatorType) -> &'static str {
    or_dash(t.as_str_name(), "INDICATOR_TYPE_")
}

pub fn aggregation_name(a: Aggregation) -> &'static str {
    or_dash(a.as_str_name(), "AGGREGATION_")
}

pub fn state_name(s: ComplianceState) -> &'static str {
    or_dash(s.as_str_name(), "COMPLIANCE_STATE_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_proto_names_without_prefix() {
        assert_eq!(status_name(ReportStatus::Unspecified), "-");
        assert_eq!(status_name(ReportStatus::Submitted), "SUBMITTED");
        assert_eq!(action_name(ReportAction::Resubmitted), "RESUBMITTED");
        assert_eq!(kind_name(PeriodKind::SixMonths), "SIX_MONTHS");
        assert_eq!(type_name(IndicatorType::Percent), "PERCENT");
        assert_eq!(aggregation_name(Aggregation::None), "NONE");
        assert_eq!(state_name(ComplianceState::OnTime), "ON_TIME");
    }
}
