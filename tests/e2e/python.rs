//! A client outside Rust (issue 9): the Python client of `tests/python/client.py`, its stubs
//! generated from `proto/` by grpcio-tools when it runs, plays a whole exchange through a real
//! hub over mTLS — send, subscribe, fetch, acknowledge, report 03, the sender's view, a refusal
//! read back with its `google.rpc` details — and the hub is then asked from Rust whether the
//! document and its status are really there.
//!
//! The interpreter is `LIENTHONG_PYTHON` (set by `make test`), else `target/pyenv/bin/python`
//! (created by `make pyenv`); without either the test fails, it does not skip.
use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use lienthong_api::exchange::v1::{
    BusinessStatus, DocumentHeader, FetchDocumentRequest, GetSentDocumentRequest, InboxItem,
    ListPendingRequest, TransportState, exchange_service_client::ExchangeServiceClient,
    fetch_document_response::Part,
};
use lienthong_e2e::{Env, Service, attachment, sha256_hex};
use lienthong_platform::{
    Identity,
    client::TracedChannel,
    db::Backend,
    testing::{TestDb, TestPki, free_port},
    tls::TlsFiles,
};
use tokio_stream::StreamExt;

use crate::{SCT, STTTT};

/// The subject of the document the client sends.
const SUBJECT: &str = "Công văn gửi từ client Python";

/// What the client prints, step by step, when the exchange passes.
const STEPS: [&str; 9] = [
    "step generate:",
    "step connect:",
    "step send:",
    "step receive:",
    "step fetch:",
    "step acknowledge:",
    "step report:",
    "step statuses:",
    "step view:",
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The Python interpreter with grpcio and grpcio-tools: `LIENTHONG_PYTHON`, else the virtual
/// environment `make pyenv` creates.
fn python() -> PathBuf {
    let from_env = std::env::var_os("LIENTHONG_PYTHON").map(PathBuf::from);
    let path = from_env
        .clone()
        .unwrap_or_else(|| workspace().join("target/pyenv/bin/python"));
    assert!(
        path.exists(),
        "no Python interpreter for the cross-language client test at {} ({}): run `make pyenv` \
         (which `make test` does) to create target/pyenv with tests/python/requirements.txt",
        path.display(),
        if from_env.is_some() {
            "LIENTHONG_PYTHON"
        } else {
            "LIENTHONG_PYTHON is unset, the default"
        }
    );
    path
}

/// Runs the client to its end (at most two minutes); returns its exit success, stdout, stderr.
fn run_client(python: &Path, args: &[String], dir: &Path) -> (bool, String, String) {
    let (out, err) = (dir.join("python.out"), dir.join("python.err"));
    let mut child = Command::new(python)
        .arg(workspace().join("tests/python/client.py"))
        .args(args)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).expect("stdout file"))
        .stderr(std::fs::File::create(&err).expect("stderr file"))
        .spawn()
        .expect("start the Python client");
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the Python client") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the Python client did not finish within 120 s; output:\n{}",
                std::fs::read_to_string(&out).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    (status.success(), read(&out), read(&err))
}

/// The client's arguments: the hub, the CA, and the two agencies' codes and PEM files.
fn client_args(
    port: u16,
    (a, a_files): (&str, &TlsFiles),
    (b, b_files): (&str, &TlsFiles),
    id: &str,
) -> Vec<String> {
    let path = |p: &Path| p.display().to_string();
    [
        ("--hub", format!("127.0.0.1:{port}")),
        ("--server-name", "localhost".into()),
        ("--ca", path(&a_files.ca)),
        ("--sender", a.into()),
        ("--sender-cert", path(&a_files.cert)),
        ("--sender-key", path(&a_files.key)),
        ("--recipient", b.into()),
        ("--recipient-cert", path(&b_files.cert)),
        ("--recipient-key", path(&b_files.key)),
        ("--document-id", id.into()),
        ("--subject", SUBJECT.into()),
    ]
    .into_iter()
    .flat_map(|(k, v)| [k.to_string(), v])
    .collect()
}

async fn python_client_exchanges_through_a_hub(backend: Backend) {
    let python = python();
    let pki = TestPki::new();
    let db = TestDb::new(backend).await;
    let port = free_port();
    let env = Env::hub(&pki, "H48", port, &pki.data_dir("hub"), &db);
    let mut hub = Service::start("lienthong-exchange", &env, port, &pki.dir().join("hub.log"));
    hub.wait_ready(&pki.files(&Identity::Admin("ops".into())))
        .await;
    let (a_files, b_files) = (pki.agency(STTTT), pki.agency(SCT));
    let id = format!("{STTTT},2026/11/26,4242/PY-LT");

    let args = client_args(port, (STTTT, &a_files), (SCT, &b_files), &id);
    let dir = pki.dir().to_path_buf();
    let (ok, out, err) = tokio::task::spawn_blocking(move || run_client(&python, &args, &dir))
        .await
        .expect("client runner");
    assert!(
        ok,
        "the Python client failed (if a module is missing: run `make pyenv`, or install \
         tests/python/requirements.txt into LIENTHONG_PYTHON's environment)\nstdout:\n{out}\n\
         stderr:\n{err}\nhub log:\n{}",
        std::fs::read_to_string(&hub.log).unwrap_or_default()
    );
    println!("the Python client's transcript:\n{out}");
    for step in STEPS {
        assert!(
            out.contains(step),
            "no {step:?} in the client's output:\n{out}"
        );
    }
    let refusal = out
        .lines()
        .find(|l| l.starts_with("step refusal:"))
        .unwrap_or_else(|| panic!("no refusal step in the client's output:\n{out}"));
    assert!(
        refusal.contains("INVALID_ARGUMENT") && refusal.contains("INVALID_FIELD"),
        "{refusal}"
    );
    assert!(
        out.contains("ok: the Python client's exchange passed"),
        "{out}"
    );

    check_at_hub(&hub, (&a_files, &b_files), &id).await;
    hub.stop();
}

/// The hub, asked from Rust: the document, its attachment and its 03 are really there, and both
/// inboxes are empty (the client acknowledged the document and confirmed the statuses).
async fn check_at_hub(hub: &Service, (a_files, b_files): (&TlsFiles, &TlsFiles), id: &str) {
    let mut sender = ExchangeServiceClient::new(hub.channel(a_files).await);
    let view = sender
        .get_sent_document(GetSentDocumentRequest {
            document_id: id.into(),
        })
        .await
        .expect("the sender's view")
        .into_inner()
        .document
        .expect("a view");
    assert_eq!(view.subject, SUBJECT);
    let [leg] = &view.recipients[..] else {
        panic!("one recipient: {view:?}")
    };
    assert_eq!(leg.agency_code, SCT);
    assert_eq!(leg.transport_state, TransportState::Acknowledged as i32);
    assert_eq!(leg.current_status, BusinessStatus::Accepted as i32);
    let history: Vec<i32> = leg.statuses.iter().map(|s| s.status).collect();
    assert_eq!(
        history,
        [
            BusinessStatus::Arrived as i32,
            BusinessStatus::Accepted as i32
        ]
    );
    assert!(leg.statuses.iter().all(|s| s.reporter == SCT), "{view:?}");
    let left = pending(&mut sender).await;
    assert!(
        left.is_empty(),
        "the client confirmed the statuses: {left:?}"
    );

    let mut recipient = ExchangeServiceClient::new(hub.channel(b_files).await);
    let left = pending(&mut recipient).await;
    assert!(
        left.is_empty(),
        "the client acknowledged the document: {left:?}"
    );
    let declared = header_of(&mut recipient, id).await;
    assert_eq!(
        declared.sender.as_ref().map(|a| a.code.as_str()),
        Some(STTTT)
    );
    let info = &declared.attachments[0];
    let bytes = attachment(&mut recipient, id).await;
    assert_eq!(bytes.len() as u64, info.size);
    assert_eq!(
        sha256_hex(&bytes),
        info.sha256,
        "the bytes the Python client sent"
    );
}

/// The items of the caller's inbox.
async fn pending(client: &mut ExchangeServiceClient<TracedChannel>) -> Vec<InboxItem> {
    client
        .list_pending(ListPendingRequest::default())
        .await
        .expect("an inbox")
        .into_inner()
        .items
}

/// The header of a document, fetched without its content.
async fn header_of(client: &mut ExchangeServiceClient<TracedChannel>, id: &str) -> DocumentHeader {
    let mut stream = client
        .fetch_document(FetchDocumentRequest {
            document_id: id.into(),
            include_content: false,
        })
        .await
        .expect("fetch")
        .into_inner();
    while let Some(msg) = stream.next().await {
        if let Some(Part::Header(h)) = msg.expect("message").part {
            return h;
        }
    }
    panic!("no header for {id}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_on_sqlite() {
    python_client_exchanges_through_a_hub(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_on_postgres() {
    python_client_exchanges_through_a_hub(Backend::Postgres).await
}
