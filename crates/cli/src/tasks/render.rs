//! Tasks and task events as text and JSON.
use std::fmt::Write as _;

use lienthong_api::tasks::v1::{
    ExtensionState, Task, TaskBucket, TaskEvent, TaskEventKind, TaskState,
};
use serde_json::{Value, json};

use crate::render::{ts_json, ts_text};

pub fn state_name(s: TaskState) -> &'static str {
    match s {
        TaskState::Unspecified => "unknown",
        TaskState::NotStarted => "not started",
        TaskState::InProgress => "in progress",
        TaskState::AwaitingConfirmation => "awaiting confirmation",
        TaskState::Completed => "completed",
        TaskState::Redo => "returned for redo",
        TaskState::Paused => "paused",
        TaskState::Refused => "refused",
    }
}

pub fn bucket_name(b: TaskBucket) -> &'static str {
    match b {
        TaskBucket::Unspecified => "unknown",
        TaskBucket::CompletedOnTime => "completed on time",
        TaskBucket::CompletedLate => "completed late",
        TaskBucket::InProgress => "in progress, in time",
        TaskBucket::NearDeadline => "near deadline",
        TaskBucket::Overdue => "overdue",
        TaskBucket::Refused => "refused",
    }
}

pub fn event_name(k: TaskEventKind) -> &'static str {
    match k {
        TaskEventKind::Unspecified => "unknown",
        TaskEventKind::Assigned => "assigned",
        TaskEventKind::NearDeadline => "near deadline",
        TaskEventKind::Overdue => "overdue",
        TaskEventKind::ResultSubmitted => "result submitted",
        TaskEventKind::ResultConfirmed => "result confirmed",
        TaskEventKind::ResultReturned => "result returned",
        TaskEventKind::ExtensionRequested => "extension requested",
        TaskEventKind::ExtensionDecided => "extension decided",
        TaskEventKind::Paused => "paused",
        TaskEventKind::Resumed => "resumed",
        TaskEventKind::Refused => "refused",
    }
}

pub fn extension_name(s: ExtensionState) -> &'static str {
    match s {
        ExtensionState::Unspecified => "unknown",
        ExtensionState::Pending => "pending",
        ExtensionState::Approved => "approved",
        ExtensionState::Refused => "refused",
    }
}

pub fn task_json(t: &Task) -> Value {
    json!({
        "task_id": t.task_id,
        "content": t.content,
        "source_document_id": t.source_document_id,
        "assigner": t.assigner,
        "lead_agency": t.lead_agency,
        "coordinating_agencies": t.coordinating_agencies,
        "deadline": t.deadline,
        "original_deadline": t.original_deadline,
        "state": state_name(t.state()),
        "bucket": bucket_name(t.bucket()),
        "progress_percent": t.progress_percent,
        "latest_progress": t.latest_progress,
        "result": t.result,
        "notes": t.notes,
        "created_at": ts_json(t.created_at.as_ref()),
        "completed_at": ts_json(t.completed_at.as_ref()),
        "history": t.history.iter().map(|h| json!({
            "seq": h.seq,
            "at": ts_json(h.at.as_ref()),
            "actor": h.actor,
            "action": h.action,
            "detail": h.detail,
            "percent": h.percent,
        })).collect::<Vec<_>>(),
        "extensions": t.extensions.iter().map(|e| json!({
            "extension_number": e.extension_number,
            "old_deadline": e.old_deadline,
            "new_deadline": e.new_deadline,
            "reason": e.reason,
            "state": extension_name(e.state()),
            "requested_at": ts_json(e.requested_at.as_ref()),
            "decided_at": ts_json(e.decided_at.as_ref()),
            "decision_comment": e.decision_comment,
        })).collect::<Vec<_>>(),
    })
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() { "-" } else { s }
}

/// ` — <text>`, or nothing for an empty text.
fn dash_suffix(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!(" — {text}")
    }
}

/// One line per task, for `tasks list`.
pub fn task_line(t: &Task) -> String {
    format!(
        "{:<8} {:<11} {:<22} {:>3}%  lead {}  {}",
        t.task_id,
        or_dash(&t.deadline),
        bucket_name(t.bucket()),
        t.progress_percent,
        t.lead_agency,
        t.content
    )
}

/// The whole task: parties, deadline, state, progress, extensions and history.
pub fn task_text(t: &Task) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}  {}", t.task_id, t.content);
    let _ = writeln!(out, "  assigner:      {}", t.assigner);
    let _ = writeln!(out, "  lead agency:   {}", t.lead_agency);
    if !t.coordinating_agencies.is_empty() {
        let _ = writeln!(
            out,
            "  coordinating:  {}",
            t.coordinating_agencies.join(", ")
        );
    }
    let mut deadline = or_dash(&t.deadline).to_string();
    if t.original_deadline != t.deadline {
        let _ = write!(deadline, " (originally {})", or_dash(&t.original_deadline));
    }
    let _ = writeln!(out, "  deadline:      {deadline}");
    let _ = writeln!(out, "  state:         {}", state_name(t.state()));
    let _ = writeln!(out, "  bucket:        {}", bucket_name(t.bucket()));
    let _ = writeln!(
        out,
        "  progress:      {}%  {}",
        t.progress_percent, t.latest_progress
    );
    if !t.result.is_empty() {
        let _ = writeln!(out, "  result:        {}", t.result);
    }
    if !t.source_document_id.is_empty() {
        let _ = writeln!(out, "  document:      {}", t.source_document_id);
    }
    if !t.notes.is_empty() {
        let _ = writeln!(out, "  notes:         {}", t.notes);
    }
    history_text(&mut out, t);
    out
}

/// The extensions and the history of a task, under their headings.
fn history_text(out: &mut String, t: &Task) {
    if !t.extensions.is_empty() {
        let _ = writeln!(out, "  extensions:");
        for e in &t.extensions {
            let _ = writeln!(
                out,
                "    #{} {} → {}  {}  ({}){}",
                e.extension_number,
                e.old_deadline,
                e.new_deadline,
                extension_name(e.state()),
                e.reason,
                dash_suffix(&e.decision_comment)
            );
        }
    }
    if !t.history.is_empty() {
        let _ = writeln!(out, "  history:");
        for h in &t.history {
            let percent = h.percent.map(|p| format!(" {p}%")).unwrap_or_default();
            let _ = writeln!(
                out,
                "    {}  {:<14} {}{percent}  {}",
                ts_text(h.at.as_ref()),
                h.actor,
                h.action,
                h.detail
            );
        }
    }
}

pub fn event_json(e: &TaskEvent) -> Value {
    json!({
        "event_id": e.event_id,
        "kind": event_name(e.kind()),
        "task_id": e.task_id,
        "content": e.content,
        "deadline": e.deadline,
        "actor": e.actor,
        "detail": e.detail,
        "at": ts_json(e.at.as_ref()),
    })
}

/// One line per event, for `tasks watch`.
pub fn event_line(e: &TaskEvent) -> String {
    format!(
        "#{:<5} {}  {:<20} {}  {}  by {}{}",
        e.event_id,
        ts_text(e.at.as_ref()),
        event_name(e.kind()),
        e.task_id,
        e.content,
        e.actor,
        dash_suffix(&e.detail)
    )
}

#[cfg(test)]
mod tests {
    use lienthong_api::tasks::v1::{Extension, TaskHistoryEntry};
    use prost_types::Timestamp;

    use super::*;

    fn at(seconds: i64) -> Option<Timestamp> {
        Some(Timestamp { seconds, nanos: 0 })
    }

    fn task() -> Task {
        Task {
            task_id: "NV-7".into(),
            content: "Triển khai chữ ký số".into(),
            source_document_id: "000.00.00.H48,2026/01/02,12/UBND-KGVX".into(),
            assigner: "000.00.00.H48".into(),
            lead_agency: "000.00.12.H48".into(),
            coordinating_agencies: vec!["000.00.09.H48".into(), "000.00.53.H48".into()],
            deadline: "2026-12-31".into(),
            original_deadline: "2026-12-15".into(),
            state: TaskState::InProgress as i32,
            bucket: TaskBucket::NearDeadline as i32,
            progress_percent: 40,
            latest_progress: "Đã khảo sát".into(),
            notes: "ghi chú".into(),
            created_at: at(1_764_157_982),
            history: vec![
                TaskHistoryEntry {
                    seq: 1,
                    at: at(1_764_157_982),
                    actor: "000.00.00.H48".into(),
                    action: "assigned".into(),
                    detail: "x".into(),
                    percent: None,
                },
                TaskHistoryEntry {
                    seq: 2,
                    at: at(1_764_157_999),
                    actor: "000.00.12.H48".into(),
                    action: "progress".into(),
                    detail: "y".into(),
                    percent: Some(40),
                },
            ],
            extensions: vec![
                Extension {
                    extension_number: 1,
                    old_deadline: "2026-12-15".into(),
                    new_deadline: "2026-12-31".into(),
                    reason: "chờ".into(),
                    state: ExtensionState::Approved as i32,
                    decision_comment: "ok".into(),
                    ..Default::default()
                },
                Extension {
                    extension_number: 2,
                    old_deadline: "2026-12-31".into(),
                    new_deadline: "2027-01-31".into(),
                    reason: "nữa".into(),
                    state: ExtensionState::Pending as i32,
                    ..Default::default()
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn a_task_as_text() {
        assert_eq!(
            task_text(&task()),
            "NV-7  Triển khai chữ ký số\n\
             \x20 assigner:      000.00.00.H48\n\
             \x20 lead agency:   000.00.12.H48\n\
             \x20 coordinating:  000.00.09.H48, 000.00.53.H48\n\
             \x20 deadline:      2026-12-31 (originally 2026-12-15)\n\
             \x20 state:         in progress\n\
             \x20 bucket:        near deadline\n\
             \x20 progress:      40%  Đã khảo sát\n\
             \x20 document:      000.00.00.H48,2026/01/02,12/UBND-KGVX\n\
             \x20 notes:         ghi chú\n\
             \x20 extensions:\n\
             \x20   #1 2026-12-15 → 2026-12-31  approved  (chờ) — ok\n\
             \x20   #2 2026-12-31 → 2027-01-31  pending  (nữa)\n\
             \x20 history:\n\
             \x20   2025-11-26 11:53:02Z  000.00.00.H48  assigned  x\n\
             \x20   2025-11-26 11:53:19Z  000.00.12.H48  progress 40%  y\n"
        );
        assert_eq!(
            task_line(&task()),
            "NV-7     2026-12-31  near deadline           40%  lead 000.00.12.H48  \
             Triển khai chữ ký số"
        );
        let bare = Task {
            task_id: "NV-10".into(),
            result: "Xong".into(),
            ..Default::default()
        };
        assert_eq!(
            task_text(&bare),
            "NV-10  \n  assigner:      \n  lead agency:   \n  deadline:      -\n  \
             state:         unknown\n  bucket:        unknown\n  progress:      0%  \n  \
             result:        Xong\n"
        );
    }

    #[test]
    fn a_task_as_json() {
        let json = task_json(&task());
        assert_eq!(json["state"], "in progress");
        assert_eq!(json["bucket"], "near deadline");
        assert_eq!(json["created_at"], "2025-11-26T11:53:02Z");
        assert_eq!(json["completed_at"], Value::Null);
        assert_eq!(json["history"][1]["percent"], 40);
        assert_eq!(json["history"][0]["percent"], Value::Null);
        assert_eq!(json["extensions"][0]["state"], "approved");
        assert_eq!(json["extensions"][1]["decided_at"], Value::Null);
    }

    #[test]
    fn events_as_lines_and_json() {
        let e = TaskEvent {
            event_id: 12,
            kind: TaskEventKind::ExtensionRequested as i32,
            task_id: "NV-7".into(),
            content: "Triển khai".into(),
            deadline: "2026-12-31".into(),
            actor: "000.00.12.H48".into(),
            detail: "đến 2027-01-31".into(),
            at: at(1_764_157_982),
        };
        assert_eq!(
            event_line(&e),
            "#12    2025-11-26 11:53:02Z  extension requested  NV-7  Triển khai  \
             by 000.00.12.H48 — đến 2027-01-31"
        );
        let quiet = TaskEvent {
            detail: String::new(),
            kind: TaskEventKind::Overdue as i32,
            ..e.clone()
        };
        assert!(event_line(&quiet).ends_with("by 000.00.12.H48"));
        assert_eq!(event_json(&e)["kind"], "extension requested");
        assert_eq!(event_json(&e)["at"], "2025-11-26T11:53:02Z");
    }

    #[test]
    fn names_of_states_buckets_and_events() {
        assert_eq!(state_name(TaskState::Redo), "returned for redo");
        assert_eq!(
            state_name(TaskState::AwaitingConfirmation),
            "awaiting confirmation"
        );
        assert_eq!(bucket_name(TaskBucket::InProgress), "in progress, in time");
        assert_eq!(event_name(TaskEventKind::ResultReturned), "result returned");
        assert_eq!(extension_name(ExtensionState::Unspecified), "unknown");
    }
}
