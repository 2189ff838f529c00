//! Fewer round trips per document: many acknowledgements in one `AcknowledgeDocuments` call,
//! each with its own result, and list pages read in one query per page must show exactly what
//! the one-document calls show.
use lienthong_api::exchange::v1::{
    AcknowledgeDocumentsRequest, AcknowledgeOutcome as O, BusinessStatus as S,
    GetSentDocumentRequest, ListPendingRequest, ListSentDocumentsRequest,
    exchange_service_client::ExchangeServiceClient, inbox_item::Payload,
};
use lienthong_platform::{client::TracedChannel, db::Backend};
use tonic::Code;

use crate::support::*;

type Client = ExchangeServiceClient<TracedChannel>;

async fn ack_many(client: &mut Client, ids: &[&str]) -> Result<Vec<(O, String)>, tonic::Status> {
    let r = client
        .acknowledge_documents(AcknowledgeDocumentsRequest {
            document_ids: ids.iter().map(|s| (*s).to_string()).collect(),
        })
        .await?
        .into_inner();
    assert_eq!(r.results.len(), ids.len(), "one result per id");
    for (result, id) in r.results.iter().zip(ids) {
        assert_eq!(result.document_id, *id, "results in request order");
    }
    Ok(r.results
        .into_iter()
        .map(|r| (r.outcome(), r.reason))
        .collect())
}

pub async fn many_acknowledgements_in_one_call_each_with_its_result(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut h48 = hub.agency(H48).await;
    let mut g22 = hub.agency(G22).await;
    let mut ids = Vec::new();
    for n in 1..=4 {
        let r = send(&mut h48, header(H48, &[G22], n, &[]), &[])
            .await
            .expect("send");
        ids.push(r.document_id);
    }
    // Not addressed to G22: it must hear NOT_FOUND, as of an unknown document.
    let foreign = send(&mut h48, header(H48, &[SCT], 9, &[]), &[])
        .await
        .expect("send")
        .document_id;
    // G22 sent it and is no recipient: a refusal other than NOT_FOUND.
    let own = send(&mut g22, header(G22, &[H48], 10, &[]), &[])
        .await
        .expect("send")
        .document_id;
    assert!(ack(&mut g22, &ids[3]).await, "acknowledged singly first");
    let unknown = header(H48, &[G22], 999, &[]).document_id;
    let batch = [
        ids[0].as_str(),
        ids[1].as_str(),
        ids[0].as_str(),
        unknown.as_str(),
        "not-a-document-id",
        foreign.as_str(),
        ids[3].as_str(),
        ids[2].as_str(),
    ];
    let results = ack_many(&mut g22, &batch).await.expect("the batch");
    let outcomes: Vec<O> = results.iter().map(|(o, _)| *o).collect();
    assert_eq!(
        outcomes,
        [
            O::Acknowledged,
            O::Acknowledged,
            O::AlreadyAcknowledged,
            O::NotFound,
            O::Refused,
            O::NotFound,
            O::AlreadyAcknowledged,
            O::Acknowledged,
        ]
    );
    let reasons: Vec<&str> = results.iter().map(|(_, r)| r.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "",
            "",
            "",
            "NO_DOCUMENT",
            "INVALID_FIELD",
            "NO_DOCUMENT",
            "",
            ""
        ]
    );
    let mine = ack_many(&mut g22, &[own.as_str()]).await.expect("batch");
    assert_eq!(mine, [(O::Refused, "SENDER_IS_NO_RECIPIENT".to_string())]);

    // Recorded: no document left in G22's inbox, one 01 per document at the sender.
    assert!(documents_in(&mut g22).await.is_empty());
    let arrived = statuses_in(&mut h48)
        .await
        .into_iter()
        .filter(|(who, s)| who == G22 && *s == S::Arrived)
        .count();
    assert_eq!(arrived, 4, "one 01 per document, none twice");
    for id in &ids {
        let view = sent_view(&mut h48, id).await;
        assert_eq!(view.recipients[0].current_status(), S::Arrived, "{id}");
    }
    // Again: nothing new, all already acknowledged.
    let again: Vec<&str> = ids.iter().map(String::as_str).collect();
    let results = ack_many(&mut g22, &again).await.expect("again");
    assert!(results.iter().all(|(o, _)| *o == O::AlreadyAcknowledged));
    hub.stop().await;
}

pub async fn acknowledgement_batches_are_bounded(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut g22 = hub.agency(G22).await;
    let e = refused(
        ack_many(&mut g22, &[]).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert_eq!(violated_fields(&e), ["document_ids"]);
    let id = header(H48, &[G22], 1, &[]).document_id;
    let too_many = vec![id.as_str(); 501];
    let e = refused(
        ack_many(&mut g22, &too_many).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert_eq!(violated_fields(&e), ["document_ids"]);
    assert!(e.message().contains("500"), "{}", e.message());
    // 500 is allowed: each unknown id is NOT_FOUND on its own.
    let at_bound = ack_many(&mut g22, &too_many[..500]).await.expect("500");
    assert!(at_bound.iter().all(|(o, _)| *o == O::NotFound));
    hub.stop().await;
}

async fn sent_view(client: &mut Client, id: &str) -> lienthong_api::exchange::v1::SentDocumentView {
    client
        .get_sent_document(GetSentDocumentRequest {
            document_id: id.into(),
        })
        .await
        .expect("sent view")
        .into_inner()
        .document
        .expect("a view")
}

/// Pages read in one query must put each leg, status and header with its own document:
/// every view of ListSentDocuments equals GetSentDocument's, every document of ListPending
/// is the header sent.
pub async fn pages_match_the_single_document_reads(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut h48 = hub.agency(H48).await;
    let mut g22 = hub.agency(G22).await;
    let mut sent = Vec::new();
    for n in 1..=5 {
        // Different recipients per document, so a leg put on the wrong document shows.
        let to: &[&str] = match n % 3 {
            0 => &[G22],
            1 => &[G22, SCT],
            _ => &[G22, SCT, STTTT],
        };
        let h = header(H48, to, n, &[]);
        send(&mut h48, h.clone(), &[]).await.expect("send");
        sent.push(h);
    }
    ack(&mut g22, &sent[1].document_id).await;
    report(&mut g22, &sent[1].document_id, S::Accepted, "")
        .await
        .expect("03");
    ack(&mut g22, &sent[3].document_id).await;

    let pending = g22
        .list_pending(ListPendingRequest {
            page_size: 2,
            ..Default::default()
        })
        .await
        .expect("pending")
        .into_inner();
    let headers: Vec<_> = pending
        .items
        .into_iter()
        .filter_map(|i| match i.payload {
            Some(Payload::Document(d)) => Some(d),
            _ => None,
        })
        .collect();
    assert_eq!(headers.len(), 2);
    for (got, id) in headers
        .iter()
        .zip([&sent[0].document_id, &sent[2].document_id])
    {
        assert_eq!(&got.document_id, id);
        assert_eq!(
            got.recipients,
            sent.iter()
                .find(|h| &h.document_id == id)
                .expect("sent")
                .recipients
        );
    }

    let page = h48
        .list_sent_documents(ListSentDocumentsRequest {
            page_size: 10,
            page_token: String::new(),
        })
        .await
        .expect("sent page")
        .into_inner();
    assert_eq!(page.documents.len(), 5);
    for view in page.documents {
        let single = sent_view(&mut h48, &view.document_id).await;
        assert_eq!(view, single, "{}", view.document_id);
    }
    hub.stop().await;
}
