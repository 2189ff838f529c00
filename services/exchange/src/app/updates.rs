//! What every change to a leg shares: the status row it records, the update that carries it
//! to other hubs, and where that update goes — an inbox item when the agency it is for is
//! served here, else the relay outbox of the next hub.
use lienthong_api::exchange::v1::{StatusMessage, StatusUpdate, TransportState as PbTransport};
use lienthong_axis::{AgencyCode, BusinessStatus};
use sqlx::AnyConnection;

use super::{Exchange, timestamp};
use crate::{
    domain::{
        outbox::{RelayEntry, status_update_id, update_key},
        routing::Hop,
    },
    error::{ExchangeError, Result},
    store::{self, NewItem, StatusRow},
};

/// A status recorded at this hub.
pub(super) struct NewStatus<'a> {
    pub document_id: &'a str,
    pub recipient: &'a str,
    pub status: BusinessStatus,
    pub reporter: &'a str,
    pub description: &'a str,
    pub staff_info: &'a str,
}

impl Exchange {
    pub(super) fn status_row(&self, s: &NewStatus<'_>, at: i64) -> StatusRow {
        StatusRow {
            seq: 0,
            document_id: s.document_id.to_string(),
            recipient: s.recipient.to_string(),
            status: s.status,
            reporter: s.reporter.to_string(),
            description: s.description.to_string(),
            staff_info: s.staff_info.to_string(),
            at,
            hub: self.settings.hub_id.clone(),
        }
    }

    /// The update that carries status number `seq`, recorded here, to `to_agency`.
    pub(super) fn update_of(
        &self,
        row: &StatusRow,
        seq: i64,
        to_agency: &str,
        transport: PbTransport,
    ) -> StatusUpdate {
        StatusUpdate {
            update_id: status_update_id(&self.settings.hub_id, seq),
            document_id: row.document_id.clone(),
            recipient: row.recipient.clone(),
            to_agency: to_agency.to_string(),
            status: row.status.to_proto_i32(),
            description: row.description.clone(),
            staff_info: row.staff_info.clone(),
            reporter: row.reporter.clone(),
            event_time: Some(timestamp(row.at)),
            hub: row.hub.clone(),
            transport_state: transport as i32,
        }
    }

    /// Records a status here and routes it to `to_agency`; returns its sequence number and the
    /// peer to wake.
    pub(super) async fn record_status(
        &self,
        conn: &mut AnyConnection,
        row: &StatusRow,
        to_agency: &str,
        transport: PbTransport,
    ) -> Result<(i64, Option<String>)> {
        let seq = store::insert_status(&mut *conn, row).await?;
        let update = self.update_of(row, seq, to_agency, transport);
        let peer = self.route(conn, &update, Some(seq), row.at).await?;
        Ok((seq, peer))
    }

    /// Routes a leg's update towards the agency it is for: an inbox item when that agency is
    /// served here (for a recorded status), else an entry in the next hub's relay outbox.
    /// Returns the peer to wake.
    pub(super) async fn route(
        &self,
        conn: &mut AnyConnection,
        update: &StatusUpdate,
        status_seq: Option<i64>,
        now: i64,
    ) -> Result<Option<String>> {
        match self.routing().hop(&update.to_agency) {
            Hop::Local => {
                if status_seq.is_some() {
                    let item = NewItem {
                        agency: &update.to_agency,
                        document_id: &update.document_id,
                        status_seq,
                        created_at: now,
                    };
                    store::insert_inbox_item(conn, &item).await?;
                }
                Ok(None)
            }
            Hop::Peer(peer) => {
                let entry = RelayEntry::update(update);
                store::enqueue_relay(conn, &peer, &update_key(&update.update_id), &entry).await?;
                Ok(Some(peer))
            }
        }
    }

    /// The sender and the leg of a recipient, or why the caller may not act on it. A document
    /// the caller neither sent nor receives is NOT_FOUND, as an unknown one is: an outsider
    /// cannot probe which DocumentIds exist.
    pub(super) async fn recipient_leg(
        &self,
        conn: &mut AnyConnection,
        recipient: &AgencyCode,
        document_id: &str,
    ) -> Result<(String, store::Leg)> {
        let (doc, leg) = self
            .recipient_document(conn, recipient, document_id)
            .await?;
        Ok((doc.sender, leg))
    }

    /// As [`Exchange::recipient_leg`], with the whole stored document.
    pub(super) async fn recipient_document(
        &self,
        conn: &mut AnyConnection,
        recipient: &AgencyCode,
        document_id: &str,
    ) -> Result<(store::StoredDocument, store::Leg)> {
        let doc = self
            .document(&mut *conn, "document_id", document_id)
            .await?;
        match store::leg(conn, document_id, recipient.as_str()).await? {
            Some(leg) => Ok((doc, leg)),
            None if doc.sender == recipient.as_str() => Err(ExchangeError::SenderIsNoRecipient {
                document_id: document_id.to_string(),
            }),
            None => Err(not_found(document_id)),
        }
    }
}

/// What an agency hears about a document it neither sent nor receives: the same as about a
/// document that does not exist.
pub(super) fn not_found(document_id: &str) -> ExchangeError {
    ExchangeError::NoDocument {
        field: "document_id",
        document_id: document_id.to_string(),
    }
}

/// A recorded status as agencies read it.
pub(super) fn status_message(s: &StatusRow) -> StatusMessage {
    StatusMessage {
        document_id: s.document_id.clone(),
        reporter: s.reporter.clone(),
        status: s.status.to_proto_i32(),
        description: s.description.clone(),
        report_time: Some(timestamp(s.at)),
        staff_info: s.staff_info.clone(),
        hub: s.hub.clone(),
        transport_state: PbTransport::Unspecified as i32,
    }
}
