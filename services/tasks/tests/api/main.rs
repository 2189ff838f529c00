//! The tasks service over real gRPC and real mutual TLS, on SQLite and on PostgreSQL, with a
//! manual clock.
mod support;

use std::time::Duration;

use lienthong_api::tasks::v1::{
    ConfirmResultRequest, CreateTaskFromDocumentRequest, CreateTaskRequest, DecideExtensionRequest,
    ExtensionState, GetTaskRequest, GetTaskStatisticsRequest, ListTasksRequest, PauseTaskRequest,
    RefuseTaskRequest, ReportProgressRequest, RequestExtensionRequest, ResumeTaskRequest,
    ReturnResultRequest, SubmitResultRequest, Task, TaskBucket, TaskEventKind, TaskState,
    WatchTaskEventsRequest, task_service_client::TaskServiceClient,
};
use lienthong_platform::{Identity, client::TracedChannel, db::Backend};
use support::*;
use time::macros::date;
use tokio_stream::StreamExt;
use tonic::Code;

use lienthong_platform::on_both_databases;

on_both_databases!(
    authorization_rules,
    buckets_follow_the_clock,
    extension_moves_an_overdue_task_back_in_time,
    result_workflow_on_time_and_late,
    pause_resume_and_refuse,
    intake_is_idempotent,
    events_stream_with_sweeper_and_resume,
    bad_input_names_the_field,
    list_filters_and_paging,
    statistics_counts,
);

type Client = TaskServiceClient<TracedChannel>;

fn err<T: std::fmt::Debug>(r: Result<T, tonic::Status>) -> tonic::Status {
    r.expect_err("the call must fail")
}

fn assert_code<T: std::fmt::Debug>(r: Result<T, tonic::Status>, code: Code, needle: &str) {
    let s = err(r);
    assert_eq!(s.code(), code, "{}", s.message());
    assert!(
        s.message().contains(needle),
        "{:?} should mention {needle:?}",
        s.message()
    );
}

async fn get(c: &mut Client, id: &str) -> Result<Task, tonic::Status> {
    c.get_task(GetTaskRequest { task_id: id.into() })
        .await
        .map(|r| r.into_inner().task.expect("task"))
}

async fn progress(
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

async fn submit(c: &mut Client, id: &str, result: &str) -> Result<Task, tonic::Status> {
    c.submit_result(SubmitResultRequest {
        task_id: id.into(),
        result: result.into(),
    })
    .await
    .map(|r| r.into_inner().task.expect("task"))
}

async fn confirm(c: &mut Client, id: &str) -> Result<Task, tonic::Status> {
    c.confirm_result(ConfirmResultRequest {
        task_id: id.into(),
        comment: "Đạt yêu cầu".into(),
    })
    .await
    .map(|r| r.into_inner().task.expect("task"))
}

async fn give_back(c: &mut Client, id: &str, reason: &str) -> Result<Task, tonic::Status> {
    c.return_result(ReturnResultRequest {
        task_id: id.into(),
        reason: reason.into(),
    })
    .await
    .map(|r| r.into_inner().task.expect("task"))
}

async fn extend(c: &mut Client, id: &str, new: &str) -> Result<Task, tonic::Status> {
    c.request_extension(RequestExtensionRequest {
        task_id: id.into(),
        new_deadline: new.into(),
        reason: "Chờ ý kiến các sở".into(),
    })
    .await
    .map(|r| r.into_inner().task.expect("task"))
}

async fn decide(
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

async fn list(c: &mut Client, r: ListTasksRequest) -> Vec<String> {
    c.list_tasks(r)
        .await
        .expect("list")
        .into_inner()
        .tasks
        .into_iter()
        .map(|t| t.task_id)
        .collect()
}

fn bucket(t: &Task) -> TaskBucket {
    t.bucket()
}

async fn authorization_rules(backend: Backend) {
    let svc = spawn(backend).await;
    let mut assigner = svc.agency(H48).await;
    let mut lead = svc.agency(SCT).await;
    let mut coord = svc.agency(STTTT).await;
    let mut outsider = svc.agency(G22).await;
    let t = create(
        &mut assigner,
        "Triển khai Kế hoạch 61/KH-UBND",
        "2026-11-30",
    )
    .await;
    let id = t.task_id.as_str();
    assert_eq!(t.assigner, H48, "the caller's agency is the assigner");

    // An agency taking no part sees nothing: NOT_FOUND, as for an unknown task.
    assert_code(get(&mut outsider, id).await, Code::NotFound, "task_id");
    assert_code(
        progress(&mut outsider, id, "x", Some(5)).await,
        Code::NotFound,
        "task_id",
    );
    assert_code(confirm(&mut outsider, id).await, Code::NotFound, "task_id");
    assert!(
        list(&mut outsider, ListTasksRequest::default())
            .await
            .is_empty()
    );
    assert!(
        svc.app()
            .events_after(G22, 0, 100)
            .await
            .expect("events")
            .is_empty()
    );

    // Everyone taking part reads it.
    for c in [&mut assigner, &mut lead, &mut coord] {
        assert_eq!(get(c, id).await.expect("read").task_id, id);
        assert_eq!(
            list(c, ListTasksRequest::default()).await,
            vec![id.to_string()]
        );
    }

    // Coordinating agency: notes without a percentage; nothing else.
    assert_code(
        progress(&mut coord, id, "Đã góp ý", Some(10)).await,
        Code::InvalidArgument,
        "percent",
    );
    let noted = progress(&mut coord, id, "Đã góp ý dự thảo", None)
        .await
        .expect("note");
    assert_eq!(noted.history.last().expect("entry").action, "note");
    assert_eq!(noted.progress_percent, 0, "a note carries no percentage");
    assert_code(
        submit(&mut coord, id, "x").await,
        Code::PermissionDenied,
        "lead agency",
    );
    assert_code(
        confirm(&mut coord, id).await,
        Code::PermissionDenied,
        "assigner",
    );
    assert_code(
        extend(&mut coord, id, "2026-12-31").await,
        Code::PermissionDenied,
        "lead agency",
    );

    // The assigner does not report progress, submit or ask extensions.
    assert_code(
        progress(&mut assigner, id, "x", Some(5)).await,
        Code::PermissionDenied,
        "lead agency",
    );
    assert_code(
        submit(&mut assigner, id, "x").await,
        Code::PermissionDenied,
        "lead agency",
    );
    assert_code(
        extend(&mut assigner, id, "2026-12-31").await,
        Code::PermissionDenied,
        "lead agency",
    );

    // The lead does not confirm, return or decide.
    assert_code(
        confirm(&mut lead, id).await,
        Code::PermissionDenied,
        "assigner",
    );
    assert_code(
        give_back(&mut lead, id, "x").await,
        Code::PermissionDenied,
        "assigner",
    );
    assert_code(
        decide(&mut lead, id, true, "").await,
        Code::PermissionDenied,
        "assigner",
    );
    assert_code(
        lead.pause_task(PauseTaskRequest {
            task_id: id.into(),
            reason: "x".into(),
        })
        .await,
        Code::PermissionDenied,
        "assigner",
    );

    // Agencies may not call the intake, or the statistics.
    let mut agency_intake = svc.intake_as(Identity::Agency(H48.into())).await;
    assert_code(
        agency_intake
            .create_task_from_document(CreateTaskFromDocumentRequest {
                source_document_id: "000.00.00.H48,2026/11/02,1/UBND-TH".into(),
                assigner: H48.into(),
                lead_agency: SCT.into(),
                content: "x".into(),
                ..Default::default()
            })
            .await,
        Code::PermissionDenied,
        "service identities",
    );
    let stats_req = GetTaskStatisticsRequest {
        from_day: "2026-11-01".into(),
        to_day: "2026-11-30".into(),
        lead_agency: String::new(),
    };
    let mut agency_stats = svc.stats_as(Identity::Agency(H48.into())).await;
    assert_code(
        agency_stats.get_task_statistics(stats_req.clone()).await,
        Code::PermissionDenied,
        "service",
    );

    // Services may call only the intake and the statistics.
    let exchange = Identity::Service("exchange".into());
    let mut svc_tasks = svc.tasks_as(exchange.clone()).await;
    assert_code(
        get(&mut svc_tasks, id).await,
        Code::PermissionDenied,
        "agencies",
    );
    assert_code(
        svc_tasks
            .create_task(CreateTaskRequest {
                content: "x".into(),
                lead_agency: SCT.into(),
                ..Default::default()
            })
            .await,
        Code::PermissionDenied,
        "agencies",
    );
    let mut reporting = svc.stats_as(Identity::Service("reporting".into())).await;
    reporting
        .get_task_statistics(stats_req)
        .await
        .expect("a service reads statistics");

    // Admins list and read everything, but do not act.
    let mut admin = svc.tasks_as(Identity::Admin("operator".into())).await;
    assert_eq!(
        list(&mut admin, ListTasksRequest::default()).await,
        vec![id.to_string()]
    );
    assert_eq!(get(&mut admin, id).await.expect("admin reads").task_id, id);
    assert_code(
        submit(&mut admin, id, "x").await,
        Code::PermissionDenied,
        "agencies",
    );
    svc.stop().await;
}

async fn buckets_follow_the_clock(backend: Backend) {
    let svc = spawn(backend).await;
    let mut a = svc.agency(H48).await;
    let t = create(&mut a, "Báo cáo chuyển đổi số", "2026-11-20").await;
    let no_deadline = create(&mut a, "Theo dõi thường xuyên", "").await;
    let id = t.task_id.as_str();
    let in_bucket = |b: TaskBucket| ListTasksRequest {
        bucket: b as i32,
        ..Default::default()
    };

    assert_eq!(bucket(&t), TaskBucket::InProgress);
    assert_eq!(
        list(&mut a, in_bucket(TaskBucket::NearDeadline)).await,
        Vec::<String>::new()
    );

    // The last day before the 3-day window: still plainly in progress.
    svc.set_day(date!(2026 - 11 - 16));
    assert_eq!(
        bucket(&get(&mut a, id).await.expect("get")),
        TaskBucket::InProgress
    );
    // Three days before the deadline day: near the deadline.
    svc.set_day(date!(2026 - 11 - 17));
    assert_eq!(
        bucket(&get(&mut a, id).await.expect("get")),
        TaskBucket::NearDeadline
    );
    assert_eq!(
        list(&mut a, in_bucket(TaskBucket::NearDeadline)).await,
        vec![id.to_string()]
    );
    // The last minute of the deadline day (Vietnam time) is still in time.
    svc.clock
        .set(lienthong_tasks::domain::end_of_day(date!(2026 - 11 - 20)) - 60_000_000);
    assert_eq!(
        bucket(&get(&mut a, id).await.expect("get")),
        TaskBucket::NearDeadline
    );
    // Midnight after it: overdue.
    svc.clock.advance_secs(60);
    assert_eq!(
        bucket(&get(&mut a, id).await.expect("get")),
        TaskBucket::Overdue
    );
    assert_eq!(
        list(&mut a, in_bucket(TaskBucket::Overdue)).await,
        vec![id.to_string()]
    );
    assert_eq!(
        list(&mut a, in_bucket(TaskBucket::InProgress)).await,
        vec![no_deadline.task_id.clone()],
        "a task without a deadline stays in progress"
    );
    assert_eq!(
        list(&mut a, in_bucket(TaskBucket::NearDeadline)).await,
        Vec::<String>::new()
    );
    svc.stop().await;
}

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

    assert_code(
        decide(&mut assigner, id, true, "").await,
        Code::FailedPrecondition,
        "no extension",
    );
    assert_code(
        extend(&mut lead, id, "2026-11-09").await,
        Code::InvalidArgument,
        "new_deadline",
    );
    let asked = extend(&mut lead, id, "2026-11-30").await.expect("ask");
    assert_eq!(asked.extensions.len(), 1);
    assert_eq!(asked.extensions[0].state(), ExtensionState::Pending);
    assert_eq!(
        asked.deadline, "2026-11-10",
        "the deadline moves only when approved"
    );
    assert_code(
        extend(&mut lead, id, "2026-12-05").await,
        Code::FailedPrecondition,
        "already awaiting",
    );

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
    let actions: Vec<&str> = refused.history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "created",
            "extension_requested",
            "extension_approved",
            "extension_requested",
            "extension_refused"
        ]
    );

    // No deadline, nothing to extend.
    let open = create(&mut assigner, "Không thời hạn", "").await;
    assert_code(
        extend(&mut lead, &open.task_id, "2026-12-01").await,
        Code::FailedPrecondition,
        "no deadline",
    );
    svc.stop().await;
}

async fn result_workflow_on_time_and_late(backend: Backend) {
    let svc = spawn(backend).await;
    let mut assigner = svc.agency(H48).await;
    let mut lead = svc.agency(SCT).await;
    let t = create(&mut assigner, "Xây dựng kho dữ liệu", "2026-11-20").await;
    let id = t.task_id.as_str();
    assert_eq!(t.state(), TaskState::NotStarted);
    assert_code(
        confirm(&mut assigner, id).await,
        Code::FailedPrecondition,
        "not started",
    );

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
        "awaiting confirmation",
    );
    assert_code(
        submit(&mut lead, id, "again").await,
        Code::FailedPrecondition,
        "awaiting confirmation",
    );
    assert_code(
        give_back(&mut assigner, id, "").await,
        Code::InvalidArgument,
        "reason",
    );
    let r = give_back(&mut assigner, id, "Thiếu số liệu huyện")
        .await
        .expect("return");
    assert_eq!(r.state(), TaskState::Redo);
    submit(&mut lead, id, "Báo cáo số 15/BC-SCT")
        .await
        .expect("resubmit");
    // Confirmed after the deadline day, but the result arrived in time: on time.
    svc.set_day(date!(2026 - 11 - 25));
    let done = confirm(&mut assigner, id).await.expect("confirm");
    assert_eq!(done.state(), TaskState::Completed);
    assert_eq!(bucket(&done), TaskBucket::CompletedOnTime);
    assert_eq!(done.result, "Báo cáo số 15/BC-SCT");
    let actions: Vec<(&str, &str)> = done
        .history
        .iter()
        .map(|h| (h.action.as_str(), h.actor.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("created", H48),
            ("progress", SCT),
            ("result_submitted", SCT),
            ("result_returned", H48),
            ("result_submitted", SCT),
            ("result_confirmed", H48),
        ]
    );
    assert_eq!(done.history[1].percent, Some(40));
    assert_code(
        submit(&mut lead, id, "x").await,
        Code::FailedPrecondition,
        "completed",
    );

    // Submitted after the deadline day: completed late.
    let late = create(&mut assigner, "Cập nhật cổng thông tin", "2026-11-26").await;
    svc.set_day(date!(2026 - 11 - 27));
    submit(&mut lead, &late.task_id, "Đã cập nhật")
        .await
        .expect("submit late");
    let late = confirm(&mut assigner, &late.task_id)
        .await
        .expect("confirm late");
    assert_eq!(bucket(&late), TaskBucket::CompletedLate);
    svc.stop().await;
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
    assert_code(
        progress(&mut lead, &id, "x", Some(1)).await,
        Code::FailedPrecondition,
        "refused",
    );
    svc.stop().await;
}

async fn intake_is_idempotent(backend: Backend) {
    let svc = spawn(backend).await;
    let mut intake = svc.intake_as(Identity::Service("exchange".into())).await;
    let doc = "000.00.00.H48,2026/11/02,125/UBND-TH";
    let req = CreateTaskFromDocumentRequest {
        source_document_id: doc.into(),
        assigner: H48.into(),
        lead_agency: SCT.into(),
        coordinating_agencies: vec![STTTT.into(), SCT.into()],
        content: "Về việc triển khai Kế hoạch 61/KH-UBND".into(),
        deadline: "2026-12-15".into(),
    };
    let first = intake
        .create_task_from_document(req.clone())
        .await
        .expect("intake")
        .into_inner();
    assert!(first.created);
    let again = intake
        .create_task_from_document(req.clone())
        .await
        .expect("repeat")
        .into_inner();
    assert!(!again.created, "a repeat creates nothing");
    assert_eq!(again.task_id, first.task_id);

    let mut lead = svc.agency(SCT).await;
    let by_doc = ListTasksRequest {
        source_document_id: doc.into(),
        ..Default::default()
    };
    assert_eq!(
        list(&mut lead, by_doc.clone()).await,
        vec![first.task_id.clone()]
    );
    let t = get(&mut lead, &first.task_id).await.expect("lead reads");
    assert_eq!(
        (
            t.assigner.as_str(),
            t.lead_agency.as_str(),
            t.deadline.as_str()
        ),
        (H48, SCT, "2026-12-15")
    );
    assert_eq!(t.coordinating_agencies, vec![STTTT.to_string()]);
    assert_eq!(t.source_document_id, doc);
    assert_eq!(t.history[0].actor, "service/exchange");

    // The same document for another lead agency is another task; a document without a due
    // date gives a task without a deadline.
    let other = intake
        .create_task_from_document(CreateTaskFromDocumentRequest {
            lead_agency: STTTT.into(),
            coordinating_agencies: vec![],
            deadline: String::new(),
            ..req.clone()
        })
        .await
        .expect("second lead")
        .into_inner();
    assert!(other.created);
    assert_ne!(other.task_id, first.task_id);
    let mut sttt = svc.agency(STTTT).await;
    assert_eq!(
        get(&mut sttt, &other.task_id).await.expect("get").deadline,
        ""
    );
    let mut admin = svc.tasks_as(Identity::Admin("operator".into())).await;
    assert_eq!(list(&mut admin, by_doc).await.len(), 2);

    // Bad intake input names the field.
    assert_code(
        intake
            .create_task_from_document(CreateTaskFromDocumentRequest {
                lead_agency: "SCT".into(),
                ..req.clone()
            })
            .await,
        Code::InvalidArgument,
        "lead_agency",
    );
    assert_code(
        intake
            .create_task_from_document(CreateTaskFromDocumentRequest {
                deadline: "15/12/2026".into(),
                ..req
            })
            .await,
        Code::InvalidArgument,
        "deadline",
    );
    svc.stop().await;
}

async fn next_event(
    stream: &mut tonic::Streaming<lienthong_api::tasks::v1::WatchTaskEventsResponse>,
) -> lienthong_api::tasks::v1::TaskEvent {
    tokio::time::timeout(Duration::from_secs(20), stream.next())
        .await
        .expect("an event arrives")
        .expect("stream open")
        .expect("ok")
        .event
        .expect("event")
}

async fn events_stream_with_sweeper_and_resume(backend: Backend) {
    let svc = spawn(backend).await;
    let mut assigner = svc.agency(H48).await;
    let mut lead = svc.agency(SCT).await;
    let mut watch = lead
        .watch_task_events(WatchTaskEventsRequest { after_event_id: 0 })
        .await
        .expect("watch")
        .into_inner();
    let t = create(&mut assigner, "Theo dõi sự kiện", "2026-11-20").await;
    let id = t.task_id.as_str();

    let e1 = next_event(&mut watch).await;
    assert_eq!(
        (e1.kind(), e1.task_id.as_str()),
        (TaskEventKind::Assigned, id)
    );

    // Nothing is due yet.
    assert_eq!(svc.app().sweep().await.expect("sweep"), 0);
    svc.set_day(date!(2026 - 11 - 18));
    assert_eq!(svc.app().sweep().await.expect("sweep"), 1);
    assert_eq!(svc.app().sweep().await.expect("sweep"), 0, "raised once");
    let e2 = next_event(&mut watch).await;
    assert_eq!(e2.kind(), TaskEventKind::NearDeadline);
    assert_eq!(e2.actor, "system");
    svc.set_day(date!(2026 - 11 - 21));
    assert_eq!(svc.app().sweep().await.expect("sweep"), 1);
    let e3 = next_event(&mut watch).await;
    assert_eq!(e3.kind(), TaskEventKind::Overdue);
    assert_eq!(svc.app().sweep().await.expect("sweep"), 0, "raised once");

    submit(&mut lead, id, "Đã hoàn thành")
        .await
        .expect("submit");
    let e4 = next_event(&mut watch).await;
    assert_eq!(e4.kind(), TaskEventKind::ResultSubmitted);
    assert!(e1.event_id < e2.event_id && e2.event_id < e3.event_id && e3.event_id < e4.event_id);
    drop(watch);

    // Resume after the second event: the third and fourth come again, nothing else.
    give_back(&mut assigner, id, "Bổ sung")
        .await
        .expect("return");
    let mut resumed = lead
        .watch_task_events(WatchTaskEventsRequest {
            after_event_id: e2.event_id,
        })
        .await
        .expect("resume")
        .into_inner();
    let kinds = [
        next_event(&mut resumed).await,
        next_event(&mut resumed).await,
        next_event(&mut resumed).await,
    ];
    assert_eq!(kinds[0].event_id, e3.event_id);
    assert_eq!(kinds[1].event_id, e4.event_id);
    assert_eq!(kinds[2].kind(), TaskEventKind::ResultReturned);

    // The assigner's stream has the same task's events; an outsider's has none.
    let assigner_events = svc.app().events_after(H48, 0, 100).await.expect("events");
    assert_eq!(assigner_events.len(), 5);
    assert!(
        svc.app()
            .events_after(G22, 0, 100)
            .await
            .expect("events")
            .is_empty()
    );
    svc.stop().await;
}

async fn bad_input_names_the_field(backend: Backend) {
    let svc = spawn(backend).await;
    let mut a = svc.agency(H48).await;
    let base = CreateTaskRequest {
        content: "Nhiệm vụ".into(),
        lead_agency: SCT.into(),
        coordinating_agencies: vec![],
        deadline: "2026-11-30".into(),
        source_document_id: String::new(),
        notes: String::new(),
    };
    let cases = [
        (
            CreateTaskRequest {
                lead_agency: "SCT-QNg".into(),
                ..base.clone()
            },
            "lead_agency:",
        ),
        (
            CreateTaskRequest {
                coordinating_agencies: vec!["000.00.12".into()],
                ..base.clone()
            },
            "coordinating_agencies[0]:",
        ),
        (
            CreateTaskRequest {
                deadline: "2026-11-01".into(),
                ..base.clone()
            },
            "deadline:",
        ),
        (
            CreateTaskRequest {
                deadline: "2026-02-30".into(),
                ..base.clone()
            },
            "deadline:",
        ),
        (
            CreateTaskRequest {
                content: " ".into(),
                ..base.clone()
            },
            "content:",
        ),
        (
            CreateTaskRequest {
                lead_agency: H48.into(),
                ..base.clone()
            },
            "lead_agency:",
        ),
        (
            CreateTaskRequest {
                source_document_id: "125/UBND".into(),
                ..base.clone()
            },
            "source_document_id:",
        ),
    ];
    for (req, field) in cases {
        let s = err(a.create_task(req).await);
        assert_eq!(s.code(), Code::InvalidArgument, "{field} {}", s.message());
        assert!(
            s.message().starts_with(field),
            "{:?} should name {field}",
            s.message()
        );
    }
    let created = a
        .create_task(base)
        .await
        .expect("valid")
        .into_inner()
        .task
        .expect("task");
    let mut lead = svc.agency(SCT).await;
    let id = created.task_id.as_str();
    for p in [101, -1] {
        let s = err(progress(&mut lead, id, "x", Some(p)).await);
        assert_eq!(s.code(), Code::InvalidArgument);
        assert!(s.message().starts_with("percent:"), "{}", s.message());
    }
    assert_code(
        progress(&mut lead, id, "x", None).await,
        Code::InvalidArgument,
        "percent",
    );
    assert_code(
        progress(&mut lead, id, "", Some(10)).await,
        Code::InvalidArgument,
        "text:",
    );
    assert_code(
        get(&mut lead, "NV-99999").await,
        Code::NotFound,
        "task_id: no task NV-99999",
    );
    assert_code(
        get(&mut lead, "99999").await,
        Code::InvalidArgument,
        "task_id:",
    );
    assert_code(
        extend(&mut lead, id, "30/11/2026").await,
        Code::InvalidArgument,
        "new_deadline:",
    );
    assert_code(
        lead.list_tasks(ListTasksRequest {
            deadline_from: "2026-13-01".into(),
            ..Default::default()
        })
        .await,
        Code::InvalidArgument,
        "deadline_from:",
    );
    assert_code(
        lead.list_tasks(ListTasksRequest {
            page_token: "abc".into(),
            ..Default::default()
        })
        .await,
        Code::InvalidArgument,
        "page_token:",
    );
    svc.stop().await;
}

async fn list_filters_and_paging(backend: Backend) {
    let svc = spawn(backend).await;
    let mut h48 = svc.agency(H48).await;
    let a = create(&mut h48, "A", "2026-11-10").await;
    let b = create(&mut h48, "B", "2026-11-20").await;
    let c = create(&mut h48, "C", "").await;
    // A task assigned by the Sở to the provincial office: the Sở is its assigner.
    let mut sct = svc.agency(SCT).await;
    let d = sct
        .create_task(CreateTaskRequest {
            content: "D".into(),
            lead_agency: G22.into(),
            ..Default::default()
        })
        .await
        .expect("create")
        .into_inner()
        .task
        .expect("task");
    let ids = |v: &[&Task]| v.iter().map(|t| t.task_id.clone()).collect::<Vec<_>>();

    assert_eq!(
        list(&mut sct, ListTasksRequest::default()).await,
        ids(&[&d, &c, &b, &a])
    );
    assert_eq!(
        list(
            &mut sct,
            ListTasksRequest {
                assigner: SCT.into(),
                ..Default::default()
            }
        )
        .await,
        ids(&[&d])
    );
    assert_eq!(
        list(
            &mut sct,
            ListTasksRequest {
                lead_agency: SCT.into(),
                ..Default::default()
            }
        )
        .await,
        ids(&[&c, &b, &a])
    );
    assert_eq!(
        list(
            &mut h48,
            ListTasksRequest {
                coordinating_agency: STTTT.into(),
                ..Default::default()
            }
        )
        .await,
        ids(&[&c, &b, &a])
    );
    assert_eq!(
        list(
            &mut h48,
            ListTasksRequest {
                deadline_from: "2026-11-15".into(),
                deadline_to: "2026-11-30".into(),
                ..Default::default()
            }
        )
        .await,
        ids(&[&b])
    );
    // Paging, newest first.
    let first = sct
        .list_tasks(ListTasksRequest {
            page_size: 3,
            ..Default::default()
        })
        .await
        .expect("page 1")
        .into_inner();
    assert_eq!(first.tasks.len(), 3);
    assert!(!first.next_page_token.is_empty());
    let second = sct
        .list_tasks(ListTasksRequest {
            page_size: 3,
            page_token: first.next_page_token,
            ..Default::default()
        })
        .await
        .expect("page 2")
        .into_inner();
    assert_eq!(
        second
            .tasks
            .iter()
            .map(|t| t.task_id.clone())
            .collect::<Vec<_>>(),
        ids(&[&a])
    );
    assert!(second.next_page_token.is_empty());
    svc.stop().await;
}

async fn statistics_counts(backend: Backend) {
    let svc = spawn(backend).await;
    let mut assigner = svc.agency(H48).await;
    let mut lead = svc.agency(SCT).await;
    // On 2026-11-02: five tasks for the Sở Công Thương, one for the Sở TT&TT.
    let on_time = create(&mut assigner, "đúng hạn", "2026-11-05").await;
    let late = create(&mut assigner, "trễ hạn", "2026-11-05").await;
    let _overdue = create(&mut assigner, "quá hạn", "2026-11-06").await;
    let _near = create(&mut assigner, "sắp đến hạn", "2026-11-12").await;
    let _open = create(&mut assigner, "còn hạn", "2026-12-31").await;
    let refused = create(&mut assigner, "từ chối", "2026-12-31").await;
    assigner
        .create_task(CreateTaskRequest {
            content: "khác".into(),
            lead_agency: STTTT.into(),
            deadline: "2026-12-31".into(),
            ..Default::default()
        })
        .await
        .expect("create");
    submit(&mut lead, &on_time.task_id, "xong")
        .await
        .expect("submit");
    confirm(&mut assigner, &on_time.task_id)
        .await
        .expect("confirm");
    lead.refuse_task(RefuseTaskRequest {
        task_id: refused.task_id.clone(),
        reason: "không thuộc thẩm quyền".into(),
    })
    .await
    .expect("refuse");
    svc.set_day(date!(2026 - 11 - 09));
    submit(&mut lead, &late.task_id, "xong muộn")
        .await
        .expect("submit");
    confirm(&mut assigner, &late.task_id)
        .await
        .expect("confirm");

    let mut reporting = svc.stats_as(Identity::Service("reporting".into())).await;
    let stats = reporting
        .get_task_statistics(GetTaskStatisticsRequest {
            from_day: "2026-11-01".into(),
            to_day: "2026-11-30".into(),
            lead_agency: String::new(),
        })
        .await
        .expect("statistics")
        .into_inner()
        .agencies;
    assert_eq!(stats.len(), 2);
    let sct = stats.iter().find(|s| s.lead_agency == SCT).expect("SCT");
    // As of now (2026-11-09, window 3 days: near up to 2026-11-12).
    assert_eq!(
        (
            sct.completed_on_time,
            sct.completed_late,
            sct.overdue,
            sct.near_deadline,
            sct.in_progress,
            sct.total
        ),
        (1, 1, 1, 1, 1, 5)
    );
    let sttt = stats
        .iter()
        .find(|s| s.lead_agency == STTTT)
        .expect("STTTT");
    assert_eq!((sttt.in_progress, sttt.total), (1, 1));

    // As of the end of 2026-11-05 nothing was late yet: the tasks due 11-05 and 11-06 were near
    // their deadlines (window up to 11-08), those due 11-12 and 12-31 plainly in progress.
    let earlier = reporting
        .get_task_statistics(GetTaskStatisticsRequest {
            from_day: "2026-11-01".into(),
            to_day: "2026-11-05".into(),
            lead_agency: SCT.into(),
        })
        .await
        .expect("statistics")
        .into_inner()
        .agencies;
    assert_eq!(earlier.len(), 1);
    let e = &earlier[0];
    assert_eq!(
        (
            e.completed_on_time,
            e.completed_late,
            e.overdue,
            e.near_deadline,
            e.in_progress
        ),
        (1, 0, 0, 2, 2)
    );
    assert_code(
        reporting
            .get_task_statistics(GetTaskStatisticsRequest {
                from_day: "2026-11-30".into(),
                to_day: "2026-11-01".into(),
                lead_agency: String::new(),
            })
            .await,
        Code::InvalidArgument,
        "to_day",
    );

    // The daily figures pushed to the reporting service.
    let values = svc
        .app()
        .daily_figures(&[date!(2026 - 11 - 09)])
        .await
        .expect("figures");
    let value = |indicator: &str, agency: &str| {
        values
            .iter()
            .find(|v| v.indicator_code == indicator && v.agency_code == agency)
            .map(|v| (v.value, v.day.clone()))
    };
    assert_eq!(
        value("tasks.completed_on_time", SCT),
        Some((1.0, "2026-11-09".into()))
    );
    assert_eq!(
        value("tasks.completed_late", SCT),
        Some((1.0, "2026-11-09".into()))
    );
    assert_eq!(
        value("tasks.overdue", SCT),
        Some((1.0, "2026-11-09".into()))
    );
    assert_eq!(
        value("tasks.in_progress", SCT),
        Some((2.0, "2026-11-09".into())),
        "in time, near included"
    );
    assert_eq!(
        value("tasks.in_progress", STTTT),
        Some((1.0, "2026-11-09".into()))
    );
    svc.stop().await;
}
