//! What a document header must carry to travel the axis, sent by an agency or relayed by
//! another hub.
//!
//! A header is first checked against the hub's policy (the sender is the caller or a hub may
//! relay for it, no state secret, within the hub's limits): each of those refusals stops the
//! check. Then every malformed field is reported at once, by the content rules of
//! [`content`](super::content), the same for a send and a relay.
use lienthong_api::exchange::v1::{DocumentHeader, RelayHeader};
use lienthong_axis::AgencyCode;
use lienthong_platform::error::Violations;
use prost::Message;
use sha2::{Digest, Sha256};
use time::Date;

use crate::{
    domain::{
        content,
        routing::{Hop, Routing},
        text,
    },
    error::{ExchangeError, Result},
};

pub use super::content::Limits;

/// Checks a header sent by `sender` (the agency of the caller's certificate), with the
/// DocumentIds it carries dated no later than `latest` (the hub passes tomorrow, Vietnam time:
/// `Exchange::latest_document_date`). Returns the recipients' codes in order.
pub fn check_header_at(
    header: &DocumentHeader,
    sender: &AgencyCode,
    limits: &Limits,
    latest: Date,
) -> Result<Vec<AgencyCode>> {
    check_spoofing(header, sender)?;
    content::check_policy(header, limits, "")?;
    let mut v = Violations::new();
    check_sender(header, sender, latest, &mut v);
    let recipients = content::check_recipients(header, Some(sender), "", &mut v);
    content::check_fields(header, "", latest, &mut v);
    v.into_result()?;
    Ok(recipients)
}

/// An agency sends only as itself.
fn check_spoofing(header: &DocumentHeader, sender: &AgencyCode) -> Result<()> {
    match &header.sender {
        Some(claimed) if AgencyCode::is_valid(&claimed.code) && claimed.code != sender.as_str() => {
            Err(ExchangeError::SpoofedSender {
                claimed: claimed.code.clone(),
                caller: sender.clone(),
            })
        }
        _ => Ok(()),
    }
}

/// `sender` and the DocumentId, whose OrganId is the sender.
fn check_sender(header: &DocumentHeader, sender: &AgencyCode, latest: Date, v: &mut Violations) {
    match &header.sender {
        None => v.push("sender", "is required"),
        Some(claimed) => {
            v.check(AgencyCode::parse("sender.code", &claimed.code));
            content::agency_text(v, "sender", claimed);
        }
    }
    if let Some(id) = content::document_id(v, "document_id", &header.document_id, latest)
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
/// first), the hub's policy (no state secret, its limits), then every malformed field at once,
/// by the same content rules as a local send (`latest`: see [`check_header_at`]).
pub fn check_relay_header(
    relay: RelayHeader,
    caller: &str,
    routing: &Routing,
    limits: &Limits,
    latest: Date,
) -> Result<RelayedDocument> {
    const PREFIX: &str = "header.document.";
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
    content::check_policy(&header, limits, PREFIX)?;
    let mut v = Violations::new();
    let sender = match &header.sender {
        None => {
            v.push("header.document.sender", "is required");
            None
        }
        Some(a) => {
            content::agency_text(&mut v, "header.document.sender", a);
            v.check(AgencyCode::parse("header.document.sender.code", &a.code))
        }
    };
    let field = "header.document.document_id";
    if let Some(id) = content::document_id(&mut v, field, &header.document_id, latest)
        && sender.as_ref().is_some_and(|s| s != id.organ())
    {
        v.push(field, "its OrganId must be the sender's code");
    }
    content::check_recipients(&header, sender.as_ref(), PREFIX, &mut v);
    content::check_fields(&header, PREFIX, latest, &mut v);
    for (i, t) in header.trace_headers.iter().enumerate() {
        let field = format!("header.document.trace_headers[{i}].organ_id");
        text::single(&mut v, &field, &t.organ_id, text::HUB_ID);
    }
    let recipients = relay_recipients(&relay.recipients, &header, caller, routing, &mut v);
    v.into_result()?;
    let sender = sender.ok_or_else(|| ExchangeError::internal("a checked sender is missing"))?;
    Ok(RelayedDocument {
        header,
        sender,
        recipients,
    })
}

/// The recipients a relaying hub asks this hub to reach: among the document's, none served by
/// the relaying hub itself.
fn relay_recipients(
    asked: &[String],
    header: &DocumentHeader,
    caller: &str,
    routing: &Routing,
    v: &mut Violations,
) -> Vec<AgencyCode> {
    if asked.is_empty() {
        v.push("header.recipients", "at least one recipient is required");
    }
    let mut recipients = Vec::with_capacity(asked.len());
    for (i, r) in asked.iter().enumerate() {
        let field = format!("header.recipients[{i}]");
        let Some(code) = v.check(AgencyCode::parse(&field, r)) else {
            continue;
        };
        if !header.recipients.iter().any(|a| &a.code == r) {
            v.push(field, format!("{r} is not among the document's recipients"));
        } else if routing.hop(r) == Hop::Peer(caller.to_string()) {
            v.push(field, format!("{r} is served by hub {caller} itself"));
        } else if recipients.contains(&code) {
            v.push(field, format!("{r} is listed twice"));
        } else {
            recipients.push(code);
        }
    }
    recipients
}

#[cfg(test)]
mod tests;
