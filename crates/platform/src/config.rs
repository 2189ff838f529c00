//! Configuration shared by every service, from flags or `LIENTHONG_*` environment variables.
use std::{path::PathBuf, time::Duration};

use clap::Args;

use crate::{db, tls::TlsFiles};

/// The default SPIFFE trust domain of the development PKI.
pub const DEFAULT_TRUST_DOMAIN: &str = "lienthong.dev";

/// Settings every lienthong server takes.
#[derive(Args, Clone, Debug)]
pub struct ServerArgs {
    /// Directory for the SQLite database and attachment blobs.
    #[arg(long, env = "LIENTHONG_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Database URL: `postgres://...` for PostgreSQL; default: a SQLite file in the data directory.
    #[arg(long, env = "LIENTHONG_DATABASE_URL")]
    pub database_url: Option<String>,

    /// Connections in the PostgreSQL pool (SQLite always uses one).
    #[arg(long, env = "LIENTHONG_DB_POOL_SIZE", default_value_t = 10)]
    pub db_pool_size: u32,

    /// This server's certificate (PEM), whose URI SAN is its SPIFFE identity.
    #[arg(long, env = "LIENTHONG_TLS_CERT")]
    pub tls_cert: PathBuf,

    /// This server's private key (PEM).
    #[arg(long, env = "LIENTHONG_TLS_KEY")]
    pub tls_key: PathBuf,

    /// The axis CA certificate(s) (PEM) that every client certificate must chain to.
    #[arg(long, env = "LIENTHONG_TLS_CA")]
    pub tls_ca: PathBuf,

    /// The CA's certificate revocation list (PEM). Without it no revocation is checked.
    #[arg(long, env = "LIENTHONG_TLS_CRL")]
    pub tls_crl: Option<PathBuf>,

    /// How often certificate, key, CA and CRL are re-read from disk, in seconds.
    #[arg(long, env = "LIENTHONG_TLS_RELOAD_SECS", default_value_t = 10.0)]
    pub tls_reload_secs: f64,

    /// Certificate this service presents when it calls other services (default: --tls-cert).
    #[arg(long, env = "LIENTHONG_CLIENT_CERT")]
    pub client_cert: Option<PathBuf>,

    /// Key of --client-cert (default: --tls-key).
    #[arg(long, env = "LIENTHONG_CLIENT_KEY")]
    pub client_key: Option<PathBuf>,

    /// SPIFFE trust domain of caller identities.
    #[arg(long, env = "LIENTHONG_TRUST_DOMAIN", default_value = DEFAULT_TRUST_DOMAIN)]
    pub trust_domain: String,

    /// Connections are closed (gracefully) after this many seconds, so that a revoked
    /// certificate cannot keep an old connection open. Clients reconnect transparently.
    #[arg(
        long,
        env = "LIENTHONG_MAX_CONNECTION_AGE_SECS",
        default_value_t = 3600.0
    )]
    pub max_connection_age_secs: f64,

    /// On SIGTERM, how long in-flight calls may take before the server stops anyway, in seconds.
    #[arg(long, env = "LIENTHONG_SHUTDOWN_GRACE_SECS", default_value_t = 10.0)]
    pub shutdown_grace_secs: f64,

    /// Most connections open at a time (TLS handshakes included); beyond, new connections are
    /// closed at once. Keeps a client from taking every file descriptor.
    #[arg(long, env = "LIENTHONG_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,

    /// Most concurrent calls (HTTP/2 streams) on one connection; beyond, the client waits.
    #[arg(
        long,
        env = "LIENTHONG_MAX_STREAMS_PER_CONNECTION",
        default_value_t = 100
    )]
    pub max_streams_per_connection: u32,
}

impl ServerArgs {
    /// The defaults of every flag, with these files and data directory (for embedding a
    /// service in a test or a benchmark).
    pub fn new(files: TlsFiles, data_dir: PathBuf) -> Self {
        ServerArgs {
            data_dir,
            database_url: None,
            db_pool_size: 10,
            tls_cert: files.cert,
            tls_key: files.key,
            tls_ca: files.ca,
            tls_crl: files.crl,
            tls_reload_secs: 10.0,
            client_cert: None,
            client_key: None,
            trust_domain: DEFAULT_TRUST_DOMAIN.to_string(),
            max_connection_age_secs: 3600.0,
            shutdown_grace_secs: 10.0,
            max_connections: 1024,
            max_streams_per_connection: 100,
        }
    }

    pub fn tls_files(&self) -> TlsFiles {
        TlsFiles {
            cert: self.tls_cert.clone(),
            key: self.tls_key.clone(),
            ca: self.tls_ca.clone(),
            crl: self.tls_crl.clone(),
        }
    }

    /// The files this service uses as a client of other services.
    pub fn client_tls_files(&self) -> TlsFiles {
        TlsFiles {
            cert: self
                .client_cert
                .clone()
                .unwrap_or_else(|| self.tls_cert.clone()),
            key: self
                .client_key
                .clone()
                .unwrap_or_else(|| self.tls_key.clone()),
            ca: self.tls_ca.clone(),
            crl: self.tls_crl.clone(),
        }
    }

    /// The database URL in force for a service.
    pub fn database_url(&self, service: &str) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| db::sqlite_url_in(&self.data_dir, service))
    }

    pub fn tls_reload_interval(&self) -> Duration {
        secs(self.tls_reload_secs, 10.0)
    }

    pub fn max_connection_age(&self) -> Duration {
        secs(self.max_connection_age_secs, 3600.0)
    }

    pub fn shutdown_grace(&self) -> Duration {
        secs(self.shutdown_grace_secs, 10.0)
    }
}

fn secs(v: f64, fallback: f64) -> Duration {
    Duration::try_from_secs_f64(v)
        .ok()
        .filter(|d| !d.is_zero())
        .unwrap_or_else(|| Duration::from_secs_f64(fallback))
}
