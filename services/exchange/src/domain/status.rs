//! Which business status a recipient may report, and when a revocation may be asked.
use lienthong_axis::{BusinessStatus, RevokeState};
use lienthong_platform::error::Violations;

use crate::error::{ExchangeError, Result};

/// What a recipient's report does to its leg.
#[derive(Debug, PartialEq, Eq)]
pub enum StatusEffect {
    /// A business status (02–06): becomes the leg's current status.
    Business(BusinessStatus),
    /// An answer to a revoke request (15/16): sets the revoke state.
    RevokeAnswer {
        status: BusinessStatus,
        state: RevokeState,
    },
}

impl StatusEffect {
    /// The status reported.
    pub fn status(&self) -> BusinessStatus {
        match self {
            StatusEffect::Business(s) | StatusEffect::RevokeAnswer { status: s, .. } => *s,
        }
    }
}

/// The fields of a report, checked before anything is read: `status` (the raw value of the
/// enum field) is one a recipient reports — not 01, recorded by AcknowledgeDocument, nor 13,
/// sent with RevokeDocument — and `description` carries the reason 02 and 16 require. Every
/// violation goes to `v`; the status when it is reportable.
pub fn check_report_fields(
    status: i32,
    description: &str,
    v: &mut Violations,
) -> Option<BusinessStatus> {
    use BusinessStatus::*;
    let status = v.check(BusinessStatus::from_field("status", status))?;
    match status {
        Arrived => {
            v.push(
                "status",
                "01 (BUSINESS_STATUS_ARRIVED) is recorded by AcknowledgeDocument, not reported",
            );
            return None;
        }
        RevokeRequested => {
            v.push(
                "status",
                "13 (BUSINESS_STATUS_REVOKE_REQUESTED) is sent by the document's sender with \
                 RevokeDocument",
            );
            return None;
        }
        Rejected if description.trim().is_empty() => v.push(
            "description",
            "a reason is required to reject a document (02)",
        ),
        RevokeRefused if description.trim().is_empty() => v.push(
            "description",
            "a reason is required to refuse a revoke (16)",
        ),
        _ => {}
    }
    Some(status)
}

/// The position of a business status in the forward order (0 for anything else).
fn rank(status: Option<BusinessStatus>) -> u8 {
    use BusinessStatus::*;
    match status {
        Some(Arrived) => 1,
        Some(Rejected | Accepted) => 2,
        Some(Assigned) => 3,
        Some(Processing) => 4,
        Some(Completed) => 5,
        _ => 0,
    }
}

/// Decides whether a recipient may report `status` (its fields already checked by
/// [`check_report_fields`]) on its leg of `document_id`, whose current business status is
/// `current` (`None` before acknowledgement) and revoke state `revoke`.
///
/// 02 only right after 01; then 03, 04, 05, 06 forwards; 05 may repeat; other repeats,
/// backward moves and anything after 02 or 06 are refused. 15/16 answer a pending revoke
/// request. After 15 the document is revoked for this recipient and takes no further status.
pub fn check_report(
    document_id: &str,
    status: BusinessStatus,
    current: Option<BusinessStatus>,
    revoke: RevokeState,
) -> Result<StatusEffect> {
    use BusinessStatus::*;
    match status {
        RevokeAccepted | RevokeRefused => check_revoke_answer(document_id, status, revoke),
        Rejected | Accepted | Assigned | Processing | Completed => {
            check_business(document_id, status, current, revoke)
        }
        Arrived | RevokeRequested => Err(ExchangeError::invalid(
            "status",
            format!("{status} is not a status a recipient reports"),
        )),
    }
}

fn check_revoke_answer(
    document_id: &str,
    status: BusinessStatus,
    revoke: RevokeState,
) -> Result<StatusEffect> {
    if revoke != RevokeState::Requested {
        return Err(ExchangeError::NoRevokePending {
            document_id: document_id.to_string(),
            status,
        });
    }
    let state = if status == BusinessStatus::RevokeAccepted {
        RevokeState::Accepted
    } else {
        RevokeState::Refused
    };
    Ok(StatusEffect::RevokeAnswer { status, state })
}

fn check_business(
    document_id: &str,
    status: BusinessStatus,
    current: Option<BusinessStatus>,
    revoke: RevokeState,
) -> Result<StatusEffect> {
    use BusinessStatus::*;
    let Some(from) = current else {
        return Err(ExchangeError::NotAcknowledged {
            document_id: document_id.to_string(),
            status,
        });
    };
    if revoke == RevokeState::Accepted {
        return Err(ExchangeError::Revoked {
            document_id: document_id.to_string(),
        });
    }
    let allowed = if matches!(from, Rejected | Completed) {
        false
    } else if status == Rejected {
        from == Arrived
    } else {
        rank(Some(status)) > rank(Some(from)) || (status == Processing && from == Processing)
    };
    if allowed {
        Ok(StatusEffect::Business(status))
    } else {
        Err(ExchangeError::TransitionRefused {
            document_id: document_id.to_string(),
            from,
            to: status,
        })
    }
}

/// Whether the sender may ask a recipient to revoke: not asked yet, and the recipient holds
/// the document (one that rejected it, 02, does not).
pub fn may_ask_revoke(current: Option<BusinessStatus>, revoke: RevokeState) -> bool {
    revoke == RevokeState::None && current != Some(BusinessStatus::Rejected)
}

#[cfg(test)]
mod tests {
    use lienthong_platform::error::ApiError;

    use super::*;

    const ID: &str = "000.00.00.H48,2026/11/26,1/UBND-TH";

    fn s(code: &str) -> BusinessStatus {
        BusinessStatus::from_code(code).unwrap()
    }

    fn at(code: &str) -> Option<BusinessStatus> {
        (!code.is_empty()).then(|| s(code))
    }

    #[test]
    fn status_transitions() {
        let none = RevokeState::None;
        let ok = |code: &str, current: &str| check_report(ID, s(code), at(current), none).is_ok();
        assert!(!ok("03", ""), "before ack");
        assert!(ok("03", "01"));
        assert!(ok("02", "01"));
        assert!(!ok("02", "03"), "backward");
        assert!(ok("04", "03"));
        assert!(ok("05", "05"), "05 repeats");
        assert!(!ok("04", "04"), "04 does not repeat");
        assert!(!ok("03", "05"), "backward");
        assert!(ok("06", "05"));
        assert!(!ok("05", "06"), "after 06");
        assert!(!ok("03", "02"), "after 02");
        assert!(!ok("15", "03"), "no request");
        assert_eq!(
            check_report(ID, s("15"), at("03"), RevokeState::Requested).unwrap(),
            StatusEffect::RevokeAnswer {
                status: BusinessStatus::RevokeAccepted,
                state: RevokeState::Accepted
            }
        );
        assert_eq!(
            check_report(ID, s("16"), at("03"), RevokeState::Requested)
                .unwrap()
                .status(),
            BusinessStatus::RevokeRefused
        );
        assert!(check_report(ID, s("05"), at("03"), RevokeState::Accepted).is_err());
        assert!(!ok("01", ""));
        assert!(!ok("13", "01"));
    }

    #[test]
    fn fields_are_checked_together() {
        let fields = |status: i32, description: &str| {
            let mut v = Violations::new();
            let got = check_report_fields(status, description, &mut v);
            let named: Vec<String> = v.as_slice().iter().map(|e| e.field.clone()).collect();
            (got, named)
        };
        assert_eq!(fields(3, ""), (Some(BusinessStatus::Accepted), vec![]));
        assert_eq!(
            fields(2, " "),
            (Some(BusinessStatus::Rejected), vec!["description".into()])
        );
        assert_eq!(fields(16, "").1, ["description"]);
        for refused in [0, 1, 7, 13] {
            assert_eq!(fields(refused, "").1, ["status"], "{refused}");
        }
    }

    #[test]
    fn refusals_say_why_and_about_what() {
        let e = check_report(ID, s("03"), at("04"), RevokeState::None).unwrap_err();
        assert!(e.to_string().contains("cannot follow"), "{e}");
        assert_eq!(e.reason(), "TRANSITION_REFUSED");
        assert_eq!(e.subject(), ID);
        let e = check_report(ID, s("03"), None, RevokeState::None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "status: acknowledge the document first (status 01) before reporting 03"
        );
        assert_eq!(e.subject(), ID);
        let mut v = Violations::new();
        check_report_fields(7, "", &mut v);
        assert!(
            v.to_string()
                .starts_with("status: 7 is not a business status"),
            "{v}"
        );
    }

    #[test]
    fn revocation_is_asked_once_of_those_holding_the_document() {
        assert!(may_ask_revoke(None, RevokeState::None));
        assert!(may_ask_revoke(at("03"), RevokeState::None));
        assert!(!may_ask_revoke(at("02"), RevokeState::None));
        assert!(!may_ask_revoke(at("03"), RevokeState::Requested));
        assert!(!may_ask_revoke(at("03"), RevokeState::Refused));
    }
}
