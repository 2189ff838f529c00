//! The states of a document towards one recipient, as the hub records and reports them.
//!
//! - [`BusinessStatus`]: the edXML status codes a recipient's software reports (01 arrived …
//!   06 completed, 13/15/16 for revocation), exchanged as two-digit strings;
//! - [`TransportState`]: where the hub stands in getting the document to the recipient,
//!   stored as an integer in the exchange's database and mirrored by the proto enum;
//! - [`RevokeState`]: whether a revocation was asked and answered, stored as an integer.
//!
//! Which status may follow which is the exchange's workflow, not vocabulary, and stays there.
use std::{cmp::Ordering, fmt, str::FromStr};

use crate::error::{FieldError, quoted};

/// A business status code (edXML `Status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BusinessStatus {
    /// 01: the recipient's software stored the document (recorded by acknowledgement).
    Arrived,
    /// 02: refused by the recipient (with a reason).
    Rejected,
    /// 03: registered by the recipient's clerk.
    Accepted,
    /// 04: assigned to a department or person.
    Assigned,
    /// 05: being handled (may repeat).
    Processing,
    /// 06: handled.
    Completed,
    /// 13: the sender asks to revoke the document.
    RevokeRequested,
    /// 15: the recipient agrees to the revocation.
    RevokeAccepted,
    /// 16: the recipient refuses the revocation (with a reason).
    RevokeRefused,
}

impl BusinessStatus {
    /// Every status, in code order.
    pub const ALL: [BusinessStatus; 9] = [
        BusinessStatus::Arrived,
        BusinessStatus::Rejected,
        BusinessStatus::Accepted,
        BusinessStatus::Assigned,
        BusinessStatus::Processing,
        BusinessStatus::Completed,
        BusinessStatus::RevokeRequested,
        BusinessStatus::RevokeAccepted,
        BusinessStatus::RevokeRefused,
    ];

    /// The two-digit code, e.g. `"01"`.
    pub const fn code(self) -> &'static str {
        match self {
            BusinessStatus::Arrived => "01",
            BusinessStatus::Rejected => "02",
            BusinessStatus::Accepted => "03",
            BusinessStatus::Assigned => "04",
            BusinessStatus::Processing => "05",
            BusinessStatus::Completed => "06",
            BusinessStatus::RevokeRequested => "13",
            BusinessStatus::RevokeAccepted => "15",
            BusinessStatus::RevokeRefused => "16",
        }
    }

    /// The status of a code, or `None` for any other string.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Parses a code; `field` names it in the refusal.
    pub fn parse(field: &str, s: &str) -> Result<Self, FieldError> {
        if s.is_empty() {
            return Err(FieldError::required(field));
        }
        Self::from_code(s).ok_or_else(|| {
            FieldError::new(
                field,
                format!(
                    "{} is not a business status code \
                     (01, 02, 03, 04, 05, 06, 13, 15 or 16)",
                    quoted(s)
                ),
            )
        })
    }

    /// The English name the services and the CLI print, e.g. "revoke requested".
    pub const fn name(self) -> &'static str {
        match self {
            BusinessStatus::Arrived => "arrived",
            BusinessStatus::Rejected => "rejected",
            BusinessStatus::Accepted => "accepted",
            BusinessStatus::Assigned => "assigned",
            BusinessStatus::Processing => "processing",
            BusinessStatus::Completed => "completed",
            BusinessStatus::RevokeRequested => "revoke requested",
            BusinessStatus::RevokeAccepted => "revoke accepted",
            BusinessStatus::RevokeRefused => "revoke refused",
        }
    }

    /// The Vietnamese name, e.g. "Đã tiếp nhận".
    pub const fn vietnamese_name(self) -> &'static str {
        match self {
            BusinessStatus::Arrived => "Đã đến",
            BusinessStatus::Rejected => "Từ chối",
            BusinessStatus::Accepted => "Đã tiếp nhận",
            BusinessStatus::Assigned => "Đã phân công",
            BusinessStatus::Processing => "Đang xử lý",
            BusinessStatus::Completed => "Hoàn thành",
            BusinessStatus::RevokeRequested => "Yêu cầu thu hồi",
            BusinessStatus::RevokeAccepted => "Đồng ý thu hồi",
            BusinessStatus::RevokeRefused => "Từ chối thu hồi",
        }
    }

    /// The revoke state a revocation status (13, 15, 16) brings; `None` for 01–06.
    pub const fn revoke_state(self) -> Option<RevokeState> {
        match self {
            BusinessStatus::RevokeRequested => Some(RevokeState::Requested),
            BusinessStatus::RevokeAccepted => Some(RevokeState::Accepted),
            BusinessStatus::RevokeRefused => Some(RevokeState::Refused),
            _ => None,
        }
    }
}

/// The English name of a code string, "unknown" for anything else (what the services and the
/// CLI print for a stored or received code).
pub fn status_name(code: &str) -> &'static str {
    BusinessStatus::from_code(code).map_or("unknown", BusinessStatus::name)
}

/// The code, e.g. `03`.
impl fmt::Display for BusinessStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for BusinessStatus {
    type Err = FieldError;

    /// Parses with the field named "code".
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BusinessStatus::parse("code", s)
    }
}

/// The transport state of a document towards one recipient, stored as its integer
/// (`deliveries.transport_state`) with the same numbers as the proto `TransportState`
/// (whose 0, unspecified, is never stored).
///
/// # Order
///
/// The integers are **not** the order of progress: `Relayed` (4) was added after
/// `Acknowledged` (3), yet a relayed leg is still on its way — the next hub later reports it
/// delivered, then acknowledged, and those reports must overwrite `Relayed`. Progress is
///
/// `Queued < Relayed < Delivered < Acknowledged`
///
/// and that is what [`TransportState::rank`] and `Ord` give. A leg only ever moves forward in
/// this order: a late "delivered" from another hub never undoes "acknowledged", and a leg is
/// acknowledged once. `Failed` (5: the document cannot be delivered) ends a leg that was queued
/// or relayed; nothing follows it ([`TransportState::may_move_to`]). Compare states with `<` / `>`, never their stored integers (the
/// exchange's SQL spells the same order out as `state IN (queued, relayed) OR state < new`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransportState {
    /// 1: stored at the hub, waiting for the recipient.
    Queued,
    /// 2: the recipient has fetched it.
    Delivered,
    /// 3: the recipient has stored it (status 01 recorded).
    Acknowledged,
    /// 4: handed over to another hub on the way to the recipient.
    Relayed,
    /// 5: cannot be delivered (no such agency where it is served). Final.
    Failed,
}

impl TransportState {
    /// Every state, in order of progress.
    pub const ALL: [TransportState; 5] = [
        TransportState::Queued,
        TransportState::Relayed,
        TransportState::Failed,
        TransportState::Delivered,
        TransportState::Acknowledged,
    ];

    /// The stored integer (and proto enum value).
    pub const fn as_i64(self) -> i64 {
        match self {
            TransportState::Queued => 1,
            TransportState::Delivered => 2,
            TransportState::Acknowledged => 3,
            TransportState::Relayed => 4,
            TransportState::Failed => 5,
        }
    }

    /// The state of a stored integer (or proto value); `None` for 0 (unspecified) and others.
    pub const fn from_i64(v: i64) -> Option<Self> {
        match v {
            1 => Some(TransportState::Queued),
            2 => Some(TransportState::Delivered),
            3 => Some(TransportState::Acknowledged),
            4 => Some(TransportState::Relayed),
            5 => Some(TransportState::Failed),
            _ => None,
        }
    }

    /// The position in the progress of a leg (see the type's docs): queued 0, relayed 1,
    /// failed 2, delivered 3, acknowledged 4.
    pub const fn rank(self) -> u8 {
        match self {
            TransportState::Queued => 0,
            TransportState::Relayed => 1,
            TransportState::Failed => 2,
            TransportState::Delivered => 3,
            TransportState::Acknowledged => 4,
        }
    }

    /// Whether a leg in this state may move to `next`: only strictly forward; a leg fails only
    /// while queued or relayed, and nothing follows a failure.
    pub fn may_move_to(self, next: TransportState) -> bool {
        match (self, next) {
            (TransportState::Failed, _) => false,
            (_, TransportState::Failed) => self <= TransportState::Relayed,
            _ => next > self,
        }
    }

    /// The name the CLI prints, e.g. "relayed to another hub".
    pub const fn name(self) -> &'static str {
        match self {
            TransportState::Queued => "queued",
            TransportState::Delivered => "delivered",
            TransportState::Acknowledged => "acknowledged",
            TransportState::Relayed => "relayed to another hub",
            TransportState::Failed => "undeliverable",
        }
    }
}

impl Ord for TransportState {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank().cmp(&other.rank())
    }
}

impl PartialOrd for TransportState {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The name, e.g. "queued".
impl fmt::Display for TransportState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The revocation state of one recipient's leg, stored as its integer (the same numbers as the
/// proto `RevokeState`, 0 being "none").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RevokeState {
    /// 0: no revocation asked.
    #[default]
    None,
    /// 1: the sender asked (13); the recipient has not answered.
    Requested,
    /// 2: the recipient accepted (15): the document is revoked for it.
    Accepted,
    /// 3: the recipient refused (16).
    Refused,
}

impl RevokeState {
    pub const fn as_i64(self) -> i64 {
        match self {
            RevokeState::None => 0,
            RevokeState::Requested => 1,
            RevokeState::Accepted => 2,
            RevokeState::Refused => 3,
        }
    }

    /// The state of a stored integer; any unknown value reads as `None`, as the exchange has
    /// always read it.
    pub const fn from_i64(v: i64) -> Self {
        match v {
            1 => RevokeState::Requested,
            2 => RevokeState::Accepted,
            3 => RevokeState::Refused,
            _ => RevokeState::None,
        }
    }

    /// The name the CLI prints: "none", "requested", "accepted", "refused".
    pub const fn name(self) -> &'static str {
        match self {
            RevokeState::None => "none",
            RevokeState::Requested => "requested",
            RevokeState::Accepted => "accepted",
            RevokeState::Refused => "refused",
        }
    }
}

impl fmt::Display for RevokeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_codes_and_names() {
        let codes: Vec<&str> = BusinessStatus::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(
            codes,
            ["01", "02", "03", "04", "05", "06", "13", "15", "16"]
        );
        for s in BusinessStatus::ALL {
            assert_eq!(BusinessStatus::from_code(s.code()), Some(s));
            assert_eq!(BusinessStatus::parse("code", &s.to_string()), Ok(s));
            assert_eq!(s.code().parse::<BusinessStatus>(), Ok(s));
            assert_eq!(status_name(s.code()), s.name());
        }
        assert_eq!(BusinessStatus::RevokeRequested.name(), "revoke requested");
        assert_eq!(BusinessStatus::Accepted.vietnamese_name(), "Đã tiếp nhận");
        assert_eq!(status_name("99"), "unknown");
        assert_eq!(status_name(""), "unknown");
    }

    #[test]
    fn business_refusals() {
        for bad in ["1", "001", "07", "14", " 01", "01 ", "arrived", "Đ"] {
            assert_eq!(BusinessStatus::from_code(bad), None);
            assert_eq!(
                BusinessStatus::parse("code", bad).unwrap_err().to_string(),
                format!(
                    "code: {bad:?} is not a business status code \
                     (01, 02, 03, 04, 05, 06, 13, 15 or 16)"
                )
            );
        }
        assert_eq!(
            BusinessStatus::parse("code", "").unwrap_err().to_string(),
            "code: is required"
        );
    }

    #[test]
    fn revocation_statuses_bring_revoke_states() {
        assert_eq!(
            BusinessStatus::RevokeRequested.revoke_state(),
            Some(RevokeState::Requested)
        );
        assert_eq!(
            BusinessStatus::RevokeAccepted.revoke_state(),
            Some(RevokeState::Accepted)
        );
        assert_eq!(
            BusinessStatus::RevokeRefused.revoke_state(),
            Some(RevokeState::Refused)
        );
        assert_eq!(BusinessStatus::Completed.revoke_state(), None);
    }

    #[test]
    fn transport_states_keep_the_stored_numbers() {
        use TransportState::*;
        assert_eq!(
            [Queued, Delivered, Acknowledged, Relayed, Failed].map(TransportState::as_i64),
            [1, 2, 3, 4, 5]
        );
        for s in TransportState::ALL {
            assert_eq!(TransportState::from_i64(s.as_i64()), Some(s));
        }
        for v in [0, 6, -1, i64::MAX, i64::MIN] {
            assert_eq!(TransportState::from_i64(v), None);
        }
        assert_eq!(Relayed.name(), "relayed to another hub");
        assert_eq!(Queued.to_string(), "queued");
    }

    #[test]
    fn transport_states_only_move_forward() {
        use TransportState::*;
        assert!(Queued < Relayed && Relayed < Delivered && Delivered < Acknowledged);
        let mut sorted = [Acknowledged, Failed, Relayed, Queued, Delivered];
        sorted.sort();
        assert_eq!(sorted, TransportState::ALL);
        // A leg fails only on its way, and nothing follows a failure.
        assert!(Queued.may_move_to(Failed) && Relayed.may_move_to(Failed));
        assert!(!Delivered.may_move_to(Failed) && !Acknowledged.may_move_to(Failed));
        for s in TransportState::ALL {
            assert!(!Failed.may_move_to(s));
        }
        // A relayed leg is later reported delivered, then acknowledged.
        assert!(Relayed.may_move_to(Delivered) && Relayed.may_move_to(Acknowledged));
        assert!(Queued.may_move_to(Relayed) && Queued.may_move_to(Delivered));
        // A late "delivered" never undoes "acknowledged"; nothing repeats.
        assert!(!Acknowledged.may_move_to(Delivered));
        assert!(!Delivered.may_move_to(Relayed));
        for s in TransportState::ALL {
            assert!(!s.may_move_to(s));
        }
    }

    #[test]
    fn revoke_states() {
        use RevokeState::*;
        for s in [None, Requested, Accepted, Refused] {
            assert_eq!(RevokeState::from_i64(s.as_i64()), s);
        }
        assert_eq!(
            [None, Requested, Accepted, Refused].map(RevokeState::as_i64),
            [0, 1, 2, 3]
        );
        assert_eq!(RevokeState::from_i64(7), None);
        assert_eq!(RevokeState::from_i64(-1), None);
        assert_eq!(RevokeState::default(), None);
        assert_eq!(Requested.to_string(), "requested");
    }
}
