//! Documents that cannot be delivered. A document relayed to the hub that serves its recipient,
//! where no such agency is registered (it was sent while the lookup could not be made), is
//! bounced: the leg fails with the reason, and a FAILED transport event travels back to the
//! sender through the same durable, exactly-once relay path as statuses — each hub on the way
//! marks its leg failed, the sender's hub puts a status message in the sender's inbox.
use lienthong_api::exchange::v1::{
    GetHubStatusResponse, StatusMessage, StatusUpdate, TransportState as PbTransport,
    Undeliverable as PbUndeliverable,
};
use lienthong_axis::{AgencyCode, TransportState};
use lienthong_platform::error::Violations;
use sqlx::AnyConnection;

use super::{Exchange, document_key, inbox_key, timestamp};
use crate::{
    domain::{outbox::RelayEntry, routing::Hop},
    error::{ExchangeError, Result},
    store::{self, TransportEvent, Undeliverable},
};

/// How many recent bounces the hub status shows.
const RECENT: i64 = 20;

/// The id of the update telling that a leg failed at hub `hub_id` (one per leg: a bounce is
/// relayed exactly once however often the document arrives).
fn failed_update_id(hub_id: &str, document_id: &str, recipient: &str) -> String {
    format!("{hub_id}:failed:{document_id}:{recipient}")
}

/// A transport event as the sender reads it in its inbox: no business status, the state, and
/// why in the description.
pub(super) fn event_message(e: &TransportEvent) -> StatusMessage {
    StatusMessage {
        document_id: e.document_id.clone(),
        reporter: e.reporter.clone(),
        description: e.reason.clone(),
        report_time: Some(timestamp(e.at)),
        hub: e.hub.clone(),
        transport_state: PbTransport::from(e.state) as i32,
        ..Default::default()
    }
}

fn event_of(update: &StatusUpdate, at: i64) -> TransportEvent {
    TransportEvent {
        seq: 0,
        document_id: update.document_id.clone(),
        recipient: update.recipient.clone(),
        state: TransportState::Failed,
        reason: update.description.clone(),
        reporter: update.reporter.clone(),
        at,
        hub: update.hub.clone(),
    }
}

/// What a bounce must carry besides what every update must (checked before, with the text
/// policy): no business status, and why.
fn check_bounce(update: &StatusUpdate) -> Result<()> {
    let mut v = Violations::new();
    if update.status != 0 {
        v.push(
            "update.status",
            "a bounce (transport_state FAILED) carries no business status",
        );
    }
    if update.description.trim().is_empty() {
        v.push(
            "update.description",
            "is required for a bounce: why the document cannot be delivered",
        );
    }
    Ok(v.into_result()?)
}

impl Exchange {
    /// A relayed document's recipient this hub serves is not registered here: its leg fails
    /// and the sender is told. Called in the document's transaction; returns the peer to wake.
    pub(super) async fn bounce(
        &self,
        conn: &mut AnyConnection,
        document_id: &str,
        sender: &AgencyCode,
        recipient: &AgencyCode,
        now: i64,
    ) -> Result<Option<String>> {
        let reason = format!(
            "no agency {recipient} is registered at hub {}, which serves its unit",
            self.hub_id()
        );
        self.bounce_for(conn, document_id, sender, recipient, reason, now)
            .await
    }

    /// Fails a leg for `reason` and tells the sender (see [`Exchange::bounce`]).
    pub(super) async fn bounce_for(
        &self,
        conn: &mut AnyConnection,
        document_id: &str,
        sender: &AgencyCode,
        recipient: &AgencyCode,
        reason: String,
        now: i64,
    ) -> Result<Option<String>> {
        store::fail_leg(&mut *conn, document_id, recipient.as_str(), &reason).await?;
        let record = Undeliverable {
            document_id: document_id.to_string(),
            sender: sender.to_string(),
            recipient: recipient.to_string(),
            reason: reason.clone(),
            at: now,
        };
        store::record_undeliverable(&mut *conn, &record).await?;
        let update = StatusUpdate {
            update_id: failed_update_id(self.hub_id(), document_id, recipient.as_str()),
            document_id: document_id.to_string(),
            recipient: recipient.to_string(),
            to_agency: sender.to_string(),
            reporter: recipient.to_string(),
            description: reason.clone(),
            event_time: Some(timestamp(now)),
            hub: self.hub_id().to_string(),
            transport_state: PbTransport::Failed as i32,
            ..Default::default()
        };
        crate::metrics::document_undeliverable(self.hub_id());
        tracing::warn!(%document_id, %sender, %recipient, %reason, "document undeliverable; bounced to its sender");
        self.route_event(conn, &update, now).await
    }

    /// A FAILED transport event, towards the agency it is for: a status message in its inbox
    /// when it is served here, else the relay outbox of the next hub. Returns the peer to wake.
    async fn route_event(
        &self,
        conn: &mut AnyConnection,
        update: &StatusUpdate,
        now: i64,
    ) -> Result<Option<String>> {
        match self.routing().hop(&update.to_agency) {
            Hop::Local => {
                let at = update
                    .event_time
                    .as_ref()
                    .map_or(now, lienthong_axis::timestamp::from_timestamp);
                store::insert_event_item(conn, &update.to_agency, &event_of(update, at), now)
                    .await?;
                Ok(None)
            }
            Hop::Peer(_) => self.route(conn, update, None, now).await,
        }
    }

    /// The next hub refused a relayed document for good (a content rule or a limit of its own,
    /// not a passing failure): retrying would hold back every later relay to that hub, so the
    /// legs through it fail and the sender is told why, as for any bounce.
    pub async fn relay_refused(&self, peer: &str, entry: &RelayEntry, why: &str) -> Result<()> {
        let now = self.now();
        let mut tx = self.transaction().await?;
        let Some(doc) = store::find_document(&mut tx, &entry.document_id).await? else {
            return Ok(());
        };
        let sender = AgencyCode::parse("sender", &doc.sender)
            .map_err(|e| ExchangeError::internal(format!("stored sender: {e}")))?;
        let reason = format!("hub {peer} refused the document: {why}");
        let mut wake = Vec::new();
        for r in &entry.recipients {
            let recipient = AgencyCode::parse("recipient", r)
                .map_err(|e| ExchangeError::internal(format!("stored recipient: {e}")))?;
            let peer_to_wake = self
                .bounce_for(
                    &mut tx,
                    &entry.document_id,
                    &sender,
                    &recipient,
                    reason.clone(),
                    now,
                )
                .await?;
            wake.extend(peer_to_wake);
        }
        store::commit(tx).await?;
        self.wake_peers(&wake);
        self.notifier.notify(&document_key(&entry.document_id));
        self.notifier.notify(&inbox_key(sender.as_str()));
        Ok(())
    }

    /// A bounce handed over by another hub: the leg fails here too, and the event goes on to
    /// the sender. Returns false when it had already been applied.
    pub(super) async fn apply_bounce(&self, hub: &str, update: StatusUpdate) -> Result<bool> {
        check_bounce(&update)?;
        let doc = {
            let mut conn = self.conn().await?;
            self.document(&mut conn, "update.document_id", &update.document_id)
                .await?
        };
        if update.to_agency != doc.sender
            || !self.routing().may_relay_status(
                hub,
                &doc.sender,
                &update.recipient,
                &update.to_agency,
            )
        {
            return Err(ExchangeError::StatusRelayRefused {
                hub: hub.to_string(),
                document_id: update.document_id.clone(),
                to_agency: update.to_agency.clone(),
            });
        }
        let now = self.now();
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
        if !update.hub.is_empty() {
            store::set_leg_hub(&mut tx, &update.document_id, &update.recipient, &update.hub)
                .await?;
        }
        store::fail_leg(
            &mut tx,
            &update.document_id,
            &update.recipient,
            &update.description,
        )
        .await?;
        let peer = self.route_event(&mut tx, &update, now).await?;
        store::commit(tx).await?;
        self.notifier.notify(&inbox_key(&update.to_agency));
        self.notifier.notify(&document_key(&update.document_id));
        self.wake_peers(peer.as_slice());
        tracing::info!(document_id = %update.document_id, recipient = %update.recipient, from = %hub, "bounce applied");
        Ok(true)
    }

    /// What this hub bounced: how many, and the most recent, newest first.
    pub(super) async fn undeliverable_status(
        &self,
        status: &mut GetHubStatusResponse,
    ) -> Result<()> {
        let (total, recent) = store::undeliverable(&mut *self.conn().await?, RECENT).await?;
        status.undeliverable_total = total;
        status.recent_undeliverable = recent
            .into_iter()
            .map(|u| PbUndeliverable {
                document_id: u.document_id,
                sender: u.sender,
                recipient: u.recipient,
                reason: u.reason,
                bounce_time: Some(timestamp(u.at)),
            })
            .collect();
        Ok(())
    }
}
