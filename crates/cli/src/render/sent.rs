//! The sender's view of a document: per recipient, transport, status and revoke state.
use std::fmt::Write as _;

use lienthong_api::exchange::v1::{self as pb, RecipientView, SentDocumentView};
use lienthong_axis::{RevokeState, TransportState, status::status_name};
use serde_json::{Value, json};

use super::{status_json, status_text, ts_json, ts_text};

/// The name of a transport state (`unknown` when the hub sent none).
pub fn transport_name(state: pb::TransportState) -> &'static str {
    let state = match state {
        pb::TransportState::Unspecified => return "unknown",
        pb::TransportState::Queued => TransportState::Queued,
        pb::TransportState::Delivered => TransportState::Delivered,
        pb::TransportState::Acknowledged => TransportState::Acknowledged,
        pb::TransportState::Relayed => TransportState::Relayed,
    };
    state.name()
}

/// The name of a revoke state (`none` when no revocation was asked).
pub fn revoke_name(state: pb::RevokeState) -> &'static str {
    let state = match state {
        pb::RevokeState::Unspecified => RevokeState::None,
        pb::RevokeState::Requested => RevokeState::Requested,
        pb::RevokeState::Accepted => RevokeState::Accepted,
        pb::RevokeState::Refused => RevokeState::Refused,
    };
    state.name()
}

pub fn recipient_json(r: &RecipientView) -> Value {
    json!({
        "agency_code": r.agency_code,
        "hub": r.hub,
        "transport_state": transport_name(r.transport_state()),
        "delivered_at": ts_json(r.delivered_at.as_ref()),
        "acknowledged_at": ts_json(r.acknowledged_at.as_ref()),
        "current_status": r.current_status,
        "revoke_state": revoke_name(r.revoke_state()),
        "statuses": r.statuses.iter().map(status_json).collect::<Vec<_>>(),
    })
}

pub fn sent_json(d: &SentDocumentView) -> Value {
    json!({
        "document_id": d.document_id,
        "subject": d.subject,
        "accepted_at": ts_json(d.accepted_at.as_ref()),
        "recipients": d.recipients.iter().map(recipient_json).collect::<Vec<_>>(),
    })
}

/// The full sender's view: per recipient, transport, status, revoke state and history.
pub fn sent_text(d: &SentDocumentView) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", d.document_id);
    let _ = writeln!(out, "  subject:  {}", d.subject);
    let _ = writeln!(out, "  accepted: {}", ts_text(d.accepted_at.as_ref()));
    for r in &d.recipients {
        let current = if r.current_status.is_empty() {
            "-".to_string()
        } else {
            format!("{} {}", r.current_status, status_name(&r.current_status))
        };
        let _ = writeln!(
            out,
            "  → {} (hub {})  transport: {}  status: {}  revoke: {}",
            r.agency_code,
            if r.hub.is_empty() { "-" } else { &r.hub },
            transport_name(r.transport_state()),
            current,
            revoke_name(r.revoke_state())
        );
        if r.delivered_at.is_some() {
            let _ = writeln!(
                out,
                "      delivered    {}",
                ts_text(r.delivered_at.as_ref())
            );
        }
        if r.acknowledged_at.is_some() {
            let _ = writeln!(
                out,
                "      acknowledged {}",
                ts_text(r.acknowledged_at.as_ref())
            );
        }
        for s in &r.statuses {
            let at_hub = if s.hub.is_empty() {
                String::new()
            } else {
                format!("  [at {}]", s.hub)
            };
            let _ = writeln!(
                out,
                "      {}  {}{at_hub}",
                ts_text(s.at.as_ref()),
                status_text(s)
            );
        }
    }
    out
}

/// One line per sent document.
pub fn sent_line(d: &SentDocumentView) -> String {
    let legs: Vec<String> = d
        .recipients
        .iter()
        .map(|r| {
            let mut leg = format!("{}:", r.agency_code);
            if r.current_status.is_empty() {
                leg.push_str(transport_name(r.transport_state()));
            } else {
                leg.push_str(&r.current_status);
            }
            if r.revoke_state() != pb::RevokeState::Unspecified {
                let _ = write!(leg, "/revoke {}", revoke_name(r.revoke_state()));
            }
            leg
        })
        .collect();
    format!(
        "{}  {}  {}  [{}]",
        ts_text(d.accepted_at.as_ref()),
        d.document_id,
        d.subject,
        legs.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use lienthong_api::exchange::v1::StatusMessage;

    use super::*;
    use crate::render::{
        documents::tests::status,
        tests::{T, ts},
    };

    #[test]
    fn state_names_come_from_the_vocabulary() {
        let transport = [
            pb::TransportState::Unspecified,
            pb::TransportState::Queued,
            pb::TransportState::Delivered,
            pb::TransportState::Acknowledged,
            pb::TransportState::Relayed,
        ]
        .map(transport_name);
        assert_eq!(
            transport,
            [
                "unknown",
                "queued",
                "delivered",
                "acknowledged",
                "relayed to another hub"
            ]
        );
        let revoke = [
            pb::RevokeState::Unspecified,
            pb::RevokeState::Requested,
            pb::RevokeState::Accepted,
            pb::RevokeState::Refused,
        ]
        .map(revoke_name);
        assert_eq!(revoke, ["none", "requested", "accepted", "refused"]);
    }

    fn sent() -> SentDocumentView {
        SentDocumentView {
            document_id: "000.00.00.H48,2026/01/02,12/UBND-VX".into(),
            subject: "V/v triển khai".into(),
            accepted_at: ts(T, 0),
            recipients: vec![
                RecipientView {
                    agency_code: "000.00.00.G22".into(),
                    hub: "national".into(),
                    transport_state: pb::TransportState::Relayed as i32,
                    current_status: "06".into(),
                    revoke_state: pb::RevokeState::Refused as i32,
                    delivered_at: ts(T + 8, 0),
                    acknowledged_at: None,
                    statuses: vec![StatusMessage {
                        hub: "national".into(),
                        staff_info: "B".into(),
                        ..status("03")
                    }],
                },
                RecipientView {
                    agency_code: "000.00.12.H48".into(),
                    transport_state: pb::TransportState::Queued as i32,
                    ..Default::default()
                },
            ],
        }
    }

    #[test]
    fn the_senders_view_as_text() {
        assert_eq!(
            sent_text(&sent()),
            "000.00.00.H48,2026/01/02,12/UBND-VX\n\
             \x20 subject:  V/v triển khai\n\
             \x20 accepted: 2025-11-26 11:53:02Z\n\
             \x20 → 000.00.00.G22 (hub national)  transport: relayed to another hub  \
             status: 06 completed  revoke: refused\n\
             \x20     delivered    2025-11-26 11:53:10Z\n\
             \x20     2025-11-26 11:53:02Z  03 accepted (staff: B)  [at national]\n\
             \x20 → 000.00.12.H48 (hub -)  transport: queued  status: -  revoke: none\n"
        );
        assert_eq!(
            sent_line(&sent()),
            "2025-11-26 11:53:02Z  000.00.00.H48,2026/01/02,12/UBND-VX  V/v triển khai  \
             [000.00.00.G22:06/revoke refused, 000.00.12.H48:queued]"
        );
        let json = sent_json(&sent());
        assert_eq!(
            json["recipients"][0]["transport_state"],
            "relayed to another hub"
        );
        assert_eq!(json["recipients"][1]["revoke_state"], "none");
        assert_eq!(json["recipients"][0]["statuses"][0]["name"], "accepted");
    }
}
