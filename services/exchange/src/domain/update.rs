//! A status update handed over by another hub (RelayStatus), checked before anything is read:
//! its ids and codes, its enum fields, and its free text by the same text policy as an agency's
//! report.
use lienthong_api::exchange::v1::{StatusUpdate, TransportState as PbTransport};
use lienthong_axis::{AgencyCode, BusinessStatus, DocumentId, TransportState};
use lienthong_platform::error::Violations;

use crate::{
    domain::text::{self, HUB_ID, REASON, STAFF_INFO, UPDATE_ID},
    error::Result,
};

/// A relayed update whose fields are well formed: its business status (`None` for a transport
/// event only) and the transport state it brings (`None` when it brings none).
#[derive(Debug, PartialEq, Eq)]
pub struct CheckedUpdate {
    pub status: Option<BusinessStatus>,
    pub transport: Option<TransportState>,
}

/// Checks every field of a relayed update; every malformed one is named.
pub fn check_update(update: &StatusUpdate) -> Result<CheckedUpdate> {
    let mut v = Violations::new();
    if update.update_id.trim().is_empty() {
        v.push("update.update_id", "is required");
    } else {
        text::single(&mut v, "update.update_id", &update.update_id, UPDATE_ID);
    }
    v.check(DocumentId::parse("update.document_id", &update.document_id));
    v.check(AgencyCode::parse("update.recipient", &update.recipient));
    v.check(AgencyCode::parse("update.to_agency", &update.to_agency));
    let status = if update.status == 0 {
        None
    } else {
        v.check(BusinessStatus::from_field("update.status", update.status))
    };
    let transport = transport_event(update.transport_state, &mut v);
    text::multi(&mut v, "update.description", &update.description, REASON);
    text::single(&mut v, "update.staff_info", &update.staff_info, STAFF_INFO);
    text::single(&mut v, "update.reporter", &update.reporter, HUB_ID);
    text::single(&mut v, "update.hub", &update.hub, HUB_ID);
    v.into_result()?;
    Ok(CheckedUpdate { status, transport })
}

/// The transport event an update brings: delivered, acknowledged or failed (a bounce), from the
/// recipient's hub.
fn transport_event(raw: i32, v: &mut Violations) -> Option<TransportState> {
    match PbTransport::try_from(raw) {
        Ok(PbTransport::Delivered) => Some(TransportState::Delivered),
        Ok(PbTransport::Acknowledged) => Some(TransportState::Acknowledged),
        // A bounce: the recipient's hub cannot deliver the document.
        Ok(PbTransport::Failed) => Some(TransportState::Failed),
        Ok(PbTransport::Unspecified) => None,
        Ok(other) => {
            v.push(
                "update.transport_state",
                format!(
                    "{} is no event of the recipient's hub (delivered, acknowledged or failed)",
                    other.as_str_name()
                ),
            );
            None
        }
        Err(_) => {
            v.push(
                "update.transport_state",
                format!("{raw} is not a transport state"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use lienthong_platform::error::ApiError;

    use super::*;

    fn update() -> StatusUpdate {
        StatusUpdate {
            update_id: "H41:7".into(),
            document_id: "000.00.00.H48,2026/11/26,1/UBND-TH".into(),
            recipient: "000.00.00.H41".into(),
            to_agency: "000.00.00.H48".into(),
            reporter: "000.00.00.H41".into(),
            status: 3,
            hub: "H41".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_update_passes() {
        assert_eq!(
            check_update(&update()).unwrap(),
            CheckedUpdate {
                status: Some(BusinessStatus::Accepted),
                transport: None
            }
        );
    }

    #[test]
    fn every_malformed_field_is_named() {
        let bad = StatusUpdate {
            update_id: String::new(),
            document_id: "x".into(),
            recipient: "H41".into(),
            to_agency: String::new(),
            status: 14,
            transport_state: 9,
            description: "a\0b".into(),
            staff_info: "a\nb".into(),
            reporter: "\u{202e}".into(),
            hub: "h".repeat(65),
            ..Default::default()
        };
        let e = check_update(&bad).unwrap_err();
        let fields: Vec<&str> = e.violations().iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "update.update_id",
                "update.document_id",
                "update.recipient",
                "update.to_agency",
                "update.status",
                "update.transport_state",
                "update.description",
                "update.staff_info",
                "update.reporter",
                "update.hub",
            ]
        );
    }
}
