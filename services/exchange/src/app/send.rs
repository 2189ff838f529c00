//! Sending a document: the header is checked, the attachments stream into the blob store and
//! are verified, then the document is stored and queued for every recipient in one
//! transaction — locally, or in the relay outbox of the next hub — or nothing is.
//!
//! A send in progress holds a place among the uploads of its agency and of the hub
//! ([`super::limits`]) and the blobs it committed (so that the collection of orphans leaves
//! them), until it ends, however it ends.
use std::collections::BTreeMap;

use lienthong_api::exchange::v1::{DocumentHeader, SendDocumentResponse, TraceHeader};
use lienthong_axis::{AgencyCode, local};
use sqlx::AnyConnection;

use super::{Exchange, directory::Lookup, inbox_key, limits::UploadPermit, timestamp};
use crate::{
    domain::{
        header::{check_header_at, fingerprint},
        outbox::{RelayEntry, TaskOf, document_key, makes_tasks, task_key, task_request},
        routing::Hop,
    },
    error::{ExchangeError, Result},
    store::{
        self, NewDocument, NewItem,
        blobs::{BlobHold, BlobWriter},
    },
};

/// Where a document comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Origin {
    /// Sent by an agency of this hub: the hub's TraceHeader is the first.
    Agency,
    /// Handed over by another hub: its TraceHeaders are kept and ours appended.
    Hub,
}

/// A send in progress: the header is checked, the attachments are streaming in.
pub struct PendingSend {
    header: DocumentHeader,
    sender: AgencyCode,
    /// The recipients this hub delivers or passes on.
    recipients: Vec<AgencyCode>,
    fingerprint: String,
    origin: Origin,
    current: usize,
    writer: Option<BlobWriter>,
    /// The place this upload holds (taken at the header for an agency, at the first chunk for
    /// a relay).
    permit: Option<UploadPermit>,
    /// The blobs of the attachments completed so far.
    holds: Vec<BlobHold>,
}

impl PendingSend {
    pub(super) fn new(
        header: DocumentHeader,
        sender: AgencyCode,
        recipients: Vec<AgencyCode>,
        fingerprint: String,
        origin: Origin,
    ) -> Self {
        PendingSend {
            header,
            sender,
            recipients,
            fingerprint,
            origin,
            current: 0,
            writer: None,
            permit: None,
            holds: Vec::new(),
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
        accept_time: Some(timestamp(doc.accepted_at)),
        duplicate,
        recipients: doc
            .header
            .recipients
            .iter()
            .map(|a| a.code.clone())
            .collect(),
    }
}

impl Exchange {
    /// Compares a resent document with the stored one: the same content is a duplicate (its
    /// first receipt), another content under the same DocumentId is refused.
    pub(super) fn resend(stored: &store::StoredDocument, fingerprint: &str) -> Result<SendStart> {
        if stored.fingerprint == fingerprint {
            Ok(SendStart::Duplicate(receipt(stored, true)))
        } else {
            Err(ExchangeError::ContentConflict {
                document_id: stored.header.document_id.clone(),
            })
        }
    }

    /// An agency starts sending a document.
    pub async fn begin_send(
        &self,
        sender: &AgencyCode,
        header: DocumentHeader,
    ) -> Result<SendStart> {
        let latest = self.latest_document_date();
        let recipients = check_header_at(&header, sender, &self.settings.limits, latest)?;
        let permit = self.upload_permit(sender.as_str())?;
        let fingerprint = fingerprint(&header);
        let mut conn = self.conn().await?;
        if let Some(stored) = store::find_document(&mut conn, &header.document_id).await? {
            return Self::resend(&stored, &fingerprint);
        }
        if let Hop::Peer(hub) = self.routing().hop(sender.as_str()) {
            return Err(ExchangeError::SenderServedElsewhere {
                sender: sender.clone(),
                hub,
            });
        }
        if store::get_agency(&mut conn, sender.as_str())
            .await?
            .is_none()
        {
            return Err(ExchangeError::SenderNotRegistered {
                sender: sender.clone(),
            });
        }
        drop(conn);
        for (i, code) in recipients.iter().enumerate() {
            self.check_recipient(i, code).await?;
        }
        let mut pending = PendingSend::new(
            header,
            sender.clone(),
            recipients,
            fingerprint,
            Origin::Agency,
        );
        pending.permit = Some(permit);
        Ok(SendStart::New(Box::new(pending)))
    }

    /// A recipient must be registered where it is served. One served by another hub is looked
    /// up through the national hub; when that hub cannot be reached the document is accepted
    /// anyway (store and forward: the relay waits for it).
    async fn check_recipient(&self, i: usize, code: &AgencyCode) -> Result<()> {
        let field = || format!("recipients[{i}].code");
        match self.routing().hop(code.as_str()) {
            Hop::Local => {
                if store::get_agency(&mut *self.conn().await?, code.as_str())
                    .await?
                    .is_none()
                {
                    return Err(ExchangeError::AgencyNotRegistered {
                        field: field(),
                        code: code.to_string(),
                    });
                }
            }
            Hop::Peer(peer) => match self.lookup_remote(&field(), &peer, code, 0).await {
                Ok(Lookup::Found(_)) => {}
                Ok(Lookup::Unknown) => {
                    return Err(ExchangeError::UnknownOnAxis {
                        field: field(),
                        code: code.to_string(),
                    });
                }
                Err(ExchangeError::PeerUnavailable { message, .. }) => {
                    tracing::warn!(recipient = %code, reason = %message, "recipient not verified; the relay will carry the document when the peer is back");
                }
                Err(e) => return Err(e),
            },
        }
        Ok(())
    }

    /// Checks the attachment just completed and stores its blob.
    async fn close_attachment(&self, send: &mut PendingSend) -> Result<()> {
        let i = send.current;
        let info = &send.header.attachments[i];
        let writer = match send.writer.take() {
            Some(w) => w,
            None => self.blobs.writer().await.map_err(ExchangeError::storage)?,
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
        let hold = writer
            .commit(&self.blobs)
            .await
            .map_err(ExchangeError::storage)?;
        send.holds.push(hold);
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
        let declared = send.header.attachments[index].size;
        if send.permit.is_none() {
            // A relayed document counts against its sender, like one sent here.
            send.permit = Some(self.upload_permit(send.sender.as_str())?);
        }
        if send.writer.is_none() {
            send.writer = Some(self.blobs.writer().await.map_err(ExchangeError::storage)?);
        }
        let writer = send
            .writer
            .as_mut()
            .ok_or_else(|| ExchangeError::internal("no blob writer"))?;
        if writer.written() + data.len() as u64 > declared {
            return Err(ExchangeError::invalid(
                format!("attachments[{index}].size"),
                format!("more bytes arrived than the declared {declared}"),
            ));
        }
        writer.write(data).await.map_err(ExchangeError::storage)
    }

    /// Verifies the remaining attachments and commits the document: stored, queued for every
    /// recipient (locally, or in the relay outbox of the next hub), or nothing at all.
    pub async fn finish_send(&self, mut send: PendingSend) -> Result<SendDocumentResponse> {
        while send.current < send.header.attachments.len() {
            self.close_attachment(&mut send).await?;
        }
        let now = self.now();
        let hop = TraceHeader {
            organ_id: self.settings.hub_id.clone(),
            record_time: Some(timestamp(now)),
        };
        match send.origin {
            Origin::Hub => send.header.trace_headers.push(hop),
            Origin::Agency => send.header.trace_headers = vec![hop],
        }
        if let Some(duplicate) = self.store_document(&send, now).await? {
            return Ok(duplicate);
        }
        let header = &send.header;
        let relayed = send.origin == Origin::Hub;
        crate::metrics::document_accepted(&self.settings.hub_id, relayed);
        tracing::info!(document_id = %header.document_id, sender = %send.sender, recipients = ?send.recipients, relayed, "document accepted");
        Ok(SendDocumentResponse {
            document_id: header.document_id.clone(),
            accept_time: Some(timestamp(now)),
            duplicate: false,
            recipients: send.recipients.iter().map(ToString::to_string).collect(),
        })
    }

    /// Stores the document with its legs in one transaction and wakes whoever waits for it.
    /// A concurrent send of the same DocumentId may have won the race: then the answer is that
    /// of a resend (`Some`).
    async fn store_document(
        &self,
        send: &PendingSend,
        now: i64,
    ) -> Result<Option<SendDocumentResponse>> {
        let mut tx = self.transaction().await?;
        let peers = match self.insert_with_legs(&mut tx, send, now).await {
            Ok(peers) => {
                store::commit(tx).await?;
                peers
            }
            Err(e) => {
                drop(tx);
                let mut conn = self.conn().await?;
                let stored = store::find_document(&mut conn, &send.header.document_id).await?;
                return match stored {
                    Some(stored) => match Self::resend(&stored, &send.fingerprint)? {
                        SendStart::Duplicate(r) => Ok(Some(r)),
                        SendStart::New(_) => Err(e),
                    },
                    None => Err(e),
                };
            }
        };
        for r in &send.recipients {
            self.notifier.notify(&inbox_key(r.as_str()));
        }
        self.wake_peers(&peers);
        if let Some(tasks) = &self.tasks {
            tasks.wake();
        }
        Ok(None)
    }

    /// Stores the document, one leg per recipient, an inbox item per local recipient and one
    /// relay entry per next hub. Returns the peers that have work.
    async fn insert_with_legs(
        &self,
        conn: &mut AnyConnection,
        send: &PendingSend,
        now: i64,
    ) -> Result<Vec<String>> {
        let header = &send.header;
        let id = header.document_id.as_str();
        let traceparent = lienthong_platform::telemetry::current_traceparent();
        let document = NewDocument {
            header,
            sender: send.sender.as_str(),
            fingerprint: &send.fingerprint,
            traceparent: &traceparent,
            accepted_at: now,
        };
        store::insert_document(&mut *conn, &document).await?;
        let digests: Vec<&str> = header
            .attachments
            .iter()
            .map(|a| a.sha256.as_str())
            .collect();
        store::insert_blob_refs(&mut *conn, id, &digests).await?;
        let mut by_peer: BTreeMap<String, Vec<AgencyCode>> = BTreeMap::new();
        let mut local = Vec::new();
        let mut bounced_to = Vec::new();
        for recipient in &send.recipients {
            let code = recipient.as_str();
            store::insert_leg(&mut *conn, id, code, &self.routing().hub_of(code)).await?;
            match self.routing().hop(code) {
                // Relayed here for an agency this hub serves but does not know (the sender's
                // hub could not check it): bounced to the sender.
                Hop::Local
                    if send.origin == Origin::Hub
                        && store::get_agency(&mut *conn, code).await?.is_none() =>
                {
                    let peer = self.bounce(&mut *conn, id, &send.sender, recipient, now);
                    bounced_to.extend(peer.await?);
                }
                Hop::Local => {
                    let item = NewItem {
                        agency: code,
                        document_id: id,
                        status_seq: None,
                        created_at: now,
                    };
                    store::insert_inbox_item(&mut *conn, &item).await?;
                    local.push(recipient.clone());
                }
                Hop::Peer(peer) => by_peer.entry(peer).or_default().push(recipient.clone()),
            }
        }
        for (peer, recipients) in &by_peer {
            let entry = RelayEntry::document(id, recipients);
            store::enqueue_relay(&mut *conn, peer, &document_key(id, peer), &entry).await?;
        }
        self.after_insert(&mut *conn, send, &local, now).await?;
        let mut peers: Vec<String> = by_peer.into_keys().collect();
        peers.extend(bounced_to);
        Ok(peers)
    }

    /// What commits with a new document besides the document itself: its day's figures are to
    /// be pushed again, and a steering document with a due date becomes a task per local
    /// recipient (the hub of a remote recipient does that for its own).
    async fn after_insert(
        &self,
        conn: &mut AnyConnection,
        send: &PendingSend,
        local: &[AgencyCode],
        now: i64,
    ) -> Result<()> {
        store::mark_day_dirty(&mut *conn, local::local_date(now)).await?;
        let header = &send.header;
        if self.tasks.is_none() || !makes_tasks(header.steering_type, &header.due_date) {
            return Ok(());
        }
        let all: Vec<String> = header.recipients.iter().map(|a| a.code.clone()).collect();
        for recipient in local {
            let request = task_request(&TaskOf {
                document_id: &header.document_id,
                sender: &send.sender,
                recipient,
                recipients: &all,
                subject: &header.subject,
                due_date: &header.due_date,
            });
            let key = task_key(&header.document_id, recipient);
            store::enqueue_task(&mut *conn, &key, &request).await?;
        }
        Ok(())
    }
}
