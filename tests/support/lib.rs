//! Support for the end-to-end tests: start the real binaries (built by `make test` before the
//! tests run) with a development PKI and a fresh database, over real mutual TLS.
use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use lienthong_platform::{
    Identity,
    client::{TracedChannel, connect},
    pki::DevCa,
    tls::TlsFiles,
};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

pub const TRUST_DOMAIN: &str = "lienthong.e2e";

/// The directory holding the workspace's binaries (`target/debug` for `cargo test`).
pub fn bin_dir() -> PathBuf {
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

pub fn bin(name: &str) -> PathBuf {
    let path = bin_dir().join(name);
    assert!(
        path.exists(),
        "{} is missing: build the binaries first (`cargo build --workspace --bins`, which `make test` does)",
        path.display()
    );
    path
}

/// A free TCP port on the loopback interface.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A development PKI in a temporary directory.
pub struct Pki {
    pub ca: DevCa,
}

impl Pki {
    pub fn new(dir: &Path) -> Self {
        lienthong_platform::tls::install_crypto_provider();
        Pki {
            ca: DevCa::init(dir, TRUST_DOMAIN).expect("pki"),
        }
    }

    pub fn files(&mut self, id: &Identity) -> TlsFiles {
        let files = self.ca.files_for(id);
        if files.cert.exists() {
            files
        } else {
            self.ca.issue(id, &[]).expect("issue")
        }
    }
}

/// A service process started from its binary.
pub struct Service {
    pub child: Child,
    pub url: String,
    pub log: PathBuf,
}

impl Service {
    /// Starts `binary` with the given environment; its output goes to `log`.
    pub fn start(binary: &str, env: &[(String, String)], port: u16, log: &Path) -> Self {
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("log file");
        let child = Command::new(bin(binary))
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
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

    /// Waits until the service answers SERVING on gRPC health over mTLS.
    pub async fn wait_ready(&mut self, files: &TlsFiles) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "the service exited with {status} before it was ready; log:\n{}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
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
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn channel(&self, files: &TlsFiles) -> TracedChannel {
        connect(&self.url, files).await.expect("connect")
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
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The environment that starts an exchange hub on `port` with its data in `data`.
pub fn hub_env(
    pki: &mut Pki,
    port: u16,
    data: &Path,
    database_url: Option<&str>,
) -> Vec<(String, String)> {
    hub_env_as(pki, "H48", port, data, database_url)
}

/// The environment of hub `hub_id` (its certificate is `hub/<hub_id>`).
pub fn hub_env_as(
    pki: &mut Pki,
    hub_id: &str,
    port: u16,
    data: &Path,
    database_url: Option<&str>,
) -> Vec<(String, String)> {
    let files = pki.files(&Identity::Hub(hub_id.into()));
    let mut env = vec![
        (
            "LIENTHONG_EXCHANGE_LISTEN".into(),
            format!("127.0.0.1:{port}"),
        ),
        ("LIENTHONG_DATA_DIR".into(), data.display().to_string()),
        (
            "LIENTHONG_TLS_CERT".into(),
            files.cert.display().to_string(),
        ),
        ("LIENTHONG_TLS_KEY".into(), files.key.display().to_string()),
        ("LIENTHONG_TLS_CA".into(), files.ca.display().to_string()),
        (
            "LIENTHONG_TLS_CRL".into(),
            files.crl.expect("crl").display().to_string(),
        ),
        ("LIENTHONG_TRUST_DOMAIN".into(), TRUST_DOMAIN.into()),
        ("LIENTHONG_HUB_ID".into(), hub_id.into()),
        // Retries come quickly in tests; the back-off still doubles.
        ("LIENTHONG_SHUTDOWN_GRACE_SECS".into(), "2".into()),
    ];
    if let Some(url) = database_url {
        env.push(("LIENTHONG_DATABASE_URL".into(), url.into()));
    }
    env
}
