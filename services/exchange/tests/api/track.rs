//! `TrackDocument`: one document across the three hubs, for its sender, its recipient and an
//! operator; nobody else learns it exists; a hub that is down makes the answer partial.
use lienthong_api::exchange::v1::{
    BusinessStatus as S, GetDocumentEventsRequest, GetSentDocumentRequest, TrackDocumentRequest,
    TrackDocumentResponse, TrackEventKind as K, exchange_service_client::ExchangeServiceClient,
    relay_service_client::RelayServiceClient,
};
use lienthong_axis::timestamp::from_timestamp;
use lienthong_platform::{Identity, client::TracedChannel, db::Backend};
use tonic::Code;

use crate::federation::{BINH_SON, NGHE_AN};
use crate::support::*;

type Client = ExchangeServiceClient<TracedChannel>;

async fn track(client: &Client, id: &str) -> Result<TrackDocumentResponse, tonic::Status> {
    client
        .clone()
        .track_document(TrackDocumentRequest {
            document_id: id.into(),
        })
        .await
        .map(|r| r.into_inner())
}

/// (hub, kind, peer hub, agency) of every event, in the order given.
fn rows(r: &TrackDocumentResponse) -> Vec<(String, K, String, String)> {
    r.events
        .iter()
        .map(|e| {
            (
                e.hub.clone(),
                e.kind(),
                e.peer_hub.clone(),
                e.agency.clone(),
            )
        })
        .collect()
}

fn row(hub: &str, kind: K, peer: &str, agency: &str) -> (String, K, String, String) {
    (hub.into(), kind, peer.into(), agency.into())
}

pub async fn one_document_is_tracked_across_hubs(backend: Backend) {
    let mut axis = spawn_axis(backend).await;
    let mut binh_son = axis.h48.agency(BINH_SON).await;
    let mut nghe_an = axis.h41.agency(NGHE_AN).await;
    let clock = axis.national.clock.clone();
    let h = header(BINH_SON, &[NGHE_AN], 61, &[]);
    let id = h.document_id.clone();
    send(&mut binh_son, h, &[]).await.expect("accepted on H48");
    wait_for_documents(&nghe_an, 1).await;
    clock.advance_secs(2);
    fetch_all(&mut nghe_an, &id).await.expect("fetched");
    clock.advance_secs(3);
    assert!(ack(&mut nghe_an, &id).await);
    clock.advance_secs(60);
    report(&mut nghe_an, &id, S::Accepted, "vào sổ")
        .await
        .expect("03");

    let expected = {
        let mut v = vec![
            row("H48", K::Accepted, "", BINH_SON),
            row("H48", K::Relayed, "national", NGHE_AN),
            row("national", K::Received, "H48", BINH_SON),
            row("national", K::Relayed, "H41", NGHE_AN),
            row("H41", K::Received, "national", BINH_SON),
            row("H41", K::Delivered, "", NGHE_AN),
            row("H41", K::Acknowledged, "", NGHE_AN),
            row("H41", K::Status, "", NGHE_AN),
        ];
        v.sort();
        v
    };
    every_viewer_sees_the_whole_way(&axis, &binh_son, &nghe_an, &id, &expected).await;
    outsiders_hear_not_found(&axis, &id).await;

    eventually("the status back at H48", PATIENCE, || async {
        let r = binh_son
            .clone()
            .get_sent_document(GetSentDocumentRequest {
                document_id: id.clone(),
            })
            .await
            .ok()?
            .into_inner();
        let leg = r.document?.recipients.into_iter().next()?;
        (leg.current_status() == S::Accepted).then_some(())
    })
    .await;
    // National down: H48 answers with what it knows, and says whose events are missing.
    axis.national.halt().await;
    let r = track(&binh_son, &id).await.expect("a partial answer");
    assert_eq!(r.unreachable_hubs, ["national"]);
    let mut got = rows(&r);
    got.sort();
    // H48 keeps the delivery, acknowledgement and status H41 relayed back to it.
    let mut known_at_h48 = vec![
        row("H48", K::Accepted, "", BINH_SON),
        row("H48", K::Relayed, "national", NGHE_AN),
        row("H41", K::Delivered, "", NGHE_AN),
        row("H41", K::Acknowledged, "", NGHE_AN),
        row("H41", K::Status, "", NGHE_AN),
    ];
    known_at_h48.sort();
    assert_eq!(got, known_at_h48, "{:#?}", r.events);
    axis.national.resume().await;
    axis.stop().await;
}

/// From the sender's hub, the recipient's and an operator at the national hub: the same
/// events, each once, in time order.
async fn every_viewer_sees_the_whole_way(
    axis: &Axis,
    binh_son: &Client,
    nghe_an: &Client,
    id: &str,
    expected: &[(String, K, String, String)],
) {
    let admin =
        ExchangeServiceClient::new(axis.national.channel(&Identity::Admin("ops".into())).await);
    for (who, client) in [
        ("sender", binh_son),
        ("recipient", nghe_an),
        ("admin", &admin),
    ] {
        let r = track(client, id)
            .await
            .unwrap_or_else(|e| panic!("{who}: {e}"));
        let mut got = rows(&r);
        got.sort();
        assert_eq!(got, expected, "{who}: {:#?}", r.events);
        let times: Vec<i64> = r
            .events
            .iter()
            .map(|e| from_timestamp(e.event_time.as_ref().expect("time")))
            .collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{who}: {times:?}");
        assert_eq!(times.last().copied(), Some(times[0] + 65_000_000), "{who}");
        let status = r.events.iter().find(|e| e.kind() == K::Status).expect("03");
        assert_eq!(
            (status.status(), status.detail.as_str()),
            (S::Accepted, "vào sổ")
        );
        // Without a tracer in this binary no trace is stored (tests/trace.rs checks the id).
        assert_eq!(r.trace_id, "", "{who}");
        assert!(
            r.unreachable_hubs.is_empty(),
            "{who}: {:?}",
            r.unreachable_hubs
        );
    }
}

/// Another agency, on any hub, hears NOT_FOUND as for an unknown document; a hub asking for
/// events of a document it does not hold gets none.
async fn outsiders_hear_not_found(axis: &Axis, id: &str) {
    let vpcp = axis.national.agency(G22).await;
    refused(track(&vpcp, id).await, Code::NotFound, "NO_DOCUMENT");
    let other = axis.h48.agency(STTTT).await;
    refused(track(&other, id).await, Code::NotFound, "NO_DOCUMENT");
    refused(
        track(&other, "000.00.12.H48,2026/11/26,9/X").await,
        Code::NotFound,
        "NO_DOCUMENT",
    );
    let mut relay = RelayServiceClient::new(axis.h48.channel(&Identity::Hub("H41".into())).await);
    let none = relay
        .get_document_events(GetDocumentEventsRequest {
            document_id: "000.00.12.H48,2026/11/26,9/X".into(),
        })
        .await
        .expect("an empty answer")
        .into_inner();
    assert!(none.events.is_empty() && none.trace_id.is_empty());
    // A hub that is no peer of H48 learns nothing of H48's documents; the national hub does.
    let known = GetDocumentEventsRequest {
        document_id: id.into(),
    };
    let answer = relay
        .get_document_events(known.clone())
        .await
        .expect("an answer")
        .into_inner();
    assert!(answer.events.is_empty(), "{:?}", answer.events);
    let mut national =
        RelayServiceClient::new(axis.h48.channel(&Identity::Hub("national".into())).await);
    let answer = national
        .get_document_events(known)
        .await
        .expect("an answer")
        .into_inner();
    assert!(
        answer.events.iter().any(|e| e.kind() == K::Accepted),
        "{:?}",
        answer.events
    );
    // Agencies do not call the relay service.
    let mut as_agency = RelayServiceClient::new(axis.h48.channel(&agency_id(BINH_SON)).await);
    let e = as_agency
        .get_document_events(GetDocumentEventsRequest {
            document_id: id.into(),
        })
        .await
        .expect_err("hubs only");
    assert_eq!(e.code(), Code::PermissionDenied);
}
