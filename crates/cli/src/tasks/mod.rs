//! `lienthong tasks …`: the task-tracking service (lienthong-tasks) from the command line.
//!
//! `read.rs` holds the commands that read (list, show, watch, table), `act.rs` those that act
//! on a task, `render.rs` and `table.rs` their text and JSON.
use anyhow::{Result, anyhow};
use clap::{Args, Subcommand, ValueEnum};
use lienthong_api::tasks::v1::{Task, task_service_client::TaskServiceClient};
use lienthong_platform::client::TracedChannel;
use serde::Serialize;

use crate::{Global, conn, error::Failure, output};

mod act;
mod read;
mod render;
mod table;

pub use table::TableFormat;

type Client = TaskServiceClient<TracedChannel>;

#[derive(Args, Debug)]
#[command(after_long_help = "Examples:\n  \
    lienthong --as 000.00.12.H48 tasks list --bucket near-deadline --all\n  \
    lienthong --as 000.00.12.H48 tasks progress NV-7 --text \"Đã khảo sát\" --percent 40\n  \
    lienthong --as 000.00.00.H48 tasks table --format csv > phu-luc.csv\n  \
    lienthong --as 000.00.12.H48 --json tasks watch >> events.jsonl")]
pub struct TasksArgs {
    /// The tasks service to talk to.
    #[arg(
        long,
        env = "LIENTHONG_TASKS_ENDPOINT",
        default_value = "https://127.0.0.1:7444",
        global = true,
        value_name = "URL"
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

// The arguments of the commands with many (no doc comment: the command's is its help).
#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub filters: Filters,
    /// At most this many tasks per page (the service's default is 50).
    #[arg(long, visible_alias = "limit", value_name = "N")]
    pub page_size: Option<u32>,
    /// The page after this one (a next_page_token printed before).
    #[arg(long, value_name = "TOKEN")]
    pub page_token: Option<String>,
    /// Every page, not only the first.
    #[arg(long)]
    pub all: bool,
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    /// What is to be done.
    #[arg(long)]
    pub content: String,
    /// The lead agency (chủ trì).
    #[arg(long, value_name = "CODE")]
    pub lead: String,
    /// A coordinating agency (phối hợp); repeat for several.
    #[arg(long = "coordinating", value_name = "CODE")]
    pub coordinating: Vec<String>,
    /// Deadline yyyy-MM-dd (Vietnam local date); omit for none.
    #[arg(long, value_name = "DATE", default_value = "")]
    pub deadline: String,
    /// The steering document that assigns it (DocumentId).
    #[arg(long, value_name = "DOCUMENT_ID", default_value = "")]
    pub source: String,
    /// Free notes.
    #[arg(long, default_value = "")]
    pub notes: String,
}

#[derive(Args, Debug)]
pub struct DecideArgs {
    /// The task's id, e.g. NV-7.
    pub task_id: String,
    /// Approve the extension.
    #[arg(long, conflicts_with = "refuse", required_unless_present = "refuse")]
    pub approve: bool,
    /// Refuse the extension (a --comment is required).
    #[arg(long)]
    pub refuse: bool,
    /// Why (required to refuse).
    #[arg(long, default_value = "")]
    pub comment: String,
}

#[derive(Subcommand, Debug)]
pub enum TasksCommand {
    /// List the tasks you take part in (every task for an admin), newest first.
    List(ListArgs),
    /// Show one task with its history and extensions.
    Show {
        /// The task's id, e.g. NV-7.
        task_id: String,
    },
    /// Assign a task (you are the assigner).
    Create(CreateArgs),
    /// Report progress (lead agency: with --percent) or add a note (coordinating agency).
    Progress {
        /// The task's id, e.g. NV-7.
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
        /// The task's id, e.g. NV-7.
        task_id: String,
        /// The result (kết quả).
        #[arg(long)]
        result: String,
    },
    /// Confirm the submitted result (assigner).
    Confirm {
        /// The task's id, e.g. NV-7.
        task_id: String,
        /// A comment.
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Return the submitted result for redo (assigner).
    Return {
        /// The task's id, e.g. NV-7.
        task_id: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Ask for a later deadline (lead agency).
    Extend {
        /// The task's id, e.g. NV-7.
        task_id: String,
        /// The new deadline, yyyy-MM-dd.
        #[arg(long = "to", value_name = "DATE")]
        new_deadline: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Approve or refuse the pending extension (assigner).
    Decide(DecideArgs),
    /// Pause a task (assigner).
    Pause {
        /// The task's id, e.g. NV-7.
        task_id: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Resume a paused task (assigner).
    Resume {
        /// The task's id, e.g. NV-7.
        task_id: String,
        /// A comment.
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Refuse a task (lead agency). Final.
    Refuse {
        /// The task's id, e.g. NV-7.
        task_id: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Follow your task events (assigned, near deadline, overdue, results, extensions).
    ///
    /// One line per event (JSON Lines with --json). Resubscribes from the last event printed
    /// after the service restarts or the connection breaks, until Ctrl-C (exit status 0).
    Watch {
        /// Only events after this event id (resume from the last one printed).
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

/// The task of an answer that must carry one.
pub fn need(t: Option<&Task>) -> Result<&Task> {
    t.ok_or_else(|| {
        anyhow!(Failure::local(
            "UNEXPECTED_ANSWER",
            "the service answered without the task"
        ))
    })
}

/// The service's answer as JSON, or `what` happened and the task as text.
pub fn print_task<T: Serialize>(g: &Global, answer: &T, t: &Task, what: &str) -> Result<()> {
    output::emit(g, answer, || {
        let mut out = String::new();
        if !what.is_empty() {
            out.push_str(what);
            out.push('\n');
        }
        out.push_str(&render::task_text(t));
        out
    })
}

pub(super) async fn client(g: &Global, endpoint: &str) -> Result<Client> {
    Ok(TaskServiceClient::new(
        conn::channel_to(g, endpoint, "--tasks-endpoint").await?,
    ))
}

pub async fn run(g: &Global, args: TasksArgs) -> Result<()> {
    use TasksCommand as C;
    if let C::Watch { after } = args.command {
        return read::watch(g, &args.tasks_endpoint, after).await;
    }
    let c = &mut client(g, &args.tasks_endpoint).await?;
    match args.command {
        C::List(args) => read::list(g, c, args).await,
        C::Show { task_id } => read::show(g, c, task_id).await,
        C::Watch { .. } => Ok(()),
        C::Table { filters, format } => read::table(g, c, &filters, format).await,
        C::Create(args) => act::create(g, c, args).await,
        C::Progress {
            task_id,
            text,
            percent,
        } => act::progress(g, c, task_id, text, percent).await,
        C::Submit { task_id, result } => act::submit(g, c, task_id, result).await,
        C::Confirm { task_id, comment } => act::confirm(g, c, task_id, comment).await,
        C::Return { task_id, reason } => act::give_back(g, c, task_id, reason).await,
        C::Extend {
            task_id,
            new_deadline,
            reason,
        } => act::extend(g, c, task_id, new_deadline, reason).await,
        C::Decide(args) => act::decide(g, c, args).await,
        C::Pause { task_id, reason } => act::pause(g, c, task_id, reason).await,
        C::Resume { task_id, comment } => act::resume(g, c, task_id, comment).await,
        C::Refuse { task_id, reason } => act::refuse(g, c, task_id, reason).await,
    }
}
