//! The commands that read tasks: `list`, `show`, `watch` and `table`.
use anyhow::Result;
use lienthong_api::tasks::v1::{
    GetTaskRequest, ListTasksRequest, Task, TaskBucket, WatchTaskEventsRequest,
};
use serde_json::json;

use super::{
    BucketArg, Client, Filters, ListArgs, TableFormat, need, print_task, render,
    table::table as appendix,
};
use crate::Global;

pub fn list_request(f: &Filters) -> ListTasksRequest {
    ListTasksRequest {
        lead_agency: f.lead.clone().unwrap_or_default(),
        coordinating_agency: f.coordinating.clone().unwrap_or_default(),
        assigner: f.assigner.clone().unwrap_or_default(),
        bucket: f.bucket.map_or(TaskBucket::Unspecified, bucket_pb) as i32,
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

/// The matching tasks, one page (or every page with `all`), and whether more remain.
async fn list_all(
    c: &mut Client,
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

/// `tasks list`.
pub async fn list(g: &Global, c: &mut Client, args: ListArgs) -> Result<()> {
    let mut req = list_request(&args.filters);
    req.page_size = args.limit.unwrap_or(0);
    let (tasks, more) = list_all(c, req, args.all).await?;
    if g.json {
        println!(
            "{}",
            json!({"tasks": tasks.iter().map(render::task_json).collect::<Vec<_>>(), "more": more})
        );
    } else {
        print!("{}", list_text(&tasks, more));
    }
    Ok(())
}

/// One line per task, and a hint when more remain.
pub fn list_text(tasks: &[Task], more: bool) -> String {
    let mut out = String::new();
    if tasks.is_empty() {
        out.push_str("no tasks\n");
    }
    for t in tasks {
        out.push_str(&render::task_line(t));
        out.push('\n');
    }
    if more {
        out.push_str("… more: use --all or --limit\n");
    }
    out
}

/// `tasks show`.
pub async fn show(g: &Global, c: &mut Client, task_id: String) -> Result<()> {
    let t = c
        .get_task(GetTaskRequest { task_id })
        .await?
        .into_inner()
        .task;
    print_task(g, &need(t)?, "");
    Ok(())
}

/// `tasks watch`: the caller's task events as they come.
pub async fn watch(g: &Global, c: &mut Client, after: u64) -> Result<()> {
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
            println!("{}", render::event_json(&e));
        } else {
            println!("{}", render::event_line(&e));
        }
    }
    if !g.json {
        eprintln!("the service ended the stream; resume with --after <last event id>");
    }
    Ok(())
}

/// `tasks table`: every matching task, oldest first, as an appendix numbers them.
pub async fn table(c: &mut Client, filters: &Filters, format: TableFormat) -> Result<()> {
    let (mut tasks, _) = list_all(c, list_request(filters), true).await?;
    tasks.reverse();
    print!("{}", appendix(&tasks, format)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_become_the_list_request() {
        let f = Filters {
            lead: Some("000.00.12.H48".into()),
            bucket: Some(BucketArg::NearDeadline),
            deadline_to: Some("2026-12-31".into()),
            ..Default::default()
        };
        let req = list_request(&f);
        assert_eq!(req.lead_agency, "000.00.12.H48");
        assert_eq!(req.bucket, TaskBucket::NearDeadline as i32);
        assert_eq!(req.deadline_to, "2026-12-31");
        assert_eq!(req.coordinating_agency, "");
        assert_eq!(
            list_request(&Filters::default()).bucket,
            TaskBucket::Unspecified as i32
        );
    }

    #[test]
    fn list_text_says_when_empty_and_when_more() {
        assert_eq!(list_text(&[], false), "no tasks\n");
        let t = Task {
            task_id: "NV-3".into(),
            content: "Việc".into(),
            lead_agency: "000.00.12.H48".into(),
            bucket: TaskBucket::Overdue as i32,
            progress_percent: 5,
            ..Default::default()
        };
        assert_eq!(
            list_text(&[t], true),
            "NV-3     -           overdue                  5%  lead 000.00.12.H48  Việc\n\
             … more: use --all or --limit\n"
        );
    }
}
