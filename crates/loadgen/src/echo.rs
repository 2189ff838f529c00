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
    DownloadRequest, DownloadResponse, EchoRequest, EchoResponse, UploadRequest, UploadResponse,
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
use tokio_stream::Stream;
use tonic::{Request, Response, Status, Streaming};

use crate::stats::Measurement;

struct Echo;

/// The largest message the byte streams send, as the hub's attachment chunks.
const MAX_CHUNK: u32 = 4 << 20;

type DownloadStream =
    std::pin::Pin<Box<dyn Stream<Item = Result<DownloadResponse, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl EchoService for Echo {
    async fn echo(&self, req: Request<EchoRequest>) -> Result<Response<EchoResponse>, Status> {
        Ok(Response::new(EchoResponse {
            payload: req.into_inner().payload,
        }))
    }

    async fn upload(
        &self,
        req: Request<Streaming<UploadRequest>>,
    ) -> Result<Response<UploadResponse>, Status> {
        let mut stream = req.into_inner();
        let mut received = 0u64;
        while let Some(m) = stream.message().await? {
            received += m.data.len() as u64;
        }
        Ok(Response::new(UploadResponse { received }))
    }

    type DownloadStream = DownloadStream;

    async fn download(
        &self,
        req: Request<DownloadRequest>,
    ) -> Result<Response<DownloadStream>, Status> {
        let DownloadRequest { size, chunk_size } = req.into_inner();
        let chunk_size = u64::from(chunk_size.clamp(1, MAX_CHUNK));
        let chunk = vec![0xa5u8; chunk_size as usize];
        // Lazily, one message at a time: HTTP/2 flow control paces the producer, as it paces
        // the hub's FetchDocument.
        let chunks = (0..size.div_ceil(chunk_size)).map(move |i| {
            let len = chunk_size.min(size - i * chunk_size) as usize;
            Ok(DownloadResponse {
                data: chunk[..len].to_vec(),
            })
        });
        Ok(Response::new(Box::pin(tokio_stream::iter(chunks))))
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

/// Client-streams `size` bytes in messages of `chunk` bytes to the echo server, then has it
/// stream as many back; returns the seconds each direction took.
pub async fn byte_streams(
    client: &mut EchoServiceClient<TracedChannel>,
    size: u64,
    chunk: u32,
) -> anyhow::Result<(f64, f64)> {
    let chunk_len = u64::from(chunk.clamp(1, MAX_CHUNK));
    let data = vec![0x5au8; chunk_len as usize];
    let messages = (0..size.div_ceil(chunk_len)).map(move |i| UploadRequest {
        data: data[..chunk_len.min(size - i * chunk_len) as usize].to_vec(),
    });
    let t0 = Instant::now();
    let up = client.upload(tokio_stream::iter(messages)).await?;
    let up_secs = t0.elapsed().as_secs_f64();
    anyhow::ensure!(
        up.get_ref().received == size,
        "the echo server received {} bytes instead of {size}",
        up.get_ref().received
    );
    let t1 = Instant::now();
    let mut stream = client
        .download(DownloadRequest {
            size,
            chunk_size: chunk,
        })
        .await?
        .into_inner();
    let mut got = 0u64;
    while let Some(m) = stream.message().await? {
        got += m.data.len() as u64;
    }
    let down_secs = t1.elapsed().as_secs_f64();
    anyhow::ensure!(got == size, "downloaded {got} bytes instead of {size}");
    Ok((up_secs, down_secs))
}
