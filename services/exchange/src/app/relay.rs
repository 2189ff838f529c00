//! Federation use cases: documents and status updates handed over by other hubs (applied
//! idempotently on arrival), and what this hub hands over to the next one.
use lienthong_api::exchange::v1::{
    RelayDocumentRequest, RelayHeader, StatusUpdate, relay_document_request::Part,
};
use lienthong_axis::{local, timestamp::from_timestamp};
use lienthong_platform::Identity;
use time::Date;
use tokio::{sync::mpsc, task::JoinHandle};
use tokio_stream::wrappers::ReceiverStream;
use tracing::Instrument;

use super::{
    Exchange, document_key,
    fetch::feed_attachments,
    inbox_key,
    send::{Origin, PendingSend, SendStart},
};
use crate::{
    domain::{
        header::{check_relay_header, fingerprint},
        outbox::RelayEntry,
        update::{CheckedUpdate, check_update},
    },
    error::{ExchangeError, Result},
    store::{self, StatusRow},
};

/// A document on its way to the next hub: the requests of the RelayDocument stream (header,
/// then attachment chunks read from the blob store), and the task feeding them.
pub struct OutgoingRelay {
    pub requests: ReceiverStream<RelayDocumentRequest>,
    pub feeder: JoinHandle<Result<()>>,
    /// The attachments' bytes (the relay's deadline grows with them).
    pub bytes: u64,
}

/// The calling hub's id.
pub(super) fn hub_of(caller: &Identity) -> Result<&str> {
    match caller {
        Identity::Hub(id) => Ok(id),
        other => Err(ExchangeError::NotAHub {
            caller: other.to_string(),
        }),
    }
}

impl Exchange {
    /// The latest promulgation date a DocumentId may carry when a document enters this hub
    /// (sent or relayed): tomorrow, Vietnam local time, by the hub's clock — a document is not
    /// dated in the future, whatever the clock skew of its sender.
    pub(super) fn latest_document_date(&self) -> Date {
        let today = local::local_date(self.now());
        today.next_day().unwrap_or(today)
    }

    /// A document handed over by another hub: checked by the same content rules as a local
    /// send.
    pub async fn begin_relay(&self, caller: &Identity, relay: RelayHeader) -> Result<SendStart> {
        let hub = hub_of(caller)?;
        let (limits, latest) = (&self.settings.limits, self.latest_document_date());
        let doc = check_relay_header(relay, hub, self.routing(), limits, latest)?;
        let fingerprint = fingerprint(&doc.header);
        if let Some(stored) =
            store::find_document(&mut *self.conn().await?, &doc.header.document_id).await?
        {
            return Self::resend(&stored, &fingerprint);
        }
        Ok(SendStart::New(Box::new(PendingSend::new(
            doc.header,
            doc.sender,
            doc.recipients,
            fingerprint,
            Origin::Hub,
        ))))
    }

    /// A status update handed over by another hub: applied to the leg here, then passed on to
    /// the agency it is for. Returns false when it had already been applied.
    pub async fn apply_relayed_status(
        &self,
        caller: &Identity,
        update: Option<StatusUpdate>,
    ) -> Result<bool> {
        let hub = hub_of(caller)?;
        let update = update.ok_or_else(|| ExchangeError::invalid("update", "is required"))?;
        let checked = check_update(&update)?;
        if checked.transport == Some(lienthong_axis::TransportState::Failed) {
            return self.apply_bounce(hub, update).await;
        }
        let doc = {
            let mut conn = self.conn().await?;
            self.document(&mut conn, "update.document_id", &update.document_id)
                .await?
        };
        if !self
            .routing()
            .may_relay_status(hub, &doc.sender, &update.recipient, &update.to_agency)
        {
            return Err(ExchangeError::StatusRelayRefused {
                hub: hub.to_string(),
                document_id: update.document_id.clone(),
                to_agency: update.to_agency.clone(),
            });
        }
        let now = self.now();
        let at = update.event_time.as_ref().map_or(now, from_timestamp);
        let mut tx = self.transaction().await?;
        if store::leg(&mut tx, &update.document_id, &update.recipient)
            .await?
            .is_none()
        {
            return Err(ExchangeError::NotARecipientHere {
                recipient: update.recipient.clone(),
                document_id: update.document_id.clone(),
            });
        }
        if !store::mark_update_seen(&mut tx, &update.update_id, now).await? {
            return Ok(false);
        }
        let status_seq = apply_update(&mut tx, &update, &checked, at).await?;
        let peer = self.route(&mut tx, &update, status_seq, now).await?;
        store::commit(tx).await?;
        self.notifier.notify(&inbox_key(&update.to_agency));
        self.notifier.notify(&document_key(&update.document_id));
        self.wake_peers(peer.as_slice());
        Ok(true)
    }

    /// The RelayDocument stream of a relay outbox entry.
    pub async fn outgoing_document(&self, entry: &RelayEntry) -> Result<OutgoingRelay> {
        let doc = {
            let mut conn = self.conn().await?;
            self.document(&mut conn, "document_id", &entry.document_id)
                .await?
        };
        let attachments = doc.header.attachments.clone();
        let bytes = attachments.iter().map(|a| a.size).sum();
        let first = RelayDocumentRequest {
            part: Some(Part::Header(RelayHeader {
                document: Some(doc.header),
                recipients: entry.recipients.clone(),
            })),
        };
        let (tx, rx) = mpsc::channel(4);
        let blobs = self.blobs.clone();
        // Attachment bytes stream from the blob store, never whole in memory.
        let feeder = tokio::spawn(
            async move {
                if tx.send(first).await.is_err() {
                    return Ok(());
                }
                let wrap = |chunk| RelayDocumentRequest {
                    part: Some(Part::Chunk(chunk)),
                };
                feed_attachments(&blobs, &attachments, &tx, wrap).await
            }
            .in_current_span(),
        );
        Ok(OutgoingRelay {
            requests: ReceiverStream::new(rx),
            feeder,
            bytes,
        })
    }

    /// The next hub `peer` accepted the document: its legs through that hub are relayed.
    pub async fn document_relayed(&self, peer: &str, entry: &RelayEntry) -> Result<()> {
        let now = self.now();
        let mut tx = self.transaction().await?;
        for r in &entry.recipients {
            store::mark_relayed(&mut tx, &entry.document_id, r).await?;
            // Kept for TrackDocument: when, and to which hub.
            store::record_relay(&mut tx, &entry.document_id, r, peer, now).await?;
        }
        store::commit(tx).await?;
        self.notifier.notify(&document_key(&entry.document_id));
        crate::metrics::document_relayed(self.hub_id(), peer);
        tracing::info!(document_id = %entry.document_id, recipients = ?entry.recipients, %peer, "document relayed");
        Ok(())
    }
}

/// Applies a relayed update to its leg: the hub serving the recipient, the transport event,
/// the status. Returns the sequence number of the status recorded, if any.
async fn apply_update(
    conn: &mut sqlx::AnyConnection,
    update: &StatusUpdate,
    checked: &CheckedUpdate,
    at: i64,
) -> Result<Option<i64>> {
    let (id, recipient) = (update.document_id.as_str(), update.recipient.as_str());
    // An update from the recipient's side names the hub that serves the recipient.
    if update.to_agency != update.recipient && !update.hub.is_empty() {
        store::set_leg_hub(&mut *conn, id, recipient, &update.hub).await?;
    }
    if let Some(state) = checked.transport {
        store::apply_remote_transport(&mut *conn, id, recipient, state, at).await?;
    }
    let Some(status) = checked.status else {
        return Ok(None);
    };
    match status.revoke_state() {
        Some(state) => store::apply_remote_revoke_state(&mut *conn, id, recipient, state).await?,
        None => store::apply_remote_status(&mut *conn, id, recipient, status).await?,
    }
    let row = StatusRow {
        seq: 0,
        document_id: update.document_id.clone(),
        recipient: update.recipient.clone(),
        status,
        reporter: update.reporter.clone(),
        description: update.description.clone(),
        staff_info: update.staff_info.clone(),
        at,
        hub: update.hub.clone(),
    };
    Ok(Some(store::insert_status(conn, &row).await?))
}
