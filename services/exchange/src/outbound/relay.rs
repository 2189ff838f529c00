//! Delivers a peer hub's relay outbox entries over its RelayService.
use std::sync::Arc;

use lienthong_api::exchange::v1::{RelayStatusRequest, relay_service_client::RelayServiceClient};
use lienthong_platform::{
    client::TracedChannel,
    outbox::{Deliver, DeliveryError},
};
use prost::Message;

use crate::{app::Exchange, domain::outbox::RelayEntry, error::ExchangeError};

/// Delivers the entries of one peer's relay outbox, in order.
pub struct RelayDelivery {
    peer: String,
    exchange: Arc<Exchange>,
    client: RelayServiceClient<TracedChannel>,
}

impl RelayDelivery {
    pub fn new(peer: String, exchange: Arc<Exchange>, channel: TracedChannel) -> Self {
        RelayDelivery {
            peer,
            exchange,
            client: RelayServiceClient::new(channel),
        }
    }

    async fn relay_document(&self, entry: RelayEntry) -> Result<(), DeliveryError> {
        let outgoing = self
            .exchange
            .outgoing_document(&entry)
            .await
            .map_err(failed)?;
        let result = self.client.clone().relay_document(outgoing.requests).await;
        match outgoing.feeder.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(DeliveryError(format!("reading attachments: {e}"))),
            Err(e) => return Err(DeliveryError(format!("attachment reader: {e}"))),
        }
        result?;
        self.exchange
            .document_relayed(&self.peer, &entry)
            .await
            .map_err(failed)
    }
}

fn failed(e: ExchangeError) -> DeliveryError {
    DeliveryError(e.to_string())
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
