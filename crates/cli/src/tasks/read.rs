//! The commands that read tasks: `list`, `show`, `watch` and `table`.
use std::cell::Cell;

use anyhow::Result;
use lienthong_api::tasks::v1::{
    GetTaskRequest, ListTasksRequest, ListTasksResponse, TaskBucket, WatchTaskEventsRequest,
};
use serde_json::json;

use super::{
    BucketArg, Client, Filters, ListArgs, TableFormat, client, need, print_task, render,
    table::{self, table as appendix},
};
use crate::{
    Global,
    follow::{self, Follower, Session, until_interrupted},
    output,
};

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

/// The matching tasks, one page (or every page with `all`), with the next page's token.
async fn pages(c: &mut Client, mut req: ListTasksRequest, all: bool) -> Result<ListTasksResponse> {
    let mut page = ListTasksResponse::default();
    loop {
        let r = c.list_tasks(req.clone()).await?.into_inner();
        page.tasks.extend(r.tasks);
        page.next_page_token = r.next_page_token;
        if !all || page.next_page_token.is_empty() {
            return Ok(page);
        }
        req.page_token = page.next_page_token.clone();
    }
}

/// `tasks list`.
pub async fn list(g: &Global, c: &mut Client, args: ListArgs) -> Result<()> {
    let mut req = list_request(&args.filters);
    req.page_size = args.page_size.unwrap_or(0);
    req.page_token = args.page_token.unwrap_or_default();
    let page = pages(c, req, args.all).await?;
    output::emit(g, &page, || list_text(&page))
}

/// One line per task, and the next page's token when more remain.
pub fn list_text(page: &ListTasksResponse) -> String {
    let mut out = String::new();
    if page.tasks.is_empty() {
        out.push_str("no tasks\n");
    }
    for t in &page.tasks {
        out.push_str(&render::task_line(t));
        out.push('\n');
    }
    if !page.next_page_token.is_empty() {
        out.push_str(&format!(
            "… more: --page-token {} (or --all)\n",
            page.next_page_token
        ));
    }
    out
}

/// `tasks show`.
pub async fn show(g: &Global, c: &mut Client, task_id: String) -> Result<()> {
    let r = c.get_task(GetTaskRequest { task_id }).await?.into_inner();
    print_task(g, &r, need(r.task.as_ref())?, "")
}

/// One subscription to the caller's task events after the cursor.
async fn session(g: &Global, endpoint: &str, cursor: &Cell<u64>, opened: &mut bool) -> Result<()> {
    let mut c = client(g, endpoint).await?;
    let mut stream = c
        .watch_task_events(WatchTaskEventsRequest {
            after_event_id: cursor.get(),
        })
        .await?
        .into_inner();
    *opened = true;
    while let Some(r) = stream.message().await? {
        let Some(e) = r.event else { continue };
        if e.event_id <= cursor.get() {
            continue; // already printed
        }
        if g.json {
            output::line(&output::json(&e)?);
        } else {
            println!("{}", render::event_line(&e));
        }
        cursor.set(e.event_id);
    }
    Ok(())
}

/// `tasks watch`: the caller's task events as they come, until Ctrl-C, resubscribing from the
/// last event printed.
pub async fn watch(g: &Global, endpoint: &str, after: u64) -> Result<()> {
    let cursor = Cell::new(after);
    let mut follower = Follower::new(g, "the task events");
    let run = async {
        if !g.json {
            eprintln!("following task events (Ctrl-C to stop)…");
        }
        loop {
            let mut opened = false;
            let end = session(g, endpoint, &cursor, &mut opened).await;
            let resume = format!("after event {}", cursor.get());
            follower.after(Session { opened, end }, &resume).await?;
        }
    };
    until_interrupted(run, || {
        follow::notice(
            g.json,
            &format!("stopped; resume with --after {}", cursor.get()),
            json!({"after_event_id": cursor.get()}),
        );
    })
    .await
}

/// `tasks table`: every matching task, oldest first, as an appendix numbers them; with
/// `--json`, `{"columns": [...], "rows": [[...], ...]}`.
pub async fn table(
    g: &Global,
    c: &mut Client,
    filters: &Filters,
    format: TableFormat,
) -> Result<()> {
    let mut tasks = pages(c, list_request(filters), true).await?.tasks;
    tasks.reverse();
    if g.json {
        return output::document(&table::table_json(&tasks));
    }
    print!("{}", appendix(&tasks, format)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use lienthong_api::tasks::v1::Task;

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
        assert_eq!(list_text(&ListTasksResponse::default()), "no tasks\n");
        let page = ListTasksResponse {
            tasks: vec![Task {
                task_id: "NV-3".into(),
                content: "Việc".into(),
                lead_agency: "000.00.12.H48".into(),
                bucket: TaskBucket::Overdue as i32,
                progress_percent: 5,
                ..Default::default()
            }],
            next_page_token: "t".into(),
        };
        assert_eq!(
            list_text(&page),
            "NV-3     -           OVERDUE             5%  lead 000.00.12.H48  Việc\n\
             … more: --page-token t (or --all)\n"
        );
        assert_eq!(
            output::json(&page).unwrap()["tasks"][0]["bucket"],
            "TASK_BUCKET_OVERDUE"
        );
    }
}
