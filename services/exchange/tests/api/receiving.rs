//! Receiving: a subscription pushes what is pending, resumes after a cursor, and never hands
//! out an acknowledged item again.
use std::time::Duration;

use lienthong_api::exchange::v1::{SubscribeRequest, SubscribeResponse, inbox_item::Payload};
use lienthong_platform::db::Backend;
use tokio_stream::StreamExt;
use tonic::Streaming;

use crate::support::*;

/// The next item of a subscription, a document: (item id, DocumentId).
async fn next_document(stream: &mut Streaming<SubscribeResponse>) -> (u64, String) {
    let item = stream
        .next()
        .await
        .expect("item")
        .expect("ok")
        .item
        .expect("item");
    let Some(Payload::Document(d)) = item.payload else {
        panic!("document")
    };
    (item.item_id, d.document_id)
}

pub async fn subscriber_resumes_without_loss_or_duplicates(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut sender = hub.agency(H48).await;
    let mut ids = Vec::new();
    for n in 1..=5 {
        let r = send(&mut sender, header(H48, &[G22], n, &[]), &[])
            .await
            .expect("send");
        ids.push(r.document_id);
    }
    let mut vpcp = hub.agency(G22).await;
    let mut stream = vpcp
        .subscribe(SubscribeRequest { after_item_id: 0 })
        .await
        .expect("sub")
        .into_inner();
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(next_document(&mut stream).await);
    }
    // Processed (acknowledged) the first two, then the connection drops mid-stream.
    ack(&mut vpcp, &seen[0].1).await;
    ack(&mut vpcp, &seen[1].1).await;
    drop(stream);
    drop(vpcp);

    let mut vpcp = hub.agency(G22).await;
    // Resuming from the start: everything not acknowledged, and nothing that was.
    let mut stream = vpcp
        .subscribe(SubscribeRequest { after_item_id: 0 })
        .await
        .expect("sub")
        .into_inner();
    let mut again = Vec::new();
    for _ in 0..3 {
        again.push(next_document(&mut stream).await.1);
    }
    assert_eq!(
        again,
        ids[2..].to_vec(),
        "unacknowledged items come again, acknowledged ones never"
    );
    // Nothing more is pending on this stream.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), stream.next())
            .await
            .is_err()
    );
    drop(stream);

    // Resuming after a cursor skips what was already processed.
    let mut stream = vpcp
        .subscribe(SubscribeRequest {
            after_item_id: seen[2].0,
        })
        .await
        .expect("sub")
        .into_inner();
    assert_eq!(next_document(&mut stream).await.1, ids[3]);

    // A document sent now reaches the live subscription.
    let live = send(&mut sender, header(H48, &[G22], 6, &[]), &[])
        .await
        .expect("send");
    let mut got = Vec::new();
    while got.last() != Some(&live.document_id) {
        let item = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("in time")
            .expect("item")
            .expect("ok")
            .item
            .expect("item");
        if let Some(Payload::Document(d)) = item.payload {
            got.push(d.document_id);
        }
    }
    assert_eq!(got, vec![ids[4].clone(), live.document_id]);
    hub.stop().await;
}
