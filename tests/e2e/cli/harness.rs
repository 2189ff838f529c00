//! The axis the CLI tests talk to (a hub, and the tasks and reporting services beside it, real
//! processes on SQLite) and the `lienthong` binary run against it as a script would: its exit
//! status, its stdout and its stderr.
use std::{
    path::{Path, PathBuf},
    process::Stdio,
    sync::{Arc, Mutex},
    time::Duration,
};

use lienthong_e2e::{Env, Service, bin};
use lienthong_platform::{
    Identity,
    db::Backend,
    testing::{TestDb, TestPki, free_port},
    tls::TlsFiles,
};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

/// A hub (H48), and with [`Axis::full`] the tasks and reporting services it feeds.
pub struct Axis {
    pub pki: TestPki,
    pub hub: Service,
    hub_env: Env,
    hub_port: u16,
    pub tasks: Option<Service>,
    tasks_env: Option<(Env, u16)>,
    pub reporting: Option<Service>,
    /// Kept so that the databases live as long as the scenario.
    _dbs: Vec<TestDb>,
}

/// The admin identity the harness checks readiness with (and the operator commands use).
pub fn admin() -> Identity {
    Identity::Admin("ops".into())
}

impl Axis {
    /// A standalone hub; `revoked` agencies have their certificates revoked before it starts.
    pub async fn hub(revoked: &[&str]) -> Axis {
        let pki = TestPki::new();
        for code in revoked {
            pki.agency(code);
            pki.revoke(&Identity::agency(code).expect("code"));
        }
        let db = TestDb::new(Backend::Sqlite).await;
        let port = free_port();
        let env = Env::hub(&pki, "H48", port, &pki.data_dir("hub"), &db);
        let mut hub = Service::start("lienthong-exchange", &env, port, &pki.dir().join("hub.log"));
        hub.wait_ready(&pki.files(&admin())).await;
        Axis {
            pki,
            hub,
            hub_env: env,
            hub_port: port,
            tasks: None,
            tasks_env: None,
            reporting: None,
            _dbs: vec![db],
        }
    }

    /// A hub feeding the tasks and reporting services.
    pub async fn full() -> Axis {
        let pki = TestPki::new();
        let dbs = [
            TestDb::new(Backend::Sqlite).await,
            TestDb::new(Backend::Sqlite).await,
            TestDb::new(Backend::Sqlite).await,
        ];
        let (hub_port, tasks_port, reporting_port) = (free_port(), free_port(), free_port());
        let service = |name: &str, var: &str, port: u16, db: &TestDb| {
            Env::service(
                &pki,
                &Identity::Service(name.into()),
                var,
                port,
                &pki.data_dir(name),
                db,
            )
        };
        let tasks_env = service("tasks", "LIENTHONG_TASKS_LISTEN", tasks_port, &dbs[1]);
        let reporting_env = service(
            "reporting",
            "LIENTHONG_REPORTING_LISTEN",
            reporting_port,
            &dbs[2],
        );
        let hub_env = Env::hub(&pki, "H48", hub_port, &pki.data_dir("hub"), &dbs[0])
            .set(
                "LIENTHONG_TASKS_ENDPOINT",
                format!("https://127.0.0.1:{tasks_port}"),
            )
            .set(
                "LIENTHONG_REPORTING_ENDPOINT",
                format!("https://127.0.0.1:{reporting_port}"),
            )
            .calling_as(&pki, &Identity::Service("exchange".into()));
        let admin_files = pki.files(&admin());
        let log = |name: &str| pki.dir().join(format!("{name}.log"));
        let mut tasks = Service::start("lienthong-tasks", &tasks_env, tasks_port, &log("tasks"));
        let mut reporting = Service::start(
            "lienthong-reporting",
            &reporting_env,
            reporting_port,
            &log("reporting"),
        );
        let mut hub = Service::start("lienthong-exchange", &hub_env, hub_port, &log("hub"));
        tasks.wait_ready(&admin_files).await;
        reporting.wait_ready(&admin_files).await;
        hub.wait_ready(&admin_files).await;
        Axis {
            pki,
            hub,
            hub_env,
            hub_port,
            tasks: Some(tasks),
            tasks_env: Some((tasks_env, tasks_port)),
            reporting: Some(reporting),
            _dbs: dbs.into(),
        }
    }

    /// SIGKILL: the hub gets no chance to clean up.
    pub fn kill_hub(&mut self) {
        self.hub.kill();
    }

    /// The same hub again on the same port, data and database.
    pub async fn restart_hub(&mut self) {
        self.hub = Service::start(
            "lienthong-exchange",
            &self.hub_env,
            self.hub_port,
            &self.pki.dir().join("hub.log"),
        );
        self.hub.wait_ready(&self.pki.files(&admin())).await;
    }

    /// SIGKILL of the tasks service, then the same service again.
    pub async fn restart_tasks(&mut self, down: std::time::Duration) {
        let (env, port) = self.tasks_env.clone().expect("a tasks service");
        if let Some(tasks) = self.tasks.as_mut() {
            tasks.kill();
        }
        tokio::time::sleep(down).await;
        let mut tasks = Service::start(
            "lienthong-tasks",
            &env,
            port,
            &self.pki.dir().join("tasks.log"),
        );
        tasks.wait_ready(&self.pki.files(&admin())).await;
        self.tasks = Some(tasks);
    }

    /// The PKI directory, for `--pki`.
    pub fn pki_dir(&self) -> PathBuf {
        self.pki.dir().join("pki")
    }

    /// The CLI against this axis; every identity it acts as must have a certificate
    /// (`cert_for`).
    pub fn cli(&self) -> Cli {
        Cli {
            pki: self.pki_dir(),
            endpoint: self.hub.url.clone(),
            tasks: self.tasks.as_ref().map(|s| s.url.clone()),
            reporting: self.reporting.as_ref().map(|s| s.url.clone()),
        }
    }

    /// Issues the certificates of these agencies (and the admin's).
    pub fn certs(&self, agencies: &[&str]) {
        for code in agencies {
            self.pki.agency(code);
        }
        self.pki.files(&admin());
    }

    pub fn files(&self, code: &str) -> TlsFiles {
        self.pki.agency(code)
    }
}

/// What one run of the CLI did.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// Stdout as exactly one JSON document (a second document or any trailing text fails).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON document ({e}); exit {}:\n{}\nstderr:\n{}",
                self.code, self.stdout, self.stderr
            )
        })
    }

    /// Stderr as exactly one JSON object (the failure of a `--json` run).
    pub fn error(&self) -> Value {
        let v: Value = serde_json::from_str(&self.stderr).unwrap_or_else(|e| {
            panic!(
                "stderr is not one JSON object ({e}); exit {}:\n{}",
                self.code, self.stderr
            )
        });
        assert!(v.is_object(), "{v}");
        assert!(v["code"].is_string(), "{v}");
        v
    }

    /// Panics unless the run succeeded; stdout as one JSON document.
    pub fn ok_json(&self) -> Value {
        assert_eq!(self.code, 0, "{self:?}");
        self.json()
    }
}

/// The `lienthong` binary with the axis's endpoints and PKI, and nothing from the environment.
pub struct Cli {
    pub pki: PathBuf,
    pub endpoint: String,
    pub tasks: Option<String>,
    pub reporting: Option<String>,
}

impl Cli {
    /// A command acting as `who` (an agency code or a label; empty for none).
    pub fn command(&self, who: &str, args: &[&str]) -> tokio::process::Command {
        let mut c = tokio::process::Command::new(bin("lienthong"));
        c.env_clear()
            .env("LIENTHONG_PKI", &self.pki)
            .env("LIENTHONG_ENDPOINT", &self.endpoint)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(url) = &self.tasks {
            c.env("LIENTHONG_TASKS_ENDPOINT", url);
        }
        if let Some(url) = &self.reporting {
            c.env("LIENTHONG_REPORTING_ENDPOINT", url);
        }
        if !who.is_empty() {
            c.env("LIENTHONG_AS", who);
        }
        c.args(args);
        c
    }

    /// Runs a command to its end (at most 60 s).
    pub async fn run(&self, who: &str, args: &[&str]) -> Out {
        let child = self.command(who, args).spawn().expect("spawn lienthong");
        let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("lienthong {args:?} did not end within 60 s"))
            .expect("lienthong output");
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `--json` and the arguments: stdout as one JSON document of a successful run.
    pub async fn json(&self, who: &str, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        self.run(who, &all).await.ok_json()
    }
}

/// A long-running CLI command (`--follow`, `tasks watch`): its stdout and stderr lines as they
/// come; Ctrl-C (SIGINT) ends it.
pub struct Stream {
    child: tokio::process::Child,
    pub stdout: Arc<Mutex<Vec<String>>>,
    pub stderr: Arc<Mutex<Vec<String>>>,
}

fn collect<R: tokio::io::AsyncRead + Unpin + Send + 'static>(r: R) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    tokio::spawn(async move {
        let mut reader = BufReader::new(r).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            sink.lock().expect("lines").push(line);
        }
    });
    lines
}

impl Stream {
    pub fn start(cli: &Cli, who: &str, args: &[&str]) -> Stream {
        let mut child = cli.command(who, args).spawn().expect("spawn lienthong");
        let stdout = collect(child.stdout.take().expect("stdout"));
        let stderr = collect(child.stderr.take().expect("stderr"));
        Stream {
            child,
            stdout,
            stderr,
        }
    }

    pub fn lines(&self) -> Vec<String> {
        self.stdout.lock().expect("lines").clone()
    }

    pub fn errors(&self) -> Vec<String> {
        self.stderr.lock().expect("lines").clone()
    }

    /// Waits until stdout has at least `n` lines (the command must still run).
    pub async fn wait_lines(&mut self, n: usize, what: &str) -> Vec<String> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let lines = self.lines();
            if lines.len() >= n {
                return lines;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "{what}: the command ended ({status}) after {} line(s); stderr:\n{}",
                    lines.len(),
                    self.errors().join("\n")
                );
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{what}: {} line(s) of {n} within 60 s; stderr:\n{}",
                lines.len(),
                self.errors().join("\n")
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until stderr has a line containing `text`.
    pub async fn wait_error(&self, text: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while !self.errors().iter().any(|l| l.contains(text)) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "no {text:?} on stderr within 60 s:\n{}",
                self.errors().join("\n")
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Ctrl-C: SIGINT, then the exit status (the command must end within 10 s).
    pub async fn interrupt(mut self) -> (i32, Vec<String>, Vec<String>) {
        let pid = self.child.id().expect("running").to_string();
        let status = std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill -INT");
        assert!(status.success(), "kill -INT {pid}");
        let status = tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .expect("the command ends within 10 s of Ctrl-C")
            .expect("wait");
        // Let the readers drain what was written before the exit.
        tokio::time::sleep(Duration::from_millis(200)).await;
        (status.code().unwrap_or(-1), self.lines(), self.errors())
    }
}

/// A file with `content` in `dir`.
pub fn file(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write file");
    path
}
