//! Tracking a document across hubs: what this hub recorded of it, and what the hubs it relayed
//! the document to or received it from recorded, asked within the hop limit. A hub that does
//! not answer makes the answer partial, never a failure.
use std::{future::Future, pin::Pin, sync::Arc};

use lienthong_api::exchange::v1::{TrackEvent, TrackEventKind};
use lienthong_axis::TransportState;
use lienthong_platform::Identity;
use tokio::task::JoinSet;
use tracing::Instrument;

use super::{Exchange, relay::hub_of, updates::not_found};
use crate::{
    domain::{
        self,
        track::{Event, MAX_EVENTS_PER_HUB, MAX_TRACK_HOPS, merge, received_from, status_kind},
    },
    error::Result,
    store::{self, StoredDocument},
};

/// The events of a document known to one hub and to the hubs it asked.
#[derive(Debug, Default)]
pub struct Tracked {
    pub trace_id: String,
    pub events: Vec<TrackEvent>,
    /// Hubs asked that did not answer.
    pub unreachable: Vec<String>,
}

/// Asks a peer hub for the events of a document (its RelayService `GetDocumentEvents`), as
/// hop number `hops`, within a deadline.
pub trait EventSource: Send + Sync {
    fn events(
        &self,
        peer: String,
        document_id: String,
        hops: u32,
    ) -> Pin<Box<dyn Future<Output = Result<Tracked>> + Send + 'static>>;
}

impl Exchange {
    /// Asks peer hubs for their events of a document through `source`.
    pub fn with_event_source(mut self, source: Arc<dyn EventSource>) -> Self {
        self.event_source = Some(source);
        self
    }

    /// One document across hubs, for its sender, one of its recipients or an admin. Anyone
    /// else hears what they would of an unknown document (NOT_FOUND).
    pub async fn track_document(&self, caller: &Identity, document_id: &str) -> Result<Tracked> {
        domain::document_id("document_id", document_id)?;
        let doc = {
            let mut conn = self.conn().await?;
            let doc = self.document(&mut conn, "document_id", document_id).await?;
            let allowed = match caller {
                Identity::Admin(_) => true,
                Identity::Agency(code) => {
                    doc.sender == code.as_str()
                        || store::leg(&mut conn, document_id, code.as_str())
                            .await?
                            .is_some()
                }
                _ => false,
            };
            if !allowed {
                return Err(not_found(document_id));
            }
            doc
        };
        self.gather(&doc, None, 0).await
    }

    /// The events of a document for the peer hub `caller`, which passed the request on `hops`
    /// times before; none when this hub does not have the document, or when `caller` is no
    /// peer of this hub (only the hubs a document travels between ask each other).
    pub async fn document_events(
        &self,
        caller: &Identity,
        document_id: &str,
        hops: u32,
    ) -> Result<Tracked> {
        let asking = hub_of(caller)?;
        domain::document_id("document_id", document_id)?;
        if !self.routing().peers.contains_key(asking) {
            return Ok(Tracked::default());
        }
        let found = store::find_document(&mut *self.conn().await?, document_id).await?;
        match found {
            Some(doc) => self.gather(&doc, Some(asking), hops).await,
            None => Ok(Tracked::default()),
        }
    }

    /// This hub's events of `doc`, merged with those of the peers it relayed the document to
    /// or received it from (except `asking`), while the hop limit allows.
    async fn gather(
        &self,
        doc: &StoredDocument,
        asking: Option<&str>,
        hops: u32,
    ) -> Result<Tracked> {
        let document_id = doc.header.document_id.clone();
        let (mut events, relayed_to) = self.local_events(doc).await?;
        let mut tracked = Tracked {
            trace_id: domain::track::trace_id(&doc.traceparent),
            ..Tracked::default()
        };
        let mut peers: Vec<String> = received_from(&doc.header.trace_headers, self.hub_id())
            .map(String::from)
            .into_iter()
            .chain(relayed_to)
            .filter(|p| Some(p.as_str()) != asking && self.routing().peers.contains_key(p))
            .collect();
        peers.sort();
        peers.dedup();
        let next = hops.saturating_add(1);
        if let (Some(source), true) = (&self.event_source, next <= MAX_TRACK_HOPS) {
            let mut asked = JoinSet::new();
            for peer in peers {
                let answer = source.events(peer.clone(), document_id.clone(), next);
                asked.spawn(async move { (peer, answer.await) }.in_current_span());
            }
            while let Some(joined) = asked.join_next().await {
                match joined {
                    Ok((_, Ok(answer))) => {
                        events.extend(answer.events);
                        tracked.unreachable.extend(answer.unreachable);
                    }
                    Ok((peer, Err(e))) => {
                        tracing::info!(%peer, %document_id, error = %e, "peer hub gave no events");
                        tracked.unreachable.push(peer);
                    }
                    Err(e) => tracing::warn!(%document_id, error = %e, "asking a peer hub failed"),
                }
            }
        }
        tracked.unreachable.sort();
        tracked.unreachable.dedup();
        tracked.events = merge(events);
        Ok(tracked)
    }

    /// What this hub recorded of `doc` (at most [`MAX_EVENTS_PER_HUB`] events), and the peers
    /// it relayed the document to.
    async fn local_events(&self, doc: &StoredDocument) -> Result<(Vec<TrackEvent>, Vec<String>)> {
        let id = doc.header.document_id.as_str();
        let mut conn = self.conn().await?;
        let legs = store::legs(&mut conn, id).await?;
        let statuses = store::statuses_of(&mut conn, id).await?;
        let leg_events = store::leg_events(&mut conn, id).await?;
        let bounces = store::bounces_of(&mut conn, id).await?;
        drop(conn);
        let here = self.hub_id();
        let mut events = Vec::new();
        let from = received_from(&doc.header.trace_headers, here);
        events.push(Event {
            hub: here,
            kind: from.map_or(TrackEventKind::Accepted, |_| TrackEventKind::Received),
            agency: &doc.sender,
            peer_hub: from.unwrap_or(""),
            status: None,
            at: doc.accepted_at,
            detail: "",
        });
        let base = |hub, kind, agency, at| Event {
            hub,
            kind,
            agency,
            peer_hub: "",
            status: None,
            at,
            detail: "",
        };
        for leg in &legs {
            // A leg served elsewhere keeps what its hub relayed back, recorded there.
            let hub = if leg.hub.is_empty() { here } else { &leg.hub };
            if let Some(at) = leg.delivered_at {
                events.push(base(hub, TrackEventKind::Delivered, &leg.recipient, at));
            }
            // Status 01 comes below with its reporter; a revoked copy acknowledged has none.
            let arrived = statuses.iter().any(|s| {
                s.recipient == leg.recipient && s.status == lienthong_axis::BusinessStatus::Arrived
            });
            if let (Some(at), false) = (leg.acknowledged_at, arrived) {
                events.push(base(hub, TrackEventKind::Acknowledged, &leg.recipient, at));
            }
        }
        for s in &statuses {
            events.push(Event {
                status: Some(s.status),
                detail: &s.description,
                ..base(
                    if s.hub.is_empty() { here } else { &s.hub },
                    status_kind(s.status),
                    &s.reporter,
                    s.at,
                )
            });
        }
        let mut relayed_to = Vec::new();
        for e in &leg_events {
            let event = if e.state == TransportState::Relayed {
                relayed_to.push(e.hub.clone());
                Event {
                    peer_hub: &e.hub,
                    ..base(here, TrackEventKind::Relayed, &e.recipient, e.at)
                }
            } else {
                Event {
                    detail: &e.reason,
                    ..base(&e.hub, TrackEventKind::Bounced, &e.recipient, e.at)
                }
            };
            events.push(event);
        }
        for (recipient, reason, at) in &bounces {
            events.push(Event {
                detail: reason,
                ..base(here, TrackEventKind::Bounced, recipient, *at)
            });
        }
        events.truncate(MAX_EVENTS_PER_HUB);
        Ok((events.iter().map(Event::encode).collect(), relayed_to))
    }
}
