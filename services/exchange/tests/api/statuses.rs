//! Business statuses move forward only: what a recipient may not report.
use lienthong_platform::db::Backend;
use tonic::Code;

use crate::support::*;

pub async fn refuses_forbidden_transitions(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut h48 = hub.agency(H48).await;
    let mut vpcp = hub.agency(G22).await;
    let r = send(&mut h48, header(H48, &[G22], 1, &[]), &[])
        .await
        .expect("send");
    let id = r.document_id;
    let early = code_of(report(&mut vpcp, &id, "03", "").await);
    assert_eq!(
        early.code(),
        Code::FailedPrecondition,
        "03 before acknowledgement"
    );
    ack(&mut vpcp, &id).await;
    report(&mut vpcp, &id, "03", "").await.expect("03");
    report(&mut vpcp, &id, "04", "").await.expect("04");
    let back = code_of(report(&mut vpcp, &id, "03", "").await);
    assert_eq!(back.code(), Code::FailedPrecondition);
    assert!(
        back.message().contains("cannot follow"),
        "{}",
        back.message()
    );
    let repeat = code_of(report(&mut vpcp, &id, "04", "").await);
    assert_eq!(repeat.code(), Code::FailedPrecondition);
    let reject_late = code_of(report(&mut vpcp, &id, "02", "lý do").await);
    assert_eq!(reject_late.code(), Code::FailedPrecondition);
    let unknown = code_of(report(&mut vpcp, &id, "07", "").await);
    assert_eq!(unknown.code(), Code::InvalidArgument);
    let revoke_answer = code_of(report(&mut vpcp, &id, "15", "").await);
    assert_eq!(
        revoke_answer.code(),
        Code::FailedPrecondition,
        "15 without a revoke request"
    );

    let r2 = send(&mut h48, header(H48, &[G22], 2, &[]), &[])
        .await
        .expect("send");
    ack(&mut vpcp, &r2.document_id).await;
    let no_reason = code_of(report(&mut vpcp, &r2.document_id, "02", "").await);
    assert_eq!(no_reason.code(), Code::InvalidArgument);
    assert!(
        no_reason.message().contains("description"),
        "{}",
        no_reason.message()
    );
    report(&mut vpcp, &r2.document_id, "02", "Không thuộc thẩm quyền")
        .await
        .expect("02");
    let after_reject = code_of(report(&mut vpcp, &r2.document_id, "03", "").await);
    assert_eq!(after_reject.code(), Code::FailedPrecondition);
    hub.stop().await;
}
