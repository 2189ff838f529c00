//! The statuses of a leg: which may follow which, in ONE transition function for the
//! recipient's acknowledgement (01) and reports (02–06, 15, 16) and the sender's revoke
//! request (13).
//!
//! The order is exact (docs/exchange.md, "Business statuses"):
//!
//! | to | may follow |
//! |---|---|
//! | 01 | nothing yet (AcknowledgeDocument); again it changes nothing; after 15 the document leaves the inbox but no 01 is recorded |
//! | 02, 03 | 01 |
//! | 04 | 03 |
//! | 05 | 03, 04 or 05 (it may repeat) |
//! | 06 | 03, 04 or 05 |
//! | 13 | anything but a revoke already requested (pending, accepted or refused): 02 and 06 included |
//! | 15, 16 | a pending 13 only |
//!
//! After 02 or 06 only the answer (15/16) to a revoke request may follow; while a revoke request
//! is pending, the recipient answers it before any other status; nothing follows 15. After 16
//! the leg goes on from its business status. Every refusal names both codes.
use lienthong_axis::{BusinessStatus, RevokeState};
use lienthong_platform::error::Violations;
use sha2::{Digest, Sha256};

use crate::{
    domain::text::{self, REASON, STAFF_INFO},
    error::{ExchangeError, Result},
};

/// The longest client request id of a report (AIP-155), in characters.
pub const MAX_REQUEST_ID: usize = 64;

/// Where a leg stands: its business status (`None` before acknowledgement) and its revoke
/// state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LegStatus {
    pub business: Option<BusinessStatus>,
    pub revoke: RevokeState,
}

/// What an allowed status does to a leg.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// 01 on a document not acknowledged yet: the transport state becomes acknowledged and 01
    /// the current status.
    Acknowledge,
    /// 01 after the recipient accepted the revocation (15): the document leaves the inbox
    /// (transport acknowledged) but no 01 is recorded and the current status stays.
    AcknowledgeRevoked,
    /// 01 on a document already acknowledged: nothing changes.
    AlreadyAcknowledged,
    /// 02–06: becomes the current status.
    Business(BusinessStatus),
    /// 15 or 16: answers the pending revoke request.
    RevokeAnswer {
        status: BusinessStatus,
        state: RevokeState,
    },
    /// 13: the sender asks the recipient to revoke the document.
    RevokeRequest,
}

impl Effect {
    /// The status recorded in the leg's history, if any.
    pub fn recorded(self) -> Option<BusinessStatus> {
        match self {
            Effect::Acknowledge => Some(BusinessStatus::Arrived),
            Effect::Business(s) | Effect::RevokeAnswer { status: s, .. } => Some(s),
            Effect::RevokeRequest => Some(BusinessStatus::RevokeRequested),
            Effect::AcknowledgeRevoked | Effect::AlreadyAcknowledged => None,
        }
    }
}

/// The status a revoke state shows (13, 15, 16).
fn revoke_code(state: RevokeState) -> Option<BusinessStatus> {
    match state {
        RevokeState::None => None,
        RevokeState::Requested => Some(BusinessStatus::RevokeRequested),
        RevokeState::Accepted => Some(BusinessStatus::RevokeAccepted),
        RevokeState::Refused => Some(BusinessStatus::RevokeRefused),
    }
}

/// What a leg shows: the answer to a revoke request, else its business status.
pub fn shown(leg: LegStatus) -> Option<BusinessStatus> {
    revoke_code(leg.revoke).or(leg.business)
}

/// Whether business status `to` (02–06) may follow `from` (01–06); else the rule refusing it.
fn follows(from: BusinessStatus, to: BusinessStatus) -> Result<(), &'static str> {
    use BusinessStatus::*;
    let (allowed, rule) = match to {
        Rejected | Accepted => (from == Arrived, "02 and 03 follow 01 only"),
        Assigned => (from == Accepted, "04 follows 03 only"),
        Processing => (
            matches!(from, Accepted | Assigned | Processing),
            "05 follows 03, 04 or 05",
        ),
        Completed => (
            matches!(from, Accepted | Assigned | Processing),
            "06 follows 03, 04 or 05",
        ),
        _ => (false, "only 02 to 06 are business statuses"),
    };
    if allowed {
        Ok(())
    } else if matches!(from, Rejected | Completed) {
        Err("after 02 or 06 only the answer (15/16) to a revoke request (13) may follow")
    } else {
        Err(rule)
    }
}

/// Decides whether status `to` may follow what leg `leg` of `document_id` shows, and what it
/// does. The one place the order of statuses is decided.
pub fn transition(document_id: &str, leg: LegStatus, to: BusinessStatus) -> Result<Effect> {
    use BusinessStatus::*;
    let refused = |from: BusinessStatus, rule: &'static str| ExchangeError::TransitionRefused {
        document_id: document_id.to_string(),
        from,
        to,
        rule,
    };
    match to {
        Arrived => Ok(match (leg.business, leg.revoke) {
            (Some(_), _) => Effect::AlreadyAcknowledged,
            (None, RevokeState::Accepted) => Effect::AcknowledgeRevoked,
            (None, _) => Effect::Acknowledge,
        }),
        RevokeRequested => match revoke_code(leg.revoke) {
            None => Ok(Effect::RevokeRequest),
            Some(from) => Err(refused(
                from,
                "a revoke is requested once from each recipient",
            )),
        },
        _ if leg.revoke == RevokeState::Accepted => Err(ExchangeError::Revoked {
            document_id: document_id.to_string(),
            to,
        }),
        RevokeAccepted | RevokeRefused => {
            if leg.revoke != RevokeState::Requested {
                return Err(ExchangeError::NoRevokePending {
                    document_id: document_id.to_string(),
                    status: to,
                    from: shown(leg),
                });
            }
            let state = if to == RevokeAccepted {
                RevokeState::Accepted
            } else {
                RevokeState::Refused
            };
            Ok(Effect::RevokeAnswer { status: to, state })
        }
        Rejected | Accepted | Assigned | Processing | Completed => {
            let Some(from) = leg.business else {
                return Err(ExchangeError::NotAcknowledged {
                    document_id: document_id.to_string(),
                    status: to,
                });
            };
            if leg.revoke == RevokeState::Requested {
                return Err(refused(
                    RevokeRequested,
                    "a revoke request (13) is pending: answer it with 15 or 16 first",
                ));
            }
            follows(from, to)
                .map(|()| Effect::Business(to))
                .map_err(|rule| refused(from, rule))
        }
    }
}

/// The fields of a report, checked before anything is read: `status` (the raw value of the
/// enum field) is one a recipient reports — not 01, recorded by AcknowledgeDocument, nor 13,
/// sent with RevokeDocument — `description` carries the reason 02 and 16 require, and both
/// `description` (several lines) and `staff_info` (one line) keep to the text policy. Every
/// violation goes to `v`; the status when it is reportable.
pub fn check_report_fields(
    status: i32,
    description: &str,
    staff_info: &str,
    v: &mut Violations,
) -> Option<BusinessStatus> {
    use BusinessStatus::*;
    let status = match v.check(BusinessStatus::from_field("status", status)) {
        Some(Arrived) => {
            v.push(
                "status",
                "01 (BUSINESS_STATUS_ARRIVED) is recorded by AcknowledgeDocument, not reported",
            );
            None
        }
        Some(RevokeRequested) => {
            v.push(
                "status",
                "13 (BUSINESS_STATUS_REVOKE_REQUESTED) is sent by the document's sender with \
                 RevokeDocument",
            );
            None
        }
        other => other,
    };
    match status {
        Some(Rejected) if description.trim().is_empty() => v.push(
            "description",
            "a reason is required to reject a document (02)",
        ),
        Some(RevokeRefused) if description.trim().is_empty() => v.push(
            "description",
            "a reason is required to refuse a revoke (16)",
        ),
        _ => text::multi(v, "description", description, REASON),
    }
    text::single(v, "staff_info", staff_info, STAFF_INFO);
    status
}

/// A report's `request_id` (AIP-155): empty for none, else 1 to 64 of the characters of
/// RFC 3986's "unreserved" set — letters A–Z and a–z, digits, `-`, `.`, `_`, `~` (a UUID fits).
/// Returns the id when there is one and it is well formed.
pub fn check_request_id<'a>(id: &'a str, v: &mut Violations) -> Option<&'a str> {
    if id.is_empty() {
        return None;
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~');
    if let Some(c) = id.chars().find(|c| !allowed(*c)) {
        v.push(
            "request_id",
            format!(
                "holds U+{:04X}; a request id is made of letters A-Z a-z, digits and - . _ ~ \
                 (e.g. a UUID)",
                c as u32
            ),
        );
        None
    } else if id.chars().count() > MAX_REQUEST_ID {
        v.push(
            "request_id",
            format!("is longer than {MAX_REQUEST_ID} characters"),
        );
        None
    } else {
        Some(id)
    }
}

/// What a report asked, for telling a retry (the same request again) from another request under
/// the same request id.
pub fn report_fingerprint(
    document_id: &str,
    status: BusinessStatus,
    description: &str,
    staff_info: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [document_id, status.code(), description, staff_info] {
        h.update(part.len().to_string().as_bytes());
        h.update(b":");
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests;
