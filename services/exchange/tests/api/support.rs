//! A hub per test: in-process, on port 0, real mutual TLS with a PKI generated at run time, a
//! fresh SQLite file or PostgreSQL database, and a manual clock (shared by the hubs of an axis)
//! so that times are known without waiting.
//!
//! Also compiled into the `trace` and `metrics` test binaries (`#[path]`), so it depends on no
//! other module of `api`.
use std::{sync::Arc, time::Duration};

use lienthong_api::exchange::v1::{
    AcknowledgeDocumentRequest, Agency, AttachmentChunk, AttachmentInfo, BusinessStatus,
    DocumentHeader, FetchDocumentRequest, ListPendingRequest, ReportStatusRequest,
    SendDocumentRequest, SendDocumentResponse, directory_service_client::DirectoryServiceClient,
    exchange_service_client::ExchangeServiceClient, fetch_document_response,
    hub_admin_service_client::HubAdminServiceClient, inbox_item::Payload,
    send_document_request::Part,
};
use lienthong_axis::{ManualClock, local};
use lienthong_exchange::{
    app::Exchange,
    service::{ExchangeArgs, RunningHub, start_with_clock},
};
use lienthong_platform::{
    Identity,
    client::TracedChannel,
    db::Backend,
    shutdown::Shutdown,
    testing::{self, TestDb, TestPki},
    tls::TlsFiles,
};
use sha2::{Digest, Sha256};
use time::{Date, macros::date};
use tokio_stream::StreamExt;

pub use lienthong_platform::testing::{TRUST_DOMAIN, eventually, free_port};

pub const H48: &str = "000.00.00.H48";
pub const G22: &str = "000.00.00.G22";
pub const STTTT: &str = "000.00.12.H48";
pub const SCT: &str = "000.00.09.H48";

/// The day the tests happen (the hubs' clocks start at its noon; DocumentIds carry it).
pub const TODAY: Date = date!(2026 - 11 - 26);

/// How long background work (pushes, relays, reloads) may take in a test.
pub const PATIENCE: Duration = Duration::from_secs(20);

pub struct TestHub {
    pub hub: Option<RunningHub>,
    pub pki: Arc<TestPki>,
    pub clock: Arc<ManualClock>,
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
    /// Share the PKI (one axis CA for every hub) and the clock of another hub.
    pub shared: Option<(Arc<TestPki>, Arc<ManualClock>)>,
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

pub async fn spawn_hub(backend: Backend) -> TestHub {
    spawn_hub_with(backend, Options::default()).await
}

pub async fn spawn_hub_with(backend: Backend, options: Options) -> TestHub {
    let (pki, clock) = options.shared.unwrap_or_else(|| {
        let clock = ManualClock::new(local::local_noon(TODAY));
        (Arc::new(TestPki::new()), Arc::new(clock))
    });
    let db = TestDb::new(backend).await;
    let id = Identity::Hub(options.hub_id.clone());
    let mut server = pki.server_args(&id, &options.hub_id, &db);
    server.tls_reload_secs = options.tls_reload_secs;
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
    let hub = start_with_clock(args.clone(), Shutdown::new(), clock.clone())
        .await
        .expect("hub starts");
    let url = format!("https://127.0.0.1:{}", hub.addr.port());
    TestHub {
        hub: Some(hub),
        pki,
        clock,
        db: Some(db),
        url,
        args,
    }
}

/// Three hubs on one axis CA and one clock: national (serving ministries such as G22), H48
/// (Quảng Ngãi) and H41 (Nghệ An).
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
    let shared = || Some((national.pki.clone(), national.clock.clone()));
    let provincial = |hub_id: &str, port| Options {
        hub_id: hub_id.into(),
        role: "provincial".into(),
        national_endpoint: Some(national_url.clone()),
        port,
        shared: shared(),
        ..Options::default()
    };
    let h48 = spawn_hub_with(backend, provincial("H48", p48)).await;
    let h41 = spawn_hub_with(backend, provincial("H41", p41)).await;
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
        self.pki.files(id)
    }

    pub async fn channel(&self, id: &Identity) -> TracedChannel {
        testing::channel(&self.url, &self.files(id)).await
    }

    pub async fn agency(&self, code: &str) -> ExchangeServiceClient<TracedChannel> {
        ExchangeServiceClient::new(self.channel(&agency_id(code)).await)
    }

    pub async fn directory(&self, id: &Identity) -> DirectoryServiceClient<TracedChannel> {
        DirectoryServiceClient::new(self.channel(id).await)
    }

    pub async fn admin(&self) -> HubAdminServiceClient<TracedChannel> {
        HubAdminServiceClient::new(self.channel(&Identity::Admin("ops".into())).await)
    }

    /// The running hub's state (its use cases).
    pub fn app(&self) -> &Arc<Exchange> {
        self.hub.as_ref().expect("the hub is running").app()
    }

    /// Stops the hub (the database and data stay).
    pub async fn halt(&mut self) {
        if let Some(hub) = self.hub.take() {
            hub.stop().await.expect("clean stop");
        }
    }

    /// Starts the hub again on the same port, database, data and clock.
    pub async fn resume(&mut self) {
        assert!(self.hub.is_none(), "halt first");
        let hub = start_with_clock(self.args.clone(), Shutdown::new(), self.clock.clone())
            .await
            .expect("hub restarts");
        self.hub = Some(hub);
    }

    pub async fn stop(mut self) {
        self.halt().await;
        if let Some(db) = self.db.take() {
            db.drop_db().await;
        }
    }
}

pub fn agency_id(code: &str) -> Identity {
    Identity::agency(code).expect("a well-formed agency code")
}

/// A document header from `from` to `to`, with attachments declared for `files`.
pub fn header(from: &str, to: &[&str], number: u32, files: &[(&str, &[u8])]) -> DocumentHeader {
    let agency = |code: &str| Agency {
        code: code.into(),
        ..Default::default()
    };
    DocumentHeader {
        sender: Some(agency(from)),
        recipients: to.iter().map(|c| agency(c)).collect(),
        document_id: format!(
            "{from},{},{number}/UBND-TH",
            local::format_slash_date(TODAY)
        ),
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

/// Sends a header and the attachment bytes (in chunks of 7000 bytes).
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

/// The call failed with `code` and the stable `reason` (its ErrorInfo); returns the status.
#[track_caller]
pub fn refused<T: std::fmt::Debug>(
    r: Result<T, tonic::Status>,
    code: tonic::Code,
    reason: &str,
) -> tonic::Status {
    let status = r.expect_err("the call must fail");
    assert_eq!(status.code(), code, "{}", status.message());
    assert_eq!(
        lienthong_platform::error::reason_of(&status).as_deref(),
        Some(reason),
        "{}",
        status.message()
    );
    status
}

/// The PreconditionFailure of a refusal is about `subject`.
#[track_caller]
pub fn precondition_about(status: &tonic::Status, subject: &str) {
    use tonic_types::StatusExt;
    let details = status.get_error_details();
    let failure = details
        .precondition_failure()
        .expect("a PreconditionFailure");
    assert_eq!(failure.violations[0].subject, subject);
    assert_eq!(
        Some(failure.violations[0].r#type.clone()),
        lienthong_platform::error::reason_of(status)
    );
    let info = details.error_info().expect("ErrorInfo");
    assert_eq!(info.domain, "exchange.lienthong");
}

/// The fields a refusal's BadRequest names, in order.
pub fn violated_fields(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    status
        .get_error_details()
        .bad_request()
        .map(|b| b.field_violations.iter().map(|v| v.field.clone()).collect())
        .unwrap_or_default()
}

/// A document's header and attachments' bytes.
pub async fn fetch_all(
    client: &mut ExchangeServiceClient<TracedChannel>,
    document_id: &str,
) -> Result<(DocumentHeader, Vec<Vec<u8>>), tonic::Status> {
    let mut stream = client
        .fetch_document(FetchDocumentRequest {
            document_id: document_id.into(),
            include_content: true,
        })
        .await?
        .into_inner();
    let mut header = None;
    let mut files: Vec<Vec<u8>> = Vec::new();
    while let Some(msg) = stream.next().await {
        match msg?.part.expect("part") {
            fetch_document_response::Part::Header(h) => {
                files = vec![Vec::new(); h.attachments.len()];
                header = Some(h);
            }
            fetch_document_response::Part::Chunk(c) => {
                files[c.attachment_index as usize].extend_from_slice(&c.data)
            }
        }
    }
    Ok((header.expect("header first"), files))
}

pub async fn report(
    client: &mut ExchangeServiceClient<TracedChannel>,
    document_id: &str,
    status: BusinessStatus,
    description: &str,
) -> Result<(), tonic::Status> {
    report_raw(client, document_id, status as i32, description).await
}

/// A report whose `status` field carries any number (also one that is no business status).
pub async fn report_raw(
    client: &mut ExchangeServiceClient<TracedChannel>,
    document_id: &str,
    status: i32,
    description: &str,
) -> Result<(), tonic::Status> {
    client
        .report_status(ReportStatusRequest {
            document_id: document_id.into(),
            status,
            description: description.into(),
            staff_info: String::new(),
            request_id: String::new(),
        })
        .await
        .map(|_| ())
}

pub async fn ack(client: &mut ExchangeServiceClient<TracedChannel>, document_id: &str) -> bool {
    client
        .acknowledge_document(AcknowledgeDocumentRequest {
            document_id: document_id.into(),
        })
        .await
        .expect("ack")
        .into_inner()
        .newly_acknowledged
}

async fn pending(client: &mut ExchangeServiceClient<TracedChannel>) -> Vec<Payload> {
    client
        .list_pending(ListPendingRequest {
            page_size: 1000,
            ..Default::default()
        })
        .await
        .expect("pending")
        .into_inner()
        .items
        .into_iter()
        .filter_map(|i| i.payload)
        .collect()
}

/// The documents waiting in an agency's inbox.
pub async fn documents_in(
    client: &mut ExchangeServiceClient<TracedChannel>,
) -> Vec<DocumentHeader> {
    pending(client)
        .await
        .into_iter()
        .filter_map(|p| match p {
            Payload::Document(d) => Some(d),
            Payload::Status(_) => None,
        })
        .collect()
}

/// The status messages waiting in an agency's inbox, as (reporter, status).
pub async fn statuses_in(
    client: &mut ExchangeServiceClient<TracedChannel>,
) -> Vec<(String, BusinessStatus)> {
    pending(client)
        .await
        .into_iter()
        .filter_map(|p| match p {
            Payload::Status(s) => Some((s.reporter.clone(), s.status())),
            Payload::Document(_) => None,
        })
        .collect()
}

/// Waits until at least `n` documents are in an agency's inbox; returns them all.
pub async fn wait_for_documents(
    client: &ExchangeServiceClient<TracedChannel>,
    n: usize,
) -> Vec<DocumentHeader> {
    eventually(&format!("{n} documents in the inbox"), PATIENCE, || {
        let mut c = client.clone();
        async move {
            let docs = documents_in(&mut c).await;
            (docs.len() >= n).then_some(docs)
        }
    })
    .await
}

/// (indicator, agency, value) of a day's figures, sorted.
pub async fn figures(hub: &TestHub, day: time::Date) -> Vec<(String, String, u64)> {
    let mut v: Vec<(String, String, u64)> = hub
        .app()
        .day_figures(day)
        .await
        .expect("figures")
        .into_iter()
        .map(|s| (s.indicator_code, s.agency_code, s.value as u64))
        .collect();
    v.sort();
    v
}

/// A hub like [`spawn_hub_with`], with its arguments changed by `tweak` before it starts (limits,
/// timeouts, the database URL, …).
pub async fn spawn_hub_tweaked(
    backend: Backend,
    options: Options,
    tweak: impl FnOnce(&mut ExchangeArgs),
) -> TestHub {
    let (pki, clock) = options.shared.unwrap_or_else(|| {
        let clock = ManualClock::new(local::local_noon(TODAY));
        (Arc::new(TestPki::new()), Arc::new(clock))
    });
    let db = TestDb::new(backend).await;
    let id = Identity::Hub(options.hub_id.clone());
    let mut server = pki.server_args(&id, &options.hub_id, &db);
    server.tls_reload_secs = options.tls_reload_secs;
    let mut args = ExchangeArgs {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], options.port)),
        hub_id: options.hub_id,
        role: options.role,
        national_endpoint: options.national_endpoint,
        routes: options.routes,
        max_attachment_bytes: options.max_attachment_bytes,
        max_attachments: 10,
        ..ExchangeArgs::new(server)
    };
    tweak(&mut args);
    let hub = start_with_clock(args.clone(), Shutdown::new(), clock.clone())
        .await
        .expect("hub starts");
    let url = format!("https://127.0.0.1:{}", hub.addr.port());
    TestHub {
        hub: Some(hub),
        pki,
        clock,
        db: Some(db),
        url,
        args,
    }
}

impl TestHub {
    /// The hub's data directory (its SQLite database, its blobs).
    pub fn data_dir(&self) -> std::path::PathBuf {
        self.args.server.data_dir.clone()
    }

    /// The port the hub listens on.
    pub fn port(&self) -> u16 {
        self.hub.as_ref().expect("the hub is running").addr.port()
    }
}
