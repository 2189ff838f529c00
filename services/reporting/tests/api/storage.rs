//! The rule of the platform for lost races, on the reporting store: a unique violation or a
//! stale optimistic version means another call changed the same report first — ABORTED, to be
//! retried — never UNAVAILABLE or INTERNAL.
use lienthong_axis::AgencyCode;
use lienthong_platform::db::{self, Backend};
use lienthong_reporting::store::{self, MIGRATOR, Store};
use tonic::Code;

use crate::support::*;

pub async fn lost_races_are_aborted(backend: Backend) {
    let svc = spawn_service(backend).await;
    let mut so = svc.agency(STTTT).await;
    save(&mut so, "AXIS-MONTHLY", "2026-03", &[("AXIS.SENT", "3")])
        .await
        .expect("draft");
    // A second pool on the service's database, as a concurrent instance would have.
    let url = svc.server.database_url("reporting");
    let other = Store::new(db::Db::new(
        db::connect(&url, &MIGRATOR, 2).await.expect("second pool"),
    ));
    let agency: AgencyCode = STTTT.parse().expect("code");
    let mut conn = other.conn().await.expect("conn");
    let mut row = store::get_report(&mut conn, "AXIS-MONTHLY", "2026-03", &agency)
        .await
        .expect("read")
        .expect("the draft");

    // The same report inserted twice: a unique violation.
    let e = store::insert_report(&mut conn, &row)
        .await
        .expect_err("unique violation");
    let status = refused::<()>(
        Err(tonic::Status::from(e)),
        Code::Aborted,
        "CONCURRENT_CHANGE",
    );
    assert_eq!(
        status.message(),
        "a concurrent change to the same record won; retry"
    );

    // A change written over a version that is no longer the stored one is not applied.
    save(&mut so, "AXIS-MONTHLY", "2026-03", &[("AXIS.SENT", "4")])
        .await
        .expect("the service changes it meanwhile");
    row.version += 1;
    let written = store::update_report(&mut conn, &row).await.expect("update");
    assert!(!written, "the stale version lost");
    let stored = store::get_report(&mut conn, "AXIS-MONTHLY", "2026-03", &agency)
        .await
        .expect("read")
        .expect("the draft");
    assert_eq!(stored.values[0].value, "4");
    drop(conn);
    svc.stop().await;
}
