//! Three hubs: national, Quảng Ngãi (H48), Nghệ An (H41), relaying over real mTLS.
use lienthong_api::exchange::v1::{
    AcknowledgeDocumentRequest, Agency, BusinessStatus as S, DocumentHeader, GetAgencyRequest,
    GetHubStatusRequest, GetHubStatusResponse, GetSentDocumentRequest, HubRole,
    RegisterAgencyRequest, RelayDocumentRequest, RelayHeader, RelayStatusRequest,
    RevokeDocumentRequest, RevokeState, SentDocumentView, StatusUpdate, TransportState,
    exchange_service_client::ExchangeServiceClient, relay_document_request,
    relay_service_client::RelayServiceClient,
};
use lienthong_platform::{Identity, client::TracedChannel, db::Backend};
use tonic::Code;

use crate::support::*;

pub const BINH_SON: &str = "000.00.53.H48";
pub const NGHE_AN: &str = "000.00.00.H41";

type Client = ExchangeServiceClient<TracedChannel>;

async fn sent_view(client: &Client, id: &str) -> SentDocumentView {
    client
        .clone()
        .get_sent_document(GetSentDocumentRequest {
            document_id: id.into(),
        })
        .await
        .expect("view")
        .into_inner()
        .document
        .expect("view")
}

/// Waits until the sender's view of `id` satisfies `done`.
async fn view_until(
    what: &str,
    client: &Client,
    id: &str,
    done: impl Fn(&SentDocumentView) -> bool,
) -> SentDocumentView {
    eventually(what, PATIENCE, || async {
        let v = sent_view(client, id).await;
        done(&v).then_some(v)
    })
    .await
}

fn hops(doc: &DocumentHeader) -> Vec<&str> {
    doc.trace_headers
        .iter()
        .map(|t| t.organ_id.as_str())
        .collect()
}

pub async fn cross_province_delivery_and_statuses_back(backend: Backend) {
    let axis = spawn_axis(backend).await;
    let mut binh_son = axis.h48.agency(BINH_SON).await;
    let mut nghe_an = axis.h41.agency(NGHE_AN).await;
    let mut vpcp = axis.national.agency(G22).await;

    any_agency_can_be_addressed(&axis).await;
    let pdf: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
    let h = header(BINH_SON, &[NGHE_AN, G22], 45, &[("cong-van.pdf", &pdf)]);
    let id = h.document_id.clone();
    send(&mut binh_son, h, &[&pdf])
        .await
        .expect("accepted on H48");
    delivered_through_every_hub(&nghe_an, &vpcp, &id, &pdf).await;

    for client in [&mut nghe_an, &mut vpcp] {
        client
            .acknowledge_document(AcknowledgeDocumentRequest {
                document_id: id.clone(),
            })
            .await
            .expect("ack");
    }
    for (client, status) in [
        (nghe_an.clone(), S::Accepted),
        (nghe_an.clone(), S::Processing),
        (vpcp.clone(), S::Accepted),
    ] {
        let mut client = client;
        report(&mut client, &id, status, "")
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", status.as_str_name()));
    }
    statuses_come_back(&mut binh_son, &id).await;
    each_hub_reports_its_own_agencies(&axis).await;
    revoke_forward_and_answer_back(&mut binh_son, &mut nghe_an, &id).await;
    axis.stop().await;
}

/// A clerk on H48 can address an agency served elsewhere.
async fn any_agency_can_be_addressed(axis: &Axis) {
    let mut dir = axis.h48.directory(&agency_id(BINH_SON)).await;
    let found = dir
        .get_agency(GetAgencyRequest {
            code: NGHE_AN.into(),
        })
        .await
        .expect("lookup")
        .into_inner();
    assert_eq!(found.agency.expect("agency").name, "UBND tỉnh Nghệ An");
    refused(
        dir.get_agency(GetAgencyRequest {
            code: "000.00.77.H41".into(),
        })
        .await,
        Code::NotFound,
        "UNKNOWN_ON_AXIS",
    );
    // An agency another hub serves is registered there.
    let mut admin = axis.h48.directory(&Identity::Admin("ops".into())).await;
    let e = refused(
        admin
            .register_agency(RegisterAgencyRequest {
                agency: Some(Agency {
                    code: "000.00.21.H41".into(),
                    name: "Sở Y tế tỉnh Nghệ An".into(),
                    ..Default::default()
                }),
            })
            .await,
        Code::FailedPrecondition,
        "REGISTER_ELSEWHERE",
    );
    assert!(
        e.message().contains("served by hub national"),
        "{}",
        e.message()
    );
}

async fn delivered_through_every_hub(nghe_an: &Client, vpcp: &Client, id: &str, pdf: &[u8]) {
    let at_nghe_an = wait_for_documents(nghe_an, 1).await;
    assert_eq!(at_nghe_an.len(), 1, "delivered once at H41");
    assert_eq!(
        hops(&at_nghe_an[0]),
        ["H48", "national", "H41"],
        "every hub crossed, in order"
    );
    let times: Vec<i64> = at_nghe_an[0]
        .trace_headers
        .iter()
        .map(|t| t.record_time.as_ref().expect("time").seconds)
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    let at_vpcp = wait_for_documents(vpcp, 1).await;
    assert_eq!(at_vpcp.len(), 1);
    assert_eq!(hops(&at_vpcp[0]), ["H48", "national"]);

    // The attachment crossed two hops intact.
    let (_, files) = fetch_all(&mut nghe_an.clone(), id).await.expect("fetch");
    assert_eq!(files, vec![pdf.to_vec()]);
}

/// Statuses come back to Bình Sơn through the same hubs, with the hub each happened at.
async fn statuses_come_back(binh_son: &mut Client, id: &str) {
    let view = view_until("statuses back at the sender", binh_son, id, |v| {
        v.recipients
            .iter()
            .any(|r| r.agency_code == NGHE_AN && r.current_status() == S::Processing)
            && v.recipients
                .iter()
                .any(|r| r.agency_code == G22 && r.current_status() == S::Accepted)
    })
    .await;
    let leg = |code: &str| {
        view.recipients
            .iter()
            .find(|r| r.agency_code == code)
            .expect("leg")
            .clone()
    };
    assert_eq!(leg(NGHE_AN).hub, "H41");
    assert_eq!(leg(G22).hub, "national");
    assert_eq!(leg(NGHE_AN).transport_state(), TransportState::Acknowledged);
    let nghe_an_statuses: Vec<(S, String)> = leg(NGHE_AN)
        .statuses
        .iter()
        .map(|s| (s.status(), s.hub.clone()))
        .collect();
    assert_eq!(
        nghe_an_statuses,
        [
            (S::Arrived, "H41".to_string()),
            (S::Accepted, "H41".into()),
            (S::Processing, "H41".into())
        ]
    );
    let back = statuses_in(binh_son).await;
    assert_eq!(
        back.iter().filter(|(f, _)| f == NGHE_AN).count(),
        3,
        "{back:?}"
    );
    assert_eq!(back.iter().filter(|(f, _)| f == G22).count(), 2, "{back:?}");
}

/// Each hub reports its own agencies' figures, relayed ones marked as such.
async fn each_hub_reports_its_own_agencies(axis: &Axis) {
    let row = |indicator: &str, agency: &str| (indicator.to_string(), agency.to_string(), 1);
    assert_eq!(
        figures(&axis.h48, TODAY).await,
        [
            row("axis.documents_relayed_out", BINH_SON),
            row("axis.documents_sent", BINH_SON),
        ]
    );
    assert_eq!(
        figures(&axis.h41, TODAY).await,
        [
            row("axis.documents_received", NGHE_AN),
            row("axis.documents_relayed_in", NGHE_AN),
        ]
    );
    assert_eq!(
        figures(&axis.national, TODAY).await,
        [
            row("axis.documents_received", G22),
            row("axis.documents_relayed_in", G22),
        ]
    );
}

/// A revoke travels forward, its answer back.
async fn revoke_forward_and_answer_back(binh_son: &mut Client, nghe_an: &mut Client, id: &str) {
    binh_son
        .revoke_document(RevokeDocumentRequest {
            document_id: id.into(),
            reason: "Nhầm nơi nhận".into(),
        })
        .await
        .expect("revoke");
    eventually("the revoke request at H41", PATIENCE, || {
        let mut c = nghe_an.clone();
        async move {
            statuses_in(&mut c)
                .await
                .iter()
                .any(|(f, status)| f == BINH_SON && *status == S::RevokeRequested)
                .then_some(())
        }
    })
    .await;
    report(nghe_an, id, S::RevokeAccepted, "")
        .await
        .expect("15");
    view_until("the revoke answer at the sender", binh_son, id, |v| {
        v.recipients
            .iter()
            .any(|r| r.agency_code == NGHE_AN && r.revoke_state() == RevokeState::Accepted)
    })
    .await;
}

async fn hub_status(hub: &TestHub) -> GetHubStatusResponse {
    hub.admin()
        .await
        .get_hub_status(GetHubStatusRequest {})
        .await
        .expect("status")
        .into_inner()
}

/// Waits until nothing is left in a hub's outboxes.
async fn drained(hub: &TestHub) {
    eventually("the outboxes to drain", PATIENCE, || async {
        let status = hub_status(hub).await;
        status
            .peers
            .iter()
            .all(|p| p.outbox_depth == 0)
            .then_some(())
    })
    .await;
}

pub async fn national_hub_down_delays_and_loses_nothing(backend: Backend) {
    let mut axis = spawn_axis(backend).await;
    let mut binh_son = axis.h48.agency(BINH_SON).await;
    let mut province = axis.h48.agency(H48).await;
    axis.national.halt().await;

    let mut ids = Vec::new();
    for n in 1..=3 {
        let r = send(
            &mut binh_son,
            header(BINH_SON, &[NGHE_AN, G22], n, &[]),
            &[],
        )
        .await
        .expect("accepted while national is down");
        ids.push(r.document_id);
    }
    // Local delivery keeps working.
    send(&mut binh_son, header(BINH_SON, &[H48], 10, &[]), &[])
        .await
        .expect("local send");
    assert_eq!(documents_in(&mut province).await.len(), 1);

    // The operator sees the backlog towards the national hub.
    let depth = eventually("a failed delivery attempt", PATIENCE, || async {
        let s = hub_status(&axis.h48).await;
        let peer = s
            .peers
            .iter()
            .find(|p| p.peer == "national")
            .expect("national peer")
            .clone();
        (!peer.last_error.is_empty()).then_some(peer.outbox_depth)
    })
    .await;
    assert_eq!(depth, 3);

    axis.national.resume().await;
    let mut nghe_an = axis.h41.agency(NGHE_AN).await;
    let vpcp = axis.national.agency(G22).await;
    for client in [&nghe_an, &vpcp] {
        let docs = wait_for_documents(client, 3).await;
        let mut got: Vec<String> = docs.iter().map(|d| d.document_id.clone()).collect();
        got.sort();
        assert_eq!(got, ids, "each document exactly once");
    }
    // Nothing more arrives once every outbox on the way is empty (no duplicates from retries).
    drained(&axis.h48).await;
    drained(&axis.national).await;
    assert_eq!(documents_in(&mut nghe_an).await.len(), 3);
    let status = hub_status(&axis.h48).await;
    let national = status
        .peers
        .iter()
        .find(|p| p.peer == "national")
        .expect("peer");
    assert_eq!(national.outbox_depth, 0);
    assert_eq!(
        national.oldest_pending_age,
        Some(Default::default()),
        "zero when nothing waits"
    );
    assert_eq!(status.role(), HubRole::Provincial);
    axis.stop().await;
}

pub async fn relay_is_for_hubs_and_only_for_their_agencies(backend: Backend) {
    let axis = spawn_axis(backend).await;
    let mut binh_son = axis.h48.agency(BINH_SON).await;
    let h = header(BINH_SON, &[G22], 77, &[]);
    send(&mut binh_son, h.clone(), &[]).await.expect("send");
    let mut vpcp = axis.national.agency(G22).await;
    let delivered = wait_for_documents(&vpcp, 1).await;
    assert_eq!(delivered.len(), 1);
    let stored = delivered[0].clone();

    let relay = |document: DocumentHeader| {
        tokio_stream::iter(vec![RelayDocumentRequest {
            part: Some(relay_document_request::Part::Header(RelayHeader {
                document: Some(document),
                recipients: vec![G22.into()],
            })),
        }])
    };
    // An agency certificate cannot relay.
    let mut as_agency = RelayServiceClient::new(axis.national.channel(&agency_id(BINH_SON)).await);
    refused(
        as_agency.relay_document(relay(stored.clone())).await,
        Code::PermissionDenied,
        "IDENTITY_NOT_ALLOWED",
    );

    // The H41 hub cannot relay a document of an H48 agency.
    let mut as_h41 =
        RelayServiceClient::new(axis.national.channel(&Identity::Hub("H41".into())).await);
    let mut forged = h.clone();
    forged.document_id = format!("{BINH_SON},2026/11/26,78/UBND-TH");
    let e = refused(
        as_h41.relay_document(relay(forged)).await,
        Code::PermissionDenied,
        "RELAY_REFUSED",
    );
    assert!(
        e.message()
            .contains("relays only for the agencies it serves"),
        "{}",
        e.message()
    );
    status_relays_are_checked(&mut as_h41, &h.document_id).await;

    // The same relay again from the rightful hub is a no-op.
    let mut as_h48 =
        RelayServiceClient::new(axis.national.channel(&Identity::Hub("H48".into())).await);
    let again = as_h48
        .relay_document(relay(stored))
        .await
        .expect("duplicate relay")
        .into_inner();
    assert!(!again.accepted);
    assert_eq!(documents_in(&mut vpcp).await.len(), 1, "no second copy");
    axis.stop().await;
}

/// A hub may not relay a status for a side it does not serve; malformed enum values of an
/// update are named, all of them, before anything is read.
async fn status_relays_are_checked(
    as_h41: &mut RelayServiceClient<TracedChannel>,
    document_id: &str,
) {
    let forged_revoke = StatusUpdate {
        update_id: "forged".into(),
        document_id: document_id.into(),
        recipient: G22.into(),
        to_agency: G22.into(),
        status: S::RevokeRequested as i32,
        ..Default::default()
    };
    refused(
        as_h41
            .relay_status(RelayStatusRequest {
                update: Some(forged_revoke.clone()),
            })
            .await,
        Code::PermissionDenied,
        "STATUS_RELAY_REFUSED",
    );
    let e = refused(
        as_h41
            .relay_status(RelayStatusRequest {
                update: Some(StatusUpdate {
                    status: 14,
                    transport_state: 9,
                    ..forged_revoke
                }),
            })
            .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert_eq!(
        violated_fields(&e),
        ["update.status", "update.transport_state"]
    );
}
