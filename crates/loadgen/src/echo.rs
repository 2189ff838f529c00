//! The baseline: a bare echo served through exactly the platform's mTLS accept loop and
//! authorization layer that the hub uses, called with the same certificates and concurrency.
use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Instant,
};

use anyhow::Context;
use lienthong_api::bench::v1::{
    EchoRequest, EchoResponse,
    echo_service_client::EchoServiceClient,
    echo_service_server::{EchoService, EchoServiceServer},
};
use lienthong_platform::{
    authz::{self, Policy},
    client::{self, TracedChannel},
    server::{self, ServeOptions, StartError},
    shutdown::Shutdown,
    tls::{ReloadableServerConfig, TlsFiles},
};
use tokio::{net::TcpListener, task::JoinHandle};
use tonic::{Request, Response, Status};

use crate::stats::Measurement;

struct Echo;

#[tonic::async_trait]
impl EchoService for Echo {
    async fn echo(&self, req: Request<EchoRequest>) -> Result<Response<EchoResponse>, Status> {
        Ok(Response::new(EchoResponse {
            payload: req.into_inner().payload,
        }))
    }
}

/// A running echo server.
pub struct EchoServer {
    pub addr: std::net::SocketAddr,
    shutdown: Shutdown,
    task: JoinHandle<Result<(), StartError>>,
}

impl EchoServer {
    pub async fn start(server_files: TlsFiles, trust_domain: &str) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let mut routes = tonic::service::Routes::builder();
        routes.add_service(EchoServiceServer::new(Echo));
        let shutdown = Shutdown::new();
        let options = ServeOptions::new(
            ReloadableServerConfig::load(server_files).context("echo server TLS")?,
            Policy::new(trust_domain.to_string()).allow(
                "/lienthong.bench.v1.EchoService/",
                authz::anyone,
                "any identity",
            ),
            shutdown.clone(),
        );
        let task = tokio::spawn(server::serve(listener, routes.routes(), options));
        Ok(EchoServer {
            addr,
            shutdown,
            task,
        })
    }

    pub async fn stop(self) -> anyhow::Result<()> {
        self.shutdown.trigger();
        self.task
            .await
            .context("echo server task")?
            .context("echo server")?;
        Ok(())
    }
}

/// Connects one client per certificate (one TLS connection each, as the agencies will).
pub async fn connect_all(
    addr: std::net::SocketAddr,
    files: &[TlsFiles],
) -> anyhow::Result<Vec<EchoServiceClient<TracedChannel>>> {
    let url = format!("https://{addr}");
    let mut clients = Vec::with_capacity(files.len());
    for f in files {
        let channel = client::connect(&url, f)
            .await
            .with_context(|| format!("connecting to the echo server at {url}"))?;
        clients.push(EchoServiceClient::new(channel));
    }
    Ok(clients)
}

/// Sends `requests` echoes of `payload_len` bytes with `concurrency` calls in flight, spread
/// over the clients. Fails on the first error: the baseline is meaningless if it errs.
pub async fn run(
    clients: &[EchoServiceClient<TracedChannel>],
    requests: usize,
    concurrency: usize,
    payload_len: usize,
) -> anyhow::Result<Measurement> {
    let next = Arc::new(AtomicUsize::new(0));
    let payload = vec![0x5au8; payload_len];
    let start = Instant::now();
    let mut workers = Vec::with_capacity(concurrency);
    for w in 0..concurrency.max(1) {
        let mut client = clients[w % clients.len()].clone();
        let next = next.clone();
        let payload = payload.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(requests / concurrency.max(1) + 1);
            while next.fetch_add(1, Ordering::Relaxed) < requests {
                let t0 = Instant::now();
                let resp = client
                    .echo(EchoRequest {
                        payload: payload.clone(),
                    })
                    .await?;
                latencies.push(t0.elapsed());
                anyhow::ensure!(
                    resp.get_ref().payload.len() == payload.len(),
                    "the echo returned {} bytes instead of {}",
                    resp.get_ref().payload.len(),
                    payload.len()
                );
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::with_capacity(requests);
    for w in workers {
        latencies.extend(w.await.context("echo worker")??);
    }
    Ok(Measurement {
        latencies,
        elapsed: start.elapsed(),
    })
}
