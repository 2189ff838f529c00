//! Turning the hub's messages into text and JSON.
use std::fmt::Write as _;

use lienthong_api::exchange::v1::{
    Agency, AttachmentInfo, DocumentHeader, InboxItem, RecipientView, RevokeState,
    SentDocumentView, StatusMessage, TransportState, inbox_item::Payload,
};
use serde_json::{Value, json};
use time::{OffsetDateTime, format_description::well_known::Rfc3339, macros::format_description};

/// An error and its sources, joined with ": ".
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.ends_with(&text) {
            let _ = write!(out, ": {text}");
        }
        source = s.source();
    }
    out
}

fn datetime(ts: &prost_types::Timestamp) -> Option<OffsetDateTime> {
    let nanos = i128::from(ts.seconds) * 1_000_000_000 + i128::from(ts.nanos);
    OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
}

/// RFC 3339 (UTC), for JSON.
pub fn ts_json(ts: Option<&prost_types::Timestamp>) -> Value {
    ts.and_then(datetime)
        .and_then(|t| t.format(&Rfc3339).ok())
        .map(Value::String)
        .unwrap_or(Value::Null)
}

/// `2025-11-26 11:53:02Z`, for people.
pub fn ts_text(ts: Option<&prost_types::Timestamp>) -> String {
    ts.and_then(datetime)
        .and_then(|t| {
            t.format(format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second]Z"
            ))
            .ok()
        })
        .unwrap_or_else(|| "-".to_string())
}

/// The name of a business status code.
pub fn status_name(code: &str) -> &'static str {
    match code {
        "01" => "arrived",
        "02" => "rejected",
        "03" => "accepted",
        "04" => "assigned",
        "05" => "processing",
        "06" => "completed",
        "13" => "revoke requested",
        "15" => "revoke accepted",
        "16" => "revoke refused",
        _ => "unknown",
    }
}

pub fn transport_name(state: TransportState) -> &'static str {
    match state {
        TransportState::Unspecified => "unknown",
        TransportState::Queued => "queued",
        TransportState::Delivered => "delivered",
        TransportState::Acknowledged => "acknowledged",
        TransportState::Relayed => "relayed to another hub",
    }
}

pub fn revoke_name(state: RevokeState) -> &'static str {
    match state {
        RevokeState::Unspecified => "none",
        RevokeState::Requested => "requested",
        RevokeState::Accepted => "accepted",
        RevokeState::Refused => "refused",
    }
}

/// A byte count for people.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

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
    format!("{} ({}, {})", a.name, bytes(a.size), a.content_type)
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
            if r.revoke_state() != RevokeState::Unspecified {
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
