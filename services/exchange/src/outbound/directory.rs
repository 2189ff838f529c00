//! Lookups of agencies served by other hubs, over their DirectoryService, cached for a while.
//! Each carries how many hubs it has been passed on to (`lienthong-hops`), so that misconfigured
//! routes are refused at once instead of recursing between hubs, and a deadline.
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
    error::reason_of,
    tls::TlsFiles,
};

use crate::{
    app::{AgencyLookup, Lookup},
    domain::routing::{HOPS_METADATA, Routing},
    error::{ExchangeError, Result},
};

/// How long an answer is kept.
const TTL: Duration = Duration::from_secs(300);

/// How long a lookup may take, the hubs it is passed on to included.
pub const LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);

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

    /// Asks `peer` for an agency, as hop number `hops`: `Unknown` when the peer does not know
    /// it, LOOKUP_LOOP when the peer found the lookup looping, PEER_UNAVAILABLE when the peer
    /// cannot be reached or does not answer within [`LOOKUP_TIMEOUT`].
    async fn ask(&self, peer: &str, code: &AgencyCode, hops: u32) -> Result<Lookup> {
        if let Some(agency) = self.cached(code.as_str()) {
            return Ok(Lookup::Found(agency));
        }
        let mut client = self
            .clients
            .get(peer)
            .cloned()
            .ok_or_else(|| ExchangeError::internal(format!("no client for peer hub {peer}")))?;
        let mut request = tonic::Request::new(GetAgencyRequest {
            code: code.to_string(),
        });
        request.set_timeout(LOOKUP_TIMEOUT);
        request
            .metadata_mut()
            .insert(HOPS_METADATA, tonic::metadata::MetadataValue::from(hops));
        let response = tokio::time::timeout(LOOKUP_TIMEOUT, client.get_agency(request))
            .await
            .unwrap_or_else(|_| {
                Err(tonic::Status::deadline_exceeded(format!(
                    "no answer within {} s",
                    LOOKUP_TIMEOUT.as_secs()
                )))
            });
        let agency = match response {
            Ok(r) => r.into_inner().agency.ok_or_else(|| {
                ExchangeError::internal(format!("hub {peer} answered without an agency"))
            })?,
            Err(s) if s.code() == tonic::Code::NotFound => return Ok(Lookup::Unknown),
            Err(s) if reason_of(&s).as_deref() == Some("LOOKUP_LOOP") => {
                return Err(ExchangeError::LookupLoop {
                    field: "code".into(),
                    code: code.to_string(),
                    detail: format!("noticed beyond hub {peer}"),
                });
            }
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
        hops: u32,
    ) -> Pin<Box<dyn Future<Output = Result<Lookup>> + Send + 'a>> {
        Box::pin(self.ask(peer, code, hops))
    }
}
