//! The commands that act on a task, each by the party the service expects: create, progress,
//! submit, confirm, return, extend, decide, pause, resume, refuse. Each prints the task as it
//! stands afterwards.
use anyhow::Result;
use lienthong_api::tasks::v1::{
    ConfirmResultRequest, CreateTaskRequest, DecideExtensionRequest, PauseTaskRequest,
    RefuseTaskRequest, ReportProgressRequest, RequestExtensionRequest, ResumeTaskRequest,
    ReturnResultRequest, SubmitResultRequest, Task,
};
use serde::Serialize;

use super::{Client, CreateArgs, DecideArgs, need, print_task};
use crate::{Global, error::invalid};

/// Prints the answer of an action (the task as it stands), after saying what happened.
fn done<T: Serialize>(g: &Global, answer: &T, t: Option<&Task>, what: &str) -> Result<()> {
    print_task(g, answer, need(t)?, what)
}

pub async fn create(g: &Global, c: &mut Client, args: CreateArgs) -> Result<()> {
    let r = c
        .create_task(CreateTaskRequest {
            content: args.content,
            lead_agency: args.lead,
            coordinating_agencies: args.coordinating,
            deadline: args.deadline,
            source_document_id: args.source,
            notes: args.notes,
        })
        .await?
        .into_inner();
    let t = need(r.task.as_ref())?;
    print_task(g, &r, t, &format!("created {}", t.task_id))
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
    let r = c.report_progress(req).await?.into_inner();
    done(g, &r, r.task.as_ref(), "progress recorded")
}

pub async fn submit(g: &Global, c: &mut Client, task_id: String, result: String) -> Result<()> {
    let req = SubmitResultRequest { task_id, result };
    let r = c.submit_result(req).await?.into_inner();
    done(
        g,
        &r,
        r.task.as_ref(),
        "result submitted; awaiting the assigner's confirmation",
    )
}

pub async fn confirm(g: &Global, c: &mut Client, task_id: String, comment: String) -> Result<()> {
    let req = ConfirmResultRequest { task_id, comment };
    let r = c.confirm_result(req).await?.into_inner();
    done(g, &r, r.task.as_ref(), "result confirmed: task completed")
}

/// `tasks return` (`return` is a keyword).
pub async fn give_back(g: &Global, c: &mut Client, task_id: String, reason: String) -> Result<()> {
    let req = ReturnResultRequest { task_id, reason };
    let r = c.return_result(req).await?.into_inner();
    done(g, &r, r.task.as_ref(), "result returned for redo")
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
    let r = c.request_extension(req).await?.into_inner();
    done(
        g,
        &r,
        r.task.as_ref(),
        "extension requested; awaiting the assigner's decision",
    )
}

pub async fn decide(g: &Global, c: &mut Client, args: DecideArgs) -> Result<()> {
    if args.approve == args.refuse {
        invalid!("pass exactly one of --approve or --refuse");
    }
    let req = DecideExtensionRequest {
        task_id: args.task_id,
        approve: args.approve,
        comment: args.comment,
    };
    let r = c.decide_extension(req).await?.into_inner();
    let what = if args.approve {
        "extension approved"
    } else {
        "extension refused"
    };
    done(g, &r, r.task.as_ref(), what)
}

pub async fn pause(g: &Global, c: &mut Client, task_id: String, reason: String) -> Result<()> {
    let req = PauseTaskRequest { task_id, reason };
    let r = c.pause_task(req).await?.into_inner();
    done(g, &r, r.task.as_ref(), "task paused")
}

pub async fn resume(g: &Global, c: &mut Client, task_id: String, comment: String) -> Result<()> {
    let req = ResumeTaskRequest { task_id, comment };
    let r = c.resume_task(req).await?.into_inner();
    done(g, &r, r.task.as_ref(), "task resumed")
}

pub async fn refuse(g: &Global, c: &mut Client, task_id: String, reason: String) -> Result<()> {
    let req = RefuseTaskRequest { task_id, reason };
    let r = c.refuse_task(req).await?.into_inner();
    done(g, &r, r.task.as_ref(), "task refused")
}
