//! The calls the tests make, and what they check of refusals.
use lienthong_api::tasks::v1::{
    ConfirmResultRequest, CreateTaskRequest, DecideExtensionRequest, GetTaskRequest,
    ListTasksRequest, ReportProgressRequest, RequestExtensionRequest, ReturnResultRequest,
    SubmitResultRequest, Task, TaskBucket, task_service_client::TaskServiceClient,
};
use lienthong_platform::{client::TracedChannel, error::reason_of};
use tonic::Code;
use tonic_types::StatusExt;

use crate::support::{SCT, STTTT};

pub type Client = TaskServiceClient<TracedChannel>;

pub fn err<T: std::fmt::Debug>(r: Result<T, tonic::Status>) -> tonic::Status {
    r.expect_err("the call must fail")
}

/// The call failed with `code`, the stable `reason` (its `ErrorInfo`) and a message mentioning
/// `needle`; returns the status for more checks.
pub fn assert_code<T: std::fmt::Debug>(
    r: Result<T, tonic::Status>,
    code: Code,
    reason: &str,
    needle: &str,
) -> tonic::Status {
    let s = err(r);
    assert_eq!(s.code(), code, "{}", s.message());
    assert_eq!(reason_of(&s).as_deref(), Some(reason), "{}", s.message());
    assert!(
        s.message().contains(needle),
        "{:?} should mention {needle:?}",
        s.message()
    );
    s
}

/// The fields a status's `BadRequest` names, in order.
pub fn violated_fields(s: &tonic::Status) -> Vec<String> {
    s.get_error_details()
        .bad_request()
        .map(|b| b.field_violations.iter().map(|v| v.field.clone()).collect())
        .unwrap_or_default()
}

/// The subject of a status's `PreconditionFailure` (the task a refused precondition is about).
pub fn precondition_subject(s: &tonic::Status) -> Option<String> {
    s.get_error_details()
        .precondition_failure()
        .and_then(|p| p.violations.first().map(|v| v.subject.clone()))
}

/// Creates a task from the caller to `SCT`, coordinated by `STTTT`, due `deadline` ("" for
/// none).
pub async fn create(client: &mut Client, content: &str, deadline: &str) -> Task {
    client
        .create_task(CreateTaskRequest {
            content: content.into(),
            lead_agency: SCT.into(),
            coordinating_agencies: vec![STTTT.into()],
            deadline: deadline.into(),
            source_document_id: String::new(),
            notes: String::new(),
        })
        .await
        .expect("create task")
        .into_inner()
        .task
        .expect("task")
}

pub async fn get(c: &mut Client, id: &str) -> Result<Task, tonic::Status> {
    c.get_task(GetTaskRequest { task_id: id.into() })
        .await
        .map(|r| r.into_inner().task.expect("task"))
}

pub async fn progress(
    c: &mut Client,
    id: &str,
    text: &str,
    percent: Option<i32>,
) -> Result<Task, tonic::Status> {
    c.report_progress(ReportProgressRequest {
        task_id: id.into(),
        text: text.into(),
        percent,
    })
    .await
    .map(|r| r.into_inner().task.expect("task"))
}

pub async fn submit(c: &mut Client, id: &str, result: &str) -> Result<Task, tonic::Status> {
    c.submit_result(SubmitResultRequest {
        task_id: id.into(),
        result: result.into(),
    })
    .await
    .map(|r| r.into_inner().task.expect("task"))
}

pub async fn confirm(c: &mut Client, id: &str) -> Result<Task, tonic::Status> {
    c.confirm_result(ConfirmResultRequest {
        task_id: id.into(),
        comment: "Đạt yêu cầu".into(),
    })
    .await
    .map(|r| r.into_inner().task.expect("task"))
}

pub async fn give_back(c: &mut Client, id: &str, reason: &str) -> Result<Task, tonic::Status> {
    c.return_result(ReturnResultRequest {
        task_id: id.into(),
        reason: reason.into(),
    })
    .await
    .map(|r| r.into_inner().task.expect("task"))
}

pub async fn extend(c: &mut Client, id: &str, new: &str) -> Result<Task, tonic::Status> {
    c.request_extension(RequestExtensionRequest {
        task_id: id.into(),
        new_deadline: new.into(),
        reason: "Chờ ý kiến các sở".into(),
    })
    .await
    .map(|r| r.into_inner().task.expect("task"))
}

pub async fn decide(
    c: &mut Client,
    id: &str,
    approve: bool,
    comment: &str,
) -> Result<Task, tonic::Status> {
    c.decide_extension(DecideExtensionRequest {
        task_id: id.into(),
        approve,
        comment: comment.into(),
    })
    .await
    .map(|r| r.into_inner().task.expect("task"))
}

/// The ids of the tasks listed.
pub async fn list(c: &mut Client, r: ListTasksRequest) -> Vec<String> {
    c.list_tasks(r)
        .await
        .expect("list")
        .into_inner()
        .tasks
        .into_iter()
        .map(|t| t.task_id)
        .collect()
}

pub fn bucket(t: &Task) -> TaskBucket {
    t.bucket()
}
