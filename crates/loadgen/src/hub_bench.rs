//! The hub workload: every agency subscribes to its inbox and acknowledges each document it
//! receives; documents are sent round-robin from every agency to the others, with a bounded
//! number of documents in flight (from the start of SendDocument to the recipient's
//! acknowledgement, so that the loop is closed and latency is not a growing backlog).
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::Context;
use lienthong_api::exchange::v1::{
    AcknowledgeDocumentRequest, Agency, ConfirmStatusMessagesRequest, DocumentHeader,
    SendDocumentRequest, SubscribeRequest, exchange_service_client::ExchangeServiceClient,
    inbox_item, send_document_request,
};
use lienthong_platform::client::TracedChannel;
use tokio::{
    sync::{OwnedSemaphorePermit, Semaphore, mpsc},
    task::JoinHandle,
};

use crate::stats::Measurement;

type Client = ExchangeServiceClient<TracedChannel>;

/// Documents sent and not yet acknowledged: when the send started, and the in-flight slot,
/// freed when the entry is removed.
type InFlight = Arc<Mutex<HashMap<String, (Instant, OwnedSemaphorePermit)>>>;

/// An agency taking part: its code and its client (one mTLS connection).
pub struct Participant {
    pub code: String,
    pub client: Client,
}

/// What the hub run produced.
#[derive(Default)]
pub struct HubOutcome {
    /// Send start to acknowledgement completed.
    pub send_to_ack: Measurement,
    /// Send start to the hub's receipt (the SendDocument call alone).
    pub send_rpc: Measurement,
    pub sent_ok: usize,
    pub send_failures: Vec<String>,
    pub send_failure_count: usize,
    pub ack_failures: Vec<String>,
    pub ack_failure_count: usize,
    /// Documents delivered that this run had not sent (or had already acknowledged): left over
    /// in a reused database, or delivered twice. They are acknowledged but not measured.
    pub unexpected_documents: usize,
    pub status_messages: usize,
    pub status_confirmed: usize,
    pub confirm_failures: Vec<String>,
    pub subscription_errors: Vec<String>,
    /// Documents neither acknowledged nor failed when the deadline passed.
    pub missing: usize,
    pub timed_out: bool,
}

impl HubOutcome {
    /// What went wrong during the run, for the report.
    pub fn problems(&self, timeout_secs: u64) -> Vec<String> {
        let mut problems = Vec::new();
        if self.timed_out {
            problems.push(format!(
                "timed out after {timeout_secs} s with {} documents neither acknowledged nor failed",
                self.missing
            ));
        } else if self.missing > 0 {
            problems.push(format!(
                "{} documents were never acknowledged",
                self.missing
            ));
        }
        if self.send_failure_count > 0 {
            problems.push(format!(
                "{} sends failed, e.g.: {}",
                self.send_failure_count,
                self.send_failures.join(" | ")
            ));
        }
        if self.ack_failure_count > 0 {
            problems.push(format!(
                "{} acknowledgements failed, e.g.: {}",
                self.ack_failure_count,
                self.ack_failures.join(" | ")
            ));
        }
        if self.unexpected_documents > 0 {
            problems.push(format!(
                "{} documents delivered that this run did not send or had already acknowledged",
                self.unexpected_documents
            ));
        }
        for e in &self.subscription_errors {
            problems.push(format!("subscription ended early: {e}"));
        }
        if !self.confirm_failures.is_empty() {
            problems.push(format!(
                "confirming status messages failed: {}",
                self.confirm_failures.join(" | ")
            ));
        }
        problems
    }
}

enum Event {
    Sent(Duration),
    SendFailed(String),
    Acked(Duration),
    AckFailed(String),
    Unexpected,
    Status,
    Confirmed(u32),
    ConfirmFailed(String),
    SubscriptionEnded(String),
}

const KEEP_ERRORS: usize = 5;

fn keep(list: &mut Vec<String>, msg: String) {
    if list.len() < KEEP_ERRORS {
        list.push(msg);
    }
}

/// A DocumentId the hub accepts: OrganId (the sender), a date, and Number/Notation. The run tag
/// keeps ids unique when a PostgreSQL database is reused between runs.
pub fn document_id(sender: &str, seq: usize, run_tag: &str) -> String {
    format!("{sender},2026/11/26,{seq}/BENCH-{run_tag}")
}

pub fn header(sender: &str, recipient: &str, seq: usize, run_tag: &str) -> DocumentHeader {
    DocumentHeader {
        sender: Some(Agency {
            code: sender.to_string(),
            ..Default::default()
        }),
        recipients: vec![Agency {
            code: recipient.to_string(),
            ..Default::default()
        }],
        document_id: document_id(sender, seq, run_tag),
        subject: format!("Benchmark document {seq} from {sender} to {recipient}"),
        ..Default::default()
    }
}

/// Runs the workload. Returns once every document is acknowledged or failed, or at `deadline`.
pub async fn run(
    participants: &[Participant],
    workload: Workload,
    timeout: Duration,
) -> anyhow::Result<HubOutcome> {
    anyhow::ensure!(participants.len() >= 2, "at least two agencies are needed");
    if let Some(k) = workload.split {
        anyhow::ensure!(
            k >= 1 && k < participants.len(),
            "both groups need an agency"
        );
    }
    let documents = workload.documents;
    let in_flight: InFlight =
        Arc::new(Mutex::new(HashMap::with_capacity(workload.concurrency * 2)));
    let (events, mut rx) = mpsc::unbounded_channel::<Event>();
    let mut tasks = subscribe_all(participants, &in_flight, &events).await?;

    let start = Instant::now();
    // The sender holds the last handle of the events besides the inbox loops.
    tasks.push(spawn_sender(participants, workload, in_flight, events));

    let mut out = collect(&mut rx, documents, start, timeout).await;
    for t in tasks {
        t.abort();
    }
    // Late events (status confirmations still under way) are counted for the report.
    while let Ok(e) = rx.try_recv() {
        match e {
            Event::Status => out.status_messages += 1,
            Event::Confirmed(c) => out.status_confirmed += c as usize,
            Event::SubscriptionEnded(e) => out.subscription_errors.push(e),
            _ => {}
        }
    }
    Ok(out)
}

/// Subscribes every agency before the first send, so that the streams are open when the
/// documents arrive; returns the inbox and confirmation loops.
async fn subscribe_all(
    participants: &[Participant],
    in_flight: &InFlight,
    events: &mpsc::UnboundedSender<Event>,
) -> anyhow::Result<Vec<JoinHandle<()>>> {
    let mut tasks = Vec::new();
    for p in participants {
        let mut client = p.client.clone();
        let stream = client
            .subscribe(SubscribeRequest { after_item_id: 0 })
            .await
            .with_context(|| format!("{} could not subscribe", p.code))?
            .into_inner();
        // The sender receives a status message (01, arrived) for every acknowledged document.
        // We confirm them in batches, as a real client would, so that the hub's inbox stays
        // clean; the confirmation is not part of the measured send→ack path.
        let (confirm_tx, confirm_rx) = mpsc::unbounded_channel::<u64>();
        tasks.push(tokio::spawn(confirm_loop(
            client.clone(),
            confirm_rx,
            events.clone(),
        )));
        tasks.push(tokio::spawn(inbox_loop(
            p.code.clone(),
            client,
            stream,
            confirm_tx,
            in_flight.clone(),
            events.clone(),
        )));
    }
    Ok(tasks)
}

/// How many documents to send, how many in flight at once, and the tag of this run.
pub struct Workload {
    pub documents: usize,
    pub concurrency: usize,
    pub run_tag: String,
    /// Fixed-rate mode: documents started per second (still at most `concurrency` in
    /// flight); `None` sends as fast as the in-flight bound allows (the peak).
    pub rate: Option<f64>,
    /// Agencies `..k` and `k..` form two groups and every document goes from one group to
    /// the other (the federation run: one group per provincial hub); `None`: everyone to
    /// everyone.
    pub split: Option<usize>,
}

/// The sender and the recipient of document `seq`, round-robin over the senders and, for each,
/// over its possible recipients.
fn pair(seq: usize, n: usize, split: Option<usize>) -> (usize, usize) {
    let s = seq % n;
    let round = seq / n;
    match split {
        Some(k) => {
            let (first, len) = if s < k { (k, n - k) } else { (0, k) };
            (s, first + round % len)
        }
        None => (s, (s + 1 + round % (n - 1)) % n),
    }
}

/// Sends the documents round-robin from every agency to the others, each send in its own task,
/// at most `concurrency` documents in flight.
fn spawn_sender(
    participants: &[Participant],
    workload: Workload,
    in_flight: InFlight,
    events: mpsc::UnboundedSender<Event>,
) -> JoinHandle<()> {
    let slots = Arc::new(Semaphore::new(workload.concurrency.max(1)));
    let n = participants.len();
    let clients: Vec<(String, Client)> = participants
        .iter()
        .map(|p| (p.code.clone(), p.client.clone()))
        .collect();
    tokio::spawn(async move {
        let start = tokio::time::Instant::now();
        for seq in 0..workload.documents {
            if let Some(rate) = workload.rate.filter(|r| *r > 0.0) {
                tokio::time::sleep_until(start + Duration::from_secs_f64(seq as f64 / rate)).await;
            }
            let Ok(permit) = slots.clone().acquire_owned().await else {
                return;
            };
            let (s, r) = pair(seq, n, workload.split);
            let (sender, client) = &clients[s];
            let h = header(sender, &clients[r].0, seq, &workload.run_tag);
            let id = h.document_id.clone();
            let mut client = client.clone();
            let in_flight = in_flight.clone();
            let events = events.clone();
            tokio::spawn(async move {
                let t0 = Instant::now();
                lock(&in_flight).insert(id.clone(), (t0, permit));
                let req = SendDocumentRequest {
                    part: Some(send_document_request::Part::Header(h)),
                };
                match client.send_document(tokio_stream::iter(vec![req])).await {
                    Ok(_) => {
                        let _ = events.send(Event::Sent(t0.elapsed()));
                    }
                    Err(status) => {
                        // Frees the slot; the document will never be acknowledged.
                        lock(&in_flight).remove(&id);
                        let _ = events.send(Event::SendFailed(format!("{id}: {status}")));
                    }
                }
            });
        }
    })
}

/// Counts the events until every document is acknowledged or failed, or the deadline passes.
async fn collect(
    rx: &mut mpsc::UnboundedReceiver<Event>,
    documents: usize,
    start: Instant,
    timeout: Duration,
) -> HubOutcome {
    let mut out = HubOutcome::default();
    let deadline = tokio::time::Instant::now() + timeout;
    let mut last_ack = start;
    let mut last_send = start;
    while out.send_to_ack.latencies.len() + out.send_failure_count + out.ack_failure_count
        < documents
    {
        let event = match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(e)) => e,
            Ok(None) => break,
            Err(_) => {
                out.timed_out = true;
                break;
            }
        };
        match event {
            Event::Sent(d) => {
                out.sent_ok += 1;
                out.send_rpc.latencies.push(d);
                last_send = Instant::now();
            }
            Event::SendFailed(e) => {
                out.send_failure_count += 1;
                keep(&mut out.send_failures, e);
            }
            Event::Acked(d) => {
                out.send_to_ack.latencies.push(d);
                last_ack = Instant::now();
            }
            Event::AckFailed(e) => {
                out.ack_failure_count += 1;
                keep(&mut out.ack_failures, e);
            }
            Event::Unexpected => out.unexpected_documents += 1,
            Event::Status => out.status_messages += 1,
            Event::Confirmed(c) => out.status_confirmed += c as usize,
            Event::ConfirmFailed(e) => keep(&mut out.confirm_failures, e),
            Event::SubscriptionEnded(e) => out.subscription_errors.push(e),
        }
    }
    out.send_to_ack.elapsed = last_ack - start;
    out.send_rpc.elapsed = last_send - start;
    out.missing = documents
        - (out.send_to_ack.latencies.len() + out.send_failure_count + out.ack_failure_count);
    out
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Reads an agency's inbox: acknowledges every document (each in its own task, so that one
/// slow acknowledgement does not hold up the stream) and passes status messages on to be
/// confirmed.
async fn inbox_loop(
    code: String,
    client: Client,
    mut stream: tonic::Streaming<lienthong_api::exchange::v1::SubscribeResponse>,
    confirm: mpsc::UnboundedSender<u64>,
    in_flight: InFlight,
    events: mpsc::UnboundedSender<Event>,
) {
    loop {
        let item = match stream.message().await {
            Ok(Some(resp)) => match resp.item {
                Some(item) => item,
                None => continue,
            },
            Ok(None) => {
                let _ = events.send(Event::SubscriptionEnded(format!(
                    "{code}: the hub ended the subscription stream"
                )));
                return;
            }
            Err(status) => {
                let _ = events.send(Event::SubscriptionEnded(format!("{code}: {status}")));
                return;
            }
        };
        match item.payload {
            Some(inbox_item::Payload::Document(h)) => {
                let mut client = client.clone();
                let in_flight = in_flight.clone();
                let events = events.clone();
                let code = code.clone();
                tokio::spawn(async move {
                    let id = h.document_id;
                    let result = client
                        .acknowledge_document(AcknowledgeDocumentRequest {
                            document_id: id.clone(),
                        })
                        .await;
                    let entry = lock(&in_flight).remove(&id);
                    let event = match (result, entry) {
                        (Ok(_), Some((t0, _permit))) => Event::Acked(t0.elapsed()),
                        (Ok(_), None) => Event::Unexpected,
                        (Err(status), Some(_)) => {
                            Event::AckFailed(format!("{code} acknowledging {id}: {status}"))
                        }
                        (Err(_), None) => Event::Unexpected,
                    };
                    let _ = events.send(event);
                });
            }
            Some(inbox_item::Payload::Status(_)) => {
                let _ = events.send(Event::Status);
                let _ = confirm.send(item.item_id);
            }
            None => {}
        }
    }
}

/// Confirms status messages, everything that queued up during the previous call in one batch.
async fn confirm_loop(
    mut client: Client,
    mut ids: mpsc::UnboundedReceiver<u64>,
    events: mpsc::UnboundedSender<Event>,
) {
    const MAX_BATCH: usize = 500;
    while let Some(first) = ids.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match ids.try_recv() {
                Ok(id) => batch.push(id),
                Err(_) => break,
            }
        }
        let event = match client
            .confirm_status_messages(ConfirmStatusMessagesRequest { item_ids: batch })
            .await
        {
            Ok(r) => Event::Confirmed(r.get_ref().confirmed),
            Err(status) => Event::ConfirmFailed(status.to_string()),
        };
        let _ = events.send(event);
    }
}

#[cfg(test)]
mod tests {
    use super::pair;

    #[test]
    fn pairs_never_send_to_self_and_cross_the_split() {
        for seq in 0..100 {
            let (s, r) = pair(seq, 5, None);
            assert_ne!(s, r);
            let (s, r) = pair(seq, 5, Some(2));
            assert_eq!(s < 2, r >= 2, "{seq}: {s} → {r} stays in its group");
        }
    }
}
