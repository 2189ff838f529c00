//! Which business status a recipient may report, and when a revocation may be asked.
use lienthong_axis::{BusinessStatus, RevokeState};

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

/// Decides whether a recipient may report `code` on a leg whose current business status is
/// `current` (its stored code, "" before acknowledgement) and revoke state `revoke`.
///
/// 01 is recorded by acknowledgement; 02 (reason required) only right after 01; then 03, 04,
/// 05, 06 forwards; 05 may repeat; other repeats, backward moves and anything after 02 or 06
/// are refused. 15/16 answer a pending revoke request (16 with a reason). After 15 the
/// document is revoked for this recipient and takes no further status.
pub fn check_report(
    code: &str,
    description: &str,
    current: &str,
    revoke: RevokeState,
) -> Result<StatusEffect> {
    use BusinessStatus::*;
    match BusinessStatus::from_code(code) {
        Some(status @ (RevokeAccepted | RevokeRefused)) => {
            check_revoke_answer(status, description, revoke)
        }
        Some(status @ (Rejected | Accepted | Assigned | Processing | Completed)) => {
            check_business(status, description, current, revoke)
        }
        Some(Arrived) => Err(ExchangeError::invalid(
            "code",
            "01 is recorded by AcknowledgeDocument, not reported",
        )),
        Some(RevokeRequested) => Err(ExchangeError::invalid(
            "code",
            "13 is sent by the document's sender with RevokeDocument",
        )),
        None => Err(ExchangeError::invalid(
            "code",
            format!(
                "{code:?} is not a status a recipient reports: use 02, 03, 04, 05, 06, 15 or 16"
            ),
        )),
    }
}

fn check_revoke_answer(
    status: BusinessStatus,
    description: &str,
    revoke: RevokeState,
) -> Result<StatusEffect> {
    if revoke != RevokeState::Requested {
        return Err(ExchangeError::NoRevokePending { code: status });
    }
    if status == BusinessStatus::RevokeRefused && description.trim().is_empty() {
        return Err(ExchangeError::invalid(
            "description",
            "a reason is required to refuse a revoke (16)",
        ));
    }
    let state = if status == BusinessStatus::RevokeAccepted {
        RevokeState::Accepted
    } else {
        RevokeState::Refused
    };
    Ok(StatusEffect::RevokeAnswer { status, state })
}

fn check_business(
    status: BusinessStatus,
    description: &str,
    current: &str,
    revoke: RevokeState,
) -> Result<StatusEffect> {
    use BusinessStatus::*;
    if current.is_empty() {
        return Err(ExchangeError::NotAcknowledged { code: status });
    }
    if revoke == RevokeState::Accepted {
        return Err(ExchangeError::Revoked);
    }
    if status == Rejected && description.trim().is_empty() {
        return Err(ExchangeError::invalid(
            "description",
            "a reason is required to reject a document (02)",
        ));
    }
    let now = BusinessStatus::from_code(current);
    let allowed = if matches!(now, Some(Rejected | Completed)) {
        false
    } else if status == Rejected {
        now == Some(Arrived)
    } else {
        rank(Some(status)) > rank(now) || (status == Processing && now == Some(Processing))
    };
    if allowed {
        Ok(StatusEffect::Business(status))
    } else {
        Err(ExchangeError::TransitionRefused {
            from: current.to_string(),
            to: status,
        })
    }
}

/// Whether the sender may ask a recipient to revoke: not asked yet, and the recipient holds
/// the document (one that rejected it, 02, does not).
pub fn may_ask_revoke(current: &str, revoke: RevokeState) -> bool {
    revoke == RevokeState::None && current != BusinessStatus::Rejected.code()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_transitions() {
        let none = RevokeState::None;
        let ok = |code: &str, current: &str| check_report(code, "", current, none).is_ok();
        assert!(!ok("03", ""), "before ack");
        assert!(ok("03", "01"));
        assert!(!ok("02", "01"), "reason required");
        assert!(check_report("02", "sai", "01", none).is_ok());
        assert!(check_report("02", "sai", "03", none).is_err(), "backward");
        assert!(ok("04", "03"));
        assert!(ok("05", "05"), "05 repeats");
        assert!(!ok("04", "04"), "04 does not repeat");
        assert!(!ok("03", "05"), "backward");
        assert!(ok("06", "05"));
        assert!(!ok("05", "06"), "after 06");
        assert!(!ok("03", "02"), "after 02");
        assert!(!ok("15", "03"), "no request");
        assert_eq!(
            check_report("15", "", "03", RevokeState::Requested).unwrap(),
            StatusEffect::RevokeAnswer {
                status: BusinessStatus::RevokeAccepted,
                state: RevokeState::Accepted
            }
        );
        assert!(check_report("16", "", "03", RevokeState::Requested).is_err());
        assert_eq!(
            check_report("16", "đã xong", "03", RevokeState::Requested)
                .unwrap()
                .status(),
            BusinessStatus::RevokeRefused
        );
        assert!(check_report("05", "", "03", RevokeState::Accepted).is_err());
        assert!(!ok("01", ""));
        assert!(!ok("13", "01"));
        assert!(!ok("99", "01"));
    }

    #[test]
    fn refusals_say_why() {
        let e = check_report("03", "", "04", RevokeState::None).unwrap_err();
        assert!(e.to_string().contains("cannot follow"), "{e}");
        let e = check_report("03", "", "", RevokeState::None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "code: acknowledge the document first (status 01) before reporting 03"
        );
        let e = check_report("07", "", "01", RevokeState::None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "code: \"07\" is not a status a recipient reports: use 02, 03, 04, 05, 06, 15 or 16"
        );
        let e = check_report("02", " ", "01", RevokeState::None).unwrap_err();
        assert!(e.to_string().starts_with("description: "), "{e}");
    }

    #[test]
    fn a_status_stored_by_another_hub_ranks_lowest() {
        // An unknown stored code (relayed from elsewhere) is neither 02 nor 06.
        assert!(check_report("03", "", "99", RevokeState::None).is_ok());
        assert!(check_report("02", "x", "99", RevokeState::None).is_err());
    }

    #[test]
    fn revocation_is_asked_once_of_those_holding_the_document() {
        assert!(may_ask_revoke("", RevokeState::None));
        assert!(may_ask_revoke("03", RevokeState::None));
        assert!(!may_ask_revoke("02", RevokeState::None));
        assert!(!may_ask_revoke("03", RevokeState::Requested));
        assert!(!may_ask_revoke("03", RevokeState::Refused));
    }
}
