//! Configuration and start-up of an exchange hub.
use std::{net::SocketAddr, path::PathBuf, sync::Arc};

use clap::Parser;
use lienthong_api::exchange::v1::{
    Agency, directory_service_server::DirectoryServiceServer,
    exchange_service_server::ExchangeServiceServer,
    hub_admin_service_server::HubAdminServiceServer, relay_service_client::RelayServiceClient,
    relay_service_server::RelayServiceServer,
};
use lienthong_platform::{
    authz::{Policy, admin, agency, anyone, hub},
    config::ServerArgs,
    db,
    server::{self, ServeOptions, ServerError},
    shutdown::Shutdown,
    tls::{ReloadableServerConfig, TlsError},
};
use serde::Deserialize;
use thiserror::Error;
use tokio::net::TcpListener;

use lienthong_api::{
    reporting::v1::intake_service_client::IntakeServiceClient,
    tasks::v1::task_intake_service_client::TaskIntakeServiceClient,
};
use lienthong_platform::{client, outbox::Outbox};

use crate::{
    app::Exchange,
    domain::Limits,
    error::ExchangeError,
    federation::{RemoteDirectory, Routing},
    grpc::{DirectoryApi, ExchangeApi, HubAdminApi, RelayApi},
    integrations::{self, TasksDelivery},
    notify::Notifier,
    relay::RelayDelivery,
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
            server,
        }
    }
}

#[derive(Debug, Error)]
pub enum StartError {
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error("cannot listen on {0}: {1}")]
    Listen(SocketAddr, std::io::Error),
    #[error("attachment store {0}: {1}")]
    Blobs(PathBuf, std::io::Error),
    #[error("seed agencies {0}: {1}")]
    Seed(String, String),
    #[error(transparent)]
    Server(#[from] ServerError),
    #[error(transparent)]
    Client(#[from] lienthong_platform::client::ClientError),
    #[error("federation: {0}")]
    Federation(#[from] crate::federation::ConfigError),
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

/// A running Exchange service.
pub type RunningHub = lienthong_platform::server::Running<Exchange>;

/// Opens the database and the attachment store, seeds the directory and starts serving.
pub async fn start(args: ExchangeArgs, shutdown: Shutdown) -> Result<RunningHub, StartError> {
    let routing = Routing::new(
        &args.hub_id,
        &args.role,
        args.serves.as_deref(),
        args.national_endpoint.as_deref(),
        args.routes.as_deref(),
    )?;
    let tls = ReloadableServerConfig::load(args.server.tls_files())?;
    if args.server.tls_crl.is_none() {
        tracing::warn!(
            "no CRL configured (LIENTHONG_TLS_CRL): revoked certificates will be accepted"
        );
    }
    let url = args.server.database_url("exchange");
    let pool = db::connect(&url, &MIGRATOR, args.server.db_pool_size).await?;
    let blob_dir = args.server.data_dir.join("blobs");
    let blobs =
        crate::blobs::BlobStore::open(&blob_dir).map_err(|e| StartError::Blobs(blob_dir, e))?;
    let app = Arc::new(Exchange {
        pool: pool.clone(),
        blobs,
        notifier: Notifier::default(),
        limits: Limits {
            max_attachment_bytes: args.max_attachment_bytes,
            max_attachments: args.max_attachments,
            ..Limits::default()
        },
        hub_id: args.hub_id.clone(),
        tasks: args.tasks_endpoint.as_ref().map(|_| Outbox::default()),
        peers: routing
            .peers
            .keys()
            .map(|p| (p.clone(), Outbox::default()))
            .collect(),
        // Hubs talk to each other with the hub certificate (spiffe://…/hub/<id>).
        remote_directory: if routing.peers.is_empty() {
            None
        } else {
            Some(RemoteDirectory::new(&routing, &args.server.tls_files())?)
        },
        routing: routing.clone(),
    });
    for (peer, endpoint) in &routing.peers {
        let channel = client::connect_lazy(endpoint, &args.server.tls_files())?;
        app.peers[peer].spawn(
            pool.clone(),
            crate::relay::topic(peer),
            RelayDelivery {
                peer: peer.clone(),
                exchange: app.clone(),
                client: RelayServiceClient::new(channel),
            },
            shutdown.clone(),
        );
    }
    // Calls to the services beside the hub use its service identity (LIENTHONG_CLIENT_CERT).
    let client_files = args.server.client_tls_files();
    if let (Some(endpoint), Some(outbox)) = (&args.tasks_endpoint, &app.tasks) {
        let channel = client::connect_lazy(endpoint, &client_files)?;
        outbox.spawn(
            pool.clone(),
            integrations::TASKS_TOPIC.to_string(),
            TasksDelivery {
                client: TaskIntakeServiceClient::new(channel),
            },
            shutdown.clone(),
        );
    }
    if let Some(endpoint) = &args.reporting_endpoint {
        let channel = client::connect_lazy(endpoint, &client_files)?;
        integrations::spawn_statistics_pusher(
            pool.clone(),
            routing.clone(),
            IntakeServiceClient::new(channel),
            std::time::Duration::try_from_secs_f64(args.stats_push_secs)
                .unwrap_or(std::time::Duration::from_secs(30)),
            shutdown.clone(),
        );
    }

    let seed = match &args.seed_agencies {
        Some(path) => {
            let json = std::fs::read_to_string(path)
                .map_err(|e| StartError::Seed(path.display().to_string(), e.to_string()))?;
            parse_seed(&path.display().to_string(), &json)?
        }
        None => parse_seed("built-in seed", BUILTIN_SEED)?,
    };
    let added = app
        .seed_agencies(&seed)
        .await
        .map_err(|e: ExchangeError| StartError::Seed("seed".into(), e.to_string()))?;

    let listener = TcpListener::bind(args.listen)
        .await
        .map_err(|e| StartError::Listen(args.listen, e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::Listen(args.listen, e))?;

    let mut routes = tonic::service::Routes::builder();
    routes.add_service(ExchangeServiceServer::new(ExchangeApi::new(
        app.clone(),
        shutdown.clone(),
    )));
    routes.add_service(DirectoryServiceServer::new(DirectoryApi::new(app.clone())));
    routes.add_service(RelayServiceServer::new(RelayApi::new(app.clone())));
    routes.add_service(HubAdminServiceServer::new(HubAdminApi::new(
        app.clone(),
        args.tasks_endpoint.clone(),
    )));
    const SERVICES: &[&str] = &[
        "lienthong.exchange.v1.ExchangeService",
        "lienthong.exchange.v1.DirectoryService",
        "lienthong.exchange.v1.RelayService",
        "lienthong.exchange.v1.HubAdminService",
    ];
    server::add_standard_services(
        &mut routes,
        pool,
        SERVICES,
        &[lienthong_api::FILE_DESCRIPTOR_SET],
        shutdown.clone(),
    )
    .await?;

    let mut topics: crate::metrics::Topics = routing
        .peers
        .keys()
        .map(|p| (p.clone(), crate::relay::topic(p)))
        .collect();
    if args.tasks_endpoint.is_some() {
        topics.push(("tasks".into(), integrations::TASKS_TOPIC.into()));
    }
    crate::metrics::spawn_outbox_gauges(
        app.pool.clone(),
        args.hub_id.clone(),
        topics,
        shutdown.clone(),
    );

    let reloader = tls.spawn_reloader(args.server.tls_reload_interval());
    let options = ServeOptions {
        tls,
        policy: policy(&args.server.trust_domain),
        max_connection_age: args.server.max_connection_age(),
        shutdown: shutdown.clone(),
        shutdown_grace: args.server.shutdown_grace(),
    };
    let routes = routes.routes();
    let task = tokio::spawn(async move {
        let result = server::serve(listener, routes, options).await;
        reloader.abort();
        result
    });
    tracing::info!(%addr, hub_id = %args.hub_id, role = routing.role.name(), database = %lienthong_platform::db::redact_url(&url), seeded = added, "exchange hub listening (mTLS)");
    Ok(lienthong_platform::server::Running::new(
        addr, shutdown, app, task,
    ))
}
