//! What an operator sees of the hub: its role, what it serves, the backlog towards each peer
//! hub and the tasks service, and the documents it found undeliverable.
use std::time::Duration;

use lienthong_api::exchange::v1::{GetHubStatusResponse, HubRole, PeerStatus};
use lienthong_axis::timestamp::to_duration;

use super::Exchange;
use crate::{
    domain::{
        outbox::{TASKS_TOPIC, relay_topic},
        routing::Role,
    },
    error::Result,
    store,
};

/// The outbox towards one peer (a hub, or `tasks`).
#[derive(Clone, Debug)]
pub struct Backlog {
    pub peer: String,
    pub endpoint: String,
    pub depth: u64,
    /// Age of the oldest pending entry, in µs (0 when none).
    pub oldest_age_micros: i64,
    pub last_error: String,
}

impl Backlog {
    /// Age of the oldest pending entry, in seconds (0 when none).
    pub fn oldest_age_secs(&self) -> f64 {
        self.oldest_age_micros as f64 / 1e6
    }
}

/// A hub's role as the API names it.
fn hub_role(role: &Role) -> HubRole {
    match role {
        Role::Standalone => HubRole::Standalone,
        Role::Provincial => HubRole::Provincial,
        Role::National => HubRole::National,
    }
}

impl Exchange {
    /// The backlog towards every peer hub and the tasks service.
    pub async fn outbox_backlog(&self) -> Result<Vec<Backlog>> {
        let mut targets: Vec<(String, String, String)> = self
            .routing()
            .peers
            .iter()
            .map(|(peer, endpoint)| (peer.clone(), endpoint.clone(), relay_topic(peer)))
            .collect();
        if let Some(endpoint) = &self.settings.tasks_endpoint {
            targets.push(("tasks".into(), endpoint.clone(), TASKS_TOPIC.into()));
        }
        let mut out = Vec::with_capacity(targets.len());
        for (peer, endpoint, topic) in targets {
            let stats = store::topic_stats(self.db.pool(), &topic).await?;
            // The platform's outbox stamps its entries with the system clock, not the hub's.
            let now = lienthong_axis::clock::now_micros();
            out.push(Backlog {
                peer,
                endpoint,
                depth: stats.depth,
                oldest_age_micros: stats.oldest_created_at.map_or(0, |t| (now - t).max(0)),
                last_error: stats.last_error,
            });
        }
        Ok(out)
    }

    /// The hub's role, the units it serves and its backlogs.
    pub async fn hub_status(&self) -> Result<GetHubStatusResponse> {
        let peers = self
            .outbox_backlog()
            .await?
            .into_iter()
            .map(|b| PeerStatus {
                peer: b.peer,
                endpoint: b.endpoint,
                outbox_depth: b.depth,
                oldest_pending_age: Some(to_duration(b.oldest_age_micros)),
                last_error: b.last_error,
            })
            .collect();
        let routing = self.routing();
        let mut status = GetHubStatusResponse {
            hub_id: routing.hub_id.clone(),
            role: hub_role(&routing.role) as i32,
            serves: routing.served_units(),
            peers,
            ..Default::default()
        };
        self.undeliverable_status(&mut status).await?;
        Ok(status)
    }

    /// Whether the relay outbox towards `peer` waits out a back-off longer than `probe_every`
    /// after a failure that says the peer was unreachable (worth probing the peer for).
    pub async fn relay_backing_off(&self, peer: &str, probe_every: Duration) -> Result<bool> {
        let Some((attempts, due, last_error)) =
            store::topic_head(self.db.pool(), &relay_topic(peer)).await?
        else {
            return Ok(false);
        };
        // The platform's outbox stamps its entries with the system clock, not the hub's.
        let now = lienthong_axis::clock::now_micros();
        let unreachable = ["Unavailable", "DeadlineExceeded", "Cancelled", "Unknown"]
            .iter()
            .any(|code| last_error.starts_with(code));
        Ok(attempts > 0 && unreachable && due - now > probe_every.as_micros() as i64)
    }

    /// The peer is back: the entries waiting for it are due now. Returns how many waited.
    pub async fn retry_relays_now(&self, peer: &str) -> Result<u64> {
        let now = lienthong_axis::clock::now_micros();
        store::retry_topic_now(self.db.pool(), &relay_topic(peer), now).await
    }
}
