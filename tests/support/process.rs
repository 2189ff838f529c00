//! Real service processes: their binaries, their environment, start, readiness, SIGKILL, SIGTERM.
use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, SystemTime},
};

use lienthong_platform::{
    Identity,
    client::{TracedChannel, connect},
    db::Backend,
    testing::{TRUST_DOMAIN, TestDb, TestPki, free_port},
    tls::TlsFiles,
};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The directory holding the workspace's binaries (`target/debug` for `cargo test`).
fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("LIENTHONG_BIN_DIR") {
        return PathBuf::from(dir);
    }
    // target/debug/deps/e2e-<hash> → target/debug
    let exe = std::env::current_exe().expect("current exe");
    exe.parent()
        .and_then(Path::parent)
        .expect("target directory")
        .to_path_buf()
}

/// The source directories a binary is built from.
fn sources_of(binary: &str) -> Vec<PathBuf> {
    let root = workspace();
    let own = match binary {
        "lienthong-exchange" => "services/exchange",
        "lienthong-tasks" => "services/tasks",
        "lienthong-reporting" => "services/reporting",
        "lienthong" => "crates/cli",
        other => panic!("unknown binary {other}"),
    };
    let mut dirs = vec![
        root.join(own).join("src"),
        root.join(own).join("migrations"),
        root.join(own).join("seed"),
        root.join("crates/platform/src"),
        root.join("crates/axis/src"),
        root.join("crates/api/src"),
        root.join("proto"),
    ];
    dirs.retain(|d| d.exists());
    dirs
}

fn newest(path: &Path, best: &mut (SystemTime, PathBuf)) {
    let Ok(meta) = std::fs::metadata(path) else {
        return;
    };
    if meta.is_dir() {
        for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
            newest(&entry.path(), best);
        }
    } else if let Ok(modified) = meta.modified()
        && modified > best.0
    {
        *best = (modified, path.to_path_buf());
    }
}

/// The path of a workspace binary, refusing a missing or stale one: a test of yesterday's binary
/// proves nothing about today's code.
pub fn bin(name: &str) -> PathBuf {
    let path = bin_dir().join(name);
    let built = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| {
            panic!(
                "{} is missing: build the binaries first (`cargo build --workspace --bins`, \
                 which `make test` does)",
                path.display()
            )
        });
    let mut latest = (SystemTime::UNIX_EPOCH, PathBuf::new());
    for dir in sources_of(name) {
        newest(&dir, &mut latest);
    }
    assert!(
        latest.0 <= built,
        "{} is older than {}: rebuild the binaries (`cargo build --workspace --bins`, which \
         `make test` does) before running the end-to-end tests",
        path.display(),
        latest.1.display()
    );
    path
}

/// The environment of one service process.
#[derive(Clone, Debug, Default)]
pub struct Env(Vec<(String, String)>);

impl Env {
    /// A service with identity `id` listening on `port` (through `listen_var`), its data in
    /// `data` and its database `db`.
    pub fn service(
        pki: &TestPki,
        id: &Identity,
        listen_var: &str,
        port: u16,
        data: &Path,
        db: &TestDb,
    ) -> Env {
        let files = pki.files(id);
        let mut env = Env::default()
            .set(listen_var, format!("127.0.0.1:{port}"))
            .set("LIENTHONG_DATA_DIR", data.display())
            .set("LIENTHONG_TLS_CERT", files.cert.display())
            .set("LIENTHONG_TLS_KEY", files.key.display())
            .set("LIENTHONG_TLS_CA", files.ca.display())
            .set(
                "LIENTHONG_TLS_CRL",
                files.crl.expect("the test PKI has a CRL").display(),
            )
            .set("LIENTHONG_TRUST_DOMAIN", TRUST_DOMAIN)
            .set("LIENTHONG_SHUTDOWN_GRACE_SECS", "2");
        if let Some(url) = &db.url {
            env = env.set("LIENTHONG_DATABASE_URL", url);
        }
        env
    }

    /// Hub `hub_id` (certificate `hub/<hub_id>`), a standalone hub unless a role is set.
    pub fn hub(pki: &TestPki, hub_id: &str, port: u16, data: &Path, db: &TestDb) -> Env {
        Env::service(
            pki,
            &Identity::Hub(hub_id.into()),
            "LIENTHONG_EXCHANGE_LISTEN",
            port,
            data,
            db,
        )
        .set("LIENTHONG_HUB_ID", hub_id)
    }

    /// Sets a variable.
    pub fn set(mut self, key: &str, value: impl std::fmt::Display) -> Env {
        self.0.retain(|(k, _)| k != key);
        self.0.push((key.to_string(), value.to_string()));
        self
    }

    /// The identity the service presents when it calls other services.
    pub fn calling_as(self, pki: &TestPki, id: &Identity) -> Env {
        let files = pki.files(id);
        self.set("LIENTHONG_CLIENT_CERT", files.cert.display())
            .set("LIENTHONG_CLIENT_KEY", files.key.display())
    }
}

/// A hub (H48) and a service beside it (`tasks` or `reporting`), each on its own fresh
/// database, the hub calling the service as `service/exchange`: their environments and ports.
pub struct HubBeside {
    pub hub: Env,
    pub hub_port: u16,
    pub service: Env,
    pub service_port: u16,
    /// Kept so that the databases live as long as the scenario (dropped afterwards).
    pub dbs: (TestDb, TestDb),
}

impl HubBeside {
    pub async fn new(pki: &TestPki, backend: Backend, service: &str) -> HubBeside {
        let upper = service.to_uppercase();
        let dbs = (TestDb::new(backend).await, TestDb::new(backend).await);
        let (hub_port, service_port) = (free_port(), free_port());
        let service_env = Env::service(
            pki,
            &Identity::Service(service.into()),
            &format!("LIENTHONG_{upper}_LISTEN"),
            service_port,
            &pki.data_dir(service),
            &dbs.1,
        );
        let hub = Env::hub(pki, "H48", hub_port, &pki.data_dir("hub"), &dbs.0)
            .set(
                &format!("LIENTHONG_{upper}_ENDPOINT"),
                format!("https://127.0.0.1:{service_port}"),
            )
            .calling_as(pki, &Identity::Service("exchange".into()));
        HubBeside {
            hub,
            hub_port,
            service: service_env,
            service_port,
            dbs,
        }
    }
}

/// A service process started from its binary.
pub struct Service {
    child: Child,
    pub url: String,
    pub log: PathBuf,
}

impl Service {
    /// Starts `binary` with `env`; its output goes to `log` (appended across restarts).
    pub fn start(binary: &str, env: &Env, port: u16, log: &Path) -> Self {
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("log file");
        let child = Command::new(bin(binary))
            .envs(env.0.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log"))
            .stderr(out)
            .spawn()
            .expect("spawn service");
        Service {
            child,
            url: format!("https://127.0.0.1:{port}"),
            log: log.to_path_buf(),
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until the service answers SERVING on gRPC health over mTLS.
    pub async fn wait_ready(&mut self, files: &TlsFiles) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "the service exited with {status} before it was ready; log:\n{}",
                    self.log_text()
                );
            }
            if let Ok(ch) = connect(&self.url, files).await {
                let ok = HealthClient::new(ch)
                    .check(HealthCheckRequest {
                        service: String::new(),
                    })
                    .await
                    .map(|r| r.into_inner().status() == ServingStatus::Serving)
                    .unwrap_or(false);
                if ok {
                    return;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the service was not ready in 30 s; log:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn channel(&self, files: &TlsFiles) -> TracedChannel {
        lienthong_platform::testing::channel(&self.url, files).await
    }

    /// SIGKILL: the process gets no chance to clean up.
    pub fn kill(&mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("reap");
    }

    /// SIGTERM, then waits for the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let status = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill -TERM");
        assert!(status.success(), "kill -TERM {pid}");
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no exit within 30 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGTERM, and the process must exit successfully.
    pub fn stop(&mut self) {
        let status = self.terminate();
        assert!(
            status.success(),
            "exit status {status}; log:\n{}",
            self.log_text()
        );
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
