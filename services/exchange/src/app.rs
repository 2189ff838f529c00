//! The exchange's use cases: each one applies the rules of [`crate::domain`] and commits its
//! changes through [`crate::store`] in one transaction, then wakes whoever waits on them.
use std::{collections::HashMap, sync::Arc};

use lienthong_api::exchange::v1::{
    Agency, AttachmentInfo, DocumentHeader, InboxItem, RecipientView, RevokeState as PbRevokeState,
    SendDocumentResponse, SentDocumentView, StatusMessage, StatusUpdate, TraceHeader,
    TransportState, inbox_item::Payload,
};
use lienthong_platform::db::now_micros;
use sqlx::AnyPool;
use tracing::Instrument;

use crate::{
    blobs::{BlobStore, BlobWriter},
    domain::{self, Limits, RevokeState, StatusEffect, status},
    error::{ExchangeError, Result},
    federation::{Hop, RemoteDirectory, Routing},
    integrations,
    notify::{Notifier, document_key, inbox_key},
    relay::{self, RelayEntry},
    store::{self, StatusRow},
};
use lienthong_platform::outbox::{self, Outbox};

/// Everything a use case needs.
pub struct Exchange {
    pub pool: AnyPool,
    pub blobs: BlobStore,
    pub notifier: Notifier,
    pub limits: Limits,
    /// This hub's id, written into every TraceHeader it appends.
    pub hub_id: String,
    /// Set when a tasks service is configured: steering documents become tasks through it.
    pub tasks: Option<Outbox>,
    /// Which hub serves which agencies.
    pub routing: Routing,
    /// The relay outbox of each peer hub.
    pub peers: HashMap<String, Outbox>,
    /// Lookups of agencies served by other hubs (none for a standalone hub).
    pub remote_directory: Option<RemoteDirectory>,
}

pub fn timestamp(micros: i64) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: micros.div_euclid(1_000_000),
        nanos: (micros.rem_euclid(1_000_000) * 1000) as i32,
    }
}

/// A send in progress: the header is checked, the attachments are streaming in.
pub struct PendingSend {
    pub(crate) header: DocumentHeader,
    pub(crate) sender: String,
    /// The recipients this hub delivers or passes on.
    pub(crate) recipients: Vec<String>,
    pub(crate) fingerprint: String,
    /// Received from another hub (its TraceHeaders are kept and ours appended).
    pub(crate) relayed: bool,
    current: usize,
    writer: Option<BlobWriter>,
}

impl PendingSend {
    pub(crate) fn new(
        header: DocumentHeader,
        sender: String,
        recipients: Vec<String>,
        fingerprint: String,
        relayed: bool,
    ) -> Self {
        PendingSend {
            header,
            sender,
            recipients,
            fingerprint,
            relayed,
            current: 0,
            writer: None,
        }
    }
}

/// What `begin_send` decided.
pub enum SendStart {
    /// A new document: feed its attachments, then `finish_send`.
    New(Box<PendingSend>),
    /// The same document was accepted before: this is its first receipt.
    Duplicate(SendDocumentResponse),
}

fn receipt(doc: &store::StoredDocument, duplicate: bool) -> SendDocumentResponse {
    SendDocumentResponse {
        document_id: doc.header.document_id.clone(),
        accepted_at: Some(timestamp(doc.accepted_at)),
        duplicate,
        recipients: doc.header.to.iter().map(|a| a.code.clone()).collect(),
    }
}

impl Exchange {
    pub(crate) async fn conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// Compares a resent document with the stored one.
    pub(crate) fn resend(
        &self,
        stored: &store::StoredDocument,
        fingerprint: &str,
    ) -> Result<SendStart> {
        if stored.fingerprint == fingerprint {
            Ok(SendStart::Duplicate(receipt(stored, true)))
        } else {
            Err(ExchangeError::AlreadyExists(format!(
                "document_id: {} was already sent with different content; \
                 a DocumentId names one document (use business type 2 update or 3 replace to change it)",
                stored.header.document_id
            )))
        }
    }

    pub async fn begin_send(&self, sender: &str, header: DocumentHeader) -> Result<SendStart> {
        let recipients = domain::check_header(&header, sender, &self.limits)?;
        let fingerprint = domain::fingerprint(&header);
        let mut conn = self.conn().await?;
        if let Some(stored) = store::find_document(&mut conn, &header.document_id).await? {
            return self.resend(&stored, &fingerprint);
        }
        if let Hop::Peer(hub) = self.routing.hop(sender) {
            return Err(ExchangeError::PermissionDenied(format!(
                "from.code: {sender} is served by hub {hub}, not by this hub; send through your own hub"
            )));
        }
        if store::get_agency(&mut conn, sender).await?.is_none() {
            return Err(ExchangeError::PermissionDenied(format!(
                "from.code: {sender} is not registered at this hub; ask the operator to register it"
            )));
        }
        drop(conn);
        for (i, code) in recipients.iter().enumerate() {
            self.check_recipient(i, code).await?;
        }
        Ok(SendStart::New(Box::new(PendingSend::new(
            header,
            sender.to_string(),
            recipients,
            fingerprint,
            false,
        ))))
    }

    /// A recipient must be registered where it is served. One served by another hub is looked
    /// up through the national hub; when that hub cannot be reached the document is accepted
    /// anyway (store and forward: the relay waits for it).
    async fn check_recipient(&self, i: usize, code: &str) -> Result<()> {
        match self.routing.hop(code) {
            Hop::Local => {
                if store::get_agency(&mut *self.conn().await?, code)
                    .await?
                    .is_none()
                {
                    return Err(ExchangeError::NotFound(format!(
                        "to[{i}].code: no agency {code} is registered at this hub"
                    )));
                }
            }
            Hop::Peer(peer) => {
                let Some(directory) = &self.remote_directory else {
                    return Err(ExchangeError::Internal("no remote directory".into()));
                };
                match directory.lookup(&peer, code).await {
                    Ok(_) => {}
                    Err(ExchangeError::NotFound(m)) => {
                        return Err(ExchangeError::NotFound(format!("to[{i}].code: {m}")));
                    }
                    Err(ExchangeError::Unavailable(m)) => {
                        tracing::warn!(recipient = code, reason = %m, "recipient not verified; the relay will carry the document when the peer is back");
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }

    /// Checks the attachment just completed and stores its blob.
    async fn close_attachment(&self, send: &mut PendingSend) -> Result<()> {
        let i = send.current;
        let info = &send.header.attachments[i];
        let writer = match send.writer.take() {
            Some(w) => w,
            None => self.blobs.writer().await.map_err(io_unavailable)?,
        };
        if writer.written() != info.size {
            return Err(ExchangeError::invalid(
                format!("attachments[{i}].size"),
                format!(
                    "declared {} bytes but {} arrived",
                    info.size,
                    writer.written()
                ),
            ));
        }
        let digest = writer.digest();
        if digest != info.sha256 {
            return Err(ExchangeError::invalid(
                format!("attachments[{i}].sha256"),
                format!(
                    "declared {} but the content hashes to {digest}",
                    info.sha256
                ),
            ));
        }
        writer.commit(&self.blobs).await.map_err(io_unavailable)?;
        send.current += 1;
        Ok(())
    }

    /// Takes the next chunk of attachment bytes. Attachments arrive in order.
    pub async fn send_chunk(&self, send: &mut PendingSend, index: u32, data: &[u8]) -> Result<()> {
        let index = index as usize;
        if index >= send.header.attachments.len() {
            return Err(ExchangeError::invalid(
                "chunk.attachment_index",
                format!(
                    "{index} is not a declared attachment (there are {})",
                    send.header.attachments.len()
                ),
            ));
        }
        while send.current < index {
            self.close_attachment(send).await?;
        }
        if index < send.current {
            return Err(ExchangeError::invalid(
                "chunk.attachment_index",
                format!("attachment {index} is already complete; send attachments in order"),
            ));
        }
        let info = &send.header.attachments[index];
        if send.writer.is_none() {
            send.writer = Some(self.blobs.writer().await.map_err(io_unavailable)?);
        }
        let writer = send
            .writer
            .as_mut()
            .ok_or_else(|| ExchangeError::Internal("no writer".into()))?;
        if writer.written() + data.len() as u64 > info.size {
            return Err(ExchangeError::invalid(
                format!("attachments[{index}].size"),
                format!("more bytes arrived than the declared {}", info.size),
            ));
        }
        writer.write(data).await.map_err(io_unavailable)
    }

    /// Verifies the remaining attachments and commits the document: stored, queued for every
    /// recipient (locally, or in the relay outbox of the next hub), or nothing at all.
    pub async fn finish_send(&self, mut send: PendingSend) -> Result<SendDocumentResponse> {
        while send.current < send.header.attachments.len() {
            self.close_attachment(&mut send).await?;
        }
        let now = now_micros();
        let mut header = send.header;
        let hop = TraceHeader {
            organ_id: self.hub_id.clone(),
            timestamp: Some(timestamp(now)),
        };
        if send.relayed {
            header.trace_headers.push(hop);
        } else {
            header.trace_headers = vec![hop];
        }
        let mut tx = self.pool.begin().await?;
        let inserted = self
            .insert_with_legs(
                &mut tx,
                &header,
                &send.sender,
                &send.fingerprint,
                &send.recipients,
                now,
            )
            .await;
        let peers = match inserted {
            Ok(peers) => {
                tx.commit().await?;
                peers
            }
            Err(e) => {
                drop(tx);
                // A concurrent send of the same DocumentId won the race: answer as a resend.
                let mut conn = self.conn().await?;
                if let Some(stored) = store::find_document(&mut conn, &header.document_id).await? {
                    return match self.resend(&stored, &send.fingerprint)? {
                        SendStart::Duplicate(r) => Ok(r),
                        SendStart::New(_) => Err(e),
                    };
                }
                return Err(e);
            }
        };
        for r in &send.recipients {
            self.notifier.notify(&inbox_key(r));
        }
        self.wake_peers(&peers);
        if let Some(tasks) = &self.tasks {
            tasks.wake();
        }
        crate::metrics::document_accepted(&self.hub_id, send.relayed);
        tracing::info!(document_id = %header.document_id, sender = %send.sender, recipients = ?send.recipients, relayed = send.relayed, "document accepted");
        Ok(SendDocumentResponse {
            document_id: header.document_id.clone(),
            accepted_at: Some(timestamp(now)),
            duplicate: false,
            recipients: send.recipients,
        })
    }

    pub(crate) fn wake_peers(&self, peers: &[String]) {
        for p in peers {
            if let Some(outbox) = self.peers.get(p) {
                outbox.wake();
            }
        }
    }

    /// Stores the document, one leg per recipient, an inbox item per local recipient and one
    /// relay entry per next hub. Returns the peers that have work.
    async fn insert_with_legs(
        &self,
        conn: &mut sqlx::AnyConnection,
        header: &DocumentHeader,
        sender: &str,
        fingerprint: &str,
        recipients: &[String],
        now: i64,
    ) -> Result<Vec<String>> {
        let traceparent = lienthong_platform::telemetry::current_traceparent();
        store::insert_document(&mut *conn, header, sender, fingerprint, &traceparent, now).await?;
        let mut by_peer: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        let mut local = Vec::new();
        for recipient in recipients {
            let hop = self.routing.hop(recipient);
            store::insert_leg(
                &mut *conn,
                &header.document_id,
                recipient,
                &self.routing.hub_of(recipient),
            )
            .await?;
            match hop {
                Hop::Local => {
                    store::insert_inbox_item(
                        &mut *conn,
                        recipient,
                        store::KIND_DOCUMENT,
                        &header.document_id,
                        None,
                        now,
                    )
                    .await?;
                    local.push(recipient.clone());
                }
                Hop::Peer(peer) => by_peer.entry(peer).or_default().push(recipient.clone()),
            }
        }
        for (peer, recipients) in &by_peer {
            let entry = RelayEntry {
                document_id: header.document_id.clone(),
                recipients: recipients.clone(),
                status: None,
            };
            relay::enqueue(
                &mut *conn,
                peer,
                &format!("doc:{}:{peer}", header.document_id),
                &entry,
            )
            .await?;
        }
        self.after_insert(&mut *conn, header, sender, &local, now)
            .await?;
        Ok(by_peer.into_keys().collect())
    }

    /// What commits with a new document besides the document itself: its day's figures are to
    /// be pushed again, and a steering document with a due date becomes a task per local
    /// recipient (the hub of a remote recipient does that for its own).
    async fn after_insert(
        &self,
        conn: &mut sqlx::AnyConnection,
        header: &DocumentHeader,
        sender: &str,
        recipients: &[String],
        now: i64,
    ) -> Result<()> {
        integrations::mark_day_dirty(&mut *conn, integrations::local_day(now)).await?;
        if self.tasks.is_some() && header.steering_type == 1 && !header.due_date.is_empty() {
            for recipient in recipients {
                let all: Vec<String> = header.to.iter().map(|a| a.code.clone()).collect();
                let request = integrations::task_request(
                    &header.document_id,
                    sender,
                    recipient,
                    &all,
                    &header.subject,
                    &header.due_date,
                );
                outbox::enqueue(
                    &mut *conn,
                    integrations::TASKS_TOPIC,
                    &format!("task:{}:{recipient}", header.document_id),
                    &prost::Message::encode_to_vec(&request),
                )
                .await?;
            }
        }
        Ok(())
    }

    /// The agency's unacknowledged items after `after`; documents handed out are marked
    /// delivered when `deliver` is set (a subscription push), not when merely listed.
    pub async fn pending(
        &self,
        agency: &str,
        after: i64,
        limit: i64,
        deliver: bool,
    ) -> Result<Vec<InboxItem>> {
        let mut conn = self.conn().await?;
        let items = store::pending_items(&mut conn, agency, after, limit).await?;
        let mut out = Vec::with_capacity(items.len());
        let mut handed_out = Vec::new();
        for item in items {
            let payload = match item.status {
                Some(s) => Payload::Status(status_message(&s)),
                None => {
                    let doc = store::find_document(&mut conn, &item.document_id)
                        .await?
                        .ok_or_else(|| {
                            ExchangeError::Internal("inbox item without document".into())
                        })?;
                    if deliver {
                        handed_out.push((doc.sender.clone(), item.document_id.clone()));
                    }
                    Payload::Document(doc.header)
                }
            };
            out.push(InboxItem {
                item_id: item.item_id as u64,
                created_at: Some(timestamp(item.created_at)),
                payload: Some(payload),
            });
        }
        // The connection goes back first: with SQLite the pool has only one.
        drop(conn);
        for (sender, document_id) in handed_out {
            self.delivered(&sender, &document_id, agency).await?;
        }
        Ok(out)
    }

    /// Queued → delivered for a local recipient; a sender on another hub hears of it.
    async fn delivered(&self, sender: &str, document_id: &str, recipient: &str) -> Result<()> {
        let now = now_micros();
        let mut tx = self.pool.begin().await?;
        if !store::mark_delivered(&mut tx, document_id, recipient, now).await? {
            return Ok(());
        }
        let mut peer = None;
        if let Hop::Peer(_) = self.routing.hop(sender) {
            let update = StatusUpdate {
                update_id: format!("{}:delivered:{document_id}:{recipient}", self.hub_id),
                document_id: document_id.to_string(),
                recipient: recipient.to_string(),
                to_agency: sender.to_string(),
                reported_by: recipient.to_string(),
                at: Some(timestamp(now)),
                hub: self.hub_id.clone(),
                transport_state: TransportState::Delivered as i32,
                ..Default::default()
            };
            peer = self.route(&mut tx, &update, None, now).await?;
        }
        tx.commit().await?;
        self.notifier.notify(&document_key(document_id));
        self.wake_peers(peer.as_slice());
        Ok(())
    }

    /// Routes a leg's update towards the agency it is for: an inbox item when that agency is
    /// served here (for a recorded status), else an entry in the next hub's relay outbox.
    /// Returns the peer to wake.
    pub(crate) async fn route(
        &self,
        conn: &mut sqlx::AnyConnection,
        update: &StatusUpdate,
        status_seq: Option<i64>,
        now: i64,
    ) -> Result<Option<String>> {
        match self.routing.hop(&update.to_agency) {
            Hop::Local => {
                if let Some(seq) = status_seq {
                    store::insert_inbox_item(
                        conn,
                        &update.to_agency,
                        store::KIND_STATUS,
                        &update.document_id,
                        Some(seq),
                        now,
                    )
                    .await?;
                }
                Ok(None)
            }
            Hop::Peer(peer) => {
                let entry = RelayEntry {
                    document_id: update.document_id.clone(),
                    recipients: Vec::new(),
                    status: Some(update.clone()),
                };
                relay::enqueue(conn, &peer, &format!("upd:{}", update.update_id), &entry).await?;
                Ok(Some(peer))
            }
        }
    }

    /// The update that carries a status recorded here to other hubs.
    fn update_of(
        &self,
        row: &StatusRow,
        seq: i64,
        to_agency: &str,
        transport: TransportState,
    ) -> StatusUpdate {
        StatusUpdate {
            update_id: format!("{}:status:{seq}", self.hub_id),
            document_id: row.document_id.clone(),
            recipient: row.recipient.clone(),
            to_agency: to_agency.to_string(),
            code: row.code.clone(),
            description: row.description.clone(),
            staff_info: row.staff_info.clone(),
            reported_by: row.reported_by.clone(),
            at: Some(timestamp(row.at)),
            hub: row.hub.clone(),
            transport_state: transport as i32,
        }
    }

    /// A document for its sender or one of its recipients (marking it delivered to the latter).
    pub async fn fetch(&self, caller: &str, document_id: &str) -> Result<DocumentHeader> {
        domain::parse_document_id("document_id", document_id)?;
        let mut conn = self.conn().await?;
        let doc = store::find_document(&mut conn, document_id)
            .await?
            .ok_or_else(|| {
                ExchangeError::NotFound(format!("document_id: no document {document_id}"))
            })?;
        if doc.sender != caller {
            if store::leg(&mut conn, document_id, caller).await?.is_none() {
                return Err(not_yours(document_id));
            }
            drop(conn);
            self.delivered(&doc.sender, document_id, caller).await?;
        }
        Ok(doc.header)
    }

    pub async fn open_attachment(&self, info: &AttachmentInfo) -> Result<tokio::fs::File> {
        self.blobs
            .open_blob(&info.sha256)
            .await
            .map_err(io_unavailable)
    }

    /// A span in the document's own trace (linked to the caller's), so that one trace follows
    /// the document from the sender's call to the recipient's acknowledgement and statuses.
    async fn document_span(&self, name: &'static str, document_id: &str) -> Result<tracing::Span> {
        let traceparent =
            store::document_traceparent(&mut *self.conn().await?, document_id).await?;
        Ok(lienthong_platform::telemetry::continuing_span(
            name,
            &traceparent,
        ))
    }

    /// The recipient has stored the document: status 01.
    pub async fn acknowledge(&self, recipient: &str, document_id: &str) -> Result<bool> {
        domain::parse_document_id("document_id", document_id)?;
        let span = self
            .document_span("document.acknowledge", document_id)
            .await?;
        self.acknowledge_in_trace(recipient, document_id)
            .instrument(span)
            .await
    }

    async fn acknowledge_in_trace(&self, recipient: &str, document_id: &str) -> Result<bool> {
        let now = now_micros();
        let mut tx = self.pool.begin().await?;
        let sender = self.recipient_leg(&mut tx, recipient, document_id).await?.0;
        if !store::mark_acknowledged(&mut tx, document_id, recipient, now).await? {
            return Ok(false);
        }
        let row = self.status_row(
            document_id,
            recipient,
            status::ARRIVED,
            recipient,
            "",
            "",
            now,
        );
        let seq = store::insert_status(&mut tx, &row).await?;
        let update = self.update_of(&row, seq, &sender, TransportState::Acknowledged);
        let peer = self.route(&mut tx, &update, Some(seq), now).await?;
        tx.commit().await?;
        self.notify_sender(&sender, document_id);
        self.wake_peers(peer.as_slice());
        crate::metrics::status_recorded(&self.hub_id, status::ARRIVED);
        Ok(true)
    }

    #[allow(clippy::too_many_arguments)]
    fn status_row(
        &self,
        document_id: &str,
        recipient: &str,
        code: &str,
        reported_by: &str,
        description: &str,
        staff_info: &str,
        at: i64,
    ) -> StatusRow {
        StatusRow {
            seq: 0,
            document_id: document_id.to_string(),
            recipient: recipient.to_string(),
            code: code.to_string(),
            reported_by: reported_by.to_string(),
            description: description.to_string(),
            staff_info: staff_info.to_string(),
            at,
            hub: self.hub_id.clone(),
        }
    }

    fn notify_sender(&self, sender: &str, document_id: &str) {
        self.notifier.notify(&inbox_key(sender));
        self.notifier.notify(&document_key(document_id));
    }

    /// The sender and the leg of a recipient, or why the caller may not act on it.
    async fn recipient_leg(
        &self,
        conn: &mut sqlx::AnyConnection,
        recipient: &str,
        document_id: &str,
    ) -> Result<(String, store::Leg)> {
        let doc = store::find_document(&mut *conn, document_id)
            .await?
            .ok_or_else(|| {
                ExchangeError::NotFound(format!("document_id: no document {document_id}"))
            })?;
        let leg = store::leg(conn, document_id, recipient).await?;
        match leg {
            Some(leg) => Ok((doc.sender, leg)),
            None if doc.sender == recipient => Err(ExchangeError::PermissionDenied(format!(
                "document_id: you sent {document_id}; only its recipients acknowledge it or report its status"
            ))),
            None => Err(not_yours(document_id)),
        }
    }

    pub async fn confirm_status_messages(&self, agency: &str, item_ids: &[u64]) -> Result<u32> {
        let now = now_micros();
        let mut tx = self.pool.begin().await?;
        let mut confirmed = 0;
        for (i, id) in item_ids.iter().enumerate() {
            let id = i64::try_from(*id)
                .map_err(|_| ExchangeError::invalid(format!("item_ids[{i}]"), "out of range"))?;
            match store::confirm_status_item(&mut tx, agency, id, now).await? {
                None => {
                    return Err(ExchangeError::NotFound(format!(
                        "item_ids[{i}]: no item {id} in your inbox"
                    )));
                }
                Some(false) => {
                    return Err(ExchangeError::FailedPrecondition(format!(
                        "item_ids[{i}]: item {id} is a document; acknowledge it with AcknowledgeDocument"
                    )));
                }
                Some(true) => confirmed += 1,
            }
        }
        tx.commit().await?;
        Ok(confirmed)
    }

    /// A recipient reports a business status or answers a revoke request.
    pub async fn report_status(
        &self,
        recipient: &str,
        document_id: &str,
        code: &str,
        description: &str,
        staff_info: &str,
    ) -> Result<StatusMessage> {
        domain::parse_document_id("document_id", document_id)?;
        let span = self
            .document_span("document.report_status", document_id)
            .await?;
        self.report_status_in_trace(recipient, document_id, code, description, staff_info)
            .instrument(span)
            .await
    }

    async fn report_status_in_trace(
        &self,
        recipient: &str,
        document_id: &str,
        code: &str,
        description: &str,
        staff_info: &str,
    ) -> Result<StatusMessage> {
        let now = now_micros();
        let mut tx = self.pool.begin().await?;
        let (sender, leg) = self.recipient_leg(&mut tx, recipient, document_id).await?;
        let revoke = RevokeState::from_i64(leg.revoke_state);
        let changed = match domain::check_report(code, description, &leg.current_status, revoke)? {
            StatusEffect::Business => {
                store::set_current_status(
                    &mut tx,
                    document_id,
                    recipient,
                    &leg.current_status,
                    code,
                )
                .await?
            }
            StatusEffect::RevokeAnswer(state) => {
                store::set_revoke_state(
                    &mut tx,
                    document_id,
                    recipient,
                    leg.revoke_state,
                    state as i64,
                )
                .await?
            }
        };
        if !changed {
            return Err(ExchangeError::FailedPrecondition(
                "code: the document's status changed while this report was made; read it again and retry".into(),
            ));
        }
        let row = self.status_row(
            document_id,
            recipient,
            code,
            recipient,
            description,
            staff_info,
            now,
        );
        let seq = store::insert_status(&mut tx, &row).await?;
        let update = self.update_of(&row, seq, &sender, TransportState::Unspecified);
        let peer = self.route(&mut tx, &update, Some(seq), now).await?;
        tx.commit().await?;
        self.notify_sender(&sender, document_id);
        self.wake_peers(peer.as_slice());
        crate::metrics::status_recorded(&self.hub_id, code);
        Ok(status_message(&row))
    }

    /// The sender asks every recipient to revoke (13).
    pub async fn revoke(
        &self,
        sender: &str,
        document_id: &str,
        reason: &str,
    ) -> Result<Vec<String>> {
        domain::parse_document_id("document_id", document_id)?;
        let span = self.document_span("document.revoke", document_id).await?;
        self.revoke_in_trace(sender, document_id, reason)
            .instrument(span)
            .await
    }

    async fn revoke_in_trace(
        &self,
        sender: &str,
        document_id: &str,
        reason: &str,
    ) -> Result<Vec<String>> {
        if reason.trim().is_empty() {
            return Err(ExchangeError::invalid(
                "reason",
                "is required to revoke a document",
            ));
        }
        let now = now_micros();
        let mut tx = self.pool.begin().await?;
        let doc = store::find_document(&mut tx, document_id)
            .await?
            .ok_or_else(|| {
                ExchangeError::NotFound(format!("document_id: no document {document_id}"))
            })?;
        if doc.sender != sender {
            return Err(ExchangeError::PermissionDenied(format!(
                "document_id: only the sender ({}) may revoke {document_id}",
                doc.sender
            )));
        }
        let mut asked = Vec::new();
        let mut peers = Vec::new();
        for leg in store::legs(&mut tx, document_id).await? {
            // A recipient that rejected the document (02) does not hold it: nothing to revoke.
            if leg.revoke_state != RevokeState::None as i64
                || leg.current_status == status::REJECTED
                || !store::set_revoke_state(
                    &mut tx,
                    document_id,
                    &leg.recipient,
                    0,
                    RevokeState::Requested as i64,
                )
                .await?
            {
                continue;
            }
            let row = self.status_row(
                document_id,
                &leg.recipient,
                status::REVOKE_REQUESTED,
                sender,
                reason,
                "",
                now,
            );
            let seq = store::insert_status(&mut tx, &row).await?;
            let update = self.update_of(&row, seq, &leg.recipient, TransportState::Unspecified);
            peers.extend(self.route(&mut tx, &update, Some(seq), now).await?);
            asked.push(leg.recipient);
        }
        if asked.is_empty() {
            return Err(ExchangeError::FailedPrecondition(format!(
                "document_id: a revoke of {document_id} was already requested from every recipient"
            )));
        }
        tx.commit().await?;
        for r in &asked {
            self.notifier.notify(&inbox_key(r));
        }
        self.notifier.notify(&document_key(document_id));
        self.wake_peers(&peers);
        Ok(asked)
    }

    /// The sender's view of one document.
    pub async fn sent_view(&self, sender: &str, document_id: &str) -> Result<SentDocumentView> {
        domain::parse_document_id("document_id", document_id)?;
        let mut conn = self.conn().await?;
        let doc = store::find_document(&mut conn, document_id)
            .await?
            .ok_or_else(|| {
                ExchangeError::NotFound(format!("document_id: no document {document_id}"))
            })?;
        if doc.sender != sender {
            return Err(ExchangeError::PermissionDenied(format!(
                "document_id: only the sender of {document_id} sees its delivery view"
            )));
        }
        view_of(&mut conn, &doc).await
    }

    /// The sender's documents, newest first, paged by sequence.
    pub async fn list_sent(
        &self,
        sender: &str,
        limit: u32,
        page_token: &str,
    ) -> Result<(Vec<SentDocumentView>, String)> {
        let before = if page_token.is_empty() {
            i64::MAX
        } else {
            page_token.parse::<i64>().map_err(|_| {
                ExchangeError::invalid("page_token", "is not a token this hub issued")
            })?
        };
        let limit = if limit == 0 { 50 } else { limit.min(500) } as i64;
        let mut conn = self.conn().await?;
        // One more than asked tells whether another page follows.
        let mut docs = store::sent_documents(&mut conn, sender, before, limit + 1).await?;
        let more = docs.len() as i64 > limit;
        docs.truncate(limit as usize);
        let mut views = Vec::with_capacity(docs.len());
        for d in &docs {
            views.push(view_of(&mut conn, d).await?);
        }
        let next = if more {
            docs.last().map(|d| d.seq.to_string()).unwrap_or_default()
        } else {
            String::new()
        };
        Ok((views, next))
    }

    // Directory.

    pub async fn list_agencies(&self) -> Result<Vec<Agency>> {
        store::list_agencies(&mut *self.conn().await?).await
    }

    /// An agency of this hub, or of another hub through the national hub (cached), so that a
    /// clerk can address any agency in the country.
    pub async fn get_agency(&self, code: &str) -> Result<Agency> {
        domain::check_agency_code("code", code)?;
        if let (Hop::Peer(peer), Some(directory)) = (self.routing.hop(code), &self.remote_directory)
        {
            return directory.lookup(&peer, code).await.map_err(|e| match e {
                ExchangeError::NotFound(m) => ExchangeError::NotFound(format!("code: {m}")),
                other => other,
            });
        }
        store::get_agency(&mut *self.conn().await?, code)
            .await?
            .ok_or_else(|| {
                ExchangeError::NotFound(format!("code: no agency {code} is registered at this hub"))
            })
    }

    pub async fn register_agency(&self, agency: Agency) -> Result<bool> {
        domain::check_agency_code("agency.code", &agency.code)?;
        if let Hop::Peer(hub) = self.routing.hop(&agency.code) {
            return Err(ExchangeError::FailedPrecondition(format!(
                "agency.code: {} is served by hub {hub}; register it there",
                agency.code
            )));
        }
        if agency.name.trim().is_empty() {
            return Err(ExchangeError::invalid("agency.name", "is required"));
        }
        store::upsert_agency(&mut *self.conn().await?, &agency, now_micros()).await
    }

    pub async fn remove_agency(&self, code: &str) -> Result<()> {
        domain::check_agency_code("code", code)?;
        if store::remove_agency(&mut *self.conn().await?, code).await? {
            Ok(())
        } else {
            Err(ExchangeError::NotFound(format!(
                "code: no agency {code} is registered at this hub"
            )))
        }
    }

    /// Registers the seed agencies this hub serves that are not registered yet (an operator's
    /// changes stay).
    pub async fn seed_agencies(&self, agencies: &[Agency]) -> Result<usize> {
        let mut tx = self.pool.begin().await?;
        let mut added = 0;
        for (i, a) in agencies.iter().enumerate() {
            domain::check_agency_code(&format!("seed[{i}].code"), &a.code)?;
            if self.routing.hop(&a.code) != Hop::Local {
                continue;
            }
            if store::insert_agency_if_absent(&mut tx, a, now_micros()).await? {
                added += 1;
            }
        }
        tx.commit().await?;
        Ok(added)
    }
}

fn not_yours(document_id: &str) -> ExchangeError {
    ExchangeError::PermissionDenied(format!(
        "document_id: {document_id} is not addressed to you; an agency reads only its own documents"
    ))
}

fn io_unavailable(e: std::io::Error) -> ExchangeError {
    tracing::error!(error = %e, "attachment store I/O failed");
    ExchangeError::Unavailable(format!("the attachment store failed, retry later: {e}"))
}

fn status_message(s: &StatusRow) -> StatusMessage {
    StatusMessage {
        document_id: s.document_id.clone(),
        from: s.reported_by.clone(),
        code: s.code.clone(),
        description: s.description.clone(),
        at: Some(timestamp(s.at)),
        staff_info: s.staff_info.clone(),
        hub: s.hub.clone(),
    }
}

async fn view_of(
    conn: &mut sqlx::AnyConnection,
    doc: &store::StoredDocument,
) -> Result<SentDocumentView> {
    let id = &doc.header.document_id;
    let statuses = store::statuses_of(&mut *conn, id).await?;
    let recipients = store::legs(conn, id)
        .await?
        .into_iter()
        .map(|leg| RecipientView {
            transport_state: match leg.transport_state {
                store::TRANSPORT_QUEUED => TransportState::Queued,
                store::TRANSPORT_DELIVERED => TransportState::Delivered,
                store::TRANSPORT_ACKNOWLEDGED => TransportState::Acknowledged,
                store::TRANSPORT_RELAYED => TransportState::Relayed,
                _ => TransportState::Unspecified,
            } as i32,
            delivered_at: leg.delivered_at.map(timestamp),
            acknowledged_at: leg.acknowledged_at.map(timestamp),
            current_status: leg.current_status.clone(),
            statuses: statuses
                .iter()
                .filter(|s| s.recipient == leg.recipient)
                .map(status_message)
                .collect(),
            revoke_state: match RevokeState::from_i64(leg.revoke_state) {
                RevokeState::None => PbRevokeState::Unspecified,
                RevokeState::Requested => PbRevokeState::Requested,
                RevokeState::Accepted => PbRevokeState::Accepted,
                RevokeState::Refused => PbRevokeState::Refused,
            } as i32,
            hub: leg.hub,
            agency_code: leg.recipient,
        })
        .collect();
    Ok(SentDocumentView {
        document_id: id.clone(),
        subject: doc.header.subject.clone(),
        accepted_at: Some(timestamp(doc.accepted_at)),
        recipients,
    })
}

/// Shared handle used by the gRPC adapter.
pub type SharedExchange = Arc<Exchange>;
