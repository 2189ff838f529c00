//! Federation use cases: documents and statuses handed from hub to hub through a durable outbox
//! per peer (ordered, retried with back-off), and applied idempotently on arrival.
use std::sync::Arc;

use lienthong_api::exchange::v1::{
    AttachmentChunk, RelayDocumentRequest, RelayHeader, RelayStatusRequest, StatusUpdate,
    TransportState, relay_document_request, relay_service_client::RelayServiceClient,
};
use lienthong_platform::{
    client::TracedChannel,
    db::now_micros,
    outbox::{self, Deliver, DeliveryError},
};
use prost::Message;
use tokio::io::AsyncReadExt;
use tokio_stream::wrappers::ReceiverStream;

use crate::{
    app::{Exchange, PendingSend, SendStart},
    domain::{self, RevokeState, status},
    error::{ExchangeError, Result},
    federation::Hop,
    notify::{document_key, inbox_key},
    store::{self, StatusRow},
};

/// The outbox topic of a peer hub.
pub fn topic(peer: &str) -> String {
    format!("relay:{peer}")
}

/// One entry of a peer's relay outbox: a document (loaded from the store when delivered, so
/// the outbox holds no attachment bytes) or a status update.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RelayEntry {
    #[prost(string, tag = "1")]
    pub document_id: String,
    /// For a document: the recipients reached through the peer.
    #[prost(string, repeated, tag = "2")]
    pub recipients: Vec<String>,
    #[prost(message, optional, tag = "3")]
    pub status: Option<StatusUpdate>,
}

pub async fn enqueue(
    conn: &mut sqlx::AnyConnection,
    peer: &str,
    key: &str,
    entry: &RelayEntry,
) -> Result<()> {
    outbox::enqueue(conn, &topic(peer), key, &entry.encode_to_vec()).await?;
    Ok(())
}

impl Exchange {
    /// A document handed over by hub `caller`.
    pub async fn begin_relay(&self, caller: &str, relay: RelayHeader) -> Result<SendStart> {
        let header = relay
            .document
            .ok_or_else(|| ExchangeError::invalid("header.document", "is required"))?;
        let sender = header
            .from
            .as_ref()
            .map(|a| a.code.clone())
            .unwrap_or_default();
        domain::check_agency_code("header.document.from.code", &sender)?;
        let id = domain::parse_document_id("header.document.document_id", &header.document_id)?;
        if id.organ_id != sender {
            return Err(ExchangeError::invalid(
                "header.document.document_id",
                "its OrganId must be the sender's code",
            ));
        }
        if !self.routing.may_relay(caller, &sender) {
            return Err(ExchangeError::PermissionDenied(format!(
                "hub {caller} may not relay documents of {sender} to this hub: a provincial hub relays \
                 only for the agencies it serves, and only the national hub relays for others"
            )));
        }
        if relay.recipients.is_empty() {
            return Err(ExchangeError::invalid(
                "header.recipients",
                "at least one recipient is required",
            ));
        }
        for (i, r) in relay.recipients.iter().enumerate() {
            domain::check_agency_code(&format!("header.recipients[{i}]"), r)?;
            if !header.to.iter().any(|a| &a.code == r) {
                return Err(ExchangeError::invalid(
                    format!("header.recipients[{i}]"),
                    format!("{r} is not among the document's recipients"),
                ));
            }
            if self.routing.hop(r) == Hop::Peer(caller.to_string()) {
                return Err(ExchangeError::invalid(
                    format!("header.recipients[{i}]"),
                    format!("{r} is served by hub {caller} itself"),
                ));
            }
        }
        let fingerprint = domain::fingerprint(&header);
        if let Some(stored) =
            store::find_document(&mut *self.conn().await?, &header.document_id).await?
        {
            return self.resend(&stored, &fingerprint);
        }
        Ok(SendStart::New(Box::new(PendingSend::new(
            header,
            sender,
            relay.recipients,
            fingerprint,
            true,
        ))))
    }

    /// A status update handed over by hub `caller`: applied to the leg here, then passed on to
    /// the agency it is for. Returns false when it had already been applied.
    pub async fn apply_relayed_status(&self, caller: &str, update: StatusUpdate) -> Result<bool> {
        let doc = store::find_document(&mut *self.conn().await?, &update.document_id)
            .await?
            .ok_or_else(|| {
                ExchangeError::NotFound(format!(
                    "update.document_id: no document {}",
                    update.document_id
                ))
            })?;
        if !self
            .routing
            .may_relay_status(caller, &doc.sender, &update.recipient, &update.to_agency)
        {
            return Err(ExchangeError::PermissionDenied(format!(
                "hub {caller} may not relay statuses of {} for {}",
                update.document_id, update.to_agency
            )));
        }
        let now = now_micros();
        let at = update
            .at
            .as_ref()
            .map(|t| t.seconds * 1_000_000 + i64::from(t.nanos) / 1000)
            .unwrap_or(now);
        let mut tx = self.pool.begin().await?;
        if store::leg(&mut tx, &update.document_id, &update.recipient)
            .await?
            .is_none()
        {
            return Err(ExchangeError::NotFound(format!(
                "update.recipient: {} is not a recipient of {} here",
                update.recipient, update.document_id
            )));
        }
        if !store::mark_update_seen(&mut tx, &update.update_id, now).await? {
            return Ok(false);
        }
        // An update from the recipient's side names the hub that serves the recipient.
        if update.to_agency != update.recipient && !update.hub.is_empty() {
            store::set_leg_hub(&mut tx, &update.document_id, &update.recipient, &update.hub)
                .await?;
        }
        let transport =
            TransportState::try_from(update.transport_state).unwrap_or(TransportState::Unspecified);
        match transport {
            TransportState::Delivered => {
                store::apply_remote_transport(
                    &mut tx,
                    &update.document_id,
                    &update.recipient,
                    store::TRANSPORT_DELIVERED,
                    at,
                )
                .await?
            }
            TransportState::Acknowledged => {
                store::apply_remote_transport(
                    &mut tx,
                    &update.document_id,
                    &update.recipient,
                    store::TRANSPORT_ACKNOWLEDGED,
                    at,
                )
                .await?
            }
            _ => {}
        }
        let mut status_seq = None;
        if !update.code.is_empty() {
            match update.code.as_str() {
                status::REVOKE_REQUESTED => {
                    store::apply_remote_revoke_state(
                        &mut tx,
                        &update.document_id,
                        &update.recipient,
                        RevokeState::Requested as i64,
                    )
                    .await?
                }
                status::REVOKE_ACCEPTED => {
                    store::apply_remote_revoke_state(
                        &mut tx,
                        &update.document_id,
                        &update.recipient,
                        RevokeState::Accepted as i64,
                    )
                    .await?
                }
                status::REVOKE_REFUSED => {
                    store::apply_remote_revoke_state(
                        &mut tx,
                        &update.document_id,
                        &update.recipient,
                        RevokeState::Refused as i64,
                    )
                    .await?
                }
                code => {
                    store::apply_remote_status(
                        &mut tx,
                        &update.document_id,
                        &update.recipient,
                        code,
                    )
                    .await?
                }
            }
            let row = StatusRow {
                seq: 0,
                document_id: update.document_id.clone(),
                recipient: update.recipient.clone(),
                code: update.code.clone(),
                reported_by: update.reported_by.clone(),
                description: update.description.clone(),
                staff_info: update.staff_info.clone(),
                at,
                hub: update.hub.clone(),
            };
            status_seq = Some(store::insert_status(&mut tx, &row).await?);
        }
        let peer = self.route(&mut tx, &update, status_seq, now).await?;
        tx.commit().await?;
        self.notifier.notify(&inbox_key(&update.to_agency));
        self.notifier.notify(&document_key(&update.document_id));
        self.wake_peers(peer.as_slice());
        Ok(true)
    }
}

/// Delivers a peer's relay outbox entries.
pub struct RelayDelivery {
    pub peer: String,
    pub exchange: Arc<Exchange>,
    pub client: RelayServiceClient<TracedChannel>,
}

impl Deliver for RelayDelivery {
    async fn deliver(&self, payload: Vec<u8>) -> Result<(), DeliveryError> {
        let entry = RelayEntry::decode(payload.as_slice())
            .map_err(|e| DeliveryError(format!("undecodable outbox entry: {e}")))?;
        match entry.status {
            Some(update) => {
                self.client
                    .clone()
                    .relay_status(RelayStatusRequest {
                        update: Some(update),
                    })
                    .await?;
                Ok(())
            }
            None => self.relay_document(entry).await,
        }
    }
}

impl RelayDelivery {
    async fn relay_document(&self, entry: RelayEntry) -> Result<(), DeliveryError> {
        let ex = &self.exchange;
        let doc = {
            let mut conn = ex.conn().await.map_err(|e| DeliveryError(e.to_string()))?;
            store::find_document(&mut conn, &entry.document_id)
                .await
                .map_err(|e| DeliveryError(e.to_string()))?
                .ok_or_else(|| DeliveryError(format!("document {} is gone", entry.document_id)))?
        };
        let attachments = doc.header.attachments.clone();
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let first = RelayDocumentRequest {
            part: Some(relay_document_request::Part::Header(RelayHeader {
                document: Some(doc.header),
                recipients: entry.recipients.clone(),
            })),
        };
        let exchange = ex.clone();
        // Attachment bytes stream from the blob store, never whole in memory.
        let feeder = tokio::spawn(async move {
            if tx.send(first).await.is_err() {
                return Ok(());
            }
            for (i, info) in attachments.iter().enumerate() {
                let mut file = exchange
                    .open_attachment(info)
                    .await
                    .map_err(|e| e.to_string())?;
                loop {
                    let mut buf = vec![0u8; 64 * 1024];
                    let n = file.read(&mut buf).await.map_err(|e| e.to_string())?;
                    if n == 0 {
                        break;
                    }
                    buf.truncate(n);
                    let chunk = AttachmentChunk {
                        attachment_index: i as u32,
                        data: buf,
                    };
                    let msg = RelayDocumentRequest {
                        part: Some(relay_document_request::Part::Chunk(chunk)),
                    };
                    if tx.send(msg).await.is_err() {
                        return Ok(());
                    }
                }
            }
            Ok::<(), String>(())
        });
        let result = self
            .client
            .clone()
            .relay_document(ReceiverStream::new(rx))
            .await;
        match feeder.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(DeliveryError(format!("reading attachments: {e}"))),
            Err(e) => return Err(DeliveryError(format!("attachment reader: {e}"))),
        }
        result?;
        let mut tx = ex
            .pool
            .begin()
            .await
            .map_err(|e| DeliveryError(e.to_string()))?;
        for r in &entry.recipients {
            store::mark_relayed(&mut tx, &entry.document_id, r)
                .await
                .map_err(|e| DeliveryError(e.to_string()))?;
        }
        tx.commit()
            .await
            .map_err(|e| DeliveryError(e.to_string()))?;
        ex.notifier.notify(&document_key(&entry.document_id));
        crate::metrics::document_relayed(&ex.hub_id, &self.peer);
        tracing::info!(document_id = %entry.document_id, recipients = ?entry.recipients, peer = %self.peer, "document relayed");
        Ok(())
    }
}
