//! The hub's documents and status messages: agencies, attachments, statuses, inbox items.
use std::fmt::Write as _;

use indicatif::HumanBytes;
use lienthong_api::exchange::v1::{
    self as pb, Agency, AttachmentInfo, InboxItem, StatusMessage, inbox_item::Payload,
};
use lienthong_axis::BusinessStatus;

use super::{short, ts_text};

/// `000.00.00.H48 (UBND tỉnh Quảng Ngãi)`, or the code alone.
pub fn agency_text(a: &Agency) -> String {
    if a.name.is_empty() {
        a.code.clone()
    } else {
        format!("{} ({})", a.code, a.name)
    }
}

pub fn attachment_text(a: &AttachmentInfo) -> String {
    format!("{} ({}, {})", a.name, HumanBytes(a.size), a.content_type)
}

/// `03 ACCEPTED`: the edXML code and the proto name (`-- UNSPECIFIED` for none).
pub fn business_status_text(s: pb::BusinessStatus) -> String {
    let code = BusinessStatus::from_proto(s).map_or("--", BusinessStatus::code);
    format!("{code} {}", short(s.as_str_name(), "BUSINESS_STATUS_"))
}

/// What a status message reports: its business status (`03 ACCEPTED`), or for a transport
/// event (no business status) the transport state (`transport FAILED`: a bounce).
pub fn event_text(s: &StatusMessage) -> String {
    match (s.status(), s.transport_state()) {
        (pb::BusinessStatus::Unspecified, t) if t != pb::TransportState::Unspecified => {
            format!("transport {}", short(t.as_str_name(), "TRANSPORT_STATE_"))
        }
        (b, _) => business_status_text(b),
    }
}

/// `03 ACCEPTED — description (staff: …)`; `transport FAILED — reason` for a bounce.
pub fn status_text(s: &StatusMessage) -> String {
    let mut out = event_text(s);
    if !s.description.is_empty() {
        let _ = write!(out, " — {}", s.description);
    }
    if !s.staff_info.is_empty() {
        let _ = write!(out, " (staff: {})", s.staff_info);
    }
    out
}

pub fn inbox_item_text(item: &InboxItem) -> String {
    let mut out = String::new();
    match &item.payload {
        Some(Payload::Document(h)) => {
            let from = h.sender.as_ref().map(agency_text).unwrap_or_default();
            let _ = writeln!(
                out,
                "#{:<5} document  {}  {}",
                item.item_id,
                h.document_id,
                ts_text(item.create_time.as_ref())
            );
            let _ = writeln!(out, "        from:    {from}");
            let _ = writeln!(out, "        subject: {}", h.subject);
            if !h.trace_headers.is_empty() {
                let hops: Vec<String> = h
                    .trace_headers
                    .iter()
                    .map(|t| format!("{} {}", t.organ_id, ts_text(t.record_time.as_ref())))
                    .collect();
                let _ = writeln!(out, "        via:     {}", hops.join(" → "));
            }
            if h.attachments.is_empty() {
                let _ = writeln!(out, "        attachments: none");
            } else {
                let _ = writeln!(out, "        attachments:");
                for a in &h.attachments {
                    let _ = writeln!(out, "          - {}", attachment_text(a));
                }
            }
        }
        Some(Payload::Status(s)) => {
            let _ = writeln!(
                out,
                "#{:<5} status    {}  {}  {}",
                item.item_id,
                event_text(s),
                s.document_id,
                ts_text(s.report_time.as_ref().or(item.create_time.as_ref()))
            );
            if s.hub.is_empty() {
                let _ = writeln!(out, "        from:    {}", s.reporter);
            } else {
                let _ = writeln!(out, "        from:    {} (at hub {})", s.reporter, s.hub);
            }
            if !s.description.is_empty() {
                let _ = writeln!(out, "        description: {}", s.description);
            }
            if !s.staff_info.is_empty() {
                let _ = writeln!(out, "        staff:   {}", s.staff_info);
            }
        }
        None => {
            let _ = writeln!(out, "#{:<5} (empty item)", item.item_id);
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use lienthong_api::exchange::v1::{DocumentHeader, TraceHeader};

    use super::*;
    use crate::render::tests::{T, ts};

    pub(crate) fn status(s: BusinessStatus) -> StatusMessage {
        StatusMessage {
            document_id: "000.00.00.H48,2026/01/02,12/UBND-VX".into(),
            reporter: "000.00.12.H48".into(),
            status: s.to_proto_i32(),
            report_time: ts(T, 123_456_000),
            ..Default::default()
        }
    }

    #[test]
    fn status_lines_name_every_business_status() {
        let names: Vec<String> = BusinessStatus::ALL
            .iter()
            .map(|s| status_text(&status(*s)))
            .collect();
        assert_eq!(
            names,
            [
                "01 ARRIVED",
                "02 REJECTED",
                "03 ACCEPTED",
                "04 ASSIGNED",
                "05 PROCESSING",
                "06 COMPLETED",
                "13 REVOKE_REQUESTED",
                "15 REVOKE_ACCEPTED",
                "16 REVOKE_REFUSED",
            ]
        );
        let s = StatusMessage {
            description: "Đồng ý".into(),
            staff_info: "Lê Văn C".into(),
            status: 0,
            ..status(BusinessStatus::Accepted)
        };
        assert_eq!(status_text(&s), "-- UNSPECIFIED — Đồng ý (staff: Lê Văn C)");
        let bounce = StatusMessage {
            status: 0,
            transport_state: pb::TransportState::Failed as i32,
            description: "no agency 000.00.99.G22 at hub national".into(),
            ..status(BusinessStatus::Accepted)
        };
        assert_eq!(
            status_text(&bounce),
            "transport FAILED — no agency 000.00.99.G22 at hub national"
        );
        let json = serde_json::to_value(status(BusinessStatus::RevokeRefused)).unwrap();
        assert_eq!(json["status"], "BUSINESS_STATUS_REVOKE_REFUSED");
        assert_eq!(json["report_time"], "2025-11-26T11:53:02.123456+00:00");
        assert_eq!(json["reporter"], "000.00.12.H48");
    }

    #[test]
    fn inbox_items_as_text() {
        let document = InboxItem {
            item_id: 3,
            create_time: ts(T, 0),
            payload: Some(Payload::Document(DocumentHeader {
                sender: Some(Agency {
                    code: "000.00.00.H48".into(),
                    name: "UBND tỉnh Quảng Ngãi".into(),
                    ..Default::default()
                }),
                document_id: "000.00.00.H48,2026/01/02,12/UBND-VX".into(),
                subject: "V/v triển khai".into(),
                trace_headers: vec![
                    TraceHeader {
                        organ_id: "H48".into(),
                        record_time: ts(T, 0),
                    },
                    TraceHeader {
                        organ_id: "national".into(),
                        record_time: ts(T + 1, 500_000_000),
                    },
                ],
                attachments: vec![
                    AttachmentInfo {
                        name: "a.txt".into(),
                        content_type: "text/plain".into(),
                        size: 1536,
                        ..Default::default()
                    },
                    AttachmentInfo {
                        name: "c".into(),
                        content_type: "x".into(),
                        size: 12,
                        ..Default::default()
                    },
                ],
                ..Default::default()
            })),
        };
        assert_eq!(
            inbox_item_text(&document),
            "#3     document  000.00.00.H48,2026/01/02,12/UBND-VX  2025-11-26 11:53:02Z\n\
             \x20       from:    000.00.00.H48 (UBND tỉnh Quảng Ngãi)\n\
             \x20       subject: V/v triển khai\n\
             \x20       via:     H48 2025-11-26 11:53:02Z → national 2025-11-26 11:53:03Z\n\
             \x20       attachments:\n\
             \x20         - a.txt (1.50 KiB, text/plain)\n\
             \x20         - c (12 B, x)\n"
        );
        let revoke = InboxItem {
            item_id: 5,
            create_time: ts(T, 0),
            payload: Some(Payload::Status(StatusMessage {
                hub: "H41".into(),
                description: "lý do".into(),
                staff_info: "C".into(),
                ..status(BusinessStatus::RevokeRequested)
            })),
        };
        assert_eq!(
            inbox_item_text(&revoke),
            "#5     status    13 REVOKE_REQUESTED  000.00.00.H48,2026/01/02,12/UBND-VX  \
             2025-11-26 11:53:02Z\n\
             \x20       from:    000.00.12.H48 (at hub H41)\n\
             \x20       description: lý do\n\
             \x20       staff:   C\n"
        );
        let empty = InboxItem {
            item_id: 7,
            ..Default::default()
        };
        assert_eq!(inbox_item_text(&empty), "#7     (empty item)\n");
        let json = serde_json::to_value(&revoke).unwrap();
        assert_eq!(
            json["item_id"], "5",
            "64-bit integers are strings in protobuf JSON"
        );
        assert_eq!(json["status"]["status"], "BUSINESS_STATUS_REVOKE_REQUESTED");
    }
}
