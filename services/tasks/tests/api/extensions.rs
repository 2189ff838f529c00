//! Extensions: asked by the lead, decided by the assigner; an approved one moves an overdue
//! task back in time, both deadlines and every request are kept.
use lienthong_api::tasks::v1::{ExtensionState, TaskAction, TaskBucket};
use lienthong_platform::db::Backend;
use time::macros::date;
use tonic::Code;

use crate::{
    calls::*,
    support::{H48, SCT, spawn},
};

lienthong_platform::on_both_databases!(
    extension_moves_an_overdue_task_back_in_time,
    a_task_without_deadline_cannot_be_extended
);

async fn extension_moves_an_overdue_task_back_in_time(backend: Backend) {
    let svc = spawn(backend).await;
    let mut assigner = svc.agency(H48).await;
    let mut lead = svc.agency(SCT).await;
    let t = create(&mut assigner, "Rà soát thủ tục hành chính", "2026-11-10").await;
    let id = t.task_id.as_str();
    svc.set_day(date!(2026 - 11 - 11));
    assert_eq!(
        bucket(&get(&mut lead, id).await.expect("get")),
        TaskBucket::Overdue
    );

    let s = assert_code(
        decide(&mut assigner, id, true, "").await,
        Code::FailedPrecondition,
        "NO_PENDING_EXTENSION",
        "no extension",
    );
    assert_eq!(precondition_subject(&s).as_deref(), Some(id));
    let s = assert_code(
        extend(&mut lead, id, "2026-11-09").await,
        Code::InvalidArgument,
        "DEADLINE_NOT_LATER",
        "new_deadline",
    );
    assert_eq!(violated_fields(&s), ["new_deadline"]);
    let asked = extend(&mut lead, id, "2026-11-30").await.expect("ask");
    assert_eq!(asked.extensions.len(), 1);
    assert_eq!(asked.extensions[0].state(), ExtensionState::Pending);
    assert_eq!(
        asked.deadline, "2026-11-10",
        "the deadline moves only when approved"
    );
    let s = assert_code(
        extend(&mut lead, id, "2026-12-05").await,
        Code::FailedPrecondition,
        "EXTENSION_PENDING",
        "already awaiting",
    );
    assert_eq!(precondition_subject(&s).as_deref(), Some(id));

    let approved = decide(&mut assigner, id, true, "Đồng ý")
        .await
        .expect("approve");
    assert_eq!(approved.deadline, "2026-11-30");
    assert_eq!(approved.original_deadline, "2026-11-10");
    assert_eq!(approved.extensions[0].old_deadline, "2026-11-10");
    assert_eq!(approved.extensions[0].new_deadline, "2026-11-30");
    assert_eq!(approved.extensions[0].state(), ExtensionState::Approved);
    assert_eq!(bucket(&approved), TaskBucket::InProgress, "back in time");

    // A second request, refused: the deadline stays, both requests are kept.
    extend(&mut lead, id, "2026-12-15")
        .await
        .expect("ask again");
    assert_code(
        decide(&mut assigner, id, false, "").await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "comment",
    );
    let refused = decide(&mut assigner, id, false, "Không có lý do chính đáng")
        .await
        .expect("refuse");
    assert_eq!(refused.deadline, "2026-11-30");
    assert_eq!(refused.extensions.len(), 2);
    assert_eq!(refused.extensions[1].state(), ExtensionState::Refused);
    assert_eq!(refused.extensions[1].old_deadline, "2026-11-30");
    assert_eq!(refused.extensions[1].new_deadline, "2026-12-15");
    let actions: Vec<TaskAction> = refused.history.iter().map(|h| h.action()).collect();
    assert_eq!(
        actions,
        [
            TaskAction::Created,
            TaskAction::ExtensionRequested,
            TaskAction::ExtensionApproved,
            TaskAction::ExtensionRequested,
            TaskAction::ExtensionRefused
        ]
    );
    assert!(refused.extensions[0].request_time.is_some());
    assert!(refused.extensions[1].decide_time.is_some());
    svc.stop().await;
}

/// No deadline, nothing to extend.
async fn a_task_without_deadline_cannot_be_extended(backend: Backend) {
    let svc = spawn(backend).await;
    let mut assigner = svc.agency(H48).await;
    let mut lead = svc.agency(SCT).await;
    let open = create(&mut assigner, "Không thời hạn", "").await;
    let s = assert_code(
        extend(&mut lead, &open.task_id, "2026-12-01").await,
        Code::FailedPrecondition,
        "NO_DEADLINE",
        "no deadline",
    );
    assert_eq!(precondition_subject(&s), Some(open.task_id.clone()));
    svc.stop().await;
}
