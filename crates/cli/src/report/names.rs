//! The reporting service's enums as the CLI words them (`-` when the service sent none).
use lienthong_api::reporting::v1::{
    Aggregation, ComplianceState, IndicatorType, PeriodKind, ReportAction, ReportStatus,
};

pub fn status_name(s: ReportStatus) -> &'static str {
    match s {
        ReportStatus::Unspecified => "-",
        ReportStatus::Draft => "draft",
        ReportStatus::Submitted => "submitted",
        ReportStatus::Accepted => "accepted",
        ReportStatus::Returned => "returned",
    }
}

pub fn action_name(a: ReportAction) -> &'static str {
    match a {
        ReportAction::Unspecified => "-",
        ReportAction::Created => "created",
        ReportAction::Saved => "saved",
        ReportAction::Submitted => "submitted",
        ReportAction::Resubmitted => "resubmitted",
        ReportAction::Accepted => "accepted",
        ReportAction::Returned => "returned",
    }
}

pub fn kind_name(k: PeriodKind) -> &'static str {
    match k {
        PeriodKind::Unspecified => "-",
        PeriodKind::Month => "month",
        PeriodKind::Quarter => "quarter",
        PeriodKind::SixMonths => "6 months",
        PeriodKind::NineMonths => "9 months",
        PeriodKind::Year => "year",
        PeriodKind::AdHoc => "ad hoc",
    }
}

pub fn type_name(t: IndicatorType) -> &'static str {
    match t {
        IndicatorType::Unspecified => "-",
        IndicatorType::Integer => "integer",
        IndicatorType::Decimal => "decimal",
        IndicatorType::Percent => "percent",
        IndicatorType::Text => "text",
    }
}

pub fn aggregation_name(a: Aggregation) -> &'static str {
    match a {
        Aggregation::Unspecified => "-",
        Aggregation::Sum => "sum",
        Aggregation::Average => "average",
        Aggregation::Min => "min",
        Aggregation::Max => "max",
        Aggregation::Latest => "latest",
        Aggregation::None => "none",
    }
}

pub fn state_name(s: ComplianceState) -> &'static str {
    match s {
        ComplianceState::Unspecified => "-",
        ComplianceState::OnTime => "on time",
        ComplianceState::Late => "late",
        ComplianceState::Missing => "missing",
        ComplianceState::Pending => "pending",
    }
}
