//! Delivers a peer hub's relay outbox entries over its RelayService, each call within a
//! deadline (a peer that accepts the connection and then hangs does not hold the outbox).
use std::{future::Future, sync::Arc, time::Duration};

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
        match self.try_relay_document(&entry).await {
            // Refused for good: bounce to the sender and drop the entry, or it would hold back
            // every later relay to this peer for ever.
            Err(Relay::Refused(status)) => {
                tracing::warn!(document_id = %entry.document_id, peer = %self.peer, code = ?status.code(), message = status.message(), "relay refused for good; bouncing to the sender");
                self.exchange
                    .relay_refused(&self.peer, &entry, status.message())
                    .await
                    .map_err(failed)
            }
            Err(Relay::Failed(e)) => Err(e),
            Ok(()) => Ok(()),
        }
    }

    async fn try_relay_document(&self, entry: &RelayEntry) -> Result<(), Relay> {
        let outgoing = self
            .exchange
            .outgoing_document(entry)
            .await
            .map_err(|e| Relay::Failed(failed(e)))?;
        let deadline = document_relay_timeout(outgoing.bytes);
        let mut request = tonic::Request::new(outgoing.requests);
        request.set_timeout(deadline);
        let mut client = self.client.clone();
        let result = within(deadline, client.relay_document(request)).await;
        match outgoing.feeder.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                return Err(Relay::Failed(DeliveryError(format!(
                    "reading attachments: {e}"
                ))));
            }
            Err(e) => {
                return Err(Relay::Failed(DeliveryError(format!(
                    "attachment reader: {e}"
                ))));
            }
        }
        match result {
            Ok(_) => {}
            Err(status) if refused_for_good(&status) => return Err(Relay::Refused(status)),
            Err(status) => return Err(Relay::Failed(status.into())),
        }
        self.exchange
            .document_relayed(&self.peer, entry)
            .await
            .map_err(|e| Relay::Failed(failed(e)))
    }
}

/// How a relay attempt ended, when it did not succeed.
enum Relay {
    /// The peer refused the document for good.
    Refused(tonic::Status),
    /// A passing failure: retried with back-off.
    Failed(DeliveryError),
}

/// Whether the next hub refused a document for good: a rule of its content (malformed for its
/// rules, a size it does not take, another document under the same id), not a passing
/// failure. Limits that pass (its uploads are full) carry RetryInfo; identity and permission
/// refusals are kept for retry, since they are fixed by an operator, not by the sender.
fn refused_for_good(status: &tonic::Status) -> bool {
    use tonic::Code;
    use tonic_types::StatusExt;
    let permanent = matches!(
        status.code(),
        Code::InvalidArgument
            | Code::FailedPrecondition
            | Code::AlreadyExists
            | Code::OutOfRange
            | Code::ResourceExhausted
    );
    permanent && status.get_error_details().retry_info().is_none()
}

fn failed(e: ExchangeError) -> DeliveryError {
    DeliveryError(e.to_string())
}

/// How long relaying a status may take.
pub const STATUS_RELAY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long relaying a document may take: 30 s, plus a second per MiB of attachments (so
/// that 100 MiB crosses at 1 MiB/s or faster).
pub fn document_relay_timeout(bytes: u64) -> Duration {
    Duration::from_secs(30 + bytes.div_ceil(1024 * 1024))
}

/// A call that fails with DEADLINE_EXCEEDED once it has taken `deadline`.
pub(super) async fn within<T>(
    deadline: Duration,
    call: impl Future<Output = Result<T, tonic::Status>>,
) -> Result<T, tonic::Status> {
    tokio::time::timeout(deadline, call)
        .await
        .unwrap_or_else(|_| {
            Err(tonic::Status::deadline_exceeded(format!(
                "no answer within {} s",
                deadline.as_secs()
            )))
        })
}

impl Deliver for RelayDelivery {
    async fn deliver(&self, payload: Vec<u8>) -> Result<(), DeliveryError> {
        let entry = RelayEntry::decode(payload.as_slice())
            .map_err(|e| DeliveryError(format!("undecodable outbox entry: {e}")))?;
        match entry.status {
            Some(update) => {
                let mut request = tonic::Request::new(RelayStatusRequest {
                    update: Some(update),
                });
                request.set_timeout(STATUS_RELAY_TIMEOUT);
                let mut client = self.client.clone();
                within(STATUS_RELAY_TIMEOUT, client.relay_status(request)).await?;
                Ok(())
            }
            None => self.relay_document(entry).await,
        }
    }
}
