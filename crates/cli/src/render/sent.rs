//! The sender's view of a document: per recipient, transport, status and revoke state.
use std::fmt::Write as _;

use lienthong_api::exchange::v1::{self as pb, SentDocumentView};

use super::{business_status_text, or_dash, short, status_text, ts_text};

/// `QUEUED`, `DELIVERED`, `ACKNOWLEDGED`, `RELAYED`, `FAILED` (`UNSPECIFIED` when the hub sent
/// none).
pub fn transport_text(state: pb::TransportState) -> &'static str {
    short(state.as_str_name(), "TRANSPORT_STATE_")
}

/// `REQUESTED`, `ACCEPTED`, `REFUSED`, or `-` when no revocation was asked.
pub fn revoke_text(state: pb::RevokeState) -> &'static str {
    match state {
        pb::RevokeState::Unspecified => "-",
        other => short(other.as_str_name(), "REVOKE_STATE_"),
    }
}

/// The full sender's view: per recipient, transport, status, revoke state and history.
pub fn sent_text(d: &SentDocumentView) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", d.document_id);
    let _ = writeln!(out, "  subject:  {}", d.subject);
    let _ = writeln!(out, "  accepted: {}", ts_text(d.accept_time.as_ref()));
    for r in &d.recipients {
        let current = match r.current_status() {
            pb::BusinessStatus::Unspecified => "-".to_string(),
            s => business_status_text(s),
        };
        let _ = writeln!(
            out,
            "  → {} (hub {})  transport: {}  status: {}  revoke: {}",
            r.agency_code,
            or_dash(&r.hub),
            transport_text(r.transport_state()),
            current,
            revoke_text(r.revoke_state())
        );
        if !r.failure_reason.is_empty() {
            let _ = writeln!(out, "      failed       {}", r.failure_reason);
        }
        if r.deliver_time.is_some() {
            let _ = writeln!(
                out,
                "      delivered    {}",
                ts_text(r.deliver_time.as_ref())
            );
        }
        if r.acknowledge_time.is_some() {
            let _ = writeln!(
                out,
                "      acknowledged {}",
                ts_text(r.acknowledge_time.as_ref())
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
                ts_text(s.report_time.as_ref()),
                status_text(s)
            );
        }
    }
    out
}

/// One line per sent document: per recipient, its business status (else its transport state)
/// and its revoke state.
pub fn sent_line(d: &SentDocumentView) -> String {
    let legs: Vec<String> = d
        .recipients
        .iter()
        .map(|r| {
            let mut leg = format!("{}:", r.agency_code);
            match r.current_status() {
                pb::BusinessStatus::Unspecified => {
                    leg.push_str(transport_text(r.transport_state()))
                }
                s => leg.push_str(short(s.as_str_name(), "BUSINESS_STATUS_")),
            }
            if r.revoke_state() != pb::RevokeState::Unspecified {
                let _ = write!(leg, "/REVOKE_{}", revoke_text(r.revoke_state()));
            }
            leg
        })
        .collect();
    format!(
        "{}  {}  {}  [{}]",
        ts_text(d.accept_time.as_ref()),
        d.document_id,
        d.subject,
        legs.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use lienthong_api::exchange::v1::{RecipientView, StatusMessage};
    use lienthong_axis::BusinessStatus;

    use super::*;
    use crate::render::{
        documents::tests::status,
        tests::{T, ts},
    };

    fn sent() -> SentDocumentView {
        SentDocumentView {
            document_id: "000.00.00.H48,2026/01/02,12/UBND-VX".into(),
            subject: "V/v triển khai".into(),
            accept_time: ts(T, 0),
            recipients: vec![
                RecipientView {
                    agency_code: "000.00.00.G22".into(),
                    hub: "national".into(),
                    transport_state: pb::TransportState::Relayed as i32,
                    current_status: BusinessStatus::Completed.to_proto_i32(),
                    revoke_state: pb::RevokeState::Refused as i32,
                    deliver_time: ts(T + 8, 0),
                    acknowledge_time: None,
                    statuses: vec![StatusMessage {
                        hub: "national".into(),
                        staff_info: "B".into(),
                        ..status(BusinessStatus::Accepted)
                    }],
                    failure_reason: String::new(),
                },
                RecipientView {
                    agency_code: "000.00.12.H48".into(),
                    transport_state: pb::TransportState::Queued as i32,
                    ..Default::default()
                },
                RecipientView {
                    agency_code: "000.00.99.G22".into(),
                    hub: "national".into(),
                    transport_state: pb::TransportState::Failed as i32,
                    failure_reason: "no agency 000.00.99.G22 at hub national".into(),
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
             \x20 → 000.00.00.G22 (hub national)  transport: RELAYED  \
             status: 06 COMPLETED  revoke: REFUSED\n\
             \x20     delivered    2025-11-26 11:53:10Z\n\
             \x20     2025-11-26 11:53:02Z  03 ACCEPTED (staff: B)  [at national]\n\
             \x20 → 000.00.12.H48 (hub -)  transport: QUEUED  status: -  revoke: -\n\
             \x20 → 000.00.99.G22 (hub national)  transport: FAILED  status: -  revoke: -\n\
             \x20     failed       no agency 000.00.99.G22 at hub national\n"
        );
        assert_eq!(
            sent_line(&sent()),
            "2025-11-26 11:53:02Z  000.00.00.H48,2026/01/02,12/UBND-VX  V/v triển khai  \
             [000.00.00.G22:COMPLETED/REVOKE_REFUSED, 000.00.12.H48:QUEUED, \
             000.00.99.G22:FAILED]"
        );
        let json = serde_json::to_value(sent()).unwrap();
        assert_eq!(
            json["recipients"][0]["transport_state"],
            "TRANSPORT_STATE_RELAYED"
        );
        assert_eq!(
            json["recipients"][1]["revoke_state"],
            "REVOKE_STATE_UNSPECIFIED"
        );
        assert_eq!(
            json["recipients"][0]["statuses"][0]["status"],
            "BUSINESS_STATUS_ACCEPTED"
        );
    }

    #[test]
    fn state_names_are_the_proto_names() {
        let transport = [
            pb::TransportState::Unspecified,
            pb::TransportState::Queued,
            pb::TransportState::Delivered,
            pb::TransportState::Acknowledged,
            pb::TransportState::Relayed,
            pb::TransportState::Failed,
        ]
        .map(transport_text);
        assert_eq!(
            transport,
            [
                "UNSPECIFIED",
                "QUEUED",
                "DELIVERED",
                "ACKNOWLEDGED",
                "RELAYED",
                "FAILED"
            ]
        );
        let revoke = [
            pb::RevokeState::Unspecified,
            pb::RevokeState::Requested,
            pb::RevokeState::Accepted,
            pb::RevokeState::Refused,
        ]
        .map(revoke_text);
        assert_eq!(revoke, ["-", "REQUESTED", "ACCEPTED", "REFUSED"]);
    }
}
