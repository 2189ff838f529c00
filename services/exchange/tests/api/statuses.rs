//! Business statuses move forward only: what a recipient may not report, each refusal with its
//! reason and, for a refused transition, the document it is about.
use lienthong_api::exchange::v1::{
    BusinessStatus as S, exchange_service_client::ExchangeServiceClient,
};
use lienthong_platform::{client::TracedChannel, db::Backend};
use tonic::Code;

use crate::support::*;

type Client = ExchangeServiceClient<TracedChannel>;

pub async fn refuses_forbidden_transitions(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut h48 = hub.agency(H48).await;
    let mut vpcp = hub.agency(G22).await;
    let r = send(&mut h48, header(H48, &[G22], 1, &[]), &[])
        .await
        .expect("send");
    let id = r.document_id;
    let early = refused(
        report(&mut vpcp, &id, S::Accepted, "").await,
        Code::FailedPrecondition,
        "NOT_ACKNOWLEDGED",
    );
    precondition_about(&early, &id);
    ack(&mut vpcp, &id).await;
    report(&mut vpcp, &id, S::Accepted, "").await.expect("03");
    report(&mut vpcp, &id, S::Assigned, "").await.expect("04");
    let back = refused(
        report(&mut vpcp, &id, S::Accepted, "").await,
        Code::FailedPrecondition,
        "TRANSITION_REFUSED",
    );
    assert!(
        back.message().contains("cannot follow"),
        "{}",
        back.message()
    );
    precondition_about(&back, &id);
    refused(
        report(&mut vpcp, &id, S::Assigned, "").await,
        Code::FailedPrecondition,
        "TRANSITION_REFUSED",
    );
    refused(
        report(&mut vpcp, &id, S::Rejected, "lý do").await,
        Code::FailedPrecondition,
        "TRANSITION_REFUSED",
    );
    not_reportable(&mut vpcp, &id).await;
    let revoke_answer = refused(
        report(&mut vpcp, &id, S::RevokeAccepted, "").await,
        Code::FailedPrecondition,
        "NO_REVOKE_PENDING",
    );
    precondition_about(&revoke_answer, &id);
    rejected_needs_a_reason_and_ends_the_leg(&mut h48, &mut vpcp).await;
    hub.stop().await;
}

/// Unknown values, 01 and 13 are no status a recipient reports: malformed `status`.
async fn not_reportable(vpcp: &mut Client, id: &str) {
    for (raw, what) in [(7, "not a business status"), (0, "not a business status")] {
        let e = refused(
            report_raw(vpcp, id, raw, "").await,
            Code::InvalidArgument,
            "INVALID_FIELD",
        );
        assert_eq!(violated_fields(&e), ["status"]);
        assert!(e.message().contains(what), "{}", e.message());
    }
    for (not_reported, by) in [
        (S::Arrived, "AcknowledgeDocument"),
        (S::RevokeRequested, "RevokeDocument"),
    ] {
        let e = refused(
            report(vpcp, id, not_reported, "").await,
            Code::InvalidArgument,
            "INVALID_FIELD",
        );
        assert!(e.message().contains(by), "{}", e.message());
    }
}

/// 02 needs a reason, and nothing follows it.
async fn rejected_needs_a_reason_and_ends_the_leg(h48: &mut Client, vpcp: &mut Client) {
    let r2 = send(h48, header(H48, &[G22], 2, &[]), &[])
        .await
        .expect("send");
    ack(vpcp, &r2.document_id).await;
    let no_reason = refused(
        report(vpcp, &r2.document_id, S::Rejected, "").await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert_eq!(violated_fields(&no_reason), ["description"]);
    report(vpcp, &r2.document_id, S::Rejected, "Không thuộc thẩm quyền")
        .await
        .expect("02");
    refused(
        report(vpcp, &r2.document_id, S::Accepted, "").await,
        Code::FailedPrecondition,
        "TRANSITION_REFUSED",
    );
}
