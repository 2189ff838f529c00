//! Configuration and wiring of an exchange hub: Boot → state → background work → Router →
//! serve, and who may call what.
use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use clap::Parser;
use lienthong_api::{
    exchange::v1::{
        Agency, directory_service_server::DirectoryServiceServer,
        exchange_service_server::ExchangeServiceServer,
        hub_admin_service_server::HubAdminServiceServer, relay_service_server::RelayServiceServer,
    },
    reporting::v1::intake_service_client::IntakeServiceClient,
};
use lienthong_axis::{SharedClock, clock::system_clock};
use lienthong_platform::{
    Identity,
    authz::{Policy, admin, agency, anyone, hub},
    client::{self, ClientError, TracedChannel},
    config::ServerArgs,
    error::InfraError,
    paging::PageTokens,
    server::{self, Boot, Router, Running},
    shutdown::Shutdown,
    statistics,
};
use serde::Deserialize;
use thiserror::Error;

use crate::{
    app::{Exchange, Resources, Settings},
    domain::{
        header::Limits,
        outbox::{TASKS_TOPIC, relay_topic},
        routing::{ConfigError, Routing},
    },
    grpc::{DirectoryApi, ExchangeApi, HubAdminApi, RelayApi},
    metrics::OutboxGauges,
    outbound::{
        ExchangeStatistics, PeerEvents, PeerProbe, RelayDelivery, RemoteDirectory, TasksDelivery,
    },
    store::blobs::BlobStore,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The seed agencies built into the binary (`seed/agencies.json`).
pub const BUILTIN_SEED: &str = include_str!("../seed/agencies.json");

/// `lienthong-exchange`: the exchange hub.
#[derive(Parser, Clone, Debug)]
#[command(name = "lienthong-exchange", version, about)]
pub struct ExchangeArgs {
    /// Address to listen on (mutual TLS only; there is no plaintext port).
    #[arg(
        long,
        env = "LIENTHONG_EXCHANGE_LISTEN",
        default_value = "127.0.0.1:7443"
    )]
    pub listen: SocketAddr,

    /// This hub's id, written into the TraceHeader of every document it accepts (e.g. H48).
    #[arg(long, env = "LIENTHONG_HUB_ID", default_value = "H48")]
    pub hub_id: String,

    /// JSON file of agencies registered at start when absent ([{"code": ..., "name": ...}]);
    /// default: the built-in seed.
    #[arg(long, env = "LIENTHONG_SEED_AGENCIES")]
    pub seed_agencies: Option<PathBuf>,

    /// Largest attachment accepted, in bytes.
    #[arg(long, env = "LIENTHONG_MAX_ATTACHMENT_BYTES", default_value_t = 100 * 1024 * 1024)]
    pub max_attachment_bytes: u64,

    /// Most attachments per document.
    #[arg(long, env = "LIENTHONG_MAX_ATTACHMENTS", default_value_t = 50)]
    pub max_attachments: usize,

    /// standalone (one hub for every agency), provincial (serves its own units, relays the
    /// rest to the national hub) or national (routes provincial units, serves the rest).
    #[arg(long, env = "LIENTHONG_HUB_ROLE", default_value = "standalone")]
    pub role: String,

    /// Provincial: the level-1 units served here, comma-separated (default: Hxx,Kxx of the hub id).
    #[arg(long, env = "LIENTHONG_HUB_SERVES")]
    pub serves: Option<String>,

    /// Provincial: the national hub, e.g. https://national.example:7443.
    #[arg(long, env = "LIENTHONG_NATIONAL_ENDPOINT")]
    pub national_endpoint: Option<String>,

    /// National: the provincial hubs, `H48=https://h48.example:7443,H41=https://...`; hub Hxx
    /// serves units Hxx and Kxx.
    #[arg(long, env = "LIENTHONG_HUB_ROUTES")]
    pub routes: Option<String>,

    /// The tasks service (e.g. https://127.0.0.1:7444): steering documents with a due date
    /// become tasks there. Unset: no tasks are created.
    #[arg(long, env = "LIENTHONG_TASKS_ENDPOINT")]
    pub tasks_endpoint: Option<String>,

    /// The reporting service (e.g. https://127.0.0.1:7445): documents sent and received per
    /// agency and day are pushed there. Unset: no statistics are pushed.
    #[arg(long, env = "LIENTHONG_REPORTING_ENDPOINT")]
    pub reporting_endpoint: Option<String>,

    /// How often changed statistics are pushed to the reporting service, in seconds.
    #[arg(long, env = "LIENTHONG_STATS_PUSH_SECS", default_value_t = 30.0)]
    pub stats_push_secs: f64,

    /// Most documents one agency may be sending at a time (open SendDocument streams past their
    /// header); beyond, RESOURCE_EXHAUSTED `TOO_MANY_UPLOADS`.
    #[arg(long, env = "LIENTHONG_MAX_UPLOADS_PER_AGENCY", default_value_t = 8)]
    pub max_uploads_per_agency: usize,

    /// Most documents being received at a time by this hub, from agencies and hubs together;
    /// beyond, RESOURCE_EXHAUSTED `HUB_UPLOADS_FULL`.
    #[arg(long, env = "LIENTHONG_MAX_OPEN_UPLOADS", default_value_t = 256)]
    pub max_open_uploads: usize,

    /// An upload (SendDocument, RelayDocument) that sends nothing for this long, in seconds,
    /// is ended with RESOURCE_EXHAUSTED `UPLOAD_STALLED` and its temporary file removed.
    #[arg(long, env = "LIENTHONG_UPLOAD_STALL_SECS", default_value_t = 30.0)]
    pub upload_stall_secs: f64,

    /// Most open Subscribe and WatchSentDocument streams per agency; beyond, RESOURCE_EXHAUSTED
    /// `TOO_MANY_STREAMS`.
    #[arg(long, env = "LIENTHONG_MAX_STREAMS_PER_AGENCY", default_value_t = 16)]
    pub max_streams_per_agency: usize,

    /// How often attachment blobs that no document references (left by failed sends) are
    /// removed, in seconds; also done at start.
    #[arg(long, env = "LIENTHONG_BLOB_GC_SECS", default_value_t = 3600.0)]
    pub blob_gc_secs: f64,

    #[command(flatten)]
    pub server: ServerArgs,
}

impl ExchangeArgs {
    /// The defaults of every flag, listening on an ephemeral loopback port (for embedding a hub
    /// in a test or a benchmark).
    pub fn new(server: ServerArgs) -> Self {
        ExchangeArgs {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            hub_id: "H48".into(),
            seed_agencies: None,
            max_attachment_bytes: 100 * 1024 * 1024,
            max_attachments: 50,
            role: "standalone".into(),
            serves: None,
            national_endpoint: None,
            routes: None,
            tasks_endpoint: None,
            reporting_endpoint: None,
            stats_push_secs: 30.0,
            max_uploads_per_agency: 8,
            max_open_uploads: 256,
            upload_stall_secs: 30.0,
            max_streams_per_agency: 16,
            blob_gc_secs: 3600.0,
            server,
        }
    }

    fn stats_push_interval(&self) -> Duration {
        secs(self.stats_push_secs, 30.0)
    }

    fn resources(&self) -> Resources {
        Resources {
            max_uploads_per_agency: self.max_uploads_per_agency.max(1),
            max_open_uploads: self.max_open_uploads.max(1),
            upload_stall: secs(self.upload_stall_secs, 30.0),
            max_streams_per_agency: self.max_streams_per_agency.max(1),
        }
    }
}

/// A positive duration in seconds, or `fallback` for zero, negative or unreadable values.
fn secs(v: f64, fallback: f64) -> Duration {
    Duration::try_from_secs_f64(v)
        .ok()
        .filter(|d| !d.is_zero())
        .unwrap_or_else(|| Duration::from_secs_f64(fallback))
}

#[derive(Debug, Error)]
pub enum StartError {
    #[error(transparent)]
    Server(#[from] server::StartError),
    #[error("attachment store {0}: {1}")]
    Blobs(PathBuf, #[source] std::io::Error),
    #[error("seed agencies {0}: {1}")]
    Seed(String, String),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("federation: {0}")]
    Federation(#[from] ConfigError),
    #[error("page-token key: {0}")]
    PageTokens(#[source] InfraError),
    #[error("filling in the attachment references of older documents: {0}")]
    BlobRefs(String),
}

/// Who may call what on the exchange hub. Everything not listed is refused.
pub fn policy(trust_domain: &str) -> Policy {
    Policy::new(trust_domain)
        .with_standard_services()
        .allow(
            "/lienthong.exchange.v1.ExchangeService/",
            agency,
            "agencies",
        )
        // Operators follow documents too; the use case admits only the document's agencies
        // and admins.
        .allow(
            "/lienthong.exchange.v1.ExchangeService/TrackDocument",
            agency_or_admin,
            "agencies and admins",
        )
        .allow(
            "/lienthong.exchange.v1.DirectoryService/ListAgencies",
            anyone,
            "any identity",
        )
        .allow(
            "/lienthong.exchange.v1.DirectoryService/GetAgency",
            anyone,
            "any identity",
        )
        .allow(
            "/lienthong.exchange.v1.DirectoryService/RegisterAgency",
            admin,
            "admins",
        )
        .allow(
            "/lienthong.exchange.v1.DirectoryService/RemoveAgency",
            admin,
            "admins",
        )
        .allow("/lienthong.exchange.v1.RelayService/", hub, "hubs")
        .allow("/lienthong.exchange.v1.HubAdminService/", admin, "admins")
}

/// Agencies and axis operators.
fn agency_or_admin(id: &Identity) -> bool {
    agency(id) || admin(id)
}

#[derive(Deserialize)]
struct SeedAgency {
    code: String,
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    website: String,
}

fn parse_seed(origin: &str, json: &str) -> Result<Vec<Agency>, StartError> {
    let seeds: Vec<SeedAgency> =
        serde_json::from_str(json).map_err(|e| StartError::Seed(origin.into(), e.to_string()))?;
    Ok(seeds
        .into_iter()
        .map(|s| Agency {
            code: s.code,
            name: s.name,
            email: s.email,
            phone: s.phone,
            address: s.address,
            website: s.website,
        })
        .collect())
}

/// The seed agencies: the file given, or the built-in seed.
fn load_seed(path: Option<&std::path::Path>) -> Result<Vec<Agency>, StartError> {
    match path {
        Some(path) => {
            let json = std::fs::read_to_string(path)
                .map_err(|e| StartError::Seed(path.display().to_string(), e.to_string()))?;
            parse_seed(&path.display().to_string(), &json)
        }
        None => parse_seed("built-in seed", BUILTIN_SEED),
    }
}

/// A running exchange hub.
pub type RunningHub = Running<Exchange>;

/// Opens the database and the attachment store, seeds the directory and starts serving, on
/// the system clock.
pub async fn start(args: ExchangeArgs, shutdown: Shutdown) -> Result<RunningHub, StartError> {
    start_with_clock(args, shutdown, system_clock()).await
}

/// [`start`], telling the time by `clock` (tests move a manual clock instead of waiting).
pub async fn start_with_clock(
    args: ExchangeArgs,
    shutdown: Shutdown,
    clock: SharedClock,
) -> Result<RunningHub, StartError> {
    let routing = Routing::new(
        &args.hub_id,
        &args.role,
        args.serves.as_deref(),
        args.national_endpoint.as_deref(),
        args.routes.as_deref(),
    )?;
    let seed = load_seed(args.seed_agencies.as_deref())?;
    let boot = Boot::open("exchange", &args.server, args.listen, &MIGRATOR, shutdown).await?;
    // Routes that lead back to this hub would loop: refused before anything starts.
    routing.check_not_itself(boot.addr())?;
    // Everything that can fail is done before any background work starts.
    let links = Links::connect(&args, &boot, &routing)?;
    let (app, seeded) = build_exchange(
        &args,
        &boot,
        routing,
        clock,
        &seed,
        links.directory,
        links.events,
    )
    .await?;
    spawn_background(&boot, &app, links.workers, &args);
    let routing = app.routing();
    tracing::info!(addr = %boot.addr(), hub_id = %args.hub_id, role = routing.role.name(), seeded, "exchange hub ready");
    let router = Router::new()
        .serve(ExchangeServiceServer::new(ExchangeApi::new(app.clone())))
        .serve(DirectoryServiceServer::new(DirectoryApi::new(app.clone())))
        .serve(RelayServiceServer::new(RelayApi::new(app.clone())))
        .serve(HubAdminServiceServer::new(HubAdminApi::new(app.clone())));
    let policy = policy(&args.server.trust_domain);
    let shutdown = boot.shutdown().clone();
    boot.serve(
        app,
        router,
        policy,
        &[lienthong_api::exchange::v1::FILE_DESCRIPTOR_SET],
    )
    .await
    .map_err(|e| {
        // The background work started above stops with the hub that failed to serve.
        shutdown.trigger();
        e.into()
    })
}

/// The hub's state on the booted database and its attachment store, with its seed agencies
/// registered and the references of older documents' blobs filled in. Returns it with how many
/// agencies were seeded.
async fn build_exchange(
    args: &ExchangeArgs,
    boot: &Boot,
    routing: Routing,
    clock: SharedClock,
    seed: &[Agency],
    directory: Option<RemoteDirectory>,
    events: Option<PeerEvents>,
) -> Result<(Arc<Exchange>, usize), StartError> {
    let blob_dir = args.server.data_dir.join("blobs");
    let blobs = BlobStore::open(&blob_dir).map_err(|e| StartError::Blobs(blob_dir, e))?;
    let tokens = PageTokens::load(boot.pool())
        .await
        .map_err(StartError::PageTokens)?;
    let settings = Settings {
        hub_id: args.hub_id.clone(),
        limits: Limits {
            max_attachment_bytes: args.max_attachment_bytes,
            max_attachments: args.max_attachments,
            ..Limits::default()
        },
        routing,
        tasks_endpoint: args.tasks_endpoint.clone(),
        resources: args.resources(),
    };
    let mut exchange = Exchange::new(
        boot.db().clone(),
        blobs,
        clock,
        boot.shutdown().clone(),
        settings,
        tokens,
    );
    if let Some(directory) = directory {
        exchange = exchange.with_remote_directory(Arc::new(directory));
    }
    if let Some(events) = events {
        exchange = exchange.with_event_source(Arc::new(events));
    }
    let app = Arc::new(exchange);
    let seeded = app
        .seed_agencies(seed)
        .await
        .map_err(|e| StartError::Seed("seed".into(), e.to_string()))?;
    app.backfill_blob_refs()
        .await
        .map_err(|e| StartError::BlobRefs(e.to_string()))?;
    Ok((app, seeded))
}

/// The channels of the hub's background workers.
struct Workers {
    /// Per peer hub, for its relay outbox.
    peers: Vec<(String, TracedChannel)>,
    tasks: Option<TracedChannel>,
    reporting: Option<TracedChannel>,
}

/// The hub's connections to other services (connected lazily: they are only set up here).
struct Links {
    directory: Option<RemoteDirectory>,
    /// Asks peer hubs for their events of a document (TrackDocument).
    events: Option<PeerEvents>,
    workers: Workers,
}

impl Links {
    fn connect(args: &ExchangeArgs, boot: &Boot, routing: &Routing) -> Result<Links, StartError> {
        // Hubs talk to each other with the hub certificate (spiffe://…/hub/<id>); calls to the
        // services beside the hub use its service identity (LIENTHONG_CLIENT_CERT).
        let hub_files = boot.server_files();
        let service_files = boot.client_files();
        let (directory, events) = if routing.peers.is_empty() {
            (None, None)
        } else {
            (
                Some(RemoteDirectory::new(routing, &hub_files)?),
                Some(PeerEvents::new(routing, &hub_files)?),
            )
        };
        let mut peers = Vec::new();
        for (peer, endpoint) in &routing.peers {
            peers.push((peer.clone(), client::connect_lazy(endpoint, &hub_files)?));
        }
        let lazy = |endpoint: &Option<String>| {
            endpoint
                .as_deref()
                .map(|e| client::connect_lazy(e, &service_files))
                .transpose()
        };
        // The platform's pusher makes the calls: the channel carries their deadline.
        let reporting = args
            .reporting_endpoint
            .as_deref()
            .map(|e| {
                lienthong_platform::client::connect_lazy_with_deadline(
                    e,
                    &service_files,
                    STATISTICS_PUSH_TIMEOUT,
                )
            })
            .transpose()?;
        Ok(Links {
            directory,
            events,
            workers: Workers {
                peers,
                tasks: lazy(&args.tasks_endpoint)?,
                reporting,
            },
        })
    }
}

/// How long one push of statistics to the reporting service may take.
const STATISTICS_PUSH_TIMEOUT: Duration = Duration::from_secs(30);

/// The hub's background work, stopped and awaited with the service: a relay outbox worker and
/// a probe per peer hub, the tasks outbox worker, the statistics pusher, the collection of
/// orphan blobs and the gauges.
fn spawn_background(boot: &Boot, app: &Arc<Exchange>, workers: Workers, args: &ExchangeArgs) {
    let tasks = boot.tasks();
    let shutdown = boot.shutdown();
    for (peer, channel) in workers.peers {
        if let Some(outbox) = app.relay_outbox(&peer) {
            let probe = PeerProbe::new(peer.clone(), app.clone(), channel.clone(), outbox.clone());
            tasks.spawn("peer probe", probe.run(shutdown.clone()));
            let topic = relay_topic(&peer);
            let deliver = RelayDelivery::new(peer, app.clone(), channel);
            let worker = outbox.worker(boot.pool().clone(), topic, deliver, shutdown.clone());
            tasks.spawn("relay outbox", worker);
        }
    }
    if let (Some(channel), Some(outbox)) = (workers.tasks, app.tasks_outbox()) {
        let deliver = TasksDelivery::new(channel);
        let topic = TASKS_TOPIC.to_string();
        let worker = outbox.worker(boot.pool().clone(), topic, deliver, shutdown.clone());
        tasks.spawn("tasks outbox", worker);
    }
    if let Some(channel) = workers.reporting {
        let source = Arc::new(ExchangeStatistics::new(app.clone()));
        let client = IntakeServiceClient::new(channel);
        let every = args.stats_push_interval();
        let push = statistics::run(source, client, every, shutdown.clone());
        tasks.spawn("statistics push", push);
    }
    let every = secs(args.blob_gc_secs, 3600.0);
    tasks.spawn(
        "blob collection",
        collect_blobs(app.clone(), every, shutdown.clone()),
    );
    let (uploads, streams) = (app.clone(), app.clone());
    crate::metrics::register_held(
        app.hub_id(),
        move || uploads.open_uploads() as u64,
        move || streams.open_streams() as u64,
    );
    let gauges = OutboxGauges::register(app.hub_id());
    tasks.spawn(
        "outbox gauges",
        refresh_gauges(app.clone(), gauges, shutdown.clone()),
    );
}

/// Removes orphan blobs now, then every `every`, until shutdown.
async fn collect_blobs(app: Arc<Exchange>, every: Duration, shutdown: Shutdown) {
    loop {
        if let Err(e) = app.collect_orphan_blobs().await {
            tracing::warn!(error = %e, "collecting orphan blobs failed; will try again");
        }
        if shutdown.sleep(every).await {
            return;
        }
    }
}

/// Refreshes the backlog gauges every two seconds.
async fn refresh_gauges(app: Arc<Exchange>, gauges: OutboxGauges, shutdown: Shutdown) {
    loop {
        let points = match app.outbox_backlog().await {
            Ok(backlog) => backlog
                .into_iter()
                .map(|b| {
                    let age = b.oldest_age_secs();
                    (b.peer, b.depth, age)
                })
                .collect(),
            Err(e) => {
                tracing::debug!(error = %e, "outbox backlog unavailable");
                Vec::new()
            }
        };
        gauges.set(points);
        if shutdown.sleep(Duration::from_secs(2)).await {
            return;
        }
    }
}
