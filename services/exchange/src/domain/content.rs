//! The content rules of a document, the same whether an agency sends it or another hub relays
//! it: the hub's policy (no state secret, the hub's limits on recipients and attachments), then
//! every field — the text policy and lengths, the dates, the enums, the DocumentIds it names
//! (each a real DocumentId dated no later than `latest`, tomorrow by the hub's clock) and the
//! attachments. Field names carry a prefix: "" for SendDocument, "header.document." for
//! RelayDocument.
use std::collections::{HashMap, hash_map::Entry};

use lienthong_api::exchange::v1::{
    Agency, AttachmentInfo, BusinessType, DocumentHeader, DocumentKind, Priority, Secrecy,
    SteeringType,
};
use lienthong_axis::{AgencyCode, DocumentId, local};
use lienthong_platform::error::Violations;
use time::Date;

use crate::{
    domain::text::{self, CODE, CONTACT, CONTENT, CONTENT_TYPE, NAME, REASON, SUBJECT},
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

/// The longest attachment name, in bytes (UTF-8): a client writing the file may add a suffix
/// while it downloads, and the result must stay within the 255-byte file names of common
/// filesystems.
pub const MAX_ATTACHMENT_NAME_BYTES: usize = 240;

/// Attachment names a client may keep for itself (compared ignoring case): document-management
/// software commonly writes the header as `header.json` beside the attachments (the lienthong
/// CLI keeps attachments apart, in `files/`, but older clients did not).
pub const RESERVED_NAMES: [&str; 1] = ["header.json"];

/// The refusals that are not about a malformed field: a state secret, the hub's limits. Their
/// fields are named with `prefix`, as in [`check_fields`].
pub fn check_policy(header: &DocumentHeader, limits: &Limits, prefix: &'static str) -> Result<()> {
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
            prefix,
        });
    }
    if header.recipients.len() > limits.max_recipients {
        return Err(ExchangeError::TooManyRecipients {
            count: header.recipients.len(),
            max: limits.max_recipients,
            prefix,
        });
    }
    if header.attachments.len() > limits.max_attachments {
        return Err(ExchangeError::TooManyAttachments {
            count: header.attachments.len(),
            max: limits.max_attachments,
            prefix,
        });
    }
    for (index, a) in header.attachments.iter().enumerate() {
        if a.size > limits.max_attachment_bytes {
            return Err(ExchangeError::AttachmentTooLarge {
                index,
                size: a.size,
                max: limits.max_attachment_bytes,
                prefix,
            });
        }
    }
    Ok(())
}

/// A DocumentId field: a DocumentId, dated no later than `latest`.
pub fn document_id(v: &mut Violations, field: &str, id: &str, latest: Date) -> Option<DocumentId> {
    let id = v.check(DocumentId::parse(field, id))?;
    v.check(id.check_date_not_after(field, latest))?;
    Some(id)
}

/// The free text of an agency named in a header (`field` is e.g. "sender" or "recipients[1]");
/// its code is checked by the caller.
pub fn agency_text(v: &mut Violations, field: &str, a: &Agency) {
    text::single(v, &format!("{field}.name"), &a.name, text::AGENCY_NAME);
    for (name, value) in [
        ("email", &a.email),
        ("phone", &a.phone),
        ("address", &a.address),
        ("website", &a.website),
    ] {
        text::single(v, &format!("{field}.{name}"), value, CONTACT);
    }
}

/// Every field of the header but the sender, the recipients and the document's own id (checked
/// by the caller, whose rules differ): the text, the dates, the enums, the documents it names
/// and the attachments.
pub fn check_fields(header: &DocumentHeader, prefix: &str, latest: Date, v: &mut Violations) {
    let f = |name: &str| format!("{prefix}{name}");
    check_text(header, prefix, v);
    check_enums(header, prefix, v);
    if header.response_for.len() > text::LIST_ENTRIES {
        v.push(
            f("response_for"),
            format!(
                "{} entries, at most {} per document",
                header.response_for.len(),
                text::LIST_ENTRIES
            ),
        );
    } else {
        for (i, r) in header.response_for.iter().enumerate() {
            document_id(v, &f(&format!("response_for[{i}]")), r, latest);
        }
    }
    check_business(header, prefix, latest, v);
    let mut names = HashMap::new();
    for (i, a) in header.attachments.iter().enumerate() {
        check_attachment(&f(&format!("attachments[{i}]")), i, a, &mut names, v);
    }
}

/// The subject (trích yếu), the other free text and the dates.
fn check_text(h: &DocumentHeader, prefix: &str, v: &mut Violations) {
    let f = |name: &str| format!("{prefix}{name}");
    if h.subject.trim().is_empty() {
        v.push(f("subject"), "is required (trích yếu)");
    } else {
        text::single(v, &f("subject"), &h.subject, SUBJECT);
    }
    text::multi(v, &f("content"), &h.content, CONTENT);
    if let Some(c) = &h.code {
        text::single(v, &f("code.code_number"), &c.code_number, CODE);
        text::single(v, &f("code.code_notation"), &c.code_notation, CODE);
    }
    if let Some(p) = &h.promulgation_info {
        text::single(v, &f("promulgation_info.place"), &p.place, NAME);
        v.check(local::parse_optional_date(
            &f("promulgation_info.promulgation_date"),
            &p.promulgation_date,
        ));
    }
    if let Some(t) = &h.document_type {
        text::single(v, &f("document_type.type_code"), &t.type_code, CODE);
        text::single(v, &f("document_type.type_name"), &t.type_name, NAME);
    }
    if let Some(s) = &h.signer_info {
        text::single(v, &f("signer_info.competence"), &s.competence, NAME);
        text::single(v, &f("signer_info.position"), &s.position, NAME);
        text::single(v, &f("signer_info.full_name"), &s.full_name, NAME);
    }
    v.check(local::parse_optional_date(&f("due_date"), &h.due_date));
    text::list(v, &f("to_places"), &h.to_places, NAME);
    if let Some(o) = &h.other_info {
        let (sphere, typer) = (&o.sphere_of_promulgation, &o.typer_notation);
        text::single(v, &f("other_info.sphere_of_promulgation"), sphere, NAME);
        text::single(v, &f("other_info.typer_notation"), typer, CODE);
        text::list(v, &f("other_info.appendixes"), &o.appendixes, NAME);
    }
}

/// Every enum field holds a value of its enum (a number from a newer or broken client is
/// refused, not read as unspecified).
fn check_enums(header: &DocumentHeader, prefix: &str, v: &mut Violations) {
    let f = |name: &str| format!("{prefix}{name}");
    if let Some(info) = &header.other_info {
        if Priority::try_from(info.priority).is_err() {
            v.push(
                f("other_info.priority"),
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
                f("other_info.secrecy"),
                format!("{} is not a secrecy marking", info.secrecy),
            );
        }
    }
    if SteeringType::try_from(header.steering_type).is_err() {
        v.push(
            f("steering_type"),
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
            f("document_type.kind"),
            format!(
                "{} is not a document kind (DOCUMENT_KIND_LEGAL = 1, ADMINISTRATIVE = 2)",
                t.kind
            ),
        );
    }
}

/// What the document does to another: revokes, updates or replaces it.
fn check_business(header: &DocumentHeader, prefix: &str, latest: Date, v: &mut Violations) {
    let f = |name: &str| format!("{prefix}{name}");
    let Some(b) = &header.business else {
        return;
    };
    match BusinessType::try_from(b.business_type) {
        Err(_) | Ok(BusinessType::Unspecified) => v.push(
            f("business.business_type"),
            format!(
                "{} is not what the document does to another: 2 (BUSINESS_TYPE_REVOKE), \
                 3 (BUSINESS_TYPE_UPDATE) or 4 (BUSINESS_TYPE_REPLACE); a new document has no \
                 business",
                b.business_type
            ),
        ),
        Ok(BusinessType::New) => {}
        Ok(_) => {
            let target = f("business.target_document_id");
            document_id(v, &target, &b.target_document_id, latest);
            if b.reason.trim().is_empty() {
                v.push(
                    f("business.reason"),
                    "is required when the document revokes, updates or replaces another",
                );
            }
        }
    }
    text::multi(v, &f("business.reason"), &b.reason, REASON);
}

/// A declared attachment: a plain file name, unique within the document ignoring case (`names`
/// holds the names seen so far, lowercased, with their index), a MIME type, a SHA-256 digest.
fn check_attachment(
    field: &str,
    index: usize,
    a: &AttachmentInfo,
    names: &mut HashMap<String, usize>,
    v: &mut Violations,
) {
    let name = format!("{field}.name");
    match attachment_name(&a.name) {
        Err(rule) => v.push(name, rule),
        Ok(()) => match names.entry(a.name.to_lowercase()) {
            Entry::Occupied(first) => v.push(
                name,
                format!(
                    "{:?} is already the name of attachments[{}] (names are unique within a \
                     document, ignoring case)",
                    a.name,
                    first.get()
                ),
            ),
            Entry::Vacant(slot) => {
                slot.insert(index);
            }
        },
    }
    if a.content_type.trim().is_empty() {
        v.push(
            format!("{field}.content_type"),
            "is required (a MIME type such as application/pdf)",
        );
    } else {
        text::single(
            v,
            &format!("{field}.content_type"),
            &a.content_type,
            CONTENT_TYPE,
        );
    }
    let hex_digest = a.sha256.len() == 64
        && a.sha256
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !hex_digest {
        v.push(
            format!("{field}.sha256"),
            "must be 64 lowercase hexadecimal digits",
        );
    }
    text::multi(v, &format!("{field}.description"), &a.description, REASON);
}

/// Whether `name` is a plain file name a client can write as it is (the rule of
/// docs/exchange.md, "Attachment names"); else the rule it breaks.
pub fn attachment_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("a file name is required".into());
    }
    if let Err(e) = lienthong_axis::text::single_line("name", name, usize::MAX) {
        return Err(e.rule);
    }
    if name.contains(['/', '\\']) {
        return Err(format!(
            "{name:?} is not a plain file name: no path separators ('/' or '\\')"
        ));
    }
    if name == "." || name == ".." {
        return Err(format!("{name:?} is not a file name"));
    }
    if RESERVED_NAMES.iter().any(|r| r.eq_ignore_ascii_case(name)) {
        return Err(format!(
            "{name:?} is reserved: clients write the document's header under that name"
        ));
    }
    if name.len() > MAX_ATTACHMENT_NAME_BYTES {
        return Err(format!(
            "is {} bytes long; at most {MAX_ATTACHMENT_NAME_BYTES} bytes (UTF-8), so that a \
             client can add a suffix while writing it within the 255-byte file names of common \
             filesystems",
            name.len()
        ));
    }
    Ok(())
}

/// The recipients of a header: at least one, each a valid code, neither the sender nor listed
/// twice. Returns their codes in order.
pub fn check_recipients(
    header: &DocumentHeader,
    sender: Option<&AgencyCode>,
    prefix: &str,
    v: &mut Violations,
) -> Vec<AgencyCode> {
    if header.recipients.is_empty() {
        v.push(
            format!("{prefix}recipients"),
            "at least one recipient is required",
        );
    }
    let mut recipients: Vec<AgencyCode> = Vec::with_capacity(header.recipients.len());
    for (i, agency) in header.recipients.iter().enumerate() {
        let field = format!("{prefix}recipients[{i}].code");
        agency_text(v, &format!("{prefix}recipients[{i}]"), agency);
        let Some(code) = v.check(AgencyCode::parse(&field, &agency.code)) else {
            continue;
        };
        if Some(&code) == sender {
            v.push(field, "an agency cannot send to itself");
        } else if recipients.contains(&code) {
            v.push(field, format!("{code} is listed twice"));
        } else {
            recipients.push(code);
        }
    }
    recipients
}

#[cfg(test)]
mod tests;
