//! Tasks and task events as text and JSON.
use std::fmt::Write as _;

use lienthong_api::tasks::v1::{
    ExtensionState, Task, TaskAction, TaskBucket, TaskEvent, TaskEventKind, TaskState,
};

use crate::render::{or_dash, short, ts_text};

/// `IN_PROGRESS`, `AWAITING_CONFIRMATION`, … (the proto name without `TASK_STATE_`).
pub fn state_name(s: TaskState) -> &'static str {
    short(s.as_str_name(), "TASK_STATE_")
}

/// `COMPLETED_ON_TIME`, `NEAR_DEADLINE`, … (the proto name without `TASK_BUCKET_`).
pub fn bucket_name(b: TaskBucket) -> &'static str {
    short(b.as_str_name(), "TASK_BUCKET_")
}

/// `ASSIGNED`, `EXTENSION_REQUESTED`, … (the proto name without `TASK_EVENT_KIND_`).
pub fn event_name(k: TaskEventKind) -> &'static str {
    short(k.as_str_name(), "TASK_EVENT_KIND_")
}

/// `PENDING`, `APPROVED`, `REFUSED` (the proto name without `EXTENSION_STATE_`).
pub fn extension_name(s: ExtensionState) -> &'static str {
    short(s.as_str_name(), "EXTENSION_STATE_")
}

/// `CREATED`, `PROGRESS`, `RESULT_SUBMITTED`, … (the proto name without `TASK_ACTION_`).
pub fn action_name(a: TaskAction) -> &'static str {
    short(a.as_str_name(), "TASK_ACTION_")
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
        "{:<8} {:<11} {:<17} {:>3}%  lead {}  {}",
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
                "    {}  {:<22} {}{percent}  {}",
                ts_text(h.change_time.as_ref()),
                h.actor,
                action_name(h.action()),
                h.detail
            );
        }
    }
}

/// One line per event, for `tasks watch`.
pub fn event_line(e: &TaskEvent) -> String {
    format!(
        "#{:<5} {}  {:<20} {}  {}  by {}{}",
        e.event_id,
        ts_text(e.event_time.as_ref()),
        event_name(e.kind()),
        e.task_id,
        e.content,
        e.actor,
        dash_suffix(&e.detail)
    )
}

#[cfg(test)]
mod tests {
    use lienthong_api::{
        tasks::v1::{Extension, TaskHistoryEntry},
        wkt::Timestamp,
    };

    use super::*;

    fn at(seconds: i64) -> Option<Timestamp> {
        Some(Timestamp { seconds, nanos: 0 })
    }

    fn task() -> Task {
        Task {
            task_id: "NV-7".into(),
            content: "Triển khai chữ ký số".into(),
            source_document_id: "000.00.00.H48,2026/01/02,12/UBND-KGVX".into(),
            assigner: "agency/000.00.00.H48".into(),
            lead_agency: "000.00.12.H48".into(),
            coordinating_agencies: vec!["000.00.09.H48".into(), "000.00.53.H48".into()],
            deadline: "2026-12-31".into(),
            original_deadline: "2026-12-15".into(),
            state: TaskState::InProgress as i32,
            bucket: TaskBucket::NearDeadline as i32,
            progress_percent: 40,
            latest_progress: "Đã khảo sát".into(),
            notes: "ghi chú".into(),
            create_time: at(1_764_157_982),
            history: vec![
                TaskHistoryEntry {
                    seq: 1,
                    change_time: at(1_764_157_982),
                    actor: "agency/000.00.00.H48".into(),
                    action: TaskAction::Created as i32,
                    detail: "x".into(),
                    percent: None,
                },
                TaskHistoryEntry {
                    seq: 2,
                    change_time: at(1_764_157_999),
                    actor: "agency/000.00.12.H48".into(),
                    action: TaskAction::Progress as i32,
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
             \x20 assigner:      agency/000.00.00.H48\n\
             \x20 lead agency:   000.00.12.H48\n\
             \x20 coordinating:  000.00.09.H48, 000.00.53.H48\n\
             \x20 deadline:      2026-12-31 (originally 2026-12-15)\n\
             \x20 state:         IN_PROGRESS\n\
             \x20 bucket:        NEAR_DEADLINE\n\
             \x20 progress:      40%  Đã khảo sát\n\
             \x20 document:      000.00.00.H48,2026/01/02,12/UBND-KGVX\n\
             \x20 notes:         ghi chú\n\
             \x20 extensions:\n\
             \x20   #1 2026-12-15 → 2026-12-31  APPROVED  (chờ) — ok\n\
             \x20   #2 2026-12-31 → 2027-01-31  PENDING  (nữa)\n\
             \x20 history:\n\
             \x20   2025-11-26 11:53:02Z  agency/000.00.00.H48   CREATED  x\n\
             \x20   2025-11-26 11:53:19Z  agency/000.00.12.H48   PROGRESS 40%  y\n"
        );
        assert_eq!(
            task_line(&task()),
            "NV-7     2026-12-31  NEAR_DEADLINE      40%  lead 000.00.12.H48  \
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
             state:         UNSPECIFIED\n  bucket:        UNSPECIFIED\n  progress:      0%  \n  \
             result:        Xong\n"
        );
    }

    #[test]
    fn a_task_as_json() {
        let json = serde_json::to_value(task()).unwrap();
        assert_eq!(json["state"], "TASK_STATE_IN_PROGRESS");
        assert_eq!(json["bucket"], "TASK_BUCKET_NEAR_DEADLINE");
        assert_eq!(json["create_time"], "2025-11-26T11:53:02+00:00");
        assert!(
            json.get("complete_time").is_none(),
            "unset times are left out"
        );
        assert_eq!(json["history"][1]["percent"], 40);
        assert_eq!(json["history"][1]["action"], "TASK_ACTION_PROGRESS");
        assert_eq!(json["history"][0]["seq"], "1");
        assert_eq!(json["extensions"][0]["state"], "EXTENSION_STATE_APPROVED");
    }

    #[test]
    fn events_as_lines_and_json() {
        let e = TaskEvent {
            event_id: 12,
            kind: TaskEventKind::ExtensionRequested as i32,
            task_id: "NV-7".into(),
            content: "Triển khai".into(),
            deadline: "2026-12-31".into(),
            actor: "agency/000.00.12.H48".into(),
            detail: "đến 2027-01-31".into(),
            event_time: at(1_764_157_982),
        };
        assert_eq!(
            event_line(&e),
            "#12    2025-11-26 11:53:02Z  EXTENSION_REQUESTED  NV-7  Triển khai  \
             by agency/000.00.12.H48 — đến 2027-01-31"
        );
        let quiet = TaskEvent {
            detail: String::new(),
            kind: TaskEventKind::Overdue as i32,
            ..e.clone()
        };
        assert!(event_line(&quiet).ends_with("by agency/000.00.12.H48"));
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["kind"], "TASK_EVENT_KIND_EXTENSION_REQUESTED");
        assert_eq!(json["event_time"], "2025-11-26T11:53:02+00:00");
        assert_eq!(json["event_id"], "12");
    }

    #[test]
    fn names_of_states_buckets_and_events() {
        assert_eq!(state_name(TaskState::Redo), "REDO");
        assert_eq!(
            state_name(TaskState::AwaitingConfirmation),
            "AWAITING_CONFIRMATION"
        );
        assert_eq!(
            bucket_name(TaskBucket::CompletedOnTime),
            "COMPLETED_ON_TIME"
        );
        assert_eq!(event_name(TaskEventKind::ResultReturned), "RESULT_RETURNED");
        assert_eq!(extension_name(ExtensionState::Unspecified), "UNSPECIFIED");
        assert_eq!(
            action_name(TaskAction::ExtensionApproved),
            "EXTENSION_APPROVED"
        );
    }
}
