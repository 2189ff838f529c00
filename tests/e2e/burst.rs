//! Group commit under SIGKILL: 32 agencies' calls send at once, so that the hub's writer
//! commits many sends per batch; the hub is killed in the middle of the burst. After restart,
//! every send that got a receipt finds its document in the recipient's inbox, no send that was
//! refused before the kill finds one, and nothing appears that was never sent.
use std::{
    collections::BTreeSet,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use lienthong_api::exchange::v1::{
    SendDocumentRequest, exchange_service_client::ExchangeServiceClient,
    send_document_request::Part,
};
use lienthong_e2e::{Env, Service, document, inbox_ids};
use lienthong_platform::{
    client::TracedChannel,
    db::Backend,
    testing::{TestDb, TestPki, free_port},
};

use crate::{BINH_SON, G22, H48, SCT, STTTT};

/// The sending agencies: a hub takes at most 8 uploads at once per agency, so 32 concurrent
/// senders are 8 calls of each of 4 agencies.
const AGENCIES: [&str; 4] = [H48, STTTT, SCT, BINH_SON];
/// Concurrent senders, and documents each sends at most (the inbox is read in one page of at
/// most 1000).
const SENDERS: u32 = 32;
const PER_SENDER: u32 = 25;
/// Receipts heard before the kill: the burst is well under way, with calls in flight.
const KILL_AFTER: usize = 120;

/// What the senders heard, each DocumentId once (a distinct number per attempt).
#[derive(Default)]
struct Heard {
    receipts: BTreeSet<String>,
    /// Errors heard before the kill: explicit refusals.
    refused: BTreeSet<String>,
    /// Calls that ended with an error after the kill: they may or may not have committed.
    cut: BTreeSet<String>,
}

async fn send_one(
    client: &mut ExchangeServiceClient<TracedChannel>,
    from: &str,
    id_number: u32,
) -> (String, Result<(), tonic::Status>) {
    let header = document(from, &[G22], id_number, &[]);
    let id = header.document_id.clone();
    let msgs = vec![SendDocumentRequest {
        part: Some(Part::Header(header)),
    }];
    let r = client.send_document(tokio_stream::iter(msgs)).await;
    (id, r.map(|_| ()))
}

/// One agency's call loop: sends until its quota or the kill.
async fn sender(
    mut client: ExchangeServiceClient<TracedChannel>,
    s: u32,
    killed: Arc<AtomicBool>,
    receipts: Arc<AtomicUsize>,
    heard: Arc<Mutex<Heard>>,
) {
    for k in 0..PER_SENDER {
        if killed.load(Ordering::SeqCst) {
            return;
        }
        let from = AGENCIES[(s % 4) as usize];
        let (id, r) = send_one(&mut client, from, 10_000 + s * 100 + k).await;
        // Read the flag after the answer: an error heard while the flag is down came before
        // the kill.
        let after_kill = killed.load(Ordering::SeqCst);
        let mut heard = heard.lock().expect("heard");
        match r {
            Ok(()) => {
                heard.receipts.insert(id);
                receipts.fetch_add(1, Ordering::SeqCst);
            }
            Err(_) if after_kill => {
                heard.cut.insert(id);
                return;
            }
            Err(e) => {
                eprintln!(
                    "refused before the kill: {id}: {:?} {}",
                    e.code(),
                    e.message()
                );
                heard.refused.insert(id);
            }
        }
    }
}

pub async fn receipts_survive_sigkill_during_a_burst(backend: Backend) {
    let pki = TestPki::new();
    let db = TestDb::new(backend).await;
    let port = free_port();
    let env = Env::hub(&pki, "H48", port, &pki.data_dir("hub"), &db);
    let log = pki.dir().join("hub.log");
    let (sender_files, recipient_files) = (pki.agency(H48), pki.agency(G22));
    let mut hub = Service::start("lienthong-exchange", &env, port, &log);
    hub.wait_ready(&sender_files).await;

    let killed = Arc::new(AtomicBool::new(false));
    let receipts = Arc::new(AtomicUsize::new(0));
    let heard = Arc::new(Mutex::new(Heard::default()));
    let mut senders = tokio::task::JoinSet::new();
    for s in 0..SENDERS {
        // A channel each: 32 connections, as the agencies' systems would open.
        let files = pki.agency(AGENCIES[(s % 4) as usize]);
        let client = ExchangeServiceClient::new(hub.channel(&files).await);
        senders.spawn(sender(
            client,
            s,
            killed.clone(),
            receipts.clone(),
            heard.clone(),
        ));
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while receipts.load(Ordering::SeqCst) < KILL_AFTER {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the burst did not reach {KILL_AFTER} receipts in 60 s"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The flag goes up before the process dies: an error heard with the flag down was not
    // caused by the kill.
    killed.store(true, Ordering::SeqCst);
    hub.kill();
    senders.join_all().await;
    let heard = std::mem::take(&mut *heard.lock().expect("heard"));
    eprintln!(
        "burst: {} receipts, {} refused, {} cut by the kill",
        heard.receipts.len(),
        heard.refused.len(),
        heard.cut.len()
    );
    assert!(
        heard.receipts.len() < (SENDERS * PER_SENDER) as usize,
        "the burst ended before the kill: nothing was in flight"
    );

    let mut hub = Service::start("lienthong-exchange", &env, port, &log);
    hub.wait_ready(&recipient_files).await;
    let mut recipient = ExchangeServiceClient::new(hub.channel(&recipient_files).await);
    let found: BTreeSet<String> = inbox_ids(&mut recipient, heard.receipts.len())
        .await
        .into_iter()
        .collect();
    let lost: Vec<_> = heard.receipts.difference(&found).collect();
    assert!(
        lost.is_empty(),
        "receipted sends lost in the crash: {lost:?}"
    );
    let refused_found: Vec<_> = heard.refused.intersection(&found).collect();
    assert!(
        refused_found.is_empty(),
        "refused sends stored: {refused_found:?}"
    );
    let unknown: Vec<_> = found
        .iter()
        .filter(|id| !heard.receipts.contains(*id) && !heard.cut.contains(*id))
        .collect();
    assert!(unknown.is_empty(), "documents nobody sent: {unknown:?}");
    hub.stop();
}
