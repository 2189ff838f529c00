//! A recipient has stored a document (status 01), or has read status messages.
use lienthong_api::exchange::v1::TransportState as PbTransport;
use lienthong_axis::{AgencyCode, BusinessStatus};
use lienthong_platform::error::Violations;
use tracing::Instrument;

use super::{Exchange, updates::NewStatus};
use crate::{
    domain::{
        self, paging,
        status::{Effect, transition},
    },
    error::{ExchangeError, Result},
    store::{self, Confirmation},
};

impl Exchange {
    /// The recipient has stored the document: status 01. Returns false when it had already
    /// acknowledged it.
    pub async fn acknowledge(&self, recipient: &AgencyCode, document_id: &str) -> Result<bool> {
        domain::document_id("document_id", document_id)?;
        let span = self
            .document_span("document.acknowledge", document_id)
            .await?;
        self.acknowledge_in_trace(recipient, document_id)
            .instrument(span)
            .await
    }

    async fn acknowledge_in_trace(
        &self,
        recipient: &AgencyCode,
        document_id: &str,
    ) -> Result<bool> {
        let now = self.now();
        let mut tx = self.transaction().await?;
        let (doc, leg) = self
            .recipient_document(&mut tx, recipient, document_id)
            .await?;
        let sender = doc.sender;
        // Accepted at the sender's hub (its trace header is the first), wherever that was.
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
        if !store::mark_acknowledged(&mut tx, document_id, code, now, status).await? {
            return Ok(false);
        }
        let peer = match status {
            Some(status) => {
                let row = self.status_row(
                    &NewStatus {
                        document_id,
                        recipient: code,
                        status,
                        reporter: code,
                        description: "",
                        staff_info: "",
                    },
                    now,
                );
                self.record_status(&mut tx, &row, &sender, PbTransport::Acknowledged)
                    .await?
                    .1
            }
            None => {
                let leg = (document_id, recipient);
                self.transport_event(&mut tx, &sender, leg, PbTransport::Acknowledged, now)
                    .await?
            }
        };
        store::commit(tx).await?;
        self.notify_sender(&sender, document_id);
        self.wake_peers(peer.as_slice());
        if status.is_some() {
            crate::metrics::status_recorded(self.hub_id(), BusinessStatus::Arrived.code());
        }
        crate::metrics::document_acknowledged(self.hub_id(), now - accepted_at);
        Ok(true)
    }

    /// The agency has read these status messages: they are not delivered again. All or none.
    pub async fn confirm_status_messages(
        &self,
        agency: &AgencyCode,
        item_ids: &[u64],
    ) -> Result<u32> {
        let mut v = Violations::new();
        let ids: Vec<Option<i64>> = item_ids
            .iter()
            .enumerate()
            .map(|(index, id)| v.check(paging::item_id(index, *id)))
            .collect();
        v.into_result()?;
        let now = self.now();
        let mut tx = self.transaction().await?;
        let mut confirmed = 0;
        for (index, item_id) in ids.into_iter().flatten().enumerate() {
            match store::confirm_status_item(&mut tx, agency.as_str(), item_id, now).await? {
                Confirmation::Missing => {
                    return Err(ExchangeError::NoInboxItem { index, item_id });
                }
                Confirmation::Document => {
                    return Err(ExchangeError::NotAStatusMessage { index, item_id });
                }
                Confirmation::Confirmed => confirmed += 1,
            }
        }
        store::commit(tx).await?;
        Ok(confirmed)
    }
}
