//! The commands that act on a task, each by the party the service expects: create, progress,
//! submit, confirm, return, extend, decide, pause, resume, refuse. Each prints the task as it
//! stands afterwards.
use anyhow::{Result, bail};
use lienthong_api::tasks::v1::{
    ConfirmResultRequest, CreateTaskRequest, DecideExtensionRequest, PauseTaskRequest,
    RefuseTaskRequest, ReportProgressRequest, RequestExtensionRequest, ResumeTaskRequest,
    ReturnResultRequest, SubmitResultRequest, Task,
};

use super::{Client, CreateArgs, DecideArgs, need, print_task};
use crate::Global;

/// Prints the task an action answered with, after saying what happened.
fn done(g: &Global, t: Option<Task>, what: &str) -> Result<()> {
    print_task(g, &need(t)?, what);
    Ok(())
}

pub async fn create(g: &Global, c: &mut Client, args: CreateArgs) -> Result<()> {
    let t = c
        .create_task(CreateTaskRequest {
            content: args.content,
            lead_agency: args.lead,
            coordinating_agencies: args.coordinating,
            deadline: args.deadline,
            source_document_id: args.source,
            notes: args.notes,
        })
        .await?
        .into_inner()
        .task;
    let t = need(t)?;
    print_task(g, &t, &format!("created {}", t.task_id));
    Ok(())
}

pub async fn progress(
    g: &Global,
    c: &mut Client,
    task_id: String,
    text: String,
    percent: Option<i32>,
) -> Result<()> {
    let req = ReportProgressRequest {
        task_id,
        text,
        percent,
    };
    let t = c.report_progress(req).await?.into_inner().task;
    done(g, t, "progress recorded")
}

pub async fn submit(g: &Global, c: &mut Client, task_id: String, result: String) -> Result<()> {
    let req = SubmitResultRequest { task_id, result };
    let t = c.submit_result(req).await?.into_inner().task;
    done(
        g,
        t,
        "result submitted; awaiting the assigner's confirmation",
    )
}

pub async fn confirm(g: &Global, c: &mut Client, task_id: String, comment: String) -> Result<()> {
    let req = ConfirmResultRequest { task_id, comment };
    let t = c.confirm_result(req).await?.into_inner().task;
    done(g, t, "result confirmed: task completed")
}

/// `tasks return` (`return` is a keyword).
pub async fn give_back(g: &Global, c: &mut Client, task_id: String, reason: String) -> Result<()> {
    let req = ReturnResultRequest { task_id, reason };
    let t = c.return_result(req).await?.into_inner().task;
    done(g, t, "result returned for redo")
}

pub async fn extend(
    g: &Global,
    c: &mut Client,
    task_id: String,
    new_deadline: String,
    reason: String,
) -> Result<()> {
    let req = RequestExtensionRequest {
        task_id,
        new_deadline,
        reason,
    };
    let t = c.request_extension(req).await?.into_inner().task;
    done(
        g,
        t,
        "extension requested; awaiting the assigner's decision",
    )
}

pub async fn decide(g: &Global, c: &mut Client, args: DecideArgs) -> Result<()> {
    if args.approve == args.refuse {
        bail!("pass exactly one of --approve or --refuse");
    }
    let req = DecideExtensionRequest {
        task_id: args.task_id,
        approve: args.approve,
        comment: args.comment,
    };
    let t = c.decide_extension(req).await?.into_inner().task;
    let what = if args.approve {
        "extension approved"
    } else {
        "extension refused"
    };
    done(g, t, what)
}

pub async fn pause(g: &Global, c: &mut Client, task_id: String, reason: String) -> Result<()> {
    let req = PauseTaskRequest { task_id, reason };
    let t = c.pause_task(req).await?.into_inner().task;
    done(g, t, "task paused")
}

pub async fn resume(g: &Global, c: &mut Client, task_id: String, comment: String) -> Result<()> {
    let req = ResumeTaskRequest { task_id, comment };
    let t = c.resume_task(req).await?.into_inner().task;
    done(g, t, "task resumed")
}

pub async fn refuse(g: &Global, c: &mut Client, task_id: String, reason: String) -> Result<()> {
    let req = RefuseTaskRequest { task_id, reason };
    let t = c.refuse_task(req).await?.into_inner().task;
    done(g, t, "task refused")
}
