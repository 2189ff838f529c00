//! The sender's views of its documents: each leg's transport state, business statuses and
//! revoke state, read once, listed, or watched as they change.
use std::sync::{Arc, Mutex};

use lienthong_api::exchange::v1::{
    BusinessStatus as PbStatus, RecipientView, RevokeState as PbRevokeState, SentDocumentView,
    TransportState as PbTransport, WatchSentDocumentResponse,
};
use lienthong_axis::AgencyCode;
use lienthong_platform::{
    notify::{ServerStream, Step, follow},
    paging::page_size,
};
use prost::Message;
use sqlx::AnyConnection;

use super::{
    Exchange, document_key, timestamp,
    updates::{not_found, status_message},
};
use crate::{
    domain::{
        self,
        paging::{self, MAX_PAGE_BYTES, SENT_PAGE},
    },
    error::{ExchangeError, Result},
    store::{self, Leg, StatusRow, StoredDocument},
};

/// A page of the sender's documents.
pub struct SentPage {
    pub documents: Vec<SentDocumentView>,
    /// "" on the last page.
    pub next_page_token: String,
}

impl Exchange {
    /// The sender's view of one document.
    pub async fn sent_view(
        &self,
        sender: &AgencyCode,
        document_id: &str,
    ) -> Result<SentDocumentView> {
        domain::document_id("document_id", document_id)?;
        let mut conn = self.conn().await?;
        let doc = self.document(&mut conn, "document_id", document_id).await?;
        if doc.sender != sender.as_str() {
            // A recipient knows the document exists; anyone else hears what it would of an
            // unknown one.
            if store::leg(&mut conn, document_id, sender.as_str())
                .await?
                .is_none()
            {
                return Err(not_found(document_id));
            }
            return Err(ExchangeError::OnlySenderViews {
                document_id: document_id.to_string(),
            });
        }
        view_of(&mut conn, &doc).await
    }

    /// The sender's documents, newest first; the next pages before the cursor of
    /// `page_token` (the sequence number of the last document listed).
    pub async fn list_sent(
        &self,
        sender: &AgencyCode,
        requested_size: u32,
        page_token: &str,
    ) -> Result<SentPage> {
        let now = self.now();
        let scope = paging::sent_scope(sender.as_str());
        let before = self
            .page_cursor::<i64>(page_token, &scope, now)?
            .unwrap_or(i64::MAX);
        let size = page_size(requested_size, SENT_PAGE.0, SENT_PAGE.1);
        let mut conn = self.conn().await?;
        // One more than asked tells whether another page follows.
        let mut docs =
            store::sent_documents(&mut conn, sender.as_str(), before, size as i64 + 1).await?;
        let mut more = docs.len() > size;
        docs.truncate(size);
        // The legs and statuses of the whole page in two queries, not two per document.
        let ids: Vec<&str> = docs.iter().map(|d| d.header.document_id.as_str()).collect();
        let mut legs = store::legs_of_documents(&mut conn, &ids).await?;
        let mut statuses = store::statuses_of_documents(&mut conn, &ids).await?;
        drop(conn);
        let mut documents = Vec::with_capacity(docs.len());
        // A page also stops early rather than weigh more than MAX_PAGE_BYTES (the client pages
        // on), whatever the number of legs and statuses of each view.
        let mut bytes = 0;
        for d in &docs {
            let id = &d.header.document_id;
            let view = view_from(
                d,
                legs.remove(id).unwrap_or_default(),
                &statuses.remove(id).unwrap_or_default(),
            );
            let len = view.encoded_len();
            if !documents.is_empty() && bytes + len > MAX_PAGE_BYTES {
                more = true;
                break;
            }
            bytes += len;
            documents.push(view);
        }
        let next_page_token = match documents.len().checked_sub(1).map(|i| &docs[i]) {
            Some(last) if more => self.tokens.issue(&scope, &last.seq, now),
            _ => String::new(),
        };
        Ok(SentPage {
            documents,
            next_page_token,
        })
    }

    /// The sender's view now, then again each time it changes, until the client leaves or the
    /// hub shuts down (UNAVAILABLE: watch again). A caller that may not see the view is
    /// refused at once, not inside the stream.
    pub async fn watch_sent_document(
        self: &Arc<Self>,
        sender: AgencyCode,
        document_id: String,
    ) -> Result<ServerStream<WatchSentDocumentResponse>> {
        // Refused at once, not inside the stream, when the caller may not watch.
        self.sent_view(&sender, &document_id).await?;
        let wake = self.notifier.watch(&document_key(&document_id));
        // The view last sent, encoded.
        let last = Arc::new(Mutex::new(Vec::new()));
        let app = self.clone();
        Ok(follow(
            wake,
            self.shutdown.clone(),
            "the hub is shutting down; watch again",
            move || {
                let (app, sender, id, last) = (
                    app.clone(),
                    sender.clone(),
                    document_id.clone(),
                    last.clone(),
                );
                async move {
                    let view = app.sent_view(&sender, &id).await?;
                    let bytes = view.encode_to_vec();
                    let mut last = lock(&last);
                    let items = if bytes == *last {
                        Vec::new()
                    } else {
                        *last = bytes;
                        vec![WatchSentDocumentResponse {
                            document: Some(view),
                        }]
                    };
                    Ok::<_, ExchangeError>(Step::Items { items, more: false })
                }
            },
        ))
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn view_of(conn: &mut AnyConnection, doc: &StoredDocument) -> Result<SentDocumentView> {
    let id = &doc.header.document_id;
    let statuses = store::statuses_of(&mut *conn, id).await?;
    let legs = store::legs(conn, id).await?;
    Ok(view_from(doc, legs, &statuses))
}

/// The sender's view of a document from its legs (in recipient order) and its statuses (in
/// order).
fn view_from(doc: &StoredDocument, legs: Vec<Leg>, statuses: &[StatusRow]) -> SentDocumentView {
    let recipients = legs
        .into_iter()
        .map(|leg| RecipientView {
            transport_state: leg
                .transport_state
                .map_or(PbTransport::Unspecified, Into::into) as i32,
            deliver_time: leg.delivered_at.map(timestamp),
            acknowledge_time: leg.acknowledged_at.map(timestamp),
            current_status: leg.current_status.map_or(PbStatus::Unspecified, Into::into) as i32,
            statuses: statuses
                .iter()
                .filter(|s| s.recipient == leg.recipient)
                .map(status_message)
                .collect(),
            revoke_state: PbRevokeState::from(leg.revoke_state) as i32,
            hub: leg.hub,
            agency_code: leg.recipient,
            failure_reason: leg.failure_reason,
        })
        .collect();
    SentDocumentView {
        document_id: doc.header.document_id.clone(),
        subject: doc.header.subject.clone(),
        accept_time: Some(timestamp(doc.accepted_at)),
        recipients,
    }
}
