//! Asks peer hubs for their events of a document (RelayService `GetDocumentEvents`), with the
//! number of hubs the request has been passed on to (`lienthong-hops`) and a deadline that
//! shrinks with each hop, so that the first hub answers in time even when a hub further on
//! hangs.
use std::{collections::HashMap, future::Future, pin::Pin, time::Duration};

use lienthong_api::exchange::v1::{
    GetDocumentEventsRequest, relay_service_client::RelayServiceClient,
};
use lienthong_platform::{
    client::{self, TracedChannel},
    tls::TlsFiles,
};

use crate::{
    app::{EventSource, Tracked},
    domain::routing::{HOPS_METADATA, Routing},
    error::{ExchangeError, Result},
};

/// How long the first hub asked may take, the hubs it asks in turn included; each further hop
/// has half the time of the one before.
pub const TRACK_TIMEOUT: Duration = Duration::from_secs(8);

pub struct PeerEvents {
    clients: HashMap<String, RelayServiceClient<TracedChannel>>,
}

impl PeerEvents {
    /// A client per peer hub of `routing`, presenting `files` (the hub's certificate).
    pub fn new(routing: &Routing, files: &TlsFiles) -> Result<Self, client::ClientError> {
        let mut clients = HashMap::new();
        for (peer, endpoint) in &routing.peers {
            clients.insert(
                peer.clone(),
                RelayServiceClient::new(client::connect_lazy(endpoint, files)?),
            );
        }
        Ok(PeerEvents { clients })
    }
}

/// The deadline of a request that is hop number `hops` (1: the first hub asked).
pub fn deadline(hops: u32) -> Duration {
    TRACK_TIMEOUT / 2u32.saturating_pow(hops.saturating_sub(1)).max(1)
}

impl EventSource for PeerEvents {
    fn events(
        &self,
        peer: String,
        document_id: String,
        hops: u32,
    ) -> Pin<Box<dyn Future<Output = Result<Tracked>> + Send + 'static>> {
        let client = self.clients.get(&peer).cloned();
        Box::pin(async move {
            let mut client = client
                .ok_or_else(|| ExchangeError::internal(format!("no client for peer hub {peer}")))?;
            let timeout = deadline(hops);
            let mut request = tonic::Request::new(GetDocumentEventsRequest { document_id });
            request.set_timeout(timeout);
            request
                .metadata_mut()
                .insert(HOPS_METADATA, tonic::metadata::MetadataValue::from(hops));
            let answer = tokio::time::timeout(timeout, client.get_document_events(request))
                .await
                .map_err(|_| {
                    ExchangeError::internal(format!("hub {peer} gave no events within {timeout:?}"))
                })?
                .map_err(|s| {
                    ExchangeError::internal(format!("hub {peer} gave no events: {}", s.message()))
                })?
                .into_inner();
            Ok(Tracked {
                trace_id: answer.trace_id,
                events: answer.events,
                unreachable: answer.unreachable_hubs,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_hop_has_half_the_time_of_the_one_before() {
        assert_eq!(deadline(1), TRACK_TIMEOUT);
        assert_eq!(deadline(2), TRACK_TIMEOUT / 2);
        assert_eq!(deadline(0), TRACK_TIMEOUT);
    }
}
