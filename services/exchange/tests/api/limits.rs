//! What one client may hold of a hub — uploads, streams, connections — and how the hub lets go:
//! stalled uploads end and their files go, a revoked agency is cut off, and while the database
//! is down calls fail at once. In each case the other clients keep being served and the hub's
//! resources come back to their baseline.
use std::{
    collections::HashSet,
    path::Path,
    time::{Duration, Instant},
};

use lienthong_api::exchange::v1::{
    AttachmentChunk, BusinessStatus, GetSentDocumentRequest, ListPendingRequest,
    ListSentDocumentsRequest, SendDocumentRequest, SendDocumentResponse, SubscribeRequest,
    SubscribeResponse, WatchSentDocumentRequest, exchange_service_client::ExchangeServiceClient,
    send_document_request::Part,
};
use lienthong_platform::{client::TracedChannel, db::Backend};
use prost::Message;
use tokio::{sync::mpsc, task::JoinHandle};
use tokio_stream::{StreamExt, wrappers::ReceiverStream};
use tonic::{Code, Status, Streaming};

use crate::support::*;

type Client = ExchangeServiceClient<TracedChannel>;

/// Files under `dir` this process has open (the hub runs in the test process).
pub fn open_files_under(dir: &Path) -> usize {
    let Ok(fds) = std::fs::read_dir("/proc/self/fd") else {
        return 0;
    };
    fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter(|target| target.starts_with(dir))
        .count()
}

/// Sockets of this process whose local port is `port`: the server side of the hub's
/// connections, and its listener.
pub fn sockets_on_port(port: u16) -> usize {
    let mut inodes = HashSet::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local_port = fields
                .get(1)
                .and_then(|a| a.rsplit(':').next())
                .and_then(|p| u16::from_str_radix(p, 16).ok());
            if local_port == Some(port)
                && let Some(inode) = fields.get(9)
            {
                inodes.insert(format!("socket:[{inode}]"));
            }
        }
    }
    let Ok(fds) = std::fs::read_dir("/proc/self/fd") else {
        return 0;
    };
    fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter(|target| inodes.contains(&target.to_string_lossy().to_string()))
        .count()
}

/// An upload that sent its header and one byte, then nothing (its sender is kept open).
struct Stalled {
    _requests: mpsc::Sender<SendDocumentRequest>,
    call: JoinHandle<Result<SendDocumentResponse, Status>>,
}

async fn stall(client: &Client, from: &str, number: u32) -> Stalled {
    let data = vec![7u8; 1000];
    let (tx, rx) = mpsc::channel(4);
    let h = header(from, &[SCT], number, &[("bao-cao.pdf", &data)]);
    for part in [
        Part::Header(h),
        Part::Chunk(AttachmentChunk {
            attachment_index: 0,
            data: vec![7],
        }),
    ] {
        tx.send(SendDocumentRequest { part: Some(part) })
            .await
            .expect("queued");
    }
    let mut client = client.clone();
    let call = tokio::spawn(async move {
        client
            .send_document(ReceiverStream::new(rx))
            .await
            .map(|r| r.into_inner())
    });
    Stalled {
        _requests: tx,
        call,
    }
}

/// Waits until a new upload holds its place at the hub (`None`) or was refused (its status).
async fn settle(hub: &TestHub, upload: &mut Stalled, held_before: usize) -> Option<Status> {
    eventually("the upload held or refused", PATIENCE, || async {
        (upload.call.is_finished() || hub.app().open_uploads() > held_before).then_some(())
    })
    .await;
    if upload.call.is_finished() {
        let result = (&mut upload.call).await.expect("the call task");
        Some(result.expect_err("a stalled upload cannot succeed"))
    } else {
        None
    }
}

/// Opens stalled uploads of `from` until `n` were tried; returns those held and the refusals.
async fn stall_many(
    hub: &TestHub,
    client: &Client,
    from: &str,
    n: u32,
    held: &mut Vec<Stalled>,
) -> Vec<Status> {
    let mut refused = Vec::new();
    for number in 1..=n {
        // Counted before the call starts: a fast call could register before a later count.
        let before = hub.app().open_uploads();
        let mut upload = stall(client, from, number).await;
        match settle(hub, &mut upload, before).await {
            None => held.push(upload),
            Some(status) => refused.push(status),
        }
    }
    refused
}

pub async fn stalled_uploads_are_bounded_and_cleaned_up(backend: Backend) {
    let hub = spawn_hub_tweaked(backend, Options::default(), |a| {
        a.max_uploads_per_agency = 3;
        a.max_open_uploads = 5;
    })
    .await;
    let blobs = hub.data_dir().join("blobs");
    let mut sender = hub.agency(STTTT).await;
    let mut recipient = hub.agency(SCT).await;
    documents_in(&mut recipient).await;
    let (sockets, files) = (sockets_on_port(hub.port()), open_files_under(&blobs));
    assert_eq!(hub.app().temporary_blob_files().expect("tmp"), 0);

    // One agency holds as many stalled uploads as it can, on one connection.
    let abuser = hub.agency(H48).await;
    let mut held = Vec::new();
    let refused = stall_many(&hub, &abuser, H48, 6, &mut held).await;
    assert_eq!((held.len(), refused.len()), (3, 3), "{refused:?}");
    for status in &refused {
        assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
        assert_eq!(
            lienthong_platform::error::reason_of(status).as_deref(),
            Some("TOO_MANY_UPLOADS")
        );
        assert!(
            status.message().contains("at most 3"),
            "{}",
            status.message()
        );
    }
    eventually("a temporary file per stalled upload", PATIENCE, || async {
        (hub.app().temporary_blob_files().expect("tmp") == 3).then_some(())
    })
    .await;
    assert_eq!(open_files_under(&blobs), files + 3);

    // Another agency still sends and receives meanwhile.
    let pdf: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
    let h = header(STTTT, &[SCT], 100, &[("quyet-dinh.pdf", &pdf)]);
    let id = send(&mut sender, h, &[&pdf])
        .await
        .expect("another agency sends during the abuse")
        .document_id;
    let (_, got) = fetch_all(&mut recipient, &id).await.expect("and receives");
    assert_eq!(got, vec![pdf]);

    // The hub's own limit: two more agencies fill it, a third is refused.
    let other = hub.agency(G22).await;
    assert!(stall_many(&hub, &other, G22, 2, &mut held).await.is_empty());
    let third = hub.agency("000.00.00.K48").await;
    let full = stall_many(&hub, &third, "000.00.00.K48", 1, &mut held).await;
    assert_eq!(full.len(), 1);
    assert_eq!(
        lienthong_platform::error::reason_of(&full[0]).as_deref(),
        Some("HUB_UPLOADS_FULL"),
        "{:?}",
        full[0]
    );

    // The stalled clients go away: their places, files and connections are freed.
    for upload in &held {
        upload.call.abort();
    }
    drop((held, abuser, other, third));
    eventually("resources back to their baseline", PATIENCE, || async {
        (hub.app().open_uploads() == 0
            && hub.app().temporary_blob_files().expect("tmp") == 0
            && open_files_under(&blobs) == files
            && sockets_on_port(hub.port()) == sockets)
            .then_some(())
    })
    .await;
    // And the abusing agency may send again.
    let mut abuser = hub.agency(H48).await;
    send(&mut abuser, header(H48, &[SCT], 200, &[]), &[])
        .await
        .expect("a fresh send");
    hub.stop().await;
}

pub async fn an_upload_that_stalls_is_ended(backend: Backend) {
    let hub = spawn_hub_tweaked(backend, Options::default(), |a| {
        a.upload_stall_secs = 2.0;
    })
    .await;
    let blobs = hub.data_dir().join("blobs");
    let files = open_files_under(&blobs);
    let client = hub.agency(H48).await;
    let mut stalled = stall(&client, H48, 1).await;
    let started = Instant::now();
    let status = tokio::time::timeout(PATIENCE, &mut stalled.call)
        .await
        .expect("the stalled upload ended")
        .expect("task")
        .expect_err("stalled");
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert_eq!(
        lienthong_platform::error::reason_of(&status).as_deref(),
        Some("UPLOAD_STALLED")
    );
    assert!(
        status.message().contains("sent nothing for 2 s"),
        "{}",
        status.message()
    );
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "not before the stall timeout"
    );
    eventually("its place and temporary file freed", PATIENCE, || async {
        (hub.app().open_uploads() == 0
            && hub.app().temporary_blob_files().expect("tmp") == 0
            && open_files_under(&blobs) == files)
            .then_some(())
    })
    .await;

    // A slow upload that keeps sending is not stalled.
    let data: Vec<u8> = (0..4000u32).map(|i| i as u8).collect();
    let (tx, rx) = mpsc::channel(8);
    let h = header(H48, &[SCT], 2, &[("cham.pdf", &data)]);
    tx.send(SendDocumentRequest {
        part: Some(Part::Header(h)),
    })
    .await
    .expect("queued");
    let mut slow = client.clone();
    let call = tokio::spawn(async move { slow.send_document(ReceiverStream::new(rx)).await });
    for piece in data.chunks(500) {
        tokio::time::sleep(Duration::from_millis(300)).await;
        tx.send(SendDocumentRequest {
            part: Some(Part::Chunk(AttachmentChunk {
                attachment_index: 0,
                data: piece.to_vec(),
            })),
        })
        .await
        .expect("queued");
    }
    drop(tx);
    call.await
        .expect("task")
        .expect("a slow but steady upload completes");
    hub.stop().await;
}

pub async fn connections_beyond_the_cap_are_refused_others_served(backend: Backend) {
    let hub = spawn_hub_tweaked(backend, Options::default(), |a| {
        a.server.max_connections = 3;
    })
    .await;
    let mut open = Vec::new();
    for code in [H48, STTTT, SCT] {
        let mut client = hub.agency(code).await;
        documents_in(&mut client).await;
        open.push(client);
    }
    // A fourth connection is closed at once; the three open ones are still served.
    let files = hub.files(&agency_id(G22));
    let fourth = lienthong_platform::client::connect(&hub.url, &files).await;
    if let Ok(channel) = fourth {
        let r = Client::new(channel)
            .list_pending(ListPendingRequest::default())
            .await;
        assert!(r.is_err(), "a connection beyond the cap is not served");
    }
    for client in &mut open {
        documents_in(client).await;
    }
    // Once one closes, a new one is served.
    drop(open.pop());
    let mut again = eventually("a free connection slot", PATIENCE, || async {
        let channel = lienthong_platform::client::connect(&hub.url, &files)
            .await
            .ok()?;
        let mut client = Client::new(channel);
        client
            .list_pending(ListPendingRequest::default())
            .await
            .ok()
            .map(|_| client)
    })
    .await;
    documents_in(&mut again).await;
    hub.stop().await;
}

async fn subscribe(client: &Client) -> Result<Streaming<SubscribeResponse>, Status> {
    client
        .clone()
        .subscribe(SubscribeRequest { after_item_id: 0 })
        .await
        .map(|r| r.into_inner())
}

pub async fn streams_per_agency_are_bounded(backend: Backend) {
    let hub = spawn_hub_tweaked(backend, Options::default(), |a| {
        a.max_streams_per_agency = 4;
    })
    .await;
    let mut abuser = hub.agency(H48).await;
    let sent = send(&mut abuser, header(H48, &[SCT], 1, &[]), &[])
        .await
        .expect("send")
        .document_id;
    // Ten times the cap, over two connections.
    let second = hub.agency(H48).await;
    let mut open = Vec::new();
    let mut refused = Vec::new();
    for i in 0..40 {
        let client = if i % 2 == 0 { &abuser } else { &second };
        match subscribe(client).await {
            Ok(stream) => open.push(stream),
            Err(status) => refused.push(status),
        }
    }
    assert_eq!((open.len(), refused.len()), (4, 36));
    for status in &refused {
        assert_eq!(status.code(), Code::ResourceExhausted);
        assert_eq!(
            lienthong_platform::error::reason_of(status).as_deref(),
            Some("TOO_MANY_STREAMS")
        );
        assert!(
            status.message().contains("at most 4"),
            "{}",
            status.message()
        );
    }
    // WatchSentDocument counts against the same cap.
    let watch = abuser
        .watch_sent_document(WatchSentDocumentRequest {
            document_id: sent.clone(),
        })
        .await;
    refused_with(watch, "TOO_MANY_STREAMS");

    // Another agency subscribes and is served.
    let mut sender = hub.agency(STTTT).await;
    let recipient = hub.agency(SCT).await;
    let mut theirs = subscribe(&recipient)
        .await
        .expect("another agency subscribes");
    let first = tokio::time::timeout(PATIENCE, theirs.next()).await;
    assert!(matches!(first, Ok(Some(Ok(_)))), "{first:?}");
    send(&mut sender, header(STTTT, &[SCT], 2, &[]), &[])
        .await
        .expect("send");
    let pushed = tokio::time::timeout(PATIENCE, theirs.next()).await;
    assert!(matches!(pushed, Ok(Some(Ok(_)))), "{pushed:?}");
    assert_eq!(hub.app().open_streams(), 5);

    // The abuser leaves: its streams are freed, and it may subscribe again.
    drop(open);
    eventually("the abuser's streams freed", PATIENCE, || async {
        (hub.app().open_streams() == 1).then_some(())
    })
    .await;
    let mut view = abuser
        .watch_sent_document(WatchSentDocumentRequest { document_id: sent })
        .await
        .expect("a watch within the cap")
        .into_inner();
    assert!(view.next().await.expect("view").is_ok());
    drop((view, theirs));
    eventually("no stream left", PATIENCE, || async {
        (hub.app().open_streams() == 0).then_some(())
    })
    .await;
    hub.stop().await;
}

#[track_caller]
fn refused_with<T: std::fmt::Debug>(r: Result<T, Status>, reason: &str) {
    let status = r.expect_err("refused");
    assert_eq!(
        lienthong_platform::error::reason_of(&status).as_deref(),
        Some(reason),
        "{status:?}"
    );
}

pub async fn a_revoked_agency_is_cut_off_within_a_reload(backend: Backend) {
    let reload = 1.0;
    let hub = spawn_hub_with(
        backend,
        Options {
            tls_reload_secs: reload,
            ..Options::default()
        },
    )
    .await;
    let mut sender = hub.agency(STTTT).await;
    send(&mut sender, header(STTTT, &[H48, G22], 1, &[]), &[])
        .await
        .expect("send");
    let revoked = hub.agency(H48).await;
    let idle = hub.agency(H48).await;
    idle.clone()
        .get_sent_document(GetSentDocumentRequest {
            document_id: "none".into(),
        })
        .await
        .ok();
    let kept = hub.agency(G22).await;
    let mut cut = subscribe(&revoked).await.expect("subscribe");
    let mut untouched = subscribe(&kept).await.expect("subscribe");
    for stream in [&mut cut, &mut untouched] {
        let first = stream.next().await.expect("an item");
        assert!(first.is_ok(), "{first:?}");
    }

    hub.pki.revoke(&agency_id(H48));
    let started = Instant::now();
    // The open stream ends within about one reload interval…
    let end = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match cut.next().await {
                Some(Ok(_)) => continue,
                other => return other,
            }
        }
    })
    .await
    .expect("the revoked agency's stream ends");
    assert!(!matches!(end, Some(Ok(_))));
    assert!(
        started.elapsed() < Duration::from_secs_f64(reload * 4.0),
        "{:?}",
        started.elapsed()
    );
    // …and the next call on the same channels fails (a new handshake is refused).
    for client in [&revoked, &idle] {
        let r = client
            .clone()
            .list_pending(ListPendingRequest::default())
            .await;
        assert!(r.is_err(), "a revoked agency's channel is cut: {r:?}");
    }
    // Another agency's connection and stream are untouched.
    send(&mut sender, header(STTTT, &[G22], 2, &[]), &[])
        .await
        .expect("send");
    let pushed = tokio::time::timeout(PATIENCE, untouched.next()).await;
    assert!(matches!(pushed, Ok(Some(Ok(_)))), "{pushed:?}");
    kept.clone()
        .list_pending(ListPendingRequest::default())
        .await
        .expect("another agency is served");
    hub.stop().await;
}

pub async fn sent_pages_are_bounded_in_bytes(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut sender = hub.agency(H48).await;
    let mut recipient = hub.agency(G22).await;
    // Four documents whose views weigh about 0.85 MiB each: 140 progress reports (05) of
    // 2000 characters (6000 bytes) on each.
    let note = "ệ".repeat(2000);
    for n in 1..=4 {
        let id = send(&mut sender, header(H48, &[G22], n, &[]), &[])
            .await
            .expect("send")
            .document_id;
        ack(&mut recipient, &id).await;
        report(&mut recipient, &id, BusinessStatus::Accepted, "")
            .await
            .expect("03");
        for _ in 0..140 {
            report(&mut recipient, &id, BusinessStatus::Processing, &note)
                .await
                .expect("05");
        }
    }
    let mut token = String::new();
    let mut pages = Vec::new();
    loop {
        let page = sender
            .list_sent_documents(ListSentDocumentsRequest {
                page_size: 500,
                page_token: token.clone(),
            })
            .await
            .expect("a page within gRPC's message limit")
            .into_inner();
        assert!(
            page.encoded_len() <= 3 * 1024 * 1024 + 64 * 1024,
            "{} bytes",
            page.encoded_len()
        );
        pages.push(page.documents.len());
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert!(pages.len() >= 2, "the page stopped early: {pages:?}");
    assert_eq!(pages.iter().sum::<usize>(), 4, "every document listed once");
    hub.stop().await;
}
