//! A hub per test: in-process, on port 0, real mutual TLS with a PKI generated at run time,
//! a fresh SQLite file or PostgreSQL database.
use std::{
    path::PathBuf,
    sync::{Arc, Mutex},
    time::Duration,
};

use lienthong_api::exchange::v1::{
    Agency, AttachmentChunk, AttachmentInfo, DocumentHeader, SendDocumentRequest,
    SendDocumentResponse, directory_service_client::DirectoryServiceClient,
    exchange_service_client::ExchangeServiceClient, send_document_request::Part,
};
use lienthong_exchange::hub::{ExchangeArgs, RunningHub, start};
use lienthong_platform::{
    Identity,
    client::{TracedChannel, connect},
    config::ServerArgs,
    db::Backend,
    pki::DevCa,
    shutdown::Shutdown,
    testing::TestDb,
    tls::TlsFiles,
};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

pub const TRUST_DOMAIN: &str = "lienthong.test";
pub const H48: &str = "000.00.00.H48";
pub const G22: &str = "000.00.00.G22";
pub const STTTT: &str = "000.00.12.H48";
pub const SCT: &str = "000.00.09.H48";

pub struct TestHub {
    pub hub: Option<RunningHub>,
    pub dir: Arc<TempDir>,
    pub pki: Arc<Mutex<DevCa>>,
    pub db: Option<TestDb>,
    pub url: String,
    args: ExchangeArgs,
}

pub struct Options {
    pub max_attachment_bytes: u64,
    pub tls_reload_secs: f64,
    pub hub_id: String,
    pub role: String,
    pub national_endpoint: Option<String>,
    pub routes: Option<String>,
    /// A fixed port (federated hubs must know each other's address before they start).
    pub port: u16,
    /// Share the directory and PKI of another hub (one axis CA for every hub).
    pub shared: Option<(Arc<TempDir>, Arc<Mutex<DevCa>>)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_attachment_bytes: 1024 * 1024,
            tls_reload_secs: 60.0,
            hub_id: "H48".into(),
            role: "standalone".into(),
            national_endpoint: None,
            routes: None,
            port: 0,
            shared: None,
        }
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

pub async fn spawn_hub(backend: Backend) -> TestHub {
    spawn_hub_with(backend, Options::default()).await
}

pub async fn spawn_hub_with(backend: Backend, options: Options) -> TestHub {
    lienthong_platform::tls::install_crypto_provider();
    lienthong_platform::telemetry::install_propagator();
    // RUST_LOG=info shows the hubs' logs in a failing test's output.
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .try_init();
    let (dir, pki) = match options.shared {
        Some(shared) => shared,
        None => {
            let dir = tempfile::tempdir().expect("tempdir");
            let pki = DevCa::init(&dir.path().join("pki"), TRUST_DOMAIN).expect("pki init");
            (Arc::new(dir), Arc::new(Mutex::new(pki)))
        }
    };
    let hub_files = {
        let mut ca = pki.lock().expect("pki lock");
        ca.issue(&Identity::Hub(options.hub_id.clone()), &[])
            .expect("hub cert")
    };
    let db = TestDb::new(backend).await;
    let mut server = ServerArgs::new(
        hub_files,
        dir.path().join(format!("data-{}", options.hub_id)),
    );
    server.database_url = db.url.clone();
    server.db_pool_size = 5;
    server.tls_reload_secs = options.tls_reload_secs;
    server.trust_domain = TRUST_DOMAIN.into();
    server.shutdown_grace_secs = 2.0;
    let args = ExchangeArgs {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], options.port)),
        hub_id: options.hub_id,
        role: options.role,
        national_endpoint: options.national_endpoint,
        routes: options.routes,
        max_attachment_bytes: options.max_attachment_bytes,
        max_attachments: 10,
        ..ExchangeArgs::new(server)
    };
    let hub = start(args.clone(), Shutdown::new())
        .await
        .expect("hub starts");
    let url = format!("https://127.0.0.1:{}", hub.addr.port());
    TestHub {
        hub: Some(hub),
        dir,
        pki,
        db: Some(db),
        url,
        args,
    }
}

/// Three hubs on one axis CA: national (serving ministries such as G22), H48 (Quảng Ngãi) and
/// H41 (Nghệ An).
pub struct Axis {
    pub national: TestHub,
    pub h48: TestHub,
    pub h41: TestHub,
}

pub async fn spawn_axis(backend: Backend) -> Axis {
    let (pn, p48, p41) = (free_port(), free_port(), free_port());
    let national_url = format!("https://127.0.0.1:{pn}");
    let national = spawn_hub_with(
        backend,
        Options {
            hub_id: "national".into(),
            role: "national".into(),
            routes: Some(format!(
                "H48=https://127.0.0.1:{p48},H41=https://127.0.0.1:{p41}"
            )),
            port: pn,
            ..Options::default()
        },
    )
    .await;
    let shared = || Some((national.dir.clone(), national.pki.clone()));
    let h48 = spawn_hub_with(
        backend,
        Options {
            hub_id: "H48".into(),
            role: "provincial".into(),
            national_endpoint: Some(national_url.clone()),
            port: p48,
            shared: shared(),
            ..Options::default()
        },
    )
    .await;
    let h41 = spawn_hub_with(
        backend,
        Options {
            hub_id: "H41".into(),
            role: "provincial".into(),
            national_endpoint: Some(national_url),
            port: p41,
            shared: shared(),
            ..Options::default()
        },
    )
    .await;
    Axis { national, h48, h41 }
}

impl Axis {
    pub async fn stop(self) {
        self.h48.stop().await;
        self.h41.stop().await;
        self.national.stop().await;
    }
}

impl TestHub {
    /// Certificate files for an identity, issued on first use.
    pub fn files(&self, id: &Identity) -> TlsFiles {
        let mut pki = self.pki.lock().expect("pki lock");
        let files = pki.files_for(id);
        if files.cert.exists() {
            files
        } else {
            pki.issue(id, &[]).expect("issue")
        }
    }

    pub async fn channel(&self, id: &Identity) -> TracedChannel {
        connect(&self.url, &self.files(id)).await.expect("connect")
    }

    pub async fn agency(&self, code: &str) -> ExchangeServiceClient<TracedChannel> {
        ExchangeServiceClient::new(self.channel(&Identity::Agency(code.into())).await)
    }

    pub async fn directory(&self, id: &Identity) -> DirectoryServiceClient<TracedChannel> {
        DirectoryServiceClient::new(self.channel(id).await)
    }

    /// Stops the hub (the database and data stay).
    pub async fn halt(&mut self) {
        if let Some(hub) = self.hub.take() {
            hub.stop().await.expect("clean stop");
        }
    }

    /// Starts the hub again on the same port, database and data.
    pub async fn resume(&mut self) {
        assert!(self.hub.is_none(), "halt first");
        self.hub = Some(
            start(self.args.clone(), Shutdown::new())
                .await
                .expect("hub restarts"),
        );
    }

    pub fn revoke(&self, label: &str) {
        self.pki
            .lock()
            .expect("pki lock")
            .revoke(label)
            .expect("revoke");
    }

    pub fn pki_dir(&self) -> PathBuf {
        self.dir.path().join("pki")
    }

    pub async fn stop(mut self) {
        if let Some(hub) = self.hub.take() {
            hub.stop().await.expect("clean stop");
        }
        if let Some(db) = self.db.take() {
            db.drop_db().await;
        }
    }
}

/// A document header from `from` to `to`, with attachments declared for `files`.
pub fn header(from: &str, to: &[&str], number: u32, files: &[(&str, &[u8])]) -> DocumentHeader {
    DocumentHeader {
        from: Some(Agency {
            code: from.into(),
            ..Default::default()
        }),
        to: to
            .iter()
            .map(|c| Agency {
                code: (*c).into(),
                ..Default::default()
            })
            .collect(),
        document_id: format!("{from},2026/11/26,{number}/UBND-TH"),
        subject: format!("Văn bản số {number} về triển khai Kế hoạch 61/KH-UBND"),
        attachments: files
            .iter()
            .map(|(name, data)| AttachmentInfo {
                name: (*name).into(),
                content_type: "application/pdf".into(),
                size: data.len() as u64,
                sha256: hex::encode(Sha256::digest(data)),
                description: String::new(),
            })
            .collect(),
        ..Default::default()
    }
}

/// Sends a header and the attachment bytes (in chunks of `chunk` bytes).
pub async fn send(
    client: &mut ExchangeServiceClient<TracedChannel>,
    header: DocumentHeader,
    files: &[&[u8]],
) -> Result<SendDocumentResponse, tonic::Status> {
    let mut msgs = vec![SendDocumentRequest {
        part: Some(Part::Header(header)),
    }];
    for (i, data) in files.iter().enumerate() {
        for piece in data.chunks(7000) {
            msgs.push(SendDocumentRequest {
                part: Some(Part::Chunk(AttachmentChunk {
                    attachment_index: i as u32,
                    data: piece.to_vec(),
                })),
            });
        }
    }
    client
        .send_document(tokio_stream::iter(msgs))
        .await
        .map(|r| r.into_inner())
}

/// Waits for a condition with a deadline, re-checking every 50 ms.
pub async fn eventually<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::time::Instant::now() < deadline {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Polls until `f` yields a value, with a deadline.
pub async fn poll_until<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
