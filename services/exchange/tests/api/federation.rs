//! Three hubs: national, Quảng Ngãi (H48), Nghệ An (H41), relaying over real mTLS.
use std::time::Duration;

use lienthong_api::exchange::v1::{
    AcknowledgeDocumentRequest, GetAgencyRequest, GetHubStatusRequest, GetSentDocumentRequest,
    ListPendingRequest, RelayDocumentRequest, RelayHeader, RelayStatusRequest,
    RevokeDocumentRequest, RevokeState, StatusUpdate, TransportState,
    directory_service_client::DirectoryServiceClient,
    exchange_service_client::ExchangeServiceClient,
    hub_admin_service_client::HubAdminServiceClient, inbox_item::Payload, relay_document_request,
    relay_service_client::RelayServiceClient,
};
use lienthong_platform::{Identity, client::TracedChannel, db::Backend};
use tonic::Code;

use crate::support::*;

pub const BINH_SON: &str = "000.00.53.H48";
pub const NGHE_AN: &str = "000.00.00.H41";

async fn documents_in(
    client: &mut ExchangeServiceClient<TracedChannel>,
) -> Vec<lienthong_api::exchange::v1::DocumentHeader> {
    client
        .list_pending(ListPendingRequest {
            after_item_id: 0,
            limit: 1000,
        })
        .await
        .expect("pending")
        .into_inner()
        .items
        .into_iter()
        .filter_map(|i| match i.payload {
            Some(Payload::Document(d)) => Some(d),
            _ => None,
        })
        .collect()
}

async fn statuses_in(client: &mut ExchangeServiceClient<TracedChannel>) -> Vec<(String, String)> {
    client
        .list_pending(ListPendingRequest {
            after_item_id: 0,
            limit: 1000,
        })
        .await
        .expect("pending")
        .into_inner()
        .items
        .into_iter()
        .filter_map(|i| match i.payload {
            Some(Payload::Status(s)) => Some((s.from, s.code)),
            _ => None,
        })
        .collect()
}

async fn wait_for_documents(
    client: &mut ExchangeServiceClient<TracedChannel>,
    n: usize,
) -> Vec<lienthong_api::exchange::v1::DocumentHeader> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let docs = documents_in(client).await;
        if docs.len() >= n || tokio::time::Instant::now() > deadline {
            return docs;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn cross_province_delivery_and_statuses_back(backend: Backend) {
    let axis = spawn_axis(backend).await;
    let mut binh_son = axis.h48.agency(BINH_SON).await;
    let mut nghe_an = axis.h41.agency(NGHE_AN).await;
    let mut vpcp = axis.national.agency(G22).await;

    // A clerk on H48 can address an agency served elsewhere.
    let mut dir =
        DirectoryServiceClient::new(axis.h48.channel(&Identity::Agency(BINH_SON.into())).await);
    let found = dir
        .get_agency(GetAgencyRequest {
            code: NGHE_AN.into(),
        })
        .await
        .expect("lookup")
        .into_inner();
    assert_eq!(found.agency.expect("agency").name, "UBND tỉnh Nghệ An");
    let missing = dir
        .get_agency(GetAgencyRequest {
            code: "000.00.77.H41".into(),
        })
        .await
        .expect_err("unknown");
    assert_eq!(missing.code(), Code::NotFound);

    let pdf: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
    let h = header(BINH_SON, &[NGHE_AN, G22], 45, &[("cong-van.pdf", &pdf)]);
    let id = h.document_id.clone();
    send(&mut binh_son, h, &[&pdf])
        .await
        .expect("accepted on H48");

    let at_nghe_an = wait_for_documents(&mut nghe_an, 1).await;
    assert_eq!(at_nghe_an.len(), 1, "delivered once at H41");
    let hops: Vec<&str> = at_nghe_an[0]
        .trace_headers
        .iter()
        .map(|t| t.organ_id.as_str())
        .collect();
    assert_eq!(
        hops,
        ["H48", "national", "H41"],
        "every hub crossed, in order"
    );
    let times: Vec<i64> = at_nghe_an[0]
        .trace_headers
        .iter()
        .map(|t| t.timestamp.as_ref().expect("time").seconds)
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    let at_vpcp = wait_for_documents(&mut vpcp, 1).await;
    assert_eq!(at_vpcp.len(), 1);
    let hops: Vec<&str> = at_vpcp[0]
        .trace_headers
        .iter()
        .map(|t| t.organ_id.as_str())
        .collect();
    assert_eq!(hops, ["H48", "national"]);

    // The attachment crossed two hops intact.
    let mut stream = nghe_an
        .fetch_document(lienthong_api::exchange::v1::FetchDocumentRequest {
            document_id: id.clone(),
            include_content: true,
        })
        .await
        .expect("fetch")
        .into_inner();
    let mut bytes = Vec::new();
    while let Some(msg) = tokio_stream::StreamExt::next(&mut stream).await {
        if let Some(lienthong_api::exchange::v1::fetch_document_response::Part::Chunk(c)) =
            msg.expect("chunk").part
        {
            bytes.extend_from_slice(&c.data);
        }
    }
    assert_eq!(bytes, pdf);

    for client in [&mut nghe_an, &mut vpcp] {
        client
            .acknowledge_document(AcknowledgeDocumentRequest {
                document_id: id.clone(),
            })
            .await
            .expect("ack");
    }
    for (client, code) in [
        (nghe_an.clone(), "03"),
        (nghe_an.clone(), "05"),
        (vpcp.clone(), "03"),
    ] {
        let mut client = client;
        client
            .report_status(lienthong_api::exchange::v1::ReportStatusRequest {
                document_id: id.clone(),
                code: code.into(),
                ..Default::default()
            })
            .await
            .expect(code);
    }

    // Statuses come back to Bình Sơn through the same hubs, with the hub each happened at.
    let view = poll_until("statuses back at the sender", || {
        let mut c = binh_son.clone();
        let id = id.clone();
        async move {
            let v = c
                .get_sent_document(GetSentDocumentRequest { document_id: id })
                .await
                .expect("view")
                .into_inner()
                .document
                .expect("view");
            let done = v
                .recipients
                .iter()
                .any(|r| r.agency_code == NGHE_AN && r.current_status == "05")
                && v.recipients
                    .iter()
                    .any(|r| r.agency_code == G22 && r.current_status == "03");
            done.then_some(v)
        }
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
    assert_eq!(
        leg(NGHE_AN).transport_state,
        TransportState::Acknowledged as i32
    );
    let nghe_an_statuses: Vec<(String, String)> = leg(NGHE_AN)
        .statuses
        .iter()
        .map(|s| (s.code.clone(), s.hub.clone()))
        .collect();
    assert_eq!(
        nghe_an_statuses,
        [
            ("01".to_string(), "H41".to_string()),
            ("03".into(), "H41".into()),
            ("05".into(), "H41".into())
        ]
    );
    let back = statuses_in(&mut binh_son).await;
    assert_eq!(
        back.iter().filter(|(f, _)| f == NGHE_AN).count(),
        3,
        "{back:?}"
    );
    assert_eq!(back.iter().filter(|(f, _)| f == G22).count(), 2, "{back:?}");

    // Each hub reports its own agencies' figures, relayed ones marked as such.
    let today = lienthong_exchange::integrations::local_day(lienthong_platform::db::now_micros());
    let (start, end) = lienthong_exchange::integrations::day_bounds(today);
    let day = lienthong_exchange::integrations::format_day(today);
    let figures = |hub: &TestHub| {
        let app = hub.hub.as_ref().expect("running").app.clone();
        let day = day.clone();
        async move {
            let mut v: Vec<(String, String, u64)> = lienthong_exchange::integrations::day_figures(
                &app.pool,
                &app.routing,
                &day,
                start,
                end,
            )
            .await
            .expect("figures")
            .into_iter()
            .map(|s| (s.indicator_code, s.agency_code, s.value as u64))
            .collect();
            v.sort();
            v
        }
    };
    assert_eq!(
        figures(&axis.h48).await,
        [
            (
                "axis.documents_relayed_out".to_string(),
                BINH_SON.to_string(),
                1
            ),
            ("axis.documents_sent".into(), BINH_SON.into(), 1),
        ]
    );
    assert_eq!(
        figures(&axis.h41).await,
        [
            (
                "axis.documents_received".to_string(),
                NGHE_AN.to_string(),
                1
            ),
            ("axis.documents_relayed_in".into(), NGHE_AN.into(), 1),
        ]
    );
    assert_eq!(
        figures(&axis.national).await,
        [
            ("axis.documents_received".to_string(), G22.to_string(), 1),
            ("axis.documents_relayed_in".into(), G22.into(), 1),
        ]
    );

    // A revoke travels forward, its answer back.
    binh_son
        .revoke_document(RevokeDocumentRequest {
            document_id: id.clone(),
            reason: "Nhầm nơi nhận".into(),
        })
        .await
        .expect("revoke");
    eventually("the revoke request at H41", || {
        let mut c = nghe_an.clone();
        async move {
            statuses_in(&mut c)
                .await
                .iter()
                .any(|(f, code)| f == BINH_SON && code == "13")
        }
    })
    .await;
    nghe_an
        .report_status(lienthong_api::exchange::v1::ReportStatusRequest {
            document_id: id.clone(),
            code: "15".into(),
            ..Default::default()
        })
        .await
        .expect("15");
    eventually("the revoke answer at the sender", || {
        let mut c = binh_son.clone();
        let id = id.clone();
        async move {
            let v = c
                .get_sent_document(GetSentDocumentRequest { document_id: id })
                .await
                .expect("view")
                .into_inner()
                .document
                .expect("view");
            v.recipients
                .iter()
                .any(|r| r.agency_code == NGHE_AN && r.revoke_state == RevokeState::Accepted as i32)
        }
    })
    .await;
    axis.stop().await;
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
    let mut admin =
        HubAdminServiceClient::new(axis.h48.channel(&Identity::Admin("ops".into())).await);
    let depth = poll_until("a failed delivery attempt", || {
        let mut a = admin.clone();
        async move {
            let s = a
                .get_hub_status(GetHubStatusRequest {})
                .await
                .expect("status")
                .into_inner();
            let peer = s
                .peers
                .iter()
                .find(|p| p.peer == "national")
                .expect("national peer")
                .clone();
            (!peer.last_error.is_empty()).then_some(peer.outbox_depth)
        }
    })
    .await;
    assert_eq!(depth, 3);

    axis.national.resume().await;
    let mut nghe_an = axis.h41.agency(NGHE_AN).await;
    let mut vpcp = axis.national.agency(G22).await;
    for client in [&mut nghe_an, &mut vpcp] {
        let docs = wait_for_documents(client, 3).await;
        let mut got: Vec<String> = docs.iter().map(|d| d.document_id.clone()).collect();
        got.sort();
        assert_eq!(got, ids, "each document exactly once");
    }
    // Nothing more arrives later (no duplicates from retries).
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(documents_in(&mut nghe_an).await.len(), 3);
    let status = admin
        .get_hub_status(GetHubStatusRequest {})
        .await
        .expect("status")
        .into_inner();
    let national = status
        .peers
        .iter()
        .find(|p| p.peer == "national")
        .expect("peer");
    assert_eq!(national.outbox_depth, 0);
    assert_eq!(status.role, "provincial");
    axis.stop().await;
}

pub async fn relay_is_for_hubs_and_only_for_their_agencies(backend: Backend) {
    let axis = spawn_axis(backend).await;
    let mut binh_son = axis.h48.agency(BINH_SON).await;
    let h = header(BINH_SON, &[G22], 77, &[]);
    send(&mut binh_son, h.clone(), &[]).await.expect("send");
    let mut vpcp = axis.national.agency(G22).await;
    let delivered = wait_for_documents(&mut vpcp, 1).await;
    assert_eq!(delivered.len(), 1);
    let stored = delivered[0].clone();

    let relay = |document: lienthong_api::exchange::v1::DocumentHeader| {
        tokio_stream::iter(vec![RelayDocumentRequest {
            part: Some(relay_document_request::Part::Header(RelayHeader {
                document: Some(document),
                recipients: vec![G22.into()],
            })),
        }])
    };
    // An agency certificate cannot relay.
    let mut as_agency = RelayServiceClient::new(
        axis.national
            .channel(&Identity::Agency(BINH_SON.into()))
            .await,
    );
    let e = as_agency
        .relay_document(relay(stored.clone()))
        .await
        .expect_err("agency");
    assert_eq!(e.code(), Code::PermissionDenied);

    // The H41 hub cannot relay a document of an H48 agency.
    let mut as_h41 =
        RelayServiceClient::new(axis.national.channel(&Identity::Hub("H41".into())).await);
    let mut forged = h.clone();
    forged.document_id = format!("{BINH_SON},2026/11/26,78/UBND-TH");
    let e = as_h41
        .relay_document(relay(forged))
        .await
        .expect_err("foreign");
    assert_eq!(e.code(), Code::PermissionDenied);
    assert!(
        e.message()
            .contains("relays only for the agencies it serves"),
        "{}",
        e.message()
    );
    let e = as_h41
        .relay_status(RelayStatusRequest {
            update: Some(StatusUpdate {
                update_id: "forged".into(),
                document_id: h.document_id.clone(),
                recipient: G22.into(),
                to_agency: G22.into(),
                code: "13".into(),
                ..Default::default()
            }),
        })
        .await
        .expect_err("forged revoke");
    assert_eq!(e.code(), Code::PermissionDenied);

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
