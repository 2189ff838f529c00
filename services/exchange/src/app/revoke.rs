//! The sender asks every recipient to revoke a document (13): each that was not asked yet,
//! whatever its status (one that rejected the document, 02, or completed it, 06, included).
use lienthong_api::exchange::v1::TransportState as PbTransport;
use lienthong_axis::{AgencyCode, BusinessStatus, DocumentId, RevokeState};
use lienthong_platform::error::{InfraError, Violations};
use tracing::Instrument;

use super::{
    Exchange, document_key, inbox_key,
    updates::{NewStatus, not_found},
};
use crate::{
    domain::{
        status::{shown, transition},
        text::{self, REASON},
    },
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
        } else {
            text::multi(&mut v, "reason", reason, REASON);
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
            // A recipient knows the document exists; anyone else hears what it would of an
            // unknown one.
            if store::leg(&mut tx, document_id, sender.as_str())
                .await?
                .is_none()
            {
                return Err(not_found(document_id));
            }
            return Err(ExchangeError::OnlySenderRevokes {
                sender: doc.sender,
                document_id: document_id.to_string(),
            });
        }
        let mut asked = Vec::new();
        let mut already = Vec::new();
        let mut peers = Vec::new();
        for leg in store::legs(&mut tx, document_id).await? {
            let status = leg.status();
            if transition(document_id, status, BusinessStatus::RevokeRequested).is_err() {
                let shows =
                    shown(status).map_or_else(String::new, |s| format!("{s} ({})", s.name()));
                already.push(format!("{}: {shows}", leg.recipient));
                continue;
            }
            let ask = (document_id, leg.recipient.as_str(), reason);
            peers.extend(self.ask_to_revoke(&mut tx, sender, ask, now).await?);
            asked.push(leg.recipient);
        }
        if asked.is_empty() {
            return Err(ExchangeError::RevokeAlreadyRequested {
                document_id: document_id.to_string(),
                legs: already.join("; "),
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

    /// Records the revoke request (13) of `document_id` to one recipient, with the reason, and
    /// routes it there. Returns the peer to wake.
    async fn ask_to_revoke(
        &self,
        conn: &mut sqlx::AnyConnection,
        sender: &AgencyCode,
        (document_id, recipient, reason): (&str, &str, &str),
        now: i64,
    ) -> Result<Option<String>> {
        let (none, requested) = (RevokeState::None, RevokeState::Requested);
        if !store::set_revoke_state(&mut *conn, document_id, recipient, none, requested).await? {
            return Err(ExchangeError::Infra(InfraError::conflict(
                "a leg's revoke state changed during the revoke",
            )));
        }
        let row = self.status_row(
            &NewStatus {
                document_id,
                recipient,
                status: BusinessStatus::RevokeRequested,
                reporter: sender.as_str(),
                description: reason,
                staff_info: "",
            },
            now,
        );
        let (_, peer) = self
            .record_status(conn, &row, recipient, PbTransport::Unspecified)
            .await?;
        Ok(peer)
    }
}
