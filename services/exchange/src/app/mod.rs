//! The exchange's use cases, one file per capability. Each applies the rules of `domain`,
//! commits its changes through `store` in one transaction, then wakes whoever waits on them
//! (subscribers, watchers, outbox workers).
//!
//! [`Exchange`] is the state they share; its fields are private: the gRPC adapter and the
//! outbound adapters call use cases only.
mod acknowledge;
mod acknowledge_many;
mod admin;
mod blobs;
mod bounce;
mod directory;
mod fetch;
mod inbox;
mod limits;
mod relay;
mod revoke;
mod send;
mod sent;
mod statistics;
mod statuses;
mod track;
mod updates;

pub use acknowledge_many::{AckOutcome, MAX_ACKNOWLEDGE_BATCH};
pub use admin::Backlog;
pub use directory::{AgenciesPage, AgencyLookup, Lookup, MAX_LOOKUP_HOPS};
pub use inbox::PendingPage;
pub use limits::{Limited, Resources, StreamPermit};
pub use relay::OutgoingRelay;
pub use send::{PendingSend, SendStart};
pub use sent::SentPage;
pub use statuses::Report;
pub use track::{EventSource, Tracked};

use std::{collections::BTreeMap, sync::Arc};

use lienthong_api::wkt::Timestamp;
use lienthong_axis::{FieldError, SharedClock, timestamp::to_timestamp};
use lienthong_platform::{
    db::Db, notify::Notifier, outbox::Outbox, paging::PageTokens, shutdown::Shutdown,
};

use crate::{
    domain::{header::Limits, routing::Routing},
    error::{ExchangeError, Result},
    store::{self, blobs::BlobStore},
};

/// What a hub is, as configured.
#[derive(Clone, Debug)]
pub struct Settings {
    /// This hub's id, written into every TraceHeader it appends.
    pub hub_id: String,
    pub limits: Limits,
    /// Which hub serves which agencies.
    pub routing: Routing,
    /// The tasks service, when configured: steering documents become tasks through it.
    pub tasks_endpoint: Option<String>,
    /// What one client may hold of the hub at a time.
    pub resources: Resources,
}

/// Everything a use case needs.
pub struct Exchange {
    /// The database; calls fail fast while it is known to be down.
    db: Db,
    blobs: Arc<BlobStore>,
    notifier: Notifier,
    clock: SharedClock,
    shutdown: Shutdown,
    settings: Settings,
    /// Issues and checks the page tokens of the list RPCs.
    tokens: PageTokens,
    /// The outbox towards the tasks service (when configured).
    tasks: Option<Outbox>,
    /// The relay outbox of each peer hub.
    peers: BTreeMap<String, Outbox>,
    /// Lookups of agencies served by other hubs (none for a standalone hub).
    remote_directory: Option<Arc<dyn AgencyLookup>>,
    /// Asks peer hubs for their events of a document (none for a standalone hub).
    event_source: Option<Arc<dyn EventSource>>,
    /// The uploads and streams open now, within their limits.
    held: limits::Held,
    /// One collection of orphan blobs at a time.
    collecting: tokio::sync::Mutex<()>,
}

impl Exchange {
    /// The state of a hub on `db`, storing attachments in `blobs`, telling the time by
    /// `clock`, signing page tokens with `tokens`; its streams end when `shutdown` starts.
    pub fn new(
        db: Db,
        blobs: BlobStore,
        clock: SharedClock,
        shutdown: Shutdown,
        settings: Settings,
        tokens: PageTokens,
    ) -> Self {
        let peers = settings
            .routing
            .peers
            .keys()
            .map(|p| (p.clone(), Outbox::default()))
            .collect();
        Exchange {
            db,
            held: limits::Held::new(&settings.resources),
            collecting: tokio::sync::Mutex::new(()),
            blobs: Arc::new(blobs),
            notifier: Notifier::default(),
            clock,
            shutdown,
            tasks: settings.tasks_endpoint.as_ref().map(|_| Outbox::default()),
            peers,
            remote_directory: None,
            event_source: None,
            settings,
            tokens,
        }
    }

    /// Looks agencies served by other hubs up through `lookup`.
    pub fn with_remote_directory(mut self, lookup: Arc<dyn AgencyLookup>) -> Self {
        self.remote_directory = Some(lookup);
        self
    }

    /// The outbox towards peer hub `peer`, for its delivery worker.
    pub fn relay_outbox(&self, peer: &str) -> Option<Outbox> {
        self.peers.get(peer).cloned()
    }

    /// The outbox towards the tasks service, for its delivery worker.
    pub fn tasks_outbox(&self) -> Option<Outbox> {
        self.tasks.clone()
    }

    pub fn hub_id(&self) -> &str {
        &self.settings.hub_id
    }

    pub fn routing(&self) -> &Routing {
        &self.settings.routing
    }

    /// Stops using the database: every later call answers UNAVAILABLE (and health turns
    /// NOT_SERVING). For operators' drills and tests of an outage.
    pub async fn close_database(&self) {
        store::close(self.db.pool()).await;
    }

    /// Now, by the hub's clock (µs since the epoch).
    fn now(&self) -> i64 {
        self.clock.now_micros()
    }

    /// The cursor of a page token of the list `scope` (`None`: the first page).
    fn page_cursor<C: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        scope: &str,
        now: i64,
    ) -> std::result::Result<Option<C>, FieldError> {
        self.tokens.read::<C>(token, scope, now)
    }

    async fn conn(&self) -> Result<store::Conn> {
        store::acquire(&self.db).await
    }

    async fn transaction(&self) -> Result<store::Tx> {
        store::begin(&self.db).await
    }

    fn wake_peers(&self, peers: &[String]) {
        for p in peers {
            if let Some(outbox) = self.peers.get(p) {
                outbox.wake();
            }
        }
    }

    /// Wakes the sender's inbox and the watchers of its document.
    fn notify_sender(&self, sender: &str, document_id: &str) {
        self.notifier.notify(&inbox_key(sender));
        self.notifier.notify(&document_key(document_id));
    }

    /// A span in the document's own trace (linked to the caller's), so that one trace follows
    /// the document from the sender's call to the recipient's acknowledgement and statuses.
    async fn document_span(&self, name: &'static str, document_id: &str) -> Result<tracing::Span> {
        let traceparent =
            store::document_traceparent(&mut *self.conn().await?, document_id).await?;
        Ok(lienthong_platform::telemetry::continuing_span(
            name,
            &traceparent,
        ))
    }

    /// A stored document, or NOT_FOUND naming `field`.
    async fn document(
        &self,
        conn: &mut sqlx::AnyConnection,
        field: &'static str,
        document_id: &str,
    ) -> Result<store::StoredDocument> {
        store::find_document(conn, document_id)
            .await?
            .ok_or_else(|| ExchangeError::NoDocument {
                field,
                document_id: document_id.to_string(),
            })
    }
}

/// The notification key of an agency's inbox.
fn inbox_key(agency: &str) -> String {
    format!("inbox/{agency}")
}

/// The notification key of a document's sender view.
fn document_key(document_id: &str) -> String {
    format!("document/{document_id}")
}

fn timestamp(micros: i64) -> Timestamp {
    to_timestamp(micros)
}
