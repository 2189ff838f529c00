//! Statistics: counts per lead agency over a period, and the daily figures pushed to the
//! reporting service (which days, and when a day is final).
use lienthong_api::tasks::v1::{
    AgencyTaskStatistics, CreateTaskRequest, GetTaskStatisticsRequest, RefuseTaskRequest,
};
use lienthong_axis::{Clock, local::end_of_day};
use lienthong_platform::{
    Identity,
    db::Backend,
    statistics::{PendingDay, StatisticsSource},
};
use lienthong_tasks::outbound::TaskStatistics;
use time::{Date, macros::date};
use tonic::Code;

use crate::{
    calls::*,
    support::{H48, SCT, STTTT, TestTasks, spawn},
};

lienthong_platform::on_both_databases!(statistics_counts, pushed_days_become_final);

/// On 2026-11-02: five tasks for the Sở Công Thương (one completed on time, one refused), one
/// for the Sở TT&TT; on 2026-11-09 one more is completed, late.
async fn tasks_of_two_weeks(svc: &TestTasks) {
    let mut assigner = svc.agency(H48).await;
    let mut lead = svc.agency(SCT).await;
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
}

fn period(from: &str, to: &str, lead: &str) -> GetTaskStatisticsRequest {
    GetTaskStatisticsRequest {
        from_day: from.into(),
        to_day: to.into(),
        lead_agency: lead.into(),
    }
}

async fn statistics(svc: &TestTasks, r: GetTaskStatisticsRequest) -> Vec<AgencyTaskStatistics> {
    let mut reporting = svc.stats_as(Identity::Service("reporting".into())).await;
    reporting
        .get_task_statistics(r)
        .await
        .expect("statistics")
        .into_inner()
        .agencies
}

async fn statistics_counts(backend: Backend) {
    let svc = spawn(backend).await;
    tasks_of_two_weeks(&svc).await;
    let stats = statistics(&svc, period("2026-11-01", "2026-11-30", "")).await;
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
    let earlier = statistics(&svc, period("2026-11-01", "2026-11-05", SCT)).await;
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
    let mut reporting = svc.stats_as(Identity::Service("reporting".into())).await;
    assert_code(
        reporting
            .get_task_statistics(period("2026-11-30", "2026-11-01", ""))
            .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "to_day",
    );
    daily_figures(&svc).await;
    svc.stop().await;
}

/// The daily figures pushed to the reporting service.
async fn daily_figures(svc: &TestTasks) {
    let source = TaskStatistics::new(svc.app().clone());
    let values = source
        .figures(PendingDay {
            day: date!(2026 - 11 - 09),
            version: svc.clock.now_micros(),
        })
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
}

async fn pending(source: &TaskStatistics) -> Vec<PendingDay> {
    source.pending_days().await.expect("pending days")
}

fn days(pending: &[PendingDay]) -> Vec<Date> {
    pending.iter().map(|d| d.day).collect()
}

/// Pending days run from the day after the last final day through today; a day becomes final
/// once pushed with its figures taken after it ended, and the watermark never moves back.
async fn pushed_days_become_final(backend: Backend) {
    let svc = spawn(backend).await;
    let source = TaskStatistics::new(svc.app().clone());
    let first = pending(&source).await;
    assert_eq!(days(&first), [date!(2026 - 11 - 01), date!(2026 - 11 - 02)]);
    assert!(first.iter().all(|d| d.version == svc.clock.now_micros()));
    for d in &first {
        source.mark_pushed(*d).await.expect("marked");
    }
    assert_eq!(
        days(&pending(&source).await),
        [date!(2026 - 11 - 02)],
        "yesterday is final, today is pushed again"
    );

    svc.set_day(date!(2026 - 11 - 04));
    let taken_on_the_4th = pending(&source).await;
    assert_eq!(
        days(&taken_on_the_4th),
        [
            date!(2026 - 11 - 02),
            date!(2026 - 11 - 03),
            date!(2026 - 11 - 04)
        ]
    );
    // The 4th's figures were taken during the 4th: pushed after midnight they are not final.
    svc.clock.set(end_of_day(date!(2026 - 11 - 04)) + 1);
    source
        .mark_pushed(taken_on_the_4th[2])
        .await
        .expect("marked");
    assert_eq!(days(&pending(&source).await)[0], date!(2026 - 11 - 02));
    source
        .mark_pushed(taken_on_the_4th[1])
        .await
        .expect("marked");
    assert_eq!(days(&pending(&source).await)[0], date!(2026 - 11 - 04));
    // An older day pushed again does not move the watermark back.
    source
        .mark_pushed(taken_on_the_4th[0])
        .await
        .expect("marked");
    assert_eq!(
        days(&pending(&source).await),
        [date!(2026 - 11 - 04), date!(2026 - 11 - 05)]
    );
    svc.stop().await;
}
