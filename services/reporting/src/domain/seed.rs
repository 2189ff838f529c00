//! The regimes every reporting service starts with (created when absent, never overwritten):
//! a declarative table.
use lienthong_api::reporting::v1::{
    Aggregation, Indicator, IndicatorType, PeriodKind, Regime, Submitters,
};

/// Văn phòng UBND tỉnh Quảng Ngãi. The code is illustrative (the real one is not public), as in
/// the exchange hub's seed directory.
pub const SEED_OWNER: &str = "000.00.01.H48";
/// Every agency under UBND tỉnh Quảng Ngãi.
pub const SEED_SUBMITTERS: &str = "*.H48";

/// The statistic the exchange hub pushes per sending agency and day.
pub const AXIS_DOCUMENTS_SENT: &str = "axis.documents_sent";
/// The statistic the exchange hub pushes per receiving agency and day.
pub const AXIS_DOCUMENTS_RECEIVED: &str = "axis.documents_received";

fn percent(code: &str, name: &str, target: &str, min: Option<f64>) -> Indicator {
    Indicator {
        code: code.into(),
        name: name.into(),
        unit: "%".into(),
        value_type: IndicatorType::Percent as i32,
        min,
        max: Some(100.0),
        aggregation: Aggregation::Average as i32,
        source_statistic: String::new(),
        target: target.into(),
    }
}

fn count(code: &str, name: &str, source: &str) -> Indicator {
    Indicator {
        code: code.into(),
        name: name.into(),
        unit: "văn bản".into(),
        value_type: IndicatorType::Integer as i32,
        min: Some(0.0),
        max: None,
        aggregation: Aggregation::Sum as i32,
        source_statistic: source.into(),
        target: String::new(),
    }
}

/// "Kết quả thực hiện Kế hoạch 61/KH-UBND" (annual) and the monthly axis traffic.
// A declarative table of data: long, but read top to bottom.
#[allow(clippy::too_many_lines)]
pub fn regimes() -> Vec<Regime> {
    vec![
        Regime {
            code: "KH61".into(),
            name: "Kết quả thực hiện Kế hoạch 61/KH-UBND".into(),
            owner: SEED_OWNER.into(),
            period_kind: PeriodKind::Year as i32,
            indicators: vec![
                percent(
                    "KH61.CKS",
                    "Tỷ lệ dịch vụ công trực tuyến sử dụng chữ ký số",
                    "≥ 10%",
                    Some(0.0),
                ),
                percent(
                    "KH61.HSDT",
                    "Tỷ lệ dịch vụ công trực tuyến xử lý bằng hồ sơ điện tử",
                    "50%",
                    Some(0.0),
                ),
                percent(
                    "KH61.TUDIEN",
                    "Tỷ lệ dịch vụ công trực tuyến được tự động điền dữ liệu công dân",
                    "20%",
                    Some(0.0),
                ),
                percent(
                    "KH61.DKDN",
                    "Tỷ lệ dịch vụ công trực tuyến sử dụng Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp",
                    "50%",
                    Some(0.0),
                ),
                percent(
                    "KH61.VBDT",
                    "Tỷ lệ văn bản trao đổi giữa các cơ quan nhà nước dưới dạng điện tử",
                    "100%",
                    Some(0.0),
                ),
                percent(
                    "KH61.BCDK",
                    "Tỷ lệ báo cáo định kỳ gửi qua Hệ thống thông tin báo cáo",
                    "> 30%",
                    Some(0.0),
                ),
                count(
                    "KH61.TRUC",
                    "Số văn bản trao đổi qua Trục liên thông văn bản",
                    AXIS_DOCUMENTS_SENT,
                ),
            ],
            submitters: Some(Submitters {
                agency_codes: vec![],
                pattern: SEED_SUBMITTERS.into(),
            }),
            deadline_working_days: 2,
            description: "Báo cáo năm về kết quả thực hiện Kế hoạch 61/KH-UBND (chính quyền \
                          điện tử tỉnh Quảng Ngãi). Chỉ tiêu KH61.TRUC được điền sẵn từ số liệu \
                          của Trục liên thông."
                .into(),
            create_time: None,
        },
        Regime {
            code: "AXIS-MONTHLY".into(),
            name: "Lưu lượng văn bản trên Trục liên thông văn bản (hằng tháng)".into(),
            owner: SEED_OWNER.into(),
            period_kind: PeriodKind::Month as i32,
            indicators: vec![
                count(
                    "AXIS.SENT",
                    "Số văn bản đã gửi qua Trục",
                    AXIS_DOCUMENTS_SENT,
                ),
                count(
                    "AXIS.RECEIVED",
                    "Số văn bản đã nhận qua Trục",
                    AXIS_DOCUMENTS_RECEIVED,
                ),
            ],
            submitters: Some(Submitters {
                agency_codes: vec![],
                pattern: SEED_SUBMITTERS.into(),
            }),
            deadline_working_days: 2,
            description: "Số văn bản gửi và nhận qua Trục liên thông của từng cơ quan, điền sẵn \
                          từ số liệu do Trục đẩy sang."
                .into(),
            create_time: None,
        },
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn seed_regimes_are_valid() {
        for r in super::regimes() {
            crate::domain::regimes::check_regime(&r).unwrap_or_else(|e| panic!("{}: {e}", r.code));
        }
    }
}
