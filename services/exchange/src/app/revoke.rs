//! The sender asks every recipient to revoke a document (13).
use lienthong_api::exchange::v1::TransportState as PbTransport;
use lienthong_axis::{AgencyCode, BusinessStatus, DocumentId, RevokeState};
use lienthong_platform::error::Violations;
use tracing::Instrument;

use super::{Exchange, document_key, inbox_key, updates::NewStatus};
use crate::{
    domain::status::may_ask_revoke,
    error::{ExchangeError, Result},
    store,
};

impl Exchange {
    /// The sender asks every recipient that holds the document to revoke it; returns those
    /// asked now.
    pub async fn revoke(
        &self,
        sender: &AgencyCode,
        document_id: &str,
        reason: &str,
    ) -> Result<Vec<String>> {
        let mut v = Violations::new();
        v.check(DocumentId::parse("document_id", document_id));
        if reason.trim().is_empty() {
            v.push("reason", "is required to revoke a document");
        }
        v.into_result()?;
        let span = self.document_span("document.revoke", document_id).await?;
        self.revoke_in_trace(sender, document_id, reason)
            .instrument(span)
            .await
    }

    async fn revoke_in_trace(
        &self,
        sender: &AgencyCode,
        document_id: &str,
        reason: &str,
    ) -> Result<Vec<String>> {
        let now = self.now();
        let mut tx = self.transaction().await?;
        let doc = self.document(&mut tx, "document_id", document_id).await?;
        if doc.sender != sender.as_str() {
            return Err(ExchangeError::OnlySenderRevokes {
                sender: doc.sender,
                document_id: document_id.to_string(),
            });
        }
        let mut asked = Vec::new();
        let mut peers = Vec::new();
        for leg in store::legs(&mut tx, document_id).await? {
            if !may_ask_revoke(leg.current_status, leg.revoke_state)
                || !store::set_revoke_state(
                    &mut tx,
                    document_id,
                    &leg.recipient,
                    RevokeState::None,
                    RevokeState::Requested,
                )
                .await?
            {
                continue;
            }
            let row = self.status_row(
                &NewStatus {
                    document_id,
                    recipient: &leg.recipient,
                    status: BusinessStatus::RevokeRequested,
                    reporter: sender.as_str(),
                    description: reason,
                    staff_info: "",
                },
                now,
            );
            let peer = self
                .record_status(&mut tx, &row, &leg.recipient, PbTransport::Unspecified)
                .await?;
            peers.extend(peer);
            asked.push(leg.recipient);
        }
        if asked.is_empty() {
            return Err(ExchangeError::RevokeAlreadyRequested {
                document_id: document_id.to_string(),
            });
        }
        store::commit(tx).await?;
        for r in &asked {
            self.notifier.notify(&inbox_key(r));
        }
        self.notifier.notify(&document_key(document_id));
        self.wake_peers(&peers);
        Ok(asked)
    }
}
