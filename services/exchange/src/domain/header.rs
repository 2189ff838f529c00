//! What a document header must carry to travel the axis.
//!
//! A header is first checked against the hub's policy (the sender is the caller, no state
//! secret, within the hub's limits): each of those refusals stops the check. Then every
//! malformed field is reported at once.
use lienthong_api::exchange::v1::{
    AttachmentInfo, BusinessType, DocumentHeader, DocumentKind, Priority, RelayHeader, Secrecy,
    SteeringType,
};
use lienthong_axis::{AgencyCode, DocumentId, local};
use lienthong_platform::error::Violations;
use prost::Message;
use sha2::{Digest, Sha256};

use crate::{
    domain::routing::{Hop, Routing},
    error::{ExchangeError, Result},
};

/// Limits a hub puts on what it accepts.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_attachment_bytes: u64,
    pub max_attachments: usize,
    pub max_recipients: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_attachment_bytes: 100 * 1024 * 1024,
            max_attachments: 50,
            max_recipients: 500,
        }
    }
}

/// Checks a header sent by `sender` (the agency of the caller's certificate). Returns the
/// recipients' codes in order.
pub fn check_header(
    header: &DocumentHeader,
    sender: &AgencyCode,
    limits: &Limits,
) -> Result<Vec<AgencyCode>> {
    check_policy(header, sender, limits)?;
    let mut v = Violations::new();
    check_sender(header, sender, &mut v);
    let recipients = check_recipients(header, sender, &mut v);
    check_text(header, &mut v);
    check_enums(header, &mut v);
    check_references(header, &mut v);
    for (i, a) in header.attachments.iter().enumerate() {
        check_attachment(i, a, &mut v);
    }
    v.into_result()?;
    Ok(recipients)
}

/// The refusals that are not about a malformed field: spoofing, secrecy, the hub's limits.
fn check_policy(header: &DocumentHeader, sender: &AgencyCode, limits: &Limits) -> Result<()> {
    if let Some(claimed) = &header.sender
        && AgencyCode::is_valid(&claimed.code)
        && claimed.code != sender.as_str()
    {
        return Err(ExchangeError::SpoofedSender {
            claimed: claimed.code.clone(),
            caller: sender.clone(),
        });
    }
    let secrecy = header.other_info.as_ref().map_or(0, |o| o.secrecy);
    // An unknown value is a malformed field, reported with the others.
    let mark = match Secrecy::try_from(secrecy) {
        Ok(Secrecy::Confidential) => Some("Mật"),
        Ok(Secrecy::Secret) => Some("Tối mật"),
        Ok(Secrecy::TopSecret) => Some("Tuyệt mật"),
        Ok(Secrecy::Unspecified) | Err(_) => None,
    };
    if let Some(mark) = mark {
        return Err(ExchangeError::SecretDocument {
            mark,
            document_id: header.document_id.clone(),
        });
    }
    check_limits(header, limits)
}

/// The hub's limits on recipients and attachments.
fn check_limits(header: &DocumentHeader, limits: &Limits) -> Result<()> {
    if header.recipients.len() > limits.max_recipients {
        return Err(ExchangeError::TooManyRecipients {
            count: header.recipients.len(),
            max: limits.max_recipients,
        });
    }
    if header.attachments.len() > limits.max_attachments {
        return Err(ExchangeError::TooManyAttachments {
            count: header.attachments.len(),
            max: limits.max_attachments,
        });
    }
    for (index, a) in header.attachments.iter().enumerate() {
        if a.size > limits.max_attachment_bytes {
            return Err(ExchangeError::AttachmentTooLarge {
                index,
                size: a.size,
                max: limits.max_attachment_bytes,
            });
        }
    }
    Ok(())
}

/// `sender` and the DocumentId, whose OrganId is the sender.
fn check_sender(header: &DocumentHeader, sender: &AgencyCode, v: &mut Violations) {
    match &header.sender {
        None => v.push("sender", "is required"),
        Some(claimed) => {
            v.check(AgencyCode::parse("sender.code", &claimed.code));
        }
    }
    if let Some(id) = v.check(DocumentId::parse("document_id", &header.document_id))
        && id.organ() != sender
    {
        v.push(
            "document_id",
            format!(
                "its OrganId {} must be the sender's code {sender}",
                id.organ()
            ),
        );
    }
}

/// At least one recipient, each a valid code, neither the sender nor listed twice.
fn check_recipients(
    header: &DocumentHeader,
    sender: &AgencyCode,
    v: &mut Violations,
) -> Vec<AgencyCode> {
    if header.recipients.is_empty() {
        v.push("recipients", "at least one recipient is required");
    }
    let mut recipients: Vec<AgencyCode> = Vec::with_capacity(header.recipients.len());
    for (i, agency) in header.recipients.iter().enumerate() {
        let field = format!("recipients[{i}].code");
        let Some(code) = v.check(AgencyCode::parse(&field, &agency.code)) else {
            continue;
        };
        if &code == sender {
            v.push(field, "an agency cannot send to itself");
        } else if recipients.contains(&code) {
            v.push(field, format!("{code} is listed twice"));
        } else {
            recipients.push(code);
        }
    }
    recipients
}

/// The subject (trích yếu) and the dates.
fn check_text(header: &DocumentHeader, v: &mut Violations) {
    if header.subject.trim().is_empty() {
        v.push("subject", "is required (trích yếu)");
    } else if header.subject.chars().count() > 2000 {
        v.push("subject", "at most 2000 characters");
    }
    if let Some(p) = &header.promulgation_info {
        v.check(local::parse_optional_date(
            "promulgation_info.promulgation_date",
            &p.promulgation_date,
        ));
    }
    v.check(local::parse_optional_date("due_date", &header.due_date));
}

/// Every enum field holds a value of its enum (a number from a newer or broken client is
/// refused, not read as unspecified).
fn check_enums(header: &DocumentHeader, v: &mut Violations) {
    if let Some(info) = &header.other_info {
        if Priority::try_from(info.priority).is_err() {
            v.push(
                "other_info.priority",
                format!(
                    "{} is not a priority (PRIORITY_NORMAL = 1 thường, URGENT = 2 khẩn, \
                     VERY_URGENT = 3 thượng khẩn, FLASH = 4 hỏa tốc, FLASH_SCHEDULED = 5 hỏa \
                     tốc hẹn giờ; unset reads as normal)",
                    info.priority
                ),
            );
        }
        if Secrecy::try_from(info.secrecy).is_err() {
            v.push(
                "other_info.secrecy",
                format!("{} is not a secrecy marking", info.secrecy),
            );
        }
    }
    if SteeringType::try_from(header.steering_type).is_err() {
        v.push(
            "steering_type",
            format!(
                "{} is not a steering type (STEERING_TYPE_ORDINARY = 1, STEERING = 2, \
                 STEERING_REPORT = 3; unset reads as ordinary)",
                header.steering_type
            ),
        );
    }
    if let Some(t) = &header.document_type
        && DocumentKind::try_from(t.kind).is_err()
    {
        v.push(
            "document_type.kind",
            format!(
                "{} is not a document kind (DOCUMENT_KIND_LEGAL = 1, ADMINISTRATIVE = 2)",
                t.kind
            ),
        );
    }
}

/// The documents this one answers, revokes, updates or replaces.
fn check_references(header: &DocumentHeader, v: &mut Violations) {
    for (i, r) in header.response_for.iter().enumerate() {
        v.check(DocumentId::parse(&format!("response_for[{i}]"), r));
    }
    let Some(b) = &header.business else {
        return;
    };
    match BusinessType::try_from(b.business_type) {
        Err(_) | Ok(BusinessType::Unspecified) => v.push(
            "business.business_type",
            format!(
                "{} is not what the document does to another: 2 (BUSINESS_TYPE_REVOKE), \
                 3 (BUSINESS_TYPE_UPDATE) or 4 (BUSINESS_TYPE_REPLACE); a new document has no \
                 business",
                b.business_type
            ),
        ),
        Ok(BusinessType::New) => {}
        Ok(_) => {
            v.check(DocumentId::parse(
                "business.target_document_id",
                &b.target_document_id,
            ));
            if b.reason.trim().is_empty() {
                v.push(
                    "business.reason",
                    "is required when the document revokes, updates or replaces another",
                );
            }
        }
    }
}

/// A declared attachment: a plain file name, a MIME type, a SHA-256 digest.
fn check_attachment(i: usize, a: &AttachmentInfo, v: &mut Violations) {
    let name_ok = !a.name.trim().is_empty()
        && a.name.len() <= 255
        && !a.name.contains(['/', '\\', '\0'])
        && a.name != "."
        && a.name != "..";
    if !name_ok {
        v.push(
            format!("attachments[{i}].name"),
            "a file name is required, at most 255 bytes, without path separators",
        );
    }
    if a.content_type.trim().is_empty() {
        v.push(
            format!("attachments[{i}].content_type"),
            "is required (a MIME type such as application/pdf)",
        );
    }
    let hex_digest = a.sha256.len() == 64
        && a.sha256
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !hex_digest {
        v.push(
            format!("attachments[{i}].sha256"),
            "must be 64 lowercase hexadecimal digits",
        );
    }
}

/// Identifies a document's content for idempotent sends: the header as sent (trace headers
/// are the hub's, not the sender's), including the attachments' declared digests.
pub fn fingerprint(header: &DocumentHeader) -> String {
    let mut h = header.clone();
    h.trace_headers.clear();
    hex::encode(Sha256::digest(h.encode_to_vec()))
}

/// A document handed over by another hub, checked.
#[derive(Debug)]
pub struct RelayedDocument {
    pub header: DocumentHeader,
    pub sender: AgencyCode,
    /// The recipients this hub is to reach.
    pub recipients: Vec<AgencyCode>,
}

/// Checks a document relayed by hub `caller`: the hub may relay for its sender (refused
/// first), then every malformed field at once.
pub fn check_relay_header(
    relay: RelayHeader,
    caller: &str,
    routing: &Routing,
) -> Result<RelayedDocument> {
    let header = relay
        .document
        .ok_or_else(|| ExchangeError::invalid("header.document", "is required"))?;
    let from = header.sender.as_ref().map_or("", |a| a.code.as_str());
    if let Ok(sender) = AgencyCode::parse("header.document.sender.code", from)
        && !routing.may_relay(caller, sender.as_str())
    {
        return Err(ExchangeError::RelayRefused {
            hub: caller.to_string(),
            sender,
        });
    }
    let mut v = Violations::new();
    let sender = v.check(AgencyCode::parse("header.document.sender.code", from));
    if let Some(id) = v.check(DocumentId::parse(
        "header.document.document_id",
        &header.document_id,
    )) && sender.as_ref().is_some_and(|s| s != id.organ())
    {
        v.push(
            "header.document.document_id",
            "its OrganId must be the sender's code",
        );
    }
    if relay.recipients.is_empty() {
        v.push("header.recipients", "at least one recipient is required");
    }
    let mut recipients = Vec::with_capacity(relay.recipients.len());
    for (i, r) in relay.recipients.iter().enumerate() {
        let field = format!("header.recipients[{i}]");
        let Some(code) = v.check(AgencyCode::parse(&field, r)) else {
            continue;
        };
        if !header.recipients.iter().any(|a| &a.code == r) {
            v.push(field, format!("{r} is not among the document's recipients"));
        } else if routing.hop(r) == Hop::Peer(caller.to_string()) {
            v.push(field, format!("{r} is served by hub {caller} itself"));
        } else {
            recipients.push(code);
        }
    }
    v.into_result()?;
    let sender = sender.ok_or_else(|| ExchangeError::internal("a checked sender is missing"))?;
    Ok(RelayedDocument {
        header,
        sender,
        recipients,
    })
}

#[cfg(test)]
mod tests;
