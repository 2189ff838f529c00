//! Orphan attachment blobs — written by a send whose later attachment failed — are collected,
//! at start and when the collection runs; a blob that a send in flight completed survives, as
//! do the blobs of committed documents.
use std::path::{Path, PathBuf};

use lienthong_api::exchange::v1::{
    AttachmentChunk, SendDocumentRequest, send_document_request::Part,
};
use lienthong_platform::db::Backend;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Code;

use crate::support::*;

fn blob_path(data_dir: &Path, content: &[u8]) -> PathBuf {
    let digest = hex::encode(Sha256::digest(content));
    data_dir
        .join("blobs")
        .join("sha256")
        .join(&digest[..2])
        .join(digest)
}

fn content(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn chunk(index: u32, data: &[u8]) -> SendDocumentRequest {
    SendDocumentRequest {
        part: Some(Part::Chunk(AttachmentChunk {
            attachment_index: index,
            data: data.to_vec(),
        })),
    }
}

/// A send whose first attachment completes and whose second does not match its digest: the
/// first blob is left behind.
async fn failed_send(hub: &TestHub, number: u32, first: &[u8]) {
    let mut client = hub.agency(H48).await;
    let second = content(200, 3000);
    let mut h = header(H48, &[G22], number, &[("a.pdf", first), ("b.pdf", &second)]);
    h.attachments[1].sha256 = hex::encode(Sha256::digest(b"something else"));
    refused(
        send(&mut client, h, &[first, &second]).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert!(
        blob_path(&hub.data_dir(), first).exists(),
        "the orphan is left"
    );
}

pub async fn orphan_blobs_are_collected_not_those_in_flight(backend: Backend) {
    // A fixed port: the hub restarts on it.
    let options = Options {
        port: free_port(),
        ..Options::default()
    };
    let mut hub = spawn_hub_with(backend, options).await;
    let dir = hub.data_dir();
    let orphan = content(1, 20_000);
    failed_send(&hub, 1, &orphan).await;

    // A committed document's blob stays.
    let kept = content(2, 9000);
    let mut sender = hub.agency(STTTT).await;
    send(
        &mut sender,
        header(STTTT, &[G22], 2, &[("kept.pdf", &kept)]),
        &[&kept],
    )
    .await
    .expect("committed");

    // A send in flight has completed its first attachment (the first chunk of the second
    // arrived), and not yet the document.
    let (in_flight, rest) = (content(3, 12_000), content(4, 5000));
    let (tx, rx) = mpsc::channel(8);
    let h = header(SCT, &[G22], 3, &[("c.pdf", &in_flight), ("d.pdf", &rest)]);
    let id = h.document_id.clone();
    tx.send(SendDocumentRequest {
        part: Some(Part::Header(h)),
    })
    .await
    .expect("queued");
    tx.send(chunk(0, &in_flight)).await.expect("queued");
    tx.send(chunk(1, &rest[..100])).await.expect("queued");
    let mut client = hub.agency(SCT).await;
    let call = tokio::spawn(async move { client.send_document(ReceiverStream::new(rx)).await });
    eventually("the first attachment stored", PATIENCE, || async {
        blob_path(&dir, &in_flight).exists().then_some(())
    })
    .await;

    let removed = hub.app().collect_orphan_blobs().await.expect("collect");
    assert_eq!(removed, 1);
    assert!(!blob_path(&dir, &orphan).exists(), "the orphan is gone");
    assert!(
        blob_path(&dir, &in_flight).exists(),
        "the send in flight keeps its blob"
    );
    assert!(
        blob_path(&dir, &kept).exists(),
        "a committed document keeps its blob"
    );

    // The send in flight finishes: its document and blobs are whole.
    tx.send(chunk(1, &rest[100..])).await.expect("queued");
    drop(tx);
    call.await
        .expect("task")
        .expect("the send in flight commits");
    assert_eq!(hub.app().collect_orphan_blobs().await.expect("collect"), 0);
    let (_, files) = fetch_all(&mut hub.agency(G22).await, &id)
        .await
        .expect("fetch");
    assert_eq!(files, vec![in_flight.clone(), rest.clone()]);

    // Orphans left before a restart are collected at start.
    let late = content(5, 7000);
    failed_send(&hub, 4, &late).await;
    hub.halt().await;
    hub.resume().await;
    eventually("the orphan collected at start", PATIENCE, || async {
        (!blob_path(&dir, &late).exists()).then_some(())
    })
    .await;
    assert!(blob_path(&dir, &kept).exists() && blob_path(&dir, &in_flight).exists());
    // The same content sent again is stored again.
    let mut client = hub.agency(H48).await;
    send(
        &mut client,
        header(H48, &[G22], 5, &[("again.pdf", &orphan)]),
        &[&orphan],
    )
    .await
    .expect("send");
    assert!(blob_path(&dir, &orphan).exists());
    hub.stop().await;
}
