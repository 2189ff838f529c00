//! The intake of statistics: only services push; figures of the period's window pre-fill the
//! drafts; a refused push names the field and stores nothing.
use lienthong_api::reporting::v1::{
    PushStatisticsRequest, StatisticValue, intake_service_client::IntakeServiceClient,
};
use lienthong_platform::{Identity, client::TracedChannel, db::Backend};
use tonic::Code;

use crate::support::*;

const SENT: &str = "axis.documents_sent";
const RECEIVED: &str = "axis.documents_received";

fn stat(code: &str, agency: &str, day: &str, value: f64) -> StatisticValue {
    StatisticValue {
        indicator_code: code.into(),
        agency_code: agency.into(),
        day: day.into(),
        value,
    }
}

async fn push(
    client: &IntakeServiceClient<TracedChannel>,
    values: Vec<StatisticValue>,
) -> Result<u32, tonic::Status> {
    client
        .clone()
        .push_statistics(PushStatisticsRequest { values })
        .await
        .map(|r| r.into_inner().recorded)
}

pub async fn intake_prefills_drafts_for_the_period_window(backend: Backend) {
    let svc = spawn_service(backend).await;
    let exchange = svc.intake(&Identity::Service("exchange".into())).await;
    // The March 2026 window is 2026-02-15 .. 2026-03-14.
    let recorded = push(
        &exchange,
        vec![
            stat(SENT, STTTT, "2026-02-14", 100.0), // before the window
            stat(SENT, STTTT, "2026-02-15", 3.0),
            stat(SENT, STTTT, "2026-03-01", 99.0), // replaced below
            stat(SENT, STTTT, "2026-03-14", 5.0),
            stat(SENT, STTTT, "2026-03-15", 1000.0), // after the window (April)
            stat(RECEIVED, STTTT, "2026-03-02", 8.0),
            stat(SENT, SCT, "2026-03-02", 50.0), // another agency
        ],
    )
    .await
    .expect("push");
    assert_eq!(recorded, 7);
    // The same key again replaces the value: a push can be repeated safely.
    push(&exchange, vec![stat(SENT, STTTT, "2026-03-01", 4.0)])
        .await
        .expect("repush");

    svc.today_is("2026-03-16");
    let mut so = svc.agency(STTTT).await;
    let draft = save(&mut so, "AXIS-MONTHLY", "2026-03", &[])
        .await
        .expect("draft");
    assert_eq!(value_of(&draft, "AXIS.SENT"), ("12".into(), true));
    assert_eq!(value_of(&draft, "AXIS.RECEIVED"), ("8".into(), true));
    // The annual KH61 window (2025-12-15 .. 2026-12-14) takes every day pushed.
    let kh61 = save(&mut so, "KH61", "2026", &[]).await.expect("draft");
    assert_eq!(value_of(&kh61, "KH61.TRUC"), ("1112".into(), true));
    assert_eq!(value_of(&kh61, "KH61.CKS"), (String::new(), false));
    // An edited value is no longer marked pre-filled; the draft submits as is.
    let edited = save(&mut so, "AXIS-MONTHLY", "2026-03", &[("AXIS.SENT", "13")])
        .await
        .expect("edit");
    assert_eq!(value_of(&edited, "AXIS.SENT"), ("13".into(), false));
    assert_eq!(value_of(&edited, "AXIS.RECEIVED"), ("8".into(), true));
    submit(&mut so, "AXIS-MONTHLY", "2026-03")
        .await
        .expect("submit");
    // An agency without statistics gets an empty draft.
    let mut binh_son = svc.agency(BINH_SON).await;
    let empty = save(&mut binh_son, "AXIS-MONTHLY", "2026-03", &[])
        .await
        .expect("draft");
    assert_eq!(value_of(&empty, "AXIS.SENT"), (String::new(), false));
    svc.stop().await;
}

pub async fn refused_pushes_name_the_field_and_store_nothing(backend: Backend) {
    let svc = spawn_service(backend).await;
    let exchange = svc.intake(&Identity::Service("exchange".into())).await;
    svc.today_is("2026-03-16");
    // Bad input names the field and the rule; nothing of a refused push is stored.
    let e = refused(
        push(
            &exchange,
            vec![
                stat(SENT, H48, "2026-03-02", 9.0),
                stat(SENT, H48, "02/03/2026", 1.0),
            ],
        )
        .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert!(e.message().starts_with("values[1].day:"), "{}", e.message());
    let e = refused(
        push(&exchange, vec![stat(SENT, "H48", "2026-03-02", 1.0)]).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert!(
        e.message().starts_with("values[0].agency_code:"),
        "{}",
        e.message()
    );
    let e = refused(
        push(
            &exchange,
            vec![stat("Axis Sent", BINH_SON, "2026-03-02", 1.0)],
        )
        .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert!(
        e.message().starts_with("values[0].indicator_code:"),
        "{}",
        e.message()
    );
    three_bad_values_three_violations(&exchange).await;
    let too_many = (0..10_001)
        .map(|_| stat(SENT, BINH_SON, "2026-03-02", 1.0))
        .collect();
    let e = refused(
        push(&exchange, too_many).await,
        Code::ResourceExhausted,
        "TOO_MANY_VALUES",
    );
    assert!(e.message().starts_with("values:"), "{}", e.message());
    let mut vp_ubnd = svc.agency(H48).await;
    let fresh = save(&mut vp_ubnd, "AXIS-MONTHLY", "2026-03", &[])
        .await
        .expect("draft");
    assert_eq!(
        value_of(&fresh, "AXIS.SENT"),
        (String::new(), false),
        "the refused push stored nothing"
    );
    svc.stop().await;
}

/// Three malformed fields over two values: three violations.
async fn three_bad_values_three_violations(exchange: &IntakeServiceClient<TracedChannel>) {
    // Three malformed values, three violations.
    let e = refused(
        push(
            exchange,
            vec![
                stat("Axis Sent", BINH_SON, "2026-03-02", 1.0),
                stat(SENT, BINH_SON, "2026-03-02", 1.0),
                stat(SENT, "H48", "2026-3-2", 1.0),
            ],
        )
        .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert_eq!(
        violated_fields(&e),
        [
            "values[0].indicator_code",
            "values[2].agency_code",
            "values[2].day"
        ]
    );
}

pub async fn agency_calling_the_intake_is_refused(backend: Backend) {
    let svc = spawn_service(backend).await;
    let values = vec![stat(SENT, STTTT, "2026-03-01", 7.0)];
    for id in [
        Identity::agency(STTTT).expect("agency"),
        Identity::Admin("operator".into()),
        Identity::Hub("H48".into()),
    ] {
        let c = svc.intake(&id).await;
        refused(
            push(&c, values.clone()).await,
            Code::PermissionDenied,
            "IDENTITY_NOT_ALLOWED",
        );
    }
    // Nothing was recorded: the draft is not pre-filled.
    let mut so = svc.agency(STTTT).await;
    let draft = save(&mut so, "AXIS-MONTHLY", "2026-03", &[])
        .await
        .expect("draft");
    assert_eq!(value_of(&draft, "AXIS.SENT"), (String::new(), false));
    // A service may push.
    let tasks = svc.intake(&Identity::Service("tasks".into())).await;
    push(&tasks, values).await.expect("a service pushes");
    svc.stop().await;
}
