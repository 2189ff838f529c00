//! Notices a peer hub coming back: while the relay outbox towards a peer waits out a long
//! back-off (the platform's grows to a minute and more), the peer's health is probed every two
//! seconds, and once it answers SERVING the waiting entries are retried at once. After an
//! outage the backlog starts draining within seconds of the peer's return, not a minute later.
use std::{sync::Arc, time::Duration};

use lienthong_platform::{client::TracedChannel, outbox::Outbox, shutdown::Shutdown};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

use crate::app::Exchange;

/// How often a peer in back-off is probed, and the longest a probe may take.
pub const PROBE_EVERY: Duration = Duration::from_secs(2);

/// The service a peer must serve for relays.
const RELAY_SERVICE: &str = "lienthong.exchange.v1.RelayService";

pub struct PeerProbe {
    peer: String,
    exchange: Arc<Exchange>,
    health: HealthClient<TracedChannel>,
    outbox: Outbox,
}

impl PeerProbe {
    pub fn new(
        peer: String,
        exchange: Arc<Exchange>,
        channel: TracedChannel,
        outbox: Outbox,
    ) -> Self {
        PeerProbe {
            peer,
            exchange,
            health: HealthClient::new(channel),
            outbox,
        }
    }

    /// Whether the peer answers that it serves relays.
    async fn serving(&self) -> bool {
        let mut request = tonic::Request::new(HealthCheckRequest {
            service: RELAY_SERVICE.into(),
        });
        request.set_timeout(PROBE_EVERY);
        let mut health = self.health.clone();
        matches!(
            tokio::time::timeout(PROBE_EVERY, health.check(request)).await,
            Ok(Ok(r)) if r.get_ref().status() == ServingStatus::Serving
        )
    }

    /// Probes until shutdown.
    pub async fn run(self, shutdown: Shutdown) {
        loop {
            if shutdown.sleep(PROBE_EVERY).await {
                return;
            }
            match self
                .exchange
                .relay_backing_off(&self.peer, PROBE_EVERY)
                .await
            {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    tracing::debug!(peer = %self.peer, error = %e, "relay backlog unreadable");
                    continue;
                }
            }
            if !self.serving().await {
                continue;
            }
            match self.exchange.retry_relays_now(&self.peer).await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(peer = %self.peer, entries = n, "peer hub is back; relaying now");
                    self.outbox.wake();
                }
                Err(e) => tracing::debug!(peer = %self.peer, error = %e, "cannot retry relays"),
            }
        }
    }
}
