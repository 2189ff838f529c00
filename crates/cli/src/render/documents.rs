//! The hub's documents and status messages: agencies, attachments, headers, inbox items.
use std::fmt::Write as _;

use indicatif::HumanBytes;
use lienthong_api::exchange::v1::{
    Agency, AttachmentInfo, DocumentHeader, InboxItem, StatusMessage, inbox_item::Payload,
};
use lienthong_axis::status::status_name;
use serde_json::{Value, json};

use super::{ts_json, ts_text};

pub fn agency_json(a: &Agency) -> Value {
    json!({
        "code": a.code,
        "name": a.name,
        "email": a.email,
        "phone": a.phone,
        "address": a.address,
        "website": a.website,
    })
}

/// `000.00.00.H48 (UBND tỉnh Quảng Ngãi)`, or the code alone.
pub fn agency_text(a: &Agency) -> String {
    if a.name.is_empty() {
        a.code.clone()
    } else {
        format!("{} ({})", a.code, a.name)
    }
}

pub fn attachment_json(a: &AttachmentInfo) -> Value {
    json!({
        "name": a.name,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
        "description": a.description,
    })
}

pub fn attachment_text(a: &AttachmentInfo) -> String {
    format!("{} ({}, {})", a.name, HumanBytes(a.size), a.content_type)
}

pub fn header_json(h: &DocumentHeader) -> Value {
    json!({
        "from": h.from.as_ref().map(agency_json),
        "to": h.to.iter().map(agency_json).collect::<Vec<_>>(),
        "document_id": h.document_id,
        "code": h.code.as_ref().map(|c| json!({
            "code_number": c.code_number,
            "code_notation": c.code_notation,
        })),
        "promulgation_info": h.promulgation_info.as_ref().map(|p| json!({
            "place": p.place,
            "promulgation_date": p.promulgation_date,
        })),
        "document_type": h.document_type.as_ref().map(|t| json!({
            "type": t.r#type,
            "type_detail": t.type_detail,
            "type_name": t.type_name,
        })),
        "subject": h.subject,
        "content": h.content,
        "signer_info": h.signer_info.as_ref().map(|s| json!({
            "competence": s.competence,
            "position": s.position,
            "full_name": s.full_name,
        })),
        "due_date": h.due_date,
        "to_places": h.to_places,
        "other_info": h.other_info.as_ref().map(|o| json!({
            "priority": o.priority,
            "sphere_of_promulgation": o.sphere_of_promulgation,
            "typer_notation": o.typer_notation,
            "promulgation_amount": o.promulgation_amount,
            "page_amount": o.page_amount,
            "appendixes": o.appendixes,
            "secrecy": o.secrecy().as_str_name(),
        })),
        "steering_type": h.steering_type,
        "response_for": h.response_for,
        "business": h.business.as_ref().map(|b| json!({
            "business_type": b.business_type().as_str_name(),
            "target_document_id": b.target_document_id,
            "reason": b.reason,
        })),
        "trace_headers": h.trace_headers.iter().map(|t| json!({
            "organ_id": t.organ_id,
            "timestamp": ts_json(t.timestamp.as_ref()),
        })).collect::<Vec<_>>(),
        "attachments": h.attachments.iter().map(attachment_json).collect::<Vec<_>>(),
    })
}

pub fn status_json(s: &StatusMessage) -> Value {
    json!({
        "document_id": s.document_id,
        "from": s.from,
        "code": s.code,
        "name": status_name(&s.code),
        "description": s.description,
        "at": ts_json(s.at.as_ref()),
        "staff_info": s.staff_info,
        "hub": s.hub,
    })
}

/// `03 accepted — description (staff)`.
pub fn status_text(s: &StatusMessage) -> String {
    let mut out = format!("{} {}", s.code, status_name(&s.code));
    if !s.description.is_empty() {
        let _ = write!(out, " — {}", s.description);
    }
    if !s.staff_info.is_empty() {
        let _ = write!(out, " (staff: {})", s.staff_info);
    }
    out
}

pub fn inbox_item_json(item: &InboxItem) -> Value {
    let mut v = json!({
        "item_id": item.item_id,
        "created_at": ts_json(item.created_at.as_ref()),
    });
    match &item.payload {
        Some(Payload::Document(h)) => {
            v["kind"] = json!("document");
            v["document"] = header_json(h);
        }
        Some(Payload::Status(s)) => {
            v["kind"] = json!("status");
            v["status"] = status_json(s);
        }
        None => v["kind"] = json!("unknown"),
    }
    v
}

pub fn inbox_item_text(item: &InboxItem) -> String {
    let mut out = String::new();
    match &item.payload {
        Some(Payload::Document(h)) => {
            let from = h.from.as_ref().map(agency_text).unwrap_or_default();
            let _ = writeln!(
                out,
                "#{:<5} document  {}  {}",
                item.item_id,
                h.document_id,
                ts_text(item.created_at.as_ref())
            );
            let _ = writeln!(out, "        from:    {from}");
            let _ = writeln!(out, "        subject: {}", h.subject);
            if !h.trace_headers.is_empty() {
                let hops: Vec<String> = h
                    .trace_headers
                    .iter()
                    .map(|t| format!("{} {}", t.organ_id, ts_text(t.timestamp.as_ref())))
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
                "#{:<5} status    {} {}  {}  {}",
                item.item_id,
                s.code,
                status_name(&s.code),
                s.document_id,
                ts_text(s.at.as_ref().or(item.created_at.as_ref()))
            );
            if s.hub.is_empty() {
                let _ = writeln!(out, "        from:    {}", s.from);
            } else {
                let _ = writeln!(out, "        from:    {} (at hub {})", s.from, s.hub);
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
    use lienthong_api::exchange::v1::TraceHeader;
    use lienthong_axis::BusinessStatus;

    use super::*;
    use crate::render::tests::{T, ts};

    pub(crate) fn status(code: &str) -> StatusMessage {
        StatusMessage {
            document_id: "000.00.00.H48,2026/01/02,12/UBND-VX".into(),
            from: "000.00.12.H48".into(),
            code: code.into(),
            at: ts(T, 123_456_000),
            ..Default::default()
        }
    }

    #[test]
    fn status_lines_name_every_business_status() {
        let names: Vec<String> = BusinessStatus::ALL
            .iter()
            .map(|s| status_text(&status(s.code())))
            .collect();
        assert_eq!(
            names,
            [
                "01 arrived",
                "02 rejected",
                "03 accepted",
                "04 assigned",
                "05 processing",
                "06 completed",
                "13 revoke requested",
                "15 revoke accepted",
                "16 revoke refused",
            ]
        );
        let s = StatusMessage {
            description: "Đồng ý".into(),
            staff_info: "Lê Văn C".into(),
            ..status("99")
        };
        assert_eq!(status_text(&s), "99 unknown — Đồng ý (staff: Lê Văn C)");
        assert_eq!(
            status_json(&s).to_string(),
            "{\"at\":\"2025-11-26T11:53:02.123456Z\",\"code\":\"99\",\"description\":\"Đồng ý\",\
             \"document_id\":\"000.00.00.H48,2026/01/02,12/UBND-VX\",\"from\":\"000.00.12.H48\",\
             \"hub\":\"\",\"name\":\"unknown\",\"staff_info\":\"Lê Văn C\"}"
        );
    }

    #[test]
    fn inbox_items_as_text() {
        let document = InboxItem {
            item_id: 3,
            created_at: ts(T, 0),
            payload: Some(Payload::Document(DocumentHeader {
                from: Some(Agency {
                    code: "000.00.00.H48".into(),
                    name: "UBND tỉnh Quảng Ngãi".into(),
                    ..Default::default()
                }),
                document_id: "000.00.00.H48,2026/01/02,12/UBND-VX".into(),
                subject: "V/v triển khai".into(),
                trace_headers: vec![
                    TraceHeader {
                        organ_id: "H48".into(),
                        timestamp: ts(T, 0),
                    },
                    TraceHeader {
                        organ_id: "national".into(),
                        timestamp: ts(T + 1, 500_000_000),
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
            created_at: ts(T, 0),
            payload: Some(Payload::Status(StatusMessage {
                hub: "H41".into(),
                description: "lý do".into(),
                staff_info: "C".into(),
                ..status("13")
            })),
        };
        assert_eq!(
            inbox_item_text(&revoke),
            "#5     status    13 revoke requested  000.00.00.H48,2026/01/02,12/UBND-VX  \
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
        assert_eq!(
            inbox_item_json(&empty).to_string(),
            "{\"created_at\":null,\"item_id\":7,\"kind\":\"unknown\"}"
        );
    }
}
