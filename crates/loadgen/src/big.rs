//! One large attachment sent and fetched through a hub, beside the same bytes client-streamed
//! and server-streamed by the bare echo server, and the hub's peak resident memory.
//!
//! The hub runs as the real `lienthong-exchange` binary when one sits beside this one (release
//! builds: `make bench` builds both), so that its memory is its own: the kernel's high-water
//! mark `VmHWM` of `/proc/<pid>/status`. Otherwise (or with `--in-process-hub`, as the smoke
//! test does) it runs in-process and the
//! figure is this process's `VmRSS` growth over its level before the hub started, sampled every
//! 10 ms — an approximation, which the row's note says.
use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::Context;
use lienthong_api::exchange::v1::{
    AttachmentChunk, AttachmentInfo, FetchDocumentRequest, SendDocumentRequest,
    fetch_document_response, send_document_request,
};
use lienthong_platform::tls::TlsFiles;
use sha2::{Digest, Sha256};

use crate::{
    hub_bench::{self, Participant},
    setup::{self, Agencies, HubSpec, TRUST_DOMAIN},
};

const CHUNK: usize = 1 << 20;
const MIB: f64 = (1u64 << 20) as f64;

/// What the large-attachment row measured.
pub struct BigOutcome {
    /// Bytes sent plus bytes fetched, per second of the two calls, in MiB/s.
    pub hub_mib_s: f64,
    pub hub_peak_mib: f64,
    /// How the memory figure was taken.
    pub memory_note: String,
}

/// Chunk `i` of the content: pseudo-random bytes (so that nothing on the way compresses them)
/// stamped with the chunk's index (so that no two chunks are equal).
fn chunk(base: &[u8], i: u64, size: u64) -> Vec<u8> {
    let len = (CHUNK as u64).min(size - i * CHUNK as u64) as usize;
    let mut c = base[..len].to_vec();
    let stamp = i.to_le_bytes();
    let n = stamp.len().min(len);
    c[..n].copy_from_slice(&stamp[..n]);
    c
}

fn base() -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..CHUNK)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// The baseline: the same number of bytes up and down through the bare echo server.
pub async fn echo_baseline(
    server_files: &TlsFiles,
    client_files: &TlsFiles,
    size: u64,
) -> anyhow::Result<f64> {
    let server = crate::echo::EchoServer::start(server_files.clone(), TRUST_DOMAIN).await?;
    let mut clients =
        crate::echo::connect_all(server.addr, std::slice::from_ref(client_files)).await?;
    let (up, down) = crate::echo::byte_streams(&mut clients[0], size, CHUNK as u32).await?;
    drop(clients);
    server.stop().await?;
    Ok(2.0 * size as f64 / MIB / (up + down))
}

/// Where the hub of this row runs.
enum Hub {
    Process(Child),
    InProcess(lienthong_exchange::service::RunningHub, RssSampler),
}

/// The hub's binary beside this one, if built.
fn hub_binary() -> Option<PathBuf> {
    let bin = std::env::current_exe()
        .ok()?
        .parent()?
        .join("lienthong-exchange");
    bin.is_file().then_some(bin)
}

fn spawn_hub(bin: &Path, spec: &HubSpec<'_>, log: &Path) -> anyhow::Result<(Child, String)> {
    let seed = spec.data_dir.join("agencies.json");
    std::fs::create_dir_all(&spec.data_dir)?;
    let entries: Vec<String> = spec
        .seed
        .iter()
        .map(|c| format!(r#"{{"code": "{c}", "name": "Benchmark agency {c}"}}"#))
        .collect();
    std::fs::write(&seed, format!("[{}]", entries.join(",")))?;
    let addr = setup::free_port()?;
    let log = std::fs::File::create(log)?;
    let mut cmd = Command::new(bin);
    cmd.env_remove("LIENTHONG_DATABASE_URL")
        .env("LIENTHONG_EXCHANGE_LISTEN", addr.to_string())
        .env("LIENTHONG_DATA_DIR", &spec.data_dir)
        .env("LIENTHONG_TLS_CERT", &spec.files.cert)
        .env("LIENTHONG_TLS_KEY", &spec.files.key)
        .env("LIENTHONG_TLS_CA", &spec.files.ca)
        .env("LIENTHONG_TRUST_DOMAIN", TRUST_DOMAIN)
        .env("LIENTHONG_HUB_ID", spec.id)
        .env("LIENTHONG_SEED_AGENCIES", &seed)
        .env(
            "LIENTHONG_MAX_ATTACHMENT_BYTES",
            spec.max_attachment_bytes.to_string(),
        )
        .env("LIENTHONG_SHUTDOWN_GRACE_SECS", "2")
        .stdout(Stdio::null())
        .stderr(log);
    if let Some(crl) = &spec.files.crl {
        cmd.env("LIENTHONG_TLS_CRL", crl);
    }
    let child = cmd
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    Ok((child, format!("https://{addr}")))
}

/// Connects the two agencies, retrying while a hub process is still starting.
async fn connect_when_ready(url: &str, agencies: &Agencies) -> anyhow::Result<Vec<Participant>> {
    let addr: std::net::SocketAddr = url.trim_start_matches("https://").parse()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match setup::participants(addr, agencies).await {
            Ok(p) => return Ok(p),
            Err(e) if Instant::now() > deadline => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Sends then fetches one attachment of `size` bytes through a fresh hub.
pub async fn run(
    dir: &Path,
    hub_files: &TlsFiles,
    agencies: &Agencies,
    size: u64,
    in_process: bool,
) -> anyhow::Result<BigOutcome> {
    let mut spec = HubSpec::standalone("H48", hub_files, dir.join("big-hub"), &agencies.codes);
    spec.max_attachment_bytes = size.max(1);
    let (hub, url) = match hub_binary().filter(|_| !in_process) {
        Some(bin) => {
            let (child, url) = spawn_hub(&bin, &spec, &dir.join("big-hub.log"))?;
            (Hub::Process(child), url)
        }
        None => {
            let sampler = RssSampler::start();
            let hub = setup::start_hub(spec).await?;
            let url = format!("https://{}", hub.addr);
            (Hub::InProcess(hub, sampler), url)
        }
    };
    let result = async {
        let participants = connect_when_ready(&url, agencies).await?;
        transfer(&participants, size).await
    }
    .await;
    let (peak, memory_note) = match hub {
        Hub::Process(mut child) => {
            let peak = vm_kib(&format!("/proc/{}/status", child.id()), "VmHWM:");
            let _ = child.kill();
            let _ = child.wait();
            (
                peak,
                "hub run as the real lienthong-exchange process; its VmHWM (peak RSS)".to_string(),
            )
        }
        Hub::InProcess(hub, sampler) => {
            setup::stop_hub(hub).await;
            (
                Some(sampler.growth_kib()),
                "hub in-process: VmRSS growth of the whole process over its level before the \
                 hub, sampled every 10 ms"
                    .to_string(),
            )
        }
    };
    let (up, down) = result?;
    Ok(BigOutcome {
        hub_mib_s: 2.0 * size as f64 / MIB / (up + down),
        hub_peak_mib: peak.unwrap_or(0) as f64 / 1024.0,
        memory_note,
    })
}

/// The send and the fetch; their durations in seconds.
async fn transfer(participants: &[Participant], size: u64) -> anyhow::Result<(f64, f64)> {
    let base = base();
    let chunks = size.div_ceil(CHUNK as u64);
    let mut hasher = Sha256::new();
    for i in 0..chunks {
        hasher.update(chunk(&base, i, size));
    }
    let sha256 = hex::encode(hasher.finalize());
    let (sender, recipient) = (&participants[0], &participants[1]);
    let mut header = hub_bench::header(&sender.code, &recipient.code, 1, &setup::run_tag());
    header.attachments = vec![AttachmentInfo {
        name: "big.bin".into(),
        content_type: "application/octet-stream".into(),
        size,
        sha256,
        ..Default::default()
    }];
    let id = header.document_id.clone();
    let first = SendDocumentRequest {
        part: Some(send_document_request::Part::Header(header)),
    };
    let rest = (0..chunks).map(move |i| SendDocumentRequest {
        part: Some(send_document_request::Part::Chunk(AttachmentChunk {
            attachment_index: 0,
            data: chunk(&base, i, size),
        })),
    });
    let t0 = Instant::now();
    sender
        .client
        .clone()
        .send_document(tokio_stream::iter(std::iter::once(first).chain(rest)))
        .await
        .context("sending the large attachment")?;
    let up = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let mut stream = recipient
        .client
        .clone()
        .fetch_document(FetchDocumentRequest {
            document_id: id,
            include_content: true,
        })
        .await
        .context("fetching the large attachment")?
        .into_inner();
    let mut got = 0u64;
    while let Some(m) = stream.message().await? {
        if let Some(fetch_document_response::Part::Chunk(c)) = m.part {
            got += c.data.len() as u64;
        }
    }
    let down = t1.elapsed().as_secs_f64();
    anyhow::ensure!(got == size, "fetched {got} bytes instead of {size}");
    Ok((up, down))
}

/// A `kB` field of a /proc status file.
fn vm_kib(path: &str, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// Samples this process's resident memory on a thread of its own until dropped.
struct RssSampler {
    before: u64,
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl RssSampler {
    fn start() -> Self {
        let before = vm_kib("/proc/self/status", "VmRSS:").unwrap_or(0);
        let peak = Arc::new(AtomicU64::new(before));
        let stop = Arc::new(AtomicBool::new(false));
        let (p, s) = (peak.clone(), stop.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                if let Some(v) = vm_kib("/proc/self/status", "VmRSS:") {
                    p.fetch_max(v, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        RssSampler { before, peak, stop }
    }

    fn growth_kib(&self) -> u64 {
        self.peak
            .load(Ordering::Relaxed)
            .saturating_sub(self.before)
    }
}

impl Drop for RssSampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
