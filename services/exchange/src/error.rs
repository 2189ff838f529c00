//! The exchange's refusals, one variant per rule, each with its gRPC class and a stable reason
//! (listed in `docs/errors.md`). Malformed fields are collected as [`Violations`];
//! infrastructure failures are the platform's [`InfraError`], classified once for every service.
use lienthong_axis::{AgencyCode, BusinessStatus, FieldError};
use lienthong_platform::{
    error::{ApiError, InfraError, Kind, Violations, to_status},
    limits::LimitReached,
};
use thiserror::Error;
use tonic::Status;

#[derive(Debug, Error)]
pub enum ExchangeError {
    /// Malformed fields, all of those of one request.
    #[error(transparent)]
    Invalid(#[from] Violations),

    // PERMISSION_DENIED
    #[error(
        "sender.code: {claimed} is not the agency of your certificate ({caller}); an agency sends only as itself"
    )]
    SpoofedSender { claimed: String, caller: AgencyCode },
    #[error(
        "sender.code: {sender} is served by hub {hub}, not by this hub; send through your own hub"
    )]
    SenderServedElsewhere { sender: AgencyCode, hub: String },
    #[error("sender.code: {sender} is not registered at this hub; ask the operator to register it")]
    SenderNotRegistered { sender: AgencyCode },
    #[error(
        "document_id: you sent {document_id}; only its recipients acknowledge it or report its status"
    )]
    SenderIsNoRecipient { document_id: String },
    #[error("document_id: only the sender ({sender}) may revoke {document_id}")]
    OnlySenderRevokes { sender: String, document_id: String },
    #[error("document_id: only the sender of {document_id} sees its delivery view")]
    OnlySenderViews { document_id: String },
    #[error(
        "hub {hub} may not relay documents of {sender} to this hub: a provincial hub relays \
         only for the agencies it serves, and only the national hub relays for others"
    )]
    RelayRefused { hub: String, sender: AgencyCode },
    #[error("hub {hub} may not relay statuses of {document_id} for {to_agency}")]
    StatusRelayRefused {
        hub: String,
        document_id: String,
        to_agency: String,
    },
    #[error("{caller} is not a hub")]
    NotAHub { caller: String },

    // NOT_FOUND
    #[error("{field}: no document {document_id}")]
    NoDocument {
        field: &'static str,
        document_id: String,
    },
    #[error("{field}: no agency {code} is registered at this hub")]
    AgencyNotRegistered { field: String, code: String },
    #[error("{field}: no agency {code} is registered on the axis")]
    UnknownOnAxis { field: String, code: String },
    #[error("item_ids[{index}]: no item {item_id} in your inbox")]
    NoInboxItem { index: usize, item_id: i64 },
    #[error("update.recipient: {recipient} is not a recipient of {document_id} here")]
    NotARecipientHere {
        recipient: String,
        document_id: String,
    },

    // ALREADY_EXISTS
    #[error(
        "document_id: {document_id} was already sent with different content; a DocumentId \
         names one document (to change it, send a new document whose business, of type \
         BUSINESS_TYPE_REPLACE or BUSINESS_TYPE_UPDATE, targets it)"
    )]
    ContentConflict { document_id: String },

    #[error(
        "request_id: {request_id:?} was already used by you for another request; use a new id \
         for each new request (the same id returns the first result only for the same request)"
    )]
    RequestIdReused { request_id: String },

    // OUT_OF_RANGE
    #[error("{violation}")]
    CursorOutOfRange {
        /// `after_item_id` and the inbox's last item.
        violation: FieldError,
    },

    // FAILED_PRECONDITION
    #[error(
        "{prefix}other_info.secrecy: the document is marked {mark}; state secrets never travel \
         the axis (QĐ 28/2018/QĐ-TTg) — send it by the secret-document channel instead"
    )]
    SecretDocument {
        mark: &'static str,
        document_id: String,
        /// "" for a send, "header.document." for a relay.
        prefix: &'static str,
    },
    #[error(
        "item_ids[{index}]: item {item_id} is a document; acknowledge it with AcknowledgeDocument"
    )]
    NotAStatusMessage { index: usize, item_id: i64 },
    #[error(
        "status: {status} ({}) cannot follow {}: it answers a revoke request (13), and none is \
         pending for this document",
        status.name(),
        shown(*from)
    )]
    NoRevokePending {
        document_id: String,
        status: BusinessStatus,
        /// What the leg shows: its business status, or 16 after a refused revoke.
        from: Option<BusinessStatus>,
    },
    #[error("status: acknowledge the document first (status 01) before reporting {status}")]
    NotAcknowledged {
        document_id: String,
        status: BusinessStatus,
    },
    #[error(
        "status: {to} ({}) cannot follow 15 (revoke accepted): the document was revoked for you; \
         nothing follows 15",
        to.name()
    )]
    Revoked {
        document_id: String,
        to: BusinessStatus,
    },
    #[error("status: {to} ({}) cannot follow {from} ({}): {rule}", to.name(), from.name())]
    TransitionRefused {
        document_id: String,
        /// What the leg shows: its business status, or 13 while a revoke request is pending.
        from: BusinessStatus,
        to: BusinessStatus,
        /// The rule that refuses it.
        rule: &'static str,
    },
    #[error(
        "document_id: a revoke (13) of {document_id} was already requested from every \
         recipient ({legs})"
    )]
    RevokeAlreadyRequested {
        document_id: String,
        /// Each recipient and what it shows, e.g. "000.00.00.G22: 16 (revoke refused)".
        legs: String,
    },
    #[error("agency.code: {code} is served by hub {hub}; register it there")]
    RegisterElsewhere { code: AgencyCode, hub: String },

    // ABORTED
    #[error(
        "status: the document's status changed while this report was made; read it again and retry"
    )]
    StatusChangedMeanwhile,

    // RESOURCE_EXHAUSTED
    #[error("{prefix}recipients: {count} recipients, at most {max} per document")]
    TooManyRecipients {
        count: usize,
        max: usize,
        prefix: &'static str,
    },
    #[error("{prefix}attachments: {count} attachments, at most {max} per document")]
    TooManyAttachments {
        count: usize,
        max: usize,
        prefix: &'static str,
    },
    #[error(
        "{prefix}attachments[{index}].size: {size} bytes is over this hub's limit of {max} bytes \
         per attachment"
    )]
    AttachmentTooLarge {
        index: usize,
        size: u64,
        max: u64,
        prefix: &'static str,
    },

    /// A limit on what one client may hold at a time (uploads, streams).
    #[error(transparent)]
    Limit(#[from] LimitReached),
    #[error(
        "the upload sent nothing for {secs} s and was abandoned (its partial attachment is \
         discarded); send the document again, streaming its chunks without pausing"
    )]
    UploadStalled { secs: u64 },
    #[error(
        "{field}: the lookup of {code} loops between hubs ({detail}): their routes are \
         misconfigured; the operators must fix LIENTHONG_HUB_ROUTES or LIENTHONG_NATIONAL_ENDPOINT"
    )]
    LookupLoop {
        field: String,
        code: String,
        /// Where the loop was noticed.
        detail: String,
    },

    // UNAVAILABLE
    #[error("hub {hub} could not be asked about {code}: {message}")]
    PeerUnavailable {
        hub: String,
        code: String,
        message: String,
    },

    /// The database, the attachment store, or a fault of the hub.
    #[error(transparent)]
    Infra(#[from] InfraError),
}

impl ExchangeError {
    /// One malformed field.
    pub fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        ExchangeError::Invalid(FieldError::new(field, rule).into())
    }

    /// A fault of the hub itself (logged with `what`, shown as a plain INTERNAL).
    pub fn internal(what: impl Into<String>) -> Self {
        ExchangeError::Infra(InfraError::internal(what))
    }

    /// The attachment store (the disk) failed.
    pub fn storage(source: std::io::Error) -> Self {
        ExchangeError::Infra(InfraError::StorageUnavailable {
            what: "attachment store",
            source,
        })
    }
}

impl From<FieldError> for ExchangeError {
    fn from(e: FieldError) -> Self {
        ExchangeError::Invalid(e.into())
    }
}

impl From<sqlx::Error> for ExchangeError {
    fn from(e: sqlx::Error) -> Self {
        ExchangeError::Infra(InfraError::from(e))
    }
}

impl ApiError for ExchangeError {
    fn kind(&self) -> Kind {
        use ExchangeError::*;
        match self {
            Invalid(_) => Kind::InvalidArgument,
            SpoofedSender { .. }
            | SenderServedElsewhere { .. }
            | SenderNotRegistered { .. }
            | SenderIsNoRecipient { .. }
            | OnlySenderRevokes { .. }
            | OnlySenderViews { .. }
            | RelayRefused { .. }
            | StatusRelayRefused { .. }
            | NotAHub { .. } => Kind::PermissionDenied,
            NoDocument { .. }
            | AgencyNotRegistered { .. }
            | UnknownOnAxis { .. }
            | NoInboxItem { .. }
            | NotARecipientHere { .. } => Kind::NotFound,
            ContentConflict { .. } | RequestIdReused { .. } => Kind::AlreadyExists,
            CursorOutOfRange { .. } => Kind::OutOfRange,
            SecretDocument { .. }
            | NotAStatusMessage { .. }
            | NoRevokePending { .. }
            | NotAcknowledged { .. }
            | Revoked { .. }
            | TransitionRefused { .. }
            | RevokeAlreadyRequested { .. }
            | RegisterElsewhere { .. } => Kind::FailedPrecondition,
            StatusChangedMeanwhile => Kind::Aborted,
            TooManyRecipients { .. } | TooManyAttachments { .. } | AttachmentTooLarge { .. } => {
                Kind::ResourceExhausted
            }
            Limit(_) | UploadStalled { .. } => Kind::ResourceExhausted,
            LookupLoop { .. } => Kind::FailedPrecondition,
            PeerUnavailable { .. } => Kind::Unavailable,
            Infra(e) => e.kind(),
        }
    }

    fn reason(&self) -> &'static str {
        use ExchangeError::*;
        match self {
            Invalid(v) => v.reason(),
            SpoofedSender { .. } => "SPOOFED_SENDER",
            SenderServedElsewhere { .. } => "SENDER_SERVED_ELSEWHERE",
            SenderNotRegistered { .. } => "SENDER_NOT_REGISTERED",
            SenderIsNoRecipient { .. } => "SENDER_IS_NO_RECIPIENT",
            OnlySenderRevokes { .. } => "ONLY_SENDER_REVOKES",
            OnlySenderViews { .. } => "ONLY_SENDER_VIEWS",
            RelayRefused { .. } => "RELAY_REFUSED",
            StatusRelayRefused { .. } => "STATUS_RELAY_REFUSED",
            NotAHub { .. } => "NOT_A_HUB",
            NoDocument { .. } => "NO_DOCUMENT",
            AgencyNotRegistered { .. } => "AGENCY_NOT_REGISTERED",
            UnknownOnAxis { .. } => "UNKNOWN_ON_AXIS",
            NoInboxItem { .. } => "NO_INBOX_ITEM",
            NotARecipientHere { .. } => "NOT_A_RECIPIENT_HERE",
            ContentConflict { .. } => "CONTENT_CONFLICT",
            RequestIdReused { .. } => "REQUEST_ID_REUSED",
            CursorOutOfRange { .. } => "CURSOR_OUT_OF_RANGE",
            SecretDocument { .. } => "SECRET_DOCUMENT",
            NotAStatusMessage { .. } => "NOT_A_STATUS_MESSAGE",
            NoRevokePending { .. } => "NO_REVOKE_PENDING",
            NotAcknowledged { .. } => "NOT_ACKNOWLEDGED",
            Revoked { .. } => "REVOKED",
            TransitionRefused { .. } => "TRANSITION_REFUSED",
            RevokeAlreadyRequested { .. } => "REVOKE_ALREADY_REQUESTED",
            RegisterElsewhere { .. } => "REGISTER_ELSEWHERE",
            StatusChangedMeanwhile => "CONCURRENT_CHANGE",
            TooManyRecipients { .. } => "TOO_MANY_RECIPIENTS",
            TooManyAttachments { .. } => "TOO_MANY_ATTACHMENTS",
            AttachmentTooLarge { .. } => "ATTACHMENT_TOO_LARGE",
            Limit(l) => l.reason(),
            UploadStalled { .. } => "UPLOAD_STALLED",
            LookupLoop { .. } => "LOOKUP_LOOP",
            PeerUnavailable { .. } => "PEER_UNAVAILABLE",
            Infra(e) => e.reason(),
        }
    }

    fn violations(&self) -> &[FieldError] {
        match self {
            ExchangeError::Invalid(v) => v.reported(),
            ExchangeError::CursorOutOfRange { violation } => std::slice::from_ref(violation),
            _ => &[],
        }
    }

    fn domain(&self) -> &'static str {
        "exchange.lienthong"
    }

    fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            ExchangeError::Limit(l) => l.retry_after(),
            ExchangeError::Infra(e) => e.retry_after(),
            other => match other.kind() {
                Kind::Unavailable => Some(std::time::Duration::from_secs(1)),
                Kind::Aborted => Some(std::time::Duration::ZERO),
                _ => None,
            },
        }
    }

    /// What a refused precondition is about: the document, the inbox item, the agency.
    fn subject(&self) -> String {
        use ExchangeError::*;
        match self {
            SecretDocument { document_id, .. }
            | NoRevokePending { document_id, .. }
            | NotAcknowledged { document_id, .. }
            | Revoked { document_id, .. }
            | TransitionRefused { document_id, .. }
            | RevokeAlreadyRequested { document_id, .. } => document_id.clone(),
            NotAStatusMessage { item_id, .. } => format!("item_ids/{item_id}"),
            RegisterElsewhere { code, .. } => code.to_string(),
            LookupLoop { code, .. } => code.clone(),
            _ => String::new(),
        }
    }
}

/// A status as a refusal names it: "03 (accepted)", or what a leg without one is.
fn shown(status: Option<BusinessStatus>) -> String {
    match status {
        Some(s) => format!("{s} ({})", s.name()),
        None => "no status (the document is not acknowledged)".to_string(),
    }
}

impl From<ExchangeError> for Status {
    fn from(e: ExchangeError) -> Self {
        to_status(&e)
    }
}

pub type Result<T, E = ExchangeError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;
    use tonic_types::StatusExt;

    #[test]
    fn refusals_keep_their_messages_and_classes() {
        let e = ExchangeError::TransitionRefused {
            document_id: "D".into(),
            from: BusinessStatus::Assigned,
            to: BusinessStatus::Accepted,
            rule: "02 and 03 follow 01 only",
        };
        let s = Status::from(e);
        assert_eq!(s.code(), Code::FailedPrecondition);
        assert_eq!(
            s.message(),
            "status: 03 (accepted) cannot follow 04 (assigned): 02 and 03 follow 01 only"
        );
        let details = s.get_error_details();
        let info = details.error_info().expect("ErrorInfo");
        assert_eq!(
            (info.reason.as_str(), info.domain.as_str()),
            ("TRANSITION_REFUSED", "exchange.lienthong")
        );
        let failure = details.precondition_failure().expect("PreconditionFailure");
        assert_eq!(failure.violations[0].subject, "D", "about the document");
        assert_eq!(failure.violations[0].r#type, "TRANSITION_REFUSED");
        let s = Status::from(ExchangeError::invalid("subject", "is required (trích yếu)"));
        assert_eq!(s.code(), Code::InvalidArgument);
        assert_eq!(s.message(), "subject: is required (trích yếu)");
        assert_eq!(
            Status::from(ExchangeError::StatusChangedMeanwhile).code(),
            Code::Aborted
        );
    }

    #[test]
    fn database_failures_hide_the_driver() {
        let down = ExchangeError::from(sqlx::Error::PoolTimedOut);
        assert_eq!(down.reason(), "DATABASE_UNAVAILABLE");
        let s = Status::from(down);
        assert_eq!(s.code(), Code::Unavailable);
        assert_eq!(s.message(), "the database is unavailable, retry later");
        let bug = ExchangeError::from(sqlx::Error::RowNotFound);
        assert!(
            std::error::Error::source(&bug).is_some(),
            "the source is kept"
        );
        assert_eq!(Status::from(bug).message(), "internal error");
    }
}
