//! Buckets follow the clock: in progress, near the deadline, overdue at midnight after the
//! deadline day (Vietnam time).
use lienthong_api::tasks::v1::{ListTasksRequest, TaskBucket};
use lienthong_axis::local::end_of_day;
use lienthong_platform::db::Backend;
use time::macros::date;

use crate::{
    calls::*,
    support::{H48, spawn},
};

lienthong_platform::on_both_databases!(buckets_follow_the_clock);

fn in_bucket(b: TaskBucket) -> ListTasksRequest {
    ListTasksRequest {
        bucket: b as i32,
        ..Default::default()
    }
}

async fn buckets_follow_the_clock(backend: Backend) {
    let svc = spawn(backend).await;
    let mut a = svc.agency(H48).await;
    let t = create(&mut a, "Báo cáo chuyển đổi số", "2026-11-20").await;
    let no_deadline = create(&mut a, "Theo dõi thường xuyên", "").await;
    let id = t.task_id.as_str();

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
        .set(end_of_day(date!(2026 - 11 - 20)) - 60_000_000);
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
