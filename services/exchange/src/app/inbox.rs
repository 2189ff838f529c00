//! An agency's inbox: documents and status messages waiting for it, listed or pushed over a
//! subscription. A document pushed to a subscriber counts as delivered; one merely listed
//! does not.
use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

use lienthong_api::exchange::v1::{
    InboxItem, StatusUpdate, SubscribeResponse, TransportState as PbTransport, inbox_item::Payload,
};
use lienthong_axis::AgencyCode;
use lienthong_platform::{
    error::Violations,
    notify::{ServerStream, Step, follow},
    paging::page_size,
};
use prost::Message;

use super::{Exchange, document_key, inbox_key, timestamp, updates::status_message};
use crate::{
    domain::{
        outbox::{acknowledged_update_id, delivered_update_id},
        paging::{self, MAX_PAGE_BYTES, PENDING_PAGE, SUBSCRIBE_PAGE},
        routing::Hop,
    },
    error::{ExchangeError, Result},
    store,
};

/// A page of the inbox, with the documents in it (sender, id) for delivery marking.
struct Page {
    items: Vec<InboxItem>,
    documents: Vec<(String, String)>,
}

/// A page of ListPending.
pub struct PendingPage {
    pub items: Vec<InboxItem>,
    /// "" when nothing more is pending now.
    pub next_page_token: String,
}

impl Exchange {
    /// The agency's unacknowledged items, oldest first, without marking anything delivered:
    /// the first page after `after_item_id`, the next ones after the cursor of `page_token`.
    /// A page stops early rather than weigh more than [`MAX_PAGE_BYTES`].
    pub async fn list_pending(
        &self,
        agency: &AgencyCode,
        after_item_id: u64,
        requested_size: u32,
        page_token: &str,
    ) -> Result<PendingPage> {
        let now = self.now();
        let scope = paging::pending_scope(agency.as_str());
        let mut v = Violations::new();
        let after = v.check(paging::inbox_cursor(after_item_id));
        let resume = v.check(self.page_cursor::<i64>(page_token, &scope, now));
        v.into_result()?;
        let after = match resume.flatten() {
            Some(cursor) => cursor,
            None => {
                let after = after.unwrap_or(0);
                self.check_cursor(agency, after).await?;
                after
            }
        };
        let size = page_size(requested_size, PENDING_PAGE.0, PENDING_PAGE.1);
        // One more than asked tells whether another page follows.
        let read = self.read_inbox(agency, after, size as i64 + 1).await?.items;
        let found = read.len();
        let mut items = Vec::with_capacity(found.min(size));
        let mut bytes = 0;
        for item in read {
            let len = item.encoded_len();
            if items.len() == size || (!items.is_empty() && bytes + len > MAX_PAGE_BYTES) {
                break;
            }
            bytes += len;
            items.push(item);
        }
        let next_page_token = match items.last() {
            Some(last) if items.len() < found => {
                self.tokens.issue(&scope, &(last.item_id as i64), now)
            }
            _ => String::new(),
        };
        Ok(PendingPage {
            items,
            next_page_token,
        })
    }

    /// The agency's unacknowledged items after `after`, then every new one as it arrives,
    /// until the client leaves or the hub shuts down (UNAVAILABLE: subscribe again after the
    /// last item processed). Documents pushed are marked delivered.
    pub async fn subscribe(
        self: &Arc<Self>,
        agency: AgencyCode,
        after: u64,
    ) -> Result<ServerStream<SubscribeResponse>> {
        let after = paging::inbox_cursor(after).map_err(ExchangeError::from)?;
        self.check_cursor(&agency, after).await?;
        let cursor = Arc::new(AtomicI64::new(after));
        let wake = self.notifier.watch(&inbox_key(agency.as_str()));
        let app = self.clone();
        Ok(follow(
            wake,
            self.shutdown.clone(),
            "the hub is shutting down; subscribe again after the last item you processed",
            move || {
                let (app, agency, cursor) = (app.clone(), agency.clone(), cursor.clone());
                async move {
                    let items = app.hand_out(&agency, cursor.load(Ordering::SeqCst)).await?;
                    let more = items.len() as i64 == SUBSCRIBE_PAGE;
                    if let Some(last) = items.last() {
                        cursor.store(last.item_id as i64, Ordering::SeqCst);
                    }
                    let items = items
                        .into_iter()
                        .map(|item| SubscribeResponse { item: Some(item) })
                        .collect();
                    Ok::<_, ExchangeError>(Step::Items { items, more })
                }
            },
        ))
    }

    /// A cursor from the client is no later than the last item of its inbox (0 always is).
    async fn check_cursor(&self, agency: &AgencyCode, after: i64) -> Result<()> {
        if after == 0 {
            return Ok(());
        }
        let last = store::last_item_id(&mut *self.conn().await?, agency.as_str()).await?;
        paging::cursor_within(after, last)
    }

    /// The next page for a subscriber: its documents become delivered.
    async fn hand_out(&self, agency: &AgencyCode, after: i64) -> Result<Vec<InboxItem>> {
        let page = self.read_inbox(agency, after, SUBSCRIBE_PAGE).await?;
        self.delivered_page(&page.documents, agency).await?;
        Ok(page.items)
    }

    /// Queued → delivered for every document of a pushed page, in ONE transaction (one durable
    /// commit per page rather than per document).
    async fn delivered_page(
        &self,
        documents: &[(String, String)],
        recipient: &AgencyCode,
    ) -> Result<()> {
        if documents.is_empty() {
            return Ok(());
        }
        let now = self.now();
        let mut tx = self.transaction().await?;
        let mut changed = Vec::new();
        let mut peers = Vec::new();
        for (sender, document_id) in documents {
            if let Some(peer) = self
                .delivered_in(&mut tx, sender, document_id, recipient, now)
                .await?
            {
                peers.extend(peer);
                changed.push(document_id);
            }
        }
        store::commit(tx).await?;
        for document_id in changed {
            self.notifier.notify(&document_key(document_id));
            crate::metrics::document_delivered(self.hub_id());
        }
        peers.sort();
        peers.dedup();
        self.wake_peers(&peers);
        Ok(())
    }

    async fn read_inbox(&self, agency: &AgencyCode, after: i64, limit: i64) -> Result<Page> {
        // One query for the page, documents included (no read per document).
        let pending =
            store::pending_items(&mut *self.conn().await?, agency.as_str(), after, limit).await?;
        let mut items = Vec::with_capacity(pending.len());
        let mut documents = Vec::new();
        for item in pending {
            let payload = match (item.status, item.event, item.document) {
                (Some(s), _, _) => Payload::Status(status_message(&s)),
                (None, Some(e), _) => Payload::Status(super::bounce::event_message(&e)),
                (None, None, Some((sender, header))) => {
                    documents.push((sender, item.document_id.clone()));
                    Payload::Document(header)
                }
                (None, None, None) => {
                    return Err(ExchangeError::internal("inbox item without payload"));
                }
            };
            items.push(InboxItem {
                item_id: item.item_id as u64,
                create_time: Some(timestamp(item.created_at)),
                payload: Some(payload),
            });
        }
        Ok(Page { items, documents })
    }

    /// Queued → delivered for a local recipient; a sender on another hub hears of it.
    pub(super) async fn delivered(
        &self,
        sender: &str,
        document_id: &str,
        recipient: &AgencyCode,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.transaction().await?;
        let Some(peer) = self
            .delivered_in(&mut tx, sender, document_id, recipient, now)
            .await?
        else {
            return Ok(());
        };
        store::commit(tx).await?;
        self.notifier.notify(&document_key(document_id));
        self.wake_peers(peer.as_slice());
        crate::metrics::document_delivered(self.hub_id());
        Ok(())
    }

    /// Queued → delivered inside `conn`'s transaction. `None` when the leg was past queued
    /// already (nothing written); else the peer to wake once committed, if any.
    async fn delivered_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        sender: &str,
        document_id: &str,
        recipient: &AgencyCode,
        now: i64,
    ) -> Result<Option<Option<String>>> {
        if !store::mark_delivered(&mut *conn, document_id, recipient.as_str(), now).await? {
            return Ok(None);
        }
        let leg = (document_id, recipient);
        let peer = self
            .transport_event(conn, sender, leg, PbTransport::Delivered, now)
            .await?;
        Ok(Some(peer))
    }

    /// Tells a sender on another hub that its document's leg towards `recipient` was just
    /// delivered, or acknowledged without a status (after an accepted revocation, 15); nothing
    /// for a sender served here, which reads the leg itself. Returns the peer to wake.
    pub(super) async fn transport_event(
        &self,
        conn: &mut sqlx::AnyConnection,
        sender: &str,
        leg: (&str, &AgencyCode),
        state: PbTransport,
        now: i64,
    ) -> Result<Option<String>> {
        let Hop::Peer(_) = self.routing().hop(sender) else {
            return Ok(None);
        };
        let (document_id, recipient) = leg;
        let id = if state == PbTransport::Acknowledged {
            acknowledged_update_id
        } else {
            delivered_update_id
        };
        let update = StatusUpdate {
            update_id: id(self.hub_id(), document_id, recipient.as_str()),
            document_id: document_id.to_string(),
            recipient: recipient.to_string(),
            to_agency: sender.to_string(),
            reporter: recipient.to_string(),
            event_time: Some(timestamp(now)),
            hub: self.hub_id().to_string(),
            transport_state: state as i32,
            ..Default::default()
        };
        self.route(conn, &update, None, now).await
    }
}
