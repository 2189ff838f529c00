//! The vocabulary's mapping to the API's enums and to the codes edXML packages carry.
//!
//! The proto enums follow the API guides: value 0 is `_UNSPECIFIED` ("not set"), so the edXML
//! codes, where 0 has a meaning (priority 0 thường, business type 0 new), are not the enum
//! values; this module is the one place that translates. The business status is the exception:
//! its enum values are the edXML codes themselves (01…16), since no code is 0.
use lienthong_api::exchange::v1 as pb;

use crate::{
    error::FieldError,
    status::{BusinessStatus, RevokeState, TransportState},
};

impl From<BusinessStatus> for pb::BusinessStatus {
    fn from(s: BusinessStatus) -> Self {
        match s {
            BusinessStatus::Arrived => pb::BusinessStatus::Arrived,
            BusinessStatus::Rejected => pb::BusinessStatus::Rejected,
            BusinessStatus::Accepted => pb::BusinessStatus::Accepted,
            BusinessStatus::Assigned => pb::BusinessStatus::Assigned,
            BusinessStatus::Processing => pb::BusinessStatus::Processing,
            BusinessStatus::Completed => pb::BusinessStatus::Completed,
            BusinessStatus::RevokeRequested => pb::BusinessStatus::RevokeRequested,
            BusinessStatus::RevokeAccepted => pb::BusinessStatus::RevokeAccepted,
            BusinessStatus::RevokeRefused => pb::BusinessStatus::RevokeRefused,
        }
    }
}

impl BusinessStatus {
    /// The status of a proto value; `None` for unspecified (no status yet).
    pub fn from_proto(s: pb::BusinessStatus) -> Option<Self> {
        match s {
            pb::BusinessStatus::Unspecified => None,
            pb::BusinessStatus::Arrived => Some(BusinessStatus::Arrived),
            pb::BusinessStatus::Rejected => Some(BusinessStatus::Rejected),
            pb::BusinessStatus::Accepted => Some(BusinessStatus::Accepted),
            pb::BusinessStatus::Assigned => Some(BusinessStatus::Assigned),
            pb::BusinessStatus::Processing => Some(BusinessStatus::Processing),
            pb::BusinessStatus::Completed => Some(BusinessStatus::Completed),
            pb::BusinessStatus::RevokeRequested => Some(BusinessStatus::RevokeRequested),
            pb::BusinessStatus::RevokeAccepted => Some(BusinessStatus::RevokeAccepted),
            pb::BusinessStatus::RevokeRefused => Some(BusinessStatus::RevokeRefused),
        }
    }

    /// The status a request field carries (the raw `i32` of a proto enum field): unspecified
    /// or unknown values are refused naming the field.
    pub fn from_field(field: &str, raw: i32) -> Result<Self, FieldError> {
        pb::BusinessStatus::try_from(raw)
            .ok()
            .and_then(Self::from_proto)
            .ok_or_else(|| {
                FieldError::new(
                    field,
                    format!(
                        "{raw} is not a business status (BUSINESS_STATUS_REJECTED = 2, … \
                         REVOKE_REFUSED = 16: the value is the edXML code)"
                    ),
                )
            })
    }

    /// The proto value as the `i32` of a message field.
    pub fn to_proto_i32(self) -> i32 {
        pb::BusinessStatus::from(self) as i32
    }
}

impl From<TransportState> for pb::TransportState {
    fn from(s: TransportState) -> Self {
        match s {
            TransportState::Queued => pb::TransportState::Queued,
            TransportState::Delivered => pb::TransportState::Delivered,
            TransportState::Acknowledged => pb::TransportState::Acknowledged,
            TransportState::Relayed => pb::TransportState::Relayed,
            TransportState::Failed => pb::TransportState::Failed,
        }
    }
}

impl TransportState {
    /// The state of a proto value; `None` for unspecified.
    pub fn from_proto(s: pb::TransportState) -> Option<Self> {
        match s {
            pb::TransportState::Unspecified => None,
            pb::TransportState::Queued => Some(TransportState::Queued),
            pb::TransportState::Delivered => Some(TransportState::Delivered),
            pb::TransportState::Acknowledged => Some(TransportState::Acknowledged),
            pb::TransportState::Relayed => Some(TransportState::Relayed),
            pb::TransportState::Failed => Some(TransportState::Failed),
        }
    }
}

impl From<RevokeState> for pb::RevokeState {
    fn from(s: RevokeState) -> Self {
        match s {
            RevokeState::None => pb::RevokeState::Unspecified,
            RevokeState::Requested => pb::RevokeState::Requested,
            RevokeState::Accepted => pb::RevokeState::Accepted,
            RevokeState::Refused => pb::RevokeState::Refused,
        }
    }
}

impl From<pb::RevokeState> for RevokeState {
    fn from(s: pb::RevokeState) -> Self {
        match s {
            pb::RevokeState::Unspecified => RevokeState::None,
            pb::RevokeState::Requested => RevokeState::Requested,
            pb::RevokeState::Accepted => RevokeState::Accepted,
            pb::RevokeState::Refused => RevokeState::Refused,
        }
    }
}

/// edXML `Priority` (0 thường … 4 hỏa tốc hẹn giờ) ↔ [`pb::Priority`].
pub mod priority {
    use super::pb::Priority;

    /// The edXML code of a priority (unspecified reads as normal, 0).
    pub fn to_edxml(p: Priority) -> u8 {
        match p {
            Priority::Unspecified | Priority::Normal => 0,
            Priority::Urgent => 1,
            Priority::VeryUrgent => 2,
            Priority::Flash => 3,
            Priority::FlashScheduled => 4,
        }
    }

    /// The priority of an edXML code; `None` outside 0–4.
    pub fn from_edxml(code: u8) -> Option<Priority> {
        Some(match code {
            0 => Priority::Normal,
            1 => Priority::Urgent,
            2 => Priority::VeryUrgent,
            3 => Priority::Flash,
            4 => Priority::FlashScheduled,
            _ => return None,
        })
    }

    /// The Vietnamese name (độ khẩn).
    pub fn vietnamese_name(p: Priority) -> &'static str {
        match p {
            Priority::Unspecified | Priority::Normal => "Thường",
            Priority::Urgent => "Khẩn",
            Priority::VeryUrgent => "Thượng khẩn",
            Priority::Flash => "Hỏa tốc",
            Priority::FlashScheduled => "Hỏa tốc hẹn giờ",
        }
    }
}

/// edXML `SteeringType` ↔ [`pb::SteeringType`], read as edxml-convert documents it (0 and 1
/// ordinary, 2 steering, 3 a report on a steering document); the national code table is not
/// confirmed.
pub mod steering {
    use super::pb::SteeringType;

    /// The edXML code written for a steering type (ordinary and unspecified as 1, as the Java
    /// sample writes).
    pub fn to_edxml(s: SteeringType) -> u8 {
        match s {
            SteeringType::Unspecified | SteeringType::Ordinary => 1,
            SteeringType::Steering => 2,
            SteeringType::SteeringReport => 3,
        }
    }

    /// The steering type of an edXML code; `None` for codes no source documents.
    pub fn from_edxml(code: u8) -> Option<SteeringType> {
        Some(match code {
            0 | 1 => SteeringType::Ordinary,
            2 => SteeringType::Steering,
            3 => SteeringType::SteeringReport,
            _ => return None,
        })
    }
}

/// edXML `BussinessDocType` (0 new, 1 revoke, 2 update, 3 replace) ↔ [`pb::BusinessType`].
pub mod business_type {
    use super::pb::BusinessType;

    /// The edXML code (unspecified reads as new, 0).
    pub fn to_edxml(t: BusinessType) -> u8 {
        match t {
            BusinessType::Unspecified | BusinessType::New => 0,
            BusinessType::Revoke => 1,
            BusinessType::Update => 2,
            BusinessType::Replace => 3,
        }
    }

    /// The business type of an edXML code; `None` outside 0–3.
    pub fn from_edxml(code: u8) -> Option<BusinessType> {
        Some(match code {
            0 => BusinessType::New,
            1 => BusinessType::Revoke,
            2 => BusinessType::Update,
            3 => BusinessType::Replace,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_status_values_are_the_edxml_codes() {
        for s in BusinessStatus::ALL {
            let value = s.to_proto_i32();
            assert_eq!(format!("{value:02}"), s.code(), "{s:?}");
            assert_eq!(BusinessStatus::from_field("status", value), Ok(s));
        }
        assert!(BusinessStatus::from_field("status", 0).is_err());
        assert!(BusinessStatus::from_field("status", 7).is_err());
    }

    #[test]
    fn transport_and_revoke_states_round_trip() {
        for t in TransportState::ALL {
            assert_eq!(
                TransportState::from_proto(pb::TransportState::from(t)),
                Some(t)
            );
        }
        for r in [
            RevokeState::None,
            RevokeState::Requested,
            RevokeState::Accepted,
            RevokeState::Refused,
        ] {
            assert_eq!(RevokeState::from(pb::RevokeState::from(r)), r);
        }
    }

    #[test]
    fn edxml_codes_round_trip() {
        for code in 0..=4u8 {
            let p = priority::from_edxml(code).expect("0–4");
            assert_eq!(priority::to_edxml(p), code);
        }
        assert_eq!(priority::from_edxml(5), None);
        for code in 0..=3u8 {
            let t = business_type::from_edxml(code).expect("0–3");
            assert_eq!(business_type::to_edxml(t), code);
        }
        assert_eq!(
            steering::from_edxml(0),
            Some(pb::SteeringType::Ordinary),
            "0 and 1 are both ordinary"
        );
        assert_eq!(steering::to_edxml(pb::SteeringType::Steering), 2);
        assert_eq!(steering::from_edxml(9), None);
    }
}
