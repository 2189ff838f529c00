//! The exchange's rules, free of gRPC and SQL: agency codes, DocumentIds, what a document must
//! carry, and which business status may follow which.
use lienthong_api::exchange::v1::{Agency, BusinessType, DocumentHeader, Secrecy};
use prost::Message;
use sha2::{Digest, Sha256};

use crate::error::{ExchangeError, Result};

/// Checks `DDD.CC.BB.Axx` (QCVN 102:2016): three digits, two, two, then a capital letter and
/// two digits, e.g. `000.00.00.H48`.
pub fn check_agency_code(field: &str, code: &str) -> Result<()> {
    let rule = || {
        ExchangeError::invalid(
            field,
            format!(
                "{code:?} is not an agency code of the form DDD.CC.BB.Axx (e.g. 000.00.00.H48)"
            ),
        )
    };
    let parts: Vec<&str> = code.split('.').collect();
    let [ddd, cc, bb, axx] = parts.as_slice() else {
        return Err(rule());
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let unit = axx.len() == 3 && axx.as_bytes()[0].is_ascii_uppercase() && digits(&axx[1..], 2);
    if digits(ddd, 3) && digits(cc, 2) && digits(bb, 2) && unit {
        Ok(())
    } else {
        Err(rule())
    }
}

/// A DocumentId split into its parts: `OrganId,yyyy/MM/dd,Number/Notation`.
#[derive(Debug, PartialEq, Eq)]
pub struct DocumentIdParts<'a> {
    pub organ_id: &'a str,
    pub date: time::Date,
    pub number_notation: &'a str,
}

pub fn parse_document_id<'a>(field: &str, id: &'a str) -> Result<DocumentIdParts<'a>> {
    let rule = |why: &str| {
        ExchangeError::invalid(
            field,
            format!(
                "{id:?} is not a DocumentId OrganId,yyyy/MM/dd,Number/Notation \
                 (e.g. 000.00.00.G22,2015/09/30,7816/VPCP-TTĐT): {why}"
            ),
        )
    };
    if id.is_empty() {
        return Err(ExchangeError::invalid(field, "is required"));
    }
    let mut parts = id.splitn(3, ',');
    let (Some(organ_id), Some(date), Some(number_notation)) =
        (parts.next(), parts.next(), parts.next())
    else {
        return Err(rule("it needs three parts separated by commas"));
    };
    check_agency_code(field, organ_id).map_err(|_| rule("the OrganId is not an agency code"))?;
    let date = parse_date(date, "/").ok_or_else(|| rule("the date is not a valid yyyy/MM/dd"))?;
    let (number, notation) = number_notation
        .split_once('/')
        .ok_or_else(|| rule("the last part must be Number/Notation"))?;
    if number.trim().is_empty() || notation.trim().is_empty() || number_notation.len() > 200 {
        return Err(rule("Number and Notation must both be present"));
    }
    Ok(DocumentIdParts {
        organ_id,
        date,
        number_notation,
    })
}

/// Parses `yyyy<sep>MM<sep>dd` into a calendar date.
pub fn parse_date(s: &str, sep: &str) -> Option<time::Date> {
    let mut it = s.split(sep);
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    time::Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

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

fn check_optional_date(field: &str, value: &str) -> Result<()> {
    if value.is_empty() || parse_date(value, "-").is_some() {
        Ok(())
    } else {
        Err(ExchangeError::invalid(
            field,
            format!("{value:?} is not a date yyyy-MM-dd"),
        ))
    }
}

/// Checks a header sent by `sender` (the agency of the caller's certificate). Returns the
/// recipients' codes in order.
pub fn check_header(header: &DocumentHeader, sender: &str, limits: &Limits) -> Result<Vec<String>> {
    let from = header
        .from
        .as_ref()
        .ok_or_else(|| ExchangeError::invalid("from", "is required"))?;
    check_agency_code("from.code", &from.code)?;
    if from.code != sender {
        return Err(ExchangeError::PermissionDenied(format!(
            "from.code: {} is not the agency of your certificate ({sender}); an agency sends only as itself",
            from.code
        )));
    }
    let secrecy = header
        .other_info
        .as_ref()
        .map(|o| o.secrecy())
        .unwrap_or(Secrecy::Unspecified);
    if secrecy != Secrecy::Unspecified {
        let mark = match secrecy {
            Secrecy::Confidential => "Mật",
            Secrecy::Secret => "Tối mật",
            _ => "Tuyệt mật",
        };
        return Err(ExchangeError::FailedPrecondition(format!(
            "other_info.secrecy: the document is marked {mark}; state secrets never travel the axis \
             (QĐ 28/2018/QĐ-TTg) — send it by the secret-document channel instead"
        )));
    }
    let id = parse_document_id("document_id", &header.document_id)?;
    if id.organ_id != sender {
        return Err(ExchangeError::invalid(
            "document_id",
            format!(
                "its OrganId {} must be the sender's code {sender}",
                id.organ_id
            ),
        ));
    }
    if header.to.is_empty() {
        return Err(ExchangeError::invalid(
            "to",
            "at least one recipient is required",
        ));
    }
    if header.to.len() > limits.max_recipients {
        return Err(ExchangeError::ResourceExhausted(format!(
            "to: {} recipients, at most {} per document",
            header.to.len(),
            limits.max_recipients
        )));
    }
    let mut recipients: Vec<String> = Vec::with_capacity(header.to.len());
    for (i, Agency { code, .. }) in header.to.iter().enumerate() {
        let field = format!("to[{i}].code");
        check_agency_code(&field, code)?;
        if code == sender {
            return Err(ExchangeError::invalid(
                field,
                "an agency cannot send to itself",
            ));
        }
        if recipients.contains(code) {
            return Err(ExchangeError::invalid(
                field,
                format!("{code} is listed twice"),
            ));
        }
        recipients.push(code.clone());
    }
    if header.subject.trim().is_empty() {
        return Err(ExchangeError::invalid("subject", "is required (trích yếu)"));
    }
    if header.subject.chars().count() > 2000 {
        return Err(ExchangeError::invalid("subject", "at most 2000 characters"));
    }
    if let Some(info) = &header.other_info
        && info.priority > 4
    {
        return Err(ExchangeError::invalid(
            "other_info.priority",
            format!(
                "{} is outside 0–4 (0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc, 4 hỏa tốc hẹn giờ)",
                info.priority
            ),
        ));
    }
    if let Some(p) = &header.promulgation_info {
        check_optional_date("promulgation_info.promulgation_date", &p.promulgation_date)?;
    }
    check_optional_date("due_date", &header.due_date)?;
    for (i, r) in header.response_for.iter().enumerate() {
        parse_document_id(&format!("response_for[{i}]"), r)?;
    }
    if let Some(b) = &header.business {
        let kind = BusinessType::try_from(b.business_type).map_err(|_| {
            ExchangeError::invalid(
                "business.business_type",
                format!(
                    "{} is not 0 new, 1 revoke, 2 update or 3 replace",
                    b.business_type
                ),
            )
        })?;
        if kind != BusinessType::NewUnspecified {
            parse_document_id("business.target_document_id", &b.target_document_id)?;
            if b.reason.trim().is_empty() {
                return Err(ExchangeError::invalid(
                    "business.reason",
                    "is required when the document revokes, updates or replaces another",
                ));
            }
        }
    }
    if header.attachments.len() > limits.max_attachments {
        return Err(ExchangeError::ResourceExhausted(format!(
            "attachments: {} attachments, at most {} per document",
            header.attachments.len(),
            limits.max_attachments
        )));
    }
    for (i, a) in header.attachments.iter().enumerate() {
        let name_ok = !a.name.trim().is_empty()
            && a.name.len() <= 255
            && !a.name.contains(['/', '\\', '\0'])
            && a.name != "."
            && a.name != "..";
        if !name_ok {
            return Err(ExchangeError::invalid(
                format!("attachments[{i}].name"),
                "a file name is required, at most 255 bytes, without path separators",
            ));
        }
        if a.content_type.trim().is_empty() {
            return Err(ExchangeError::invalid(
                format!("attachments[{i}].content_type"),
                "is required (a MIME type such as application/pdf)",
            ));
        }
        if a.sha256.len() != 64
            || !a
                .sha256
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(ExchangeError::invalid(
                format!("attachments[{i}].sha256"),
                "must be 64 lowercase hexadecimal digits",
            ));
        }
        if a.size > limits.max_attachment_bytes {
            return Err(ExchangeError::ResourceExhausted(format!(
                "attachments[{i}].size: {} bytes is over this hub's limit of {} bytes per attachment",
                a.size, limits.max_attachment_bytes
            )));
        }
    }
    Ok(recipients)
}

/// Identifies a document's content for idempotent sends: the header as sent (trace headers
/// are the hub's, not the sender's), including the attachments' declared digests.
pub fn fingerprint(header: &DocumentHeader) -> String {
    let mut h = header.clone();
    h.trace_headers.clear();
    hex::encode(Sha256::digest(h.encode_to_vec()))
}

/// Business status codes (edXML Status).
pub mod status {
    pub const ARRIVED: &str = "01";
    pub const REJECTED: &str = "02";
    pub const ACCEPTED: &str = "03";
    pub const ASSIGNED: &str = "04";
    pub const PROCESSING: &str = "05";
    pub const COMPLETED: &str = "06";
    pub const REVOKE_REQUESTED: &str = "13";
    pub const REVOKE_ACCEPTED: &str = "15";
    pub const REVOKE_REFUSED: &str = "16";

    pub fn name(code: &str) -> &'static str {
        match code {
            ARRIVED => "arrived",
            REJECTED => "rejected",
            ACCEPTED => "accepted",
            ASSIGNED => "assigned",
            PROCESSING => "processing",
            COMPLETED => "completed",
            REVOKE_REQUESTED => "revoke requested",
            REVOKE_ACCEPTED => "revoke accepted",
            REVOKE_REFUSED => "revoke refused",
            _ => "unknown",
        }
    }
}

/// Revocation state of one recipient's leg (stored as its integer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevokeState {
    None = 0,
    Requested = 1,
    Accepted = 2,
    Refused = 3,
}

impl RevokeState {
    pub fn from_i64(v: i64) -> Self {
        match v {
            1 => RevokeState::Requested,
            2 => RevokeState::Accepted,
            3 => RevokeState::Refused,
            _ => RevokeState::None,
        }
    }
}

/// What a recipient's report does to its leg.
#[derive(Debug, PartialEq, Eq)]
pub enum StatusEffect {
    /// A business status (02–06): becomes the leg's current status.
    Business,
    /// An answer to a revoke request (15/16): sets the revoke state.
    RevokeAnswer(RevokeState),
}

fn rank(code: &str) -> u8 {
    match code {
        status::ARRIVED => 1,
        status::REJECTED | status::ACCEPTED => 2,
        status::ASSIGNED => 3,
        status::PROCESSING => 4,
        status::COMPLETED => 5,
        _ => 0,
    }
}

/// Decides whether a recipient may report `code` on a leg whose current business status is
/// `current` ("" before acknowledgement) and revoke state `revoke`.
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
    match code {
        status::REVOKE_ACCEPTED | status::REVOKE_REFUSED => {
            if revoke != RevokeState::Requested {
                return Err(ExchangeError::FailedPrecondition(format!(
                    "code: {code} answers a revoke request (13), and none is pending for this document"
                )));
            }
            if code == status::REVOKE_REFUSED && description.trim().is_empty() {
                return Err(ExchangeError::invalid(
                    "description",
                    "a reason is required to refuse a revoke (16)",
                ));
            }
            Ok(StatusEffect::RevokeAnswer(
                if code == status::REVOKE_ACCEPTED {
                    RevokeState::Accepted
                } else {
                    RevokeState::Refused
                },
            ))
        }
        status::REJECTED
        | status::ACCEPTED
        | status::ASSIGNED
        | status::PROCESSING
        | status::COMPLETED => {
            if current.is_empty() {
                return Err(ExchangeError::FailedPrecondition(format!(
                    "code: acknowledge the document first (status 01) before reporting {code}"
                )));
            }
            if revoke == RevokeState::Accepted {
                return Err(ExchangeError::FailedPrecondition(
                    "code: the document was revoked (15); no status can follow".into(),
                ));
            }
            if code == status::REJECTED && description.trim().is_empty() {
                return Err(ExchangeError::invalid(
                    "description",
                    "a reason is required to reject a document (02)",
                ));
            }
            let allowed = if current == status::REJECTED || current == status::COMPLETED {
                false
            } else if code == status::REJECTED {
                current == status::ARRIVED
            } else {
                rank(code) > rank(current)
                    || (code == status::PROCESSING && current == status::PROCESSING)
            };
            if allowed {
                Ok(StatusEffect::Business)
            } else {
                Err(ExchangeError::FailedPrecondition(format!(
                    "code: {code} ({}) cannot follow {current} ({}); statuses move forward \
                     01 → 02 or 03 → 04 → 05 → 06, only 05 may repeat",
                    status::name(code),
                    status::name(current)
                )))
            }
        }
        status::ARRIVED => Err(ExchangeError::invalid(
            "code",
            "01 is recorded by AcknowledgeDocument, not reported",
        )),
        status::REVOKE_REQUESTED => Err(ExchangeError::invalid(
            "code",
            "13 is sent by the document's sender with RevokeDocument",
        )),
        other => Err(ExchangeError::invalid(
            "code",
            format!(
                "{other:?} is not a status a recipient reports: use 02, 03, 04, 05, 06, 15 or 16"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agency_codes() {
        for ok in ["000.00.00.G22", "000.00.53.H48", "123.45.67.K01"] {
            assert!(check_agency_code("f", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "000.00.00.h48",
            "000.00.00.H4",
            "00.00.00.H48",
            "000.00.00.H48.1",
            "000-00-00-H48",
            "000.0a.00.H48",
        ] {
            let e = check_agency_code("to[0].code", bad).unwrap_err();
            assert!(e.to_string().starts_with("to[0].code: "), "{e}");
        }
    }

    #[test]
    fn document_ids() {
        let p = parse_document_id("d", "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT").unwrap();
        assert_eq!(p.organ_id, "000.00.00.G22");
        assert_eq!(p.number_notation, "7816/VPCP-TTĐT");
        for bad in [
            "000.00.00.G22,2015/02/30,1/X",
            "000.00.00.G22,2015-09-30,1/X",
            "000.00.00.G22,2015/09/30,1",
            "000.00.00.G22,2015/09/30",
            "G22,2015/09/30,1/X",
            "000.00.00.G22,2015/09/30,/X",
        ] {
            assert!(parse_document_id("d", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn status_transitions() {
        use status::*;
        let none = RevokeState::None;
        assert!(check_report(ACCEPTED, "", "", none).is_err(), "before ack");
        assert!(check_report(ACCEPTED, "", ARRIVED, none).is_ok());
        assert!(
            check_report(REJECTED, "", ARRIVED, none).is_err(),
            "reason required"
        );
        assert!(check_report(REJECTED, "sai", ARRIVED, none).is_ok());
        assert!(
            check_report(REJECTED, "sai", ACCEPTED, none).is_err(),
            "backward"
        );
        assert!(check_report(ASSIGNED, "", ACCEPTED, none).is_ok());
        assert!(
            check_report(PROCESSING, "", PROCESSING, none).is_ok(),
            "05 repeats"
        );
        assert!(
            check_report(ASSIGNED, "", ASSIGNED, none).is_err(),
            "04 does not repeat"
        );
        assert!(
            check_report(ACCEPTED, "", PROCESSING, none).is_err(),
            "backward"
        );
        assert!(check_report(COMPLETED, "", PROCESSING, none).is_ok());
        assert!(
            check_report(PROCESSING, "", COMPLETED, none).is_err(),
            "after 06"
        );
        assert!(
            check_report(ACCEPTED, "", REJECTED, none).is_err(),
            "after 02"
        );
        assert!(
            check_report(REVOKE_ACCEPTED, "", ACCEPTED, none).is_err(),
            "no request"
        );
        assert_eq!(
            check_report(REVOKE_ACCEPTED, "", ACCEPTED, RevokeState::Requested).unwrap(),
            StatusEffect::RevokeAnswer(RevokeState::Accepted)
        );
        assert!(check_report(REVOKE_REFUSED, "", ACCEPTED, RevokeState::Requested).is_err());
        assert!(check_report(PROCESSING, "", ACCEPTED, RevokeState::Accepted).is_err());
        assert!(check_report(ARRIVED, "", "", none).is_err());
        assert!(check_report("13", "", ARRIVED, none).is_err());
        assert!(check_report("99", "", ARRIVED, none).is_err());
    }
}
