//! The workflow: progress, result submitted, returned, resubmitted, confirmed (on time or late);
//! pause, resume, refuse.
use lienthong_api::tasks::v1::{
    PauseTaskRequest, RefuseTaskRequest, ResumeTaskRequest, TaskAction, TaskBucket, TaskState,
};
use lienthong_platform::db::Backend;
use time::macros::date;
use tonic::Code;

use crate::{
    calls::*,
    support::{H48, SCT, TestTasks, spawn},
};

lienthong_platform::on_both_databases!(result_workflow_on_time_and_late, pause_resume_and_refuse);

async fn result_workflow_on_time_and_late(backend: Backend) {
    let svc = spawn(backend).await;
    let mut assigner = svc.agency(H48).await;
    let mut lead = svc.agency(SCT).await;
    let t = create(&mut assigner, "Xây dựng kho dữ liệu", "2026-11-20").await;
    let id = t.task_id.as_str();
    assert_eq!(t.state(), TaskState::NotStarted);
    let s = assert_code(
        confirm(&mut assigner, id).await,
        Code::FailedPrecondition,
        "TRANSITION_REFUSED",
        "not started",
    );
    assert_eq!(precondition_subject(&s).as_deref(), Some(id));

    let p = progress(&mut lead, id, "Đã khảo sát", Some(40))
        .await
        .expect("progress");
    assert_eq!((p.state(), p.progress_percent), (TaskState::InProgress, 40));
    let s = submit(&mut lead, id, "Báo cáo số 12/BC-SCT")
        .await
        .expect("submit");
    assert_eq!(s.state(), TaskState::AwaitingConfirmation);
    assert_code(
        progress(&mut lead, id, "x", Some(50)).await,
        Code::FailedPrecondition,
        "TRANSITION_REFUSED",
        "awaiting confirmation",
    );
    assert_code(
        submit(&mut lead, id, "again").await,
        Code::FailedPrecondition,
        "TRANSITION_REFUSED",
        "awaiting confirmation",
    );
    let s = assert_code(
        give_back(&mut assigner, id, "").await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "reason",
    );
    assert_eq!(violated_fields(&s), ["reason"]);
    let r = give_back(&mut assigner, id, "Thiếu số liệu huyện")
        .await
        .expect("return");
    assert_eq!(r.state(), TaskState::Redo);
    submit(&mut lead, id, "Báo cáo số 15/BC-SCT")
        .await
        .expect("resubmit");
    confirmed_after_the_deadline_day_yet_on_time(&svc, id).await;
    submitted_after_the_deadline_day_is_late(&svc).await;
    svc.stop().await;
}

/// Confirmed after the deadline day, but the result arrived in time: on time.
async fn confirmed_after_the_deadline_day_yet_on_time(svc: &TestTasks, id: &str) {
    let mut assigner = svc.agency(H48).await;
    let mut lead = svc.agency(SCT).await;
    svc.set_day(date!(2026 - 11 - 25));
    let done = confirm(&mut assigner, id).await.expect("confirm");
    assert_eq!(done.state(), TaskState::Completed);
    assert_eq!(bucket(&done), TaskBucket::CompletedOnTime);
    assert_eq!(done.result, "Báo cáo số 15/BC-SCT");
    let actions: Vec<(TaskAction, &str)> = done
        .history
        .iter()
        .map(|h| (h.action(), h.actor.as_str()))
        .collect();
    let (assigner_id, lead_id) = (format!("agency/{H48}"), format!("agency/{SCT}"));
    assert_eq!(
        actions,
        [
            (TaskAction::Created, assigner_id.as_str()),
            (TaskAction::Progress, lead_id.as_str()),
            (TaskAction::ResultSubmitted, lead_id.as_str()),
            (TaskAction::ResultReturned, assigner_id.as_str()),
            (TaskAction::ResultSubmitted, lead_id.as_str()),
            (TaskAction::ResultConfirmed, assigner_id.as_str()),
        ]
    );
    assert!(done.history.iter().all(|h| h.change_time.is_some()));
    assert!(done.create_time.is_some());
    assert_eq!(
        done.complete_time, done.history[4].change_time,
        "completed when the confirmed result was submitted"
    );
    assert_eq!(done.history[1].percent, Some(40));
    assert_code(
        submit(&mut lead, id, "x").await,
        Code::FailedPrecondition,
        "TRANSITION_REFUSED",
        "completed",
    );
}

/// Submitted after the deadline day: completed late.
async fn submitted_after_the_deadline_day_is_late(svc: &TestTasks) {
    let mut assigner = svc.agency(H48).await;
    let mut lead = svc.agency(SCT).await;
    let late = create(&mut assigner, "Cập nhật cổng thông tin", "2026-11-26").await;
    svc.set_day(date!(2026 - 11 - 27));
    submit(&mut lead, &late.task_id, "Đã cập nhật")
        .await
        .expect("submit late");
    let late = confirm(&mut assigner, &late.task_id)
        .await
        .expect("confirm late");
    assert_eq!(bucket(&late), TaskBucket::CompletedLate);
}

async fn pause_resume_and_refuse(backend: Backend) {
    let svc = spawn(backend).await;
    let mut assigner = svc.agency(H48).await;
    let mut lead = svc.agency(SCT).await;
    let t = create(&mut assigner, "Tạm dừng thử", "2026-11-30").await;
    let id = t.task_id.clone();
    let paused = assigner
        .pause_task(PauseTaskRequest {
            task_id: id.clone(),
            reason: "Chờ chủ trương".into(),
        })
        .await
        .expect("pause")
        .into_inner()
        .task
        .expect("task");
    assert_eq!(paused.state(), TaskState::Paused);
    assert_code(
        submit(&mut lead, &id, "x").await,
        Code::FailedPrecondition,
        "TRANSITION_REFUSED",
        "paused",
    );
    let resumed = assigner
        .resume_task(ResumeTaskRequest {
            task_id: id.clone(),
            comment: String::new(),
        })
        .await
        .expect("resume")
        .into_inner()
        .task
        .expect("task");
    assert_eq!(resumed.state(), TaskState::InProgress);
    assert_code(
        assigner
            .refuse_task(RefuseTaskRequest {
                task_id: id.clone(),
                reason: "x".into(),
            })
            .await,
        Code::PermissionDenied,
        "ROLE_NOT_ALLOWED",
        "lead agency",
    );
    let refused = lead
        .refuse_task(RefuseTaskRequest {
            task_id: id.clone(),
            reason: "Không thuộc thẩm quyền".into(),
        })
        .await
        .expect("refuse")
        .into_inner()
        .task
        .expect("task");
    assert_eq!(refused.state(), TaskState::Refused);
    assert_eq!(bucket(&refused), TaskBucket::Refused);
    let s = assert_code(
        progress(&mut lead, &id, "x", Some(1)).await,
        Code::FailedPrecondition,
        "TRANSITION_REFUSED",
        "refused",
    );
    assert_eq!(precondition_subject(&s), Some(id));
    svc.stop().await;
}
