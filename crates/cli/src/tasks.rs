//! `lienthong tasks …`: the task-tracking service (lienthong-tasks) from the command line.
use anyhow::{Result, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use lienthong_api::tasks::v1::{
    ConfirmResultRequest, CreateTaskRequest, DecideExtensionRequest, ExtensionState,
    GetTaskRequest, ListTasksRequest, PauseTaskRequest, RefuseTaskRequest, ReportProgressRequest,
    RequestExtensionRequest, ResumeTaskRequest, ReturnResultRequest, SubmitResultRequest, Task,
    TaskBucket, TaskEvent, TaskEventKind, TaskState, WatchTaskEventsRequest,
    task_service_client::TaskServiceClient,
};
use lienthong_platform::client::{ClientError, TracedChannel, connect};
use serde_json::{Value, json};

use crate::{Global, conn, render};

#[derive(Args, Debug)]
pub struct TasksArgs {
    /// The tasks service to talk to.
    #[arg(
        long,
        env = "LIENTHONG_TASKS_ENDPOINT",
        default_value = "https://127.0.0.1:7444",
        global = true
    )]
    pub tasks_endpoint: String,

    #[command(subcommand)]
    pub command: TasksCommand,
}

#[derive(Args, Debug, Clone, Default)]
pub struct Filters {
    /// Only tasks led by this agency.
    #[arg(long, value_name = "CODE")]
    pub lead: Option<String>,
    /// Only tasks this agency coordinates.
    #[arg(long, value_name = "CODE")]
    pub coordinating: Option<String>,
    /// Only tasks assigned by this agency.
    #[arg(long, value_name = "CODE")]
    pub assigner: Option<String>,
    /// Only tasks in this bucket (as of now).
    #[arg(long, value_enum)]
    pub bucket: Option<BucketArg>,
    /// Only tasks due on or after this day (yyyy-MM-dd).
    #[arg(long, value_name = "DATE")]
    pub deadline_from: Option<String>,
    /// Only tasks due on or before this day (yyyy-MM-dd).
    #[arg(long, value_name = "DATE")]
    pub deadline_to: Option<String>,
    /// Only tasks from this steering document (DocumentId).
    #[arg(long, value_name = "DOCUMENT_ID")]
    pub source: Option<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum BucketArg {
    CompletedOnTime,
    CompletedLate,
    InProgress,
    NearDeadline,
    Overdue,
    Refused,
}

#[derive(Clone, Copy, Debug, ValueEnum, Default)]
pub enum TableFormat {
    /// A Markdown table.
    #[default]
    Md,
    /// CSV (RFC 4180).
    Csv,
}

#[derive(Subcommand, Debug)]
pub enum TasksCommand {
    /// List the tasks you take part in (every task for an admin), newest first.
    List {
        #[command(flatten)]
        filters: Filters,
        /// At most this many tasks per page (the service's default is 50).
        #[arg(long, value_name = "N")]
        limit: Option<u32>,
        /// Follow next-page tokens to list every matching task.
        #[arg(long)]
        all: bool,
    },
    /// Show one task with its history and extensions.
    Show { task_id: String },
    /// Assign a task (you are the assigner).
    Create {
        /// What is to be done.
        #[arg(long)]
        content: String,
        /// The lead agency (chủ trì).
        #[arg(long, value_name = "CODE")]
        lead: String,
        /// A coordinating agency (phối hợp); repeat for several.
        #[arg(long = "coordinating", value_name = "CODE")]
        coordinating: Vec<String>,
        /// Deadline yyyy-MM-dd (Vietnam local date); omit for none.
        #[arg(long, value_name = "DATE", default_value = "")]
        deadline: String,
        /// The steering document that assigns it (DocumentId).
        #[arg(long, value_name = "DOCUMENT_ID", default_value = "")]
        source: String,
        /// Free notes.
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// Report progress (lead agency: with --percent) or add a note (coordinating agency).
    Progress {
        task_id: String,
        /// What was done.
        #[arg(long)]
        text: String,
        /// Percentage 0–100 (lead agency only).
        #[arg(long)]
        percent: Option<i32>,
    },
    /// Submit the result (lead agency).
    Submit {
        task_id: String,
        #[arg(long)]
        result: String,
    },
    /// Confirm the submitted result (assigner).
    Confirm {
        task_id: String,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Return the submitted result for redo (assigner).
    Return {
        task_id: String,
        #[arg(long)]
        reason: String,
    },
    /// Ask for a later deadline (lead agency).
    Extend {
        task_id: String,
        /// The new deadline, yyyy-MM-dd.
        #[arg(long = "to", value_name = "DATE")]
        new_deadline: String,
        #[arg(long)]
        reason: String,
    },
    /// Approve or refuse the pending extension (assigner).
    Decide {
        task_id: String,
        /// Approve the extension.
        #[arg(long, conflicts_with = "refuse", required_unless_present = "refuse")]
        approve: bool,
        /// Refuse the extension (a --comment is required).
        #[arg(long)]
        refuse: bool,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Pause a task (assigner).
    Pause {
        task_id: String,
        #[arg(long)]
        reason: String,
    },
    /// Resume a paused task (assigner).
    Resume {
        task_id: String,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Refuse a task (lead agency). Final.
    Refuse {
        task_id: String,
        #[arg(long)]
        reason: String,
    },
    /// Follow your task events (assigned, near deadline, overdue, results, extensions).
    Watch {
        /// Only events after this event id (resume from the last one processed).
        #[arg(long, value_name = "N", default_value_t = 0)]
        after: u64,
    },
    /// Print the appendix table (STT, task, lead, coordinating, result and progress, notes).
    Table {
        #[command(flatten)]
        filters: Filters,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TableFormat::Md)]
        format: TableFormat,
    },
}

async fn client(g: &Global, endpoint: &str) -> Result<TaskServiceClient<TracedChannel>> {
    let files = conn::tls_files(g)?;
    let channel = connect(endpoint, &files).await.map_err(|e| match e {
        ClientError::Endpoint(url, e) => {
            anyhow!("cannot connect to {url}: {}", render::error_chain(&e))
        }
        other => anyhow::Error::new(other).context("client TLS configuration"),
    })?;
    Ok(TaskServiceClient::new(channel))
}

fn list_request(f: &Filters) -> ListTasksRequest {
    ListTasksRequest {
        lead_agency: f.lead.clone().unwrap_or_default(),
        coordinating_agency: f.coordinating.clone().unwrap_or_default(),
        assigner: f.assigner.clone().unwrap_or_default(),
        bucket: f.bucket.map(bucket_pb).unwrap_or(TaskBucket::Unspecified) as i32,
        deadline_from: f.deadline_from.clone().unwrap_or_default(),
        deadline_to: f.deadline_to.clone().unwrap_or_default(),
        source_document_id: f.source.clone().unwrap_or_default(),
        page_size: 0,
        page_token: String::new(),
    }
}

fn bucket_pb(b: BucketArg) -> TaskBucket {
    match b {
        BucketArg::CompletedOnTime => TaskBucket::CompletedOnTime,
        BucketArg::CompletedLate => TaskBucket::CompletedLate,
        BucketArg::InProgress => TaskBucket::InProgress,
        BucketArg::NearDeadline => TaskBucket::NearDeadline,
        BucketArg::Overdue => TaskBucket::Overdue,
        BucketArg::Refused => TaskBucket::Refused,
    }
}

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

/// The bucket as the appendix tables word it.
fn bucket_vi(b: TaskBucket) -> &'static str {
    match b {
        TaskBucket::CompletedOnTime => "Đã hoàn thành đúng hạn",
        TaskBucket::CompletedLate => "Đã hoàn thành quá hạn",
        TaskBucket::InProgress => "Đang thực hiện trong hạn",
        TaskBucket::NearDeadline => "Đang thực hiện, sắp đến hạn",
        TaskBucket::Overdue => "Chưa hoàn thành, quá hạn",
        TaskBucket::Refused => "Từ chối",
        TaskBucket::Unspecified => "",
    }
}

fn event_name(k: TaskEventKind) -> &'static str {
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

fn extension_name(s: ExtensionState) -> &'static str {
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
        "created_at": render::ts_json(t.created_at.as_ref()),
        "completed_at": render::ts_json(t.completed_at.as_ref()),
        "history": t.history.iter().map(|h| json!({
            "seq": h.seq,
            "at": render::ts_json(h.at.as_ref()),
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
            "requested_at": render::ts_json(e.requested_at.as_ref()),
            "decided_at": render::ts_json(e.decided_at.as_ref()),
            "decision_comment": e.decision_comment,
        })).collect::<Vec<_>>(),
    })
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() { "-" } else { s }
}

fn task_line(t: &Task) -> String {
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

fn task_text(t: &Task) -> String {
    use std::fmt::Write as _;
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
                if e.decision_comment.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", e.decision_comment)
                }
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
                render::ts_text(h.at.as_ref()),
                h.actor,
                h.action,
                h.detail
            );
        }
    }
    out
}

fn event_json(e: &TaskEvent) -> Value {
    json!({
        "event_id": e.event_id,
        "kind": event_name(e.kind()),
        "task_id": e.task_id,
        "content": e.content,
        "deadline": e.deadline,
        "actor": e.actor,
        "detail": e.detail,
        "at": render::ts_json(e.at.as_ref()),
    })
}

fn print_task(g: &Global, t: &Task, what: &str) {
    if g.json {
        println!("{}", task_json(t));
    } else {
        if !what.is_empty() {
            println!("{what}");
        }
        print!("{}", task_text(t));
    }
}

async fn list_all(
    c: &mut TaskServiceClient<TracedChannel>,
    mut req: ListTasksRequest,
    all: bool,
) -> Result<(Vec<Task>, bool)> {
    let mut tasks = Vec::new();
    loop {
        let r = c.list_tasks(req.clone()).await?.into_inner();
        tasks.extend(r.tasks);
        let more = !r.next_page_token.is_empty();
        if !all || !more {
            return Ok((tasks, more));
        }
        req.page_token = r.next_page_token;
    }
}

/// Markdown cell: no pipes or line breaks.
fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', "<br>")
}

/// CSV field (RFC 4180).
fn csv(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One appendix row: STT, task, lead, coordinating, result and progress, notes.
fn table_row(n: usize, t: &Task) -> [String; 6] {
    let mut result = bucket_vi(t.bucket()).to_string();
    if !t.result.is_empty() {
        result.push_str(&format!(": {}", t.result));
    } else if t.progress_percent > 0 || !t.latest_progress.is_empty() {
        result.push_str(&format!(" ({}%)", t.progress_percent));
        if !t.latest_progress.is_empty() {
            result.push_str(&format!(": {}", t.latest_progress));
        }
    }
    let mut notes = Vec::new();
    if !t.deadline.is_empty() {
        notes.push(format!("Thời hạn: {}", t.deadline));
    }
    if t.original_deadline != t.deadline && !t.original_deadline.is_empty() {
        notes.push(format!("gia hạn từ {}", t.original_deadline));
    }
    if !t.notes.is_empty() {
        notes.push(t.notes.clone());
    }
    [
        n.to_string(),
        t.content.clone(),
        t.lead_agency.clone(),
        t.coordinating_agencies.join(", "),
        result,
        notes.join("; "),
    ]
}

pub fn table(tasks: &[Task], format: TableFormat) -> String {
    const HEAD: [&str; 6] = [
        "STT",
        "Nhiệm vụ",
        "Cơ quan chủ trì",
        "Cơ quan phối hợp",
        "Kết quả, tiến độ thực hiện",
        "Ghi chú",
    ];
    let mut out = String::new();
    match format {
        TableFormat::Md => {
            out.push_str(&format!("| {} |\n", HEAD.join(" | ")));
            out.push_str("|---|---|---|---|---|---|\n");
            for (i, t) in tasks.iter().enumerate() {
                let row: Vec<String> = table_row(i + 1, t).iter().map(|c| md(c)).collect();
                out.push_str(&format!("| {} |\n", row.join(" | ")));
            }
        }
        TableFormat::Csv => {
            let head: Vec<String> = HEAD.iter().map(|h| csv(h)).collect();
            out.push_str(&head.join(","));
            out.push_str("\r\n");
            for (i, t) in tasks.iter().enumerate() {
                let row: Vec<String> = table_row(i + 1, t).iter().map(|c| csv(c)).collect();
                out.push_str(&row.join(","));
                out.push_str("\r\n");
            }
        }
    }
    out
}

pub async fn run(g: &Global, args: TasksArgs) -> Result<()> {
    let mut c = client(g, &args.tasks_endpoint).await?;
    match args.command {
        TasksCommand::List {
            filters,
            limit,
            all,
        } => {
            let mut req = list_request(&filters);
            req.page_size = limit.unwrap_or(0);
            let (tasks, more) = list_all(&mut c, req, all).await?;
            if g.json {
                println!(
                    "{}",
                    json!({"tasks": tasks.iter().map(task_json).collect::<Vec<_>>(), "more": more})
                );
            } else {
                if tasks.is_empty() {
                    println!("no tasks");
                }
                for t in &tasks {
                    println!("{}", task_line(t));
                }
                if more {
                    println!("… more: use --all or --limit");
                }
            }
        }
        TasksCommand::Show { task_id } => {
            let t = c
                .get_task(GetTaskRequest { task_id })
                .await?
                .into_inner()
                .task;
            print_task(
                g,
                &t.ok_or_else(|| anyhow!("the service answered without the task"))?,
                "",
            );
        }
        TasksCommand::Create {
            content,
            lead,
            coordinating,
            deadline,
            source,
            notes,
        } => {
            let t = c
                .create_task(CreateTaskRequest {
                    content,
                    lead_agency: lead,
                    coordinating_agencies: coordinating,
                    deadline,
                    source_document_id: source,
                    notes,
                })
                .await?
                .into_inner()
                .task;
            let t = t.ok_or_else(|| anyhow!("the service answered without the task"))?;
            print_task(g, &t, &format!("created {}", t.task_id));
        }
        TasksCommand::Progress {
            task_id,
            text,
            percent,
        } => {
            let t = c
                .report_progress(ReportProgressRequest {
                    task_id,
                    text,
                    percent,
                })
                .await?
                .into_inner()
                .task;
            print_task(g, &need(t)?, "progress recorded");
        }
        TasksCommand::Submit { task_id, result } => {
            let t = c
                .submit_result(SubmitResultRequest { task_id, result })
                .await?
                .into_inner()
                .task;
            print_task(
                g,
                &need(t)?,
                "result submitted; awaiting the assigner's confirmation",
            );
        }
        TasksCommand::Confirm { task_id, comment } => {
            let t = c
                .confirm_result(ConfirmResultRequest { task_id, comment })
                .await?
                .into_inner()
                .task;
            print_task(g, &need(t)?, "result confirmed: task completed");
        }
        TasksCommand::Return { task_id, reason } => {
            let t = c
                .return_result(ReturnResultRequest { task_id, reason })
                .await?
                .into_inner()
                .task;
            print_task(g, &need(t)?, "result returned for redo");
        }
        TasksCommand::Extend {
            task_id,
            new_deadline,
            reason,
        } => {
            let t = c
                .request_extension(RequestExtensionRequest {
                    task_id,
                    new_deadline,
                    reason,
                })
                .await?
                .into_inner()
                .task;
            print_task(
                g,
                &need(t)?,
                "extension requested; awaiting the assigner's decision",
            );
        }
        TasksCommand::Decide {
            task_id,
            approve,
            refuse,
            comment,
        } => {
            if approve == refuse {
                bail!("pass exactly one of --approve or --refuse");
            }
            let t = c
                .decide_extension(DecideExtensionRequest {
                    task_id,
                    approve,
                    comment,
                })
                .await?
                .into_inner()
                .task;
            print_task(
                g,
                &need(t)?,
                if approve {
                    "extension approved"
                } else {
                    "extension refused"
                },
            );
        }
        TasksCommand::Pause { task_id, reason } => {
            let t = c
                .pause_task(PauseTaskRequest { task_id, reason })
                .await?
                .into_inner()
                .task;
            print_task(g, &need(t)?, "task paused");
        }
        TasksCommand::Resume { task_id, comment } => {
            let t = c
                .resume_task(ResumeTaskRequest { task_id, comment })
                .await?
                .into_inner()
                .task;
            print_task(g, &need(t)?, "task resumed");
        }
        TasksCommand::Refuse { task_id, reason } => {
            let t = c
                .refuse_task(RefuseTaskRequest { task_id, reason })
                .await?
                .into_inner()
                .task;
            print_task(g, &need(t)?, "task refused");
        }
        TasksCommand::Watch { after } => {
            let mut stream = c
                .watch_task_events(WatchTaskEventsRequest {
                    after_event_id: after,
                })
                .await?
                .into_inner();
            if !g.json {
                eprintln!("following task events (Ctrl-C to stop)…");
            }
            while let Some(r) = stream.message().await? {
                let Some(e) = r.event else { continue };
                if g.json {
                    println!("{}", event_json(&e));
                } else {
                    println!(
                        "#{:<5} {}  {:<20} {}  {}  by {}{}",
                        e.event_id,
                        render::ts_text(e.at.as_ref()),
                        event_name(e.kind()),
                        e.task_id,
                        e.content,
                        e.actor,
                        if e.detail.is_empty() {
                            String::new()
                        } else {
                            format!(" — {}", e.detail)
                        }
                    );
                }
            }
            if !g.json {
                eprintln!("the service ended the stream; resume with --after <last event id>");
            }
        }
        TasksCommand::Table { filters, format } => {
            let (mut tasks, _) = list_all(&mut c, list_request(&filters), true).await?;
            // Oldest first, as an appendix numbers them.
            tasks.reverse();
            print!("{}", table(&tasks, format));
        }
    }
    Ok(())
}

fn need(t: Option<Task>) -> Result<Task> {
    t.ok_or_else(|| anyhow!("the service answered without the task"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_escapes_cells() {
        let t = Task {
            task_id: "NV-1".into(),
            content: "Triển khai | chữ ký số, \"đợt 1\"".into(),
            lead_agency: "000.00.12.H48".into(),
            coordinating_agencies: vec!["000.00.09.H48".into(), "000.00.53.H48".into()],
            deadline: "2026-12-31".into(),
            original_deadline: "2026-12-15".into(),
            bucket: TaskBucket::InProgress as i32,
            progress_percent: 40,
            latest_progress: "Đã khảo sát".into(),
            ..Default::default()
        };
        let md = table(std::slice::from_ref(&t), TableFormat::Md);
        assert!(md.contains("| 1 | Triển khai \\| chữ ký số"), "{md}");
        assert!(
            md.contains("Đang thực hiện trong hạn (40%): Đã khảo sát"),
            "{md}"
        );
        assert!(
            md.contains("Thời hạn: 2026-12-31; gia hạn từ 2026-12-15"),
            "{md}"
        );
        let csv = table(&[t], TableFormat::Csv);
        assert!(
            csv.contains("\"Triển khai | chữ ký số, \"\"đợt 1\"\"\""),
            "{csv}"
        );
        assert!(csv.contains("\"000.00.09.H48, 000.00.53.H48\""), "{csv}");
        assert!(csv.starts_with("STT,Nhiệm vụ,Cơ quan chủ trì,Cơ quan phối hợp,\"Kết quả, tiến độ thực hiện\",Ghi chú\r\n"), "{csv}");
    }
}
