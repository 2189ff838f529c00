//! A recipient acknowledges many documents in one call (`AcknowledgeDocuments`): the same rules
//! as [`Exchange::acknowledge`] for each document, all recorded in ONE transaction, so that a
//! batch costs one durable commit instead of one per document.
//!
//! Each document has its own result. A refusal (unknown, malformed, not a recipient) happens
//! before anything is written for that document, so refusing one inside the shared transaction
//! leaves the others' writes intact; a failure of the database fails the whole batch and
//! records nothing, which the client retries as a whole (acknowledging is idempotent).
use lienthong_api::exchange::v1::TransportState as PbTransport;
use lienthong_axis::{AgencyCode, BusinessStatus};
use lienthong_platform::error::{ApiError, Kind, Violations};

use super::{Exchange, updates::NewStatus};
use crate::{
    domain::{
        self,
        status::{Effect, transition},
    },
    error::{ExchangeError, Result},
    store,
};

/// The most DocumentIds one `AcknowledgeDocuments` call may carry: enough to clear a full
/// subscription page or several at once, small enough that one transaction stays short (it holds
/// the only SQLite connection while it runs).
pub const MAX_ACKNOWLEDGE_BATCH: usize = 500;

/// What acknowledging one document of a batch did.
#[derive(Debug)]
pub enum AckOutcome {
    /// Acknowledged by this call.
    Acknowledged,
    /// Acknowledged before; nothing changed.
    Already,
    /// Refused; the error the single acknowledgement would have returned.
    Refused(ExchangeError),
}

/// Effects to apply once the batch has committed.
#[derive(Default)]
struct AfterCommit {
    /// (sender, document, accepted at, whether 01 was recorded) of each newly acknowledged one.
    acknowledged: Vec<(String, String, i64, bool)>,
    peers: Vec<String>,
}

impl Exchange {
    /// Acknowledges every document of `document_ids` for `recipient` in one transaction; one
    /// outcome per id, in order. Refused as a whole only when the list is empty or longer than
    /// [`MAX_ACKNOWLEDGE_BATCH`], or when the database fails.
    pub async fn acknowledge_many(
        &self,
        recipient: &AgencyCode,
        document_ids: &[String],
    ) -> Result<Vec<AckOutcome>> {
        check_batch(document_ids)?;
        let now = self.now();
        let mut tx = self.transaction().await?;
        let mut after = AfterCommit::default();
        let mut outcomes = Vec::with_capacity(document_ids.len());
        for document_id in document_ids {
            let outcome = self
                .acknowledge_in(&mut tx, recipient, document_id, now, &mut after)
                .await;
            outcomes.push(match outcome {
                Ok(true) => AckOutcome::Acknowledged,
                Ok(false) => AckOutcome::Already,
                // A refusal of this document only: nothing of it was written.
                Err(e) if is_refusal(&e) => AckOutcome::Refused(e),
                // The database failed: the transaction is dropped, nothing is recorded.
                Err(e) => return Err(e),
            });
        }
        store::commit(tx).await?;
        self.after_acknowledgements(after, now);
        Ok(outcomes)
    }

    /// One acknowledgement inside the batch's transaction; the rules of
    /// [`Exchange::acknowledge`]. Every refusal is returned before the first write.
    async fn acknowledge_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        recipient: &AgencyCode,
        document_id: &str,
        now: i64,
        after: &mut AfterCommit,
    ) -> Result<bool> {
        domain::document_id("document_id", document_id)?;
        let (doc, leg) = self
            .recipient_document(&mut *tx, recipient, document_id)
            .await?;
        let accepted_at = doc
            .header
            .trace_headers
            .first()
            .and_then(|t| t.record_time.as_ref())
            .map_or(doc.accepted_at, lienthong_axis::timestamp::from_timestamp);
        let status = match transition(document_id, leg.status(), BusinessStatus::Arrived)? {
            Effect::Acknowledge => Some(BusinessStatus::Arrived),
            // Revoked (15): the document leaves the inbox, no 01 is recorded.
            Effect::AcknowledgeRevoked => None,
            _ => return Ok(false),
        };
        let code = recipient.as_str();
        if !store::mark_acknowledged(&mut *tx, document_id, code, now, status).await? {
            return Ok(false);
        }
        let sender = doc.sender;
        let peer = match status {
            Some(status) => {
                let new = NewStatus {
                    document_id,
                    recipient: code,
                    status,
                    reporter: code,
                    description: "",
                    staff_info: "",
                };
                let row = self.status_row(&new, now);
                self.record_status(tx, &row, &sender, PbTransport::Acknowledged)
                    .await?
                    .1
            }
            None => {
                let leg = (document_id, recipient);
                self.transport_event(tx, &sender, leg, PbTransport::Acknowledged, now)
                    .await?
            }
        };
        after.peers.extend(peer);
        let entry = (
            sender,
            document_id.to_string(),
            accepted_at,
            status.is_some(),
        );
        after.acknowledged.push(entry);
        Ok(true)
    }

    /// Once committed: wake the senders' inboxes and watchers and the peers' outbox workers,
    /// count what was recorded.
    fn after_acknowledgements(&self, mut after: AfterCommit, now: i64) {
        for (sender, document_id, accepted_at, recorded) in &after.acknowledged {
            self.notify_sender(sender, document_id);
            if *recorded {
                crate::metrics::status_recorded(self.hub_id(), BusinessStatus::Arrived.code());
            }
            crate::metrics::document_acknowledged(self.hub_id(), now - accepted_at);
        }
        after.peers.sort();
        after.peers.dedup();
        self.wake_peers(&after.peers);
    }
}

/// 1 to [`MAX_ACKNOWLEDGE_BATCH`] DocumentIds.
fn check_batch(document_ids: &[String]) -> Result<()> {
    let mut v = Violations::new();
    if document_ids.is_empty() {
        v.push("document_ids", "at least one DocumentId is required");
    } else if document_ids.len() > MAX_ACKNOWLEDGE_BATCH {
        v.push(
            "document_ids",
            format!(
                "at most {MAX_ACKNOWLEDGE_BATCH} DocumentIds per call, {} given",
                document_ids.len()
            ),
        );
    }
    Ok(v.into_result()?)
}

/// A refusal about one document, as opposed to a failure of the hub (database down, a lost race,
/// an internal error), which fails the whole batch.
fn is_refusal(e: &ExchangeError) -> bool {
    !matches!(
        e.kind(),
        Kind::Unavailable | Kind::Aborted | Kind::Internal | Kind::ResourceExhausted
    )
}
