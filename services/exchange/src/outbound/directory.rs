//! Lookups of agencies served by other hubs, over their DirectoryService, cached for a while.
use std::{
    collections::HashMap,
    future::Future,
    pin::Pin,
    sync::Mutex,
    time::{Duration, Instant},
};

use lienthong_api::exchange::v1::{
    Agency, GetAgencyRequest, directory_service_client::DirectoryServiceClient,
};
use lienthong_axis::AgencyCode;
use lienthong_platform::{
    client::{self, TracedChannel},
    tls::TlsFiles,
};

use crate::{
    app::{AgencyLookup, Lookup},
    domain::routing::Routing,
    error::{ExchangeError, Result},
};

/// How long an answer is kept.
const TTL: Duration = Duration::from_secs(300);

pub struct RemoteDirectory {
    clients: HashMap<String, DirectoryServiceClient<TracedChannel>>,
    cache: Mutex<HashMap<String, (Agency, Instant)>>,
}

impl RemoteDirectory {
    /// A client per peer hub of `routing`, presenting `files` (the hub's certificate).
    pub fn new(routing: &Routing, files: &TlsFiles) -> Result<Self, client::ClientError> {
        let mut clients = HashMap::new();
        for (peer, endpoint) in &routing.peers {
            clients.insert(
                peer.clone(),
                DirectoryServiceClient::new(client::connect_lazy(endpoint, files)?),
            );
        }
        Ok(RemoteDirectory {
            clients,
            cache: Mutex::new(HashMap::new()),
        })
    }

    fn cached(&self, code: &str) -> Option<Agency> {
        let cache = self.cache.lock().ok()?;
        let (agency, at) = cache.get(code)?;
        (at.elapsed() < TTL).then(|| agency.clone())
    }

    /// Asks `peer` for an agency: `Unknown` when the peer does not know it, PEER_UNAVAILABLE
    /// when the peer cannot be reached.
    async fn ask(&self, peer: &str, code: &AgencyCode) -> Result<Lookup> {
        if let Some(agency) = self.cached(code.as_str()) {
            return Ok(Lookup::Found(agency));
        }
        let mut client = self
            .clients
            .get(peer)
            .cloned()
            .ok_or_else(|| ExchangeError::internal(format!("no client for peer hub {peer}")))?;
        let response = client
            .get_agency(GetAgencyRequest {
                code: code.to_string(),
            })
            .await;
        let agency = match response {
            Ok(r) => r.into_inner().agency.ok_or_else(|| {
                ExchangeError::internal(format!("hub {peer} answered without an agency"))
            })?,
            Err(s) if s.code() == tonic::Code::NotFound => return Ok(Lookup::Unknown),
            Err(s) => {
                return Err(ExchangeError::PeerUnavailable {
                    hub: peer.to_string(),
                    code: code.to_string(),
                    message: s.message().to_string(),
                });
            }
        };
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(code.to_string(), (agency.clone(), Instant::now()));
        }
        Ok(Lookup::Found(agency))
    }
}

impl AgencyLookup for RemoteDirectory {
    fn lookup<'a>(
        &'a self,
        peer: &'a str,
        code: &'a AgencyCode,
    ) -> Pin<Box<dyn Future<Output = Result<Lookup>> + Send + 'a>> {
        Box::pin(self.ask(peer, code))
    }
}
