//! What every scenario needs: the run's PKI, the agencies of each hub, hubs started in-process
//! (one, or a national and two provincial ones), and agencies connected to them.
use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use anyhow::Context;
use lienthong_api::exchange::v1::exchange_service_client::ExchangeServiceClient;
use lienthong_exchange::service::{ExchangeArgs, RunningHub, start};
use lienthong_platform::{
    Identity, client, config::ServerArgs, pki::DevCa, shutdown::Shutdown, tls::TlsFiles,
};

use crate::hub_bench::Participant;

pub const TRUST_DOMAIN: &str = "lienthong.dev";

/// The agencies served by one hub: codes `000.00.<i>.<hub>` and their certificates.
#[derive(Clone)]
pub struct Agencies {
    pub codes: Vec<String>,
    pub files: Vec<TlsFiles>,
}

/// The run's certificate authority and the certificates issued so far.
pub struct Pki {
    ca: DevCa,
}

impl Pki {
    pub fn new(dir: &Path) -> anyhow::Result<Pki> {
        Ok(Pki {
            ca: DevCa::init(dir, TRUST_DOMAIN).context("creating the CA")?,
        })
    }

    pub fn hub(&mut self, id: &str) -> anyhow::Result<TlsFiles> {
        self.ca
            .issue(&Identity::Hub(id.into()), &[])
            .with_context(|| format!("issuing the certificate of hub {id}"))
    }

    /// `n` agencies of the unit `unit` (a hub id such as H48), numbered from 1.
    pub fn agencies(&mut self, unit: &str, n: usize) -> anyhow::Result<Agencies> {
        let codes: Vec<String> = (1..=n).map(|i| format!("000.00.{i:02}.{unit}")).collect();
        let mut files = Vec::with_capacity(n);
        for code in &codes {
            files.push(
                self.ca
                    .issue(&Identity::agency(code)?, &[])
                    .with_context(|| format!("issuing the certificate of {code}"))?,
            );
        }
        Ok(Agencies { codes, files })
    }
}

/// How to start one hub.
pub struct HubSpec<'a> {
    pub id: &'a str,
    pub files: &'a TlsFiles,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    /// The agencies it registers at start.
    pub seed: &'a [String],
    pub listen: SocketAddr,
    /// "standalone", "provincial" or "national", with their endpoint settings.
    pub role: &'a str,
    pub national_endpoint: Option<String>,
    pub routes: Option<String>,
    pub max_attachment_bytes: u64,
    pub concurrency: usize,
}

impl<'a> HubSpec<'a> {
    /// A standalone hub on an ephemeral port, SQLite in `data_dir` unless a URL is given.
    pub fn standalone(
        id: &'a str,
        files: &'a TlsFiles,
        data_dir: PathBuf,
        seed: &'a [String],
    ) -> Self {
        HubSpec {
            id,
            files,
            data_dir,
            database_url: None,
            seed,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            role: "standalone",
            national_endpoint: None,
            routes: None,
            max_attachment_bytes: 1 << 20,
            concurrency: 32,
        }
    }
}

/// Writes the seed directory of a hub (a JSON array of code and name).
fn write_seed(dir: &Path, hub: &str, codes: &[String]) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(format!("agencies-{hub}.json"));
    let seed: Vec<String> = codes
        .iter()
        .enumerate()
        .map(|(i, code)| {
            format!(
                r#"  {{"code": "{code}", "name": "Benchmark agency {} of {hub}"}}"#,
                i + 1
            )
        })
        .collect();
    std::fs::write(&path, format!("[\n{}\n]\n", seed.join(",\n")))
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// Starts a hub in this process.
pub async fn start_hub(spec: HubSpec<'_>) -> anyhow::Result<RunningHub> {
    let seed = if spec.seed.is_empty() {
        None
    } else {
        Some(write_seed(&spec.data_dir, spec.id, spec.seed)?)
    };
    let mut server = ServerArgs::new(spec.files.clone(), spec.data_dir.clone());
    server.database_url = spec.database_url.clone();
    server.tls_reload_secs = 60.0;
    server.trust_domain = TRUST_DOMAIN.into();
    server.shutdown_grace_secs = 2.0;
    let hub_args = ExchangeArgs {
        listen: spec.listen,
        hub_id: spec.id.into(),
        seed_agencies: seed,
        role: spec.role.into(),
        national_endpoint: spec.national_endpoint.clone(),
        routes: spec.routes.clone(),
        max_attachment_bytes: spec.max_attachment_bytes,
        max_attachments: 10,
        // Every document in flight may be one agency's upload: the benchmark measures
        // throughput, not the per-agency limit (which would refuse the excess at once).
        max_uploads_per_agency: spec.concurrency.max(8),
        max_open_uploads: spec.concurrency.max(256),
        ..ExchangeArgs::new(server)
    };
    start(hub_args, Shutdown::new())
        .await
        .with_context(|| format!("starting hub {}", spec.id))
}

/// Stops a hub, warning (not failing) when it does not stop cleanly: the figures are taken.
pub async fn stop_hub(hub: RunningHub) {
    if let Err(e) = hub.stop().await {
        eprintln!("warning: a hub did not stop cleanly: {e}");
    }
}

/// Connects each agency to the hub at `addr` (one mTLS connection each).
pub async fn participants(
    addr: SocketAddr,
    agencies: &Agencies,
) -> anyhow::Result<Vec<Participant>> {
    let url = format!("https://{addr}");
    let mut out = Vec::with_capacity(agencies.codes.len());
    for (code, files) in agencies.codes.iter().zip(&agencies.files) {
        let channel = client::connect(&url, files)
            .await
            .with_context(|| format!("{code} connecting to the hub at {url}"))?;
        out.push(Participant {
            code: code.clone(),
            client: ExchangeServiceClient::new(channel),
        });
    }
    Ok(out)
}

/// A loopback port free right now, for hubs that must know each other's address before they
/// start (the national hub's routes name the provincial hubs).
pub fn free_port() -> anyhow::Result<SocketAddr> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(l.local_addr()?)
}

/// Unique per run, so that document ids never repeat in a reused database.
pub fn run_tag() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
        .to_string()
}
