//! Test support shared by every crate's tests (feature `testing`): a fresh database on SQLite
//! or PostgreSQL, a development PKI generated at run time, mTLS channels, free ports, and
//! `eventually` for conditions reached by background work.
//!
//! PostgreSQL is reached at `LIENTHONG_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432`);
//! each [`TestDb`] creates its own database and drops it afterwards, also when the test fails.
use std::{
    future::Future,
    path::{Path, PathBuf},
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use sqlx::{Connection, Executor};

use crate::{
    Identity,
    client::{TracedChannel, connect},
    config::ServerArgs,
    db::Backend,
    pki::DevCa,
    tls::TlsFiles,
};

/// The trust domain of the test PKIs.
pub const TRUST_DOMAIN: &str = "lienthong.test";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A name no other test (in this or a concurrent run) uses.
pub fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000_000,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn pg_admin_url() -> String {
    std::env::var("LIENTHONG_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_string())
}

/// Process-wide set-up every test needs once: the crypto provider, the W3C propagator, and
/// logs in the test's output (`RUST_LOG=info` shows the services' logs in a failing test).
pub fn init() {
    init_crypto_and_propagator();
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .try_init();
}

/// A database that exists for one test. Dropping it drops a PostgreSQL database, so that a
/// failing (panicking) test leaves nothing behind.
pub struct TestDb {
    pub backend: Backend,
    /// The URL to hand to the service; `None` for SQLite means "the default file in the data
    /// directory", which is what a user gets.
    pub url: Option<String>,
    pg_name: Option<String>,
}

impl TestDb {
    /// Creates the database. PostgreSQL must be reachable: a test on PostgreSQL fails rather
    /// than skips when it is not.
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => TestDb {
                backend,
                url: None,
                pg_name: None,
            },
            Backend::Postgres => {
                sqlx::any::install_default_drivers();
                let name = unique_name("lt_test");
                let admin = format!("{}/postgres", pg_admin_url());
                let mut conn = sqlx::AnyConnection::connect(&admin)
                    .await
                    .unwrap_or_else(|e| {
                        panic!("PostgreSQL at {admin} is required by the tests: {e}")
                    });
                conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .await
                    .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
                TestDb {
                    backend,
                    url: Some(format!("{}/{name}", pg_admin_url())),
                    pg_name: Some(name),
                }
            }
        }
    }

    /// Drops a PostgreSQL database now (best effort); dropping the value does the same.
    pub async fn drop_db(mut self) {
        if let Some(name) = self.pg_name.take() {
            drop_pg_database(&name).await;
        }
    }
}

async fn drop_pg_database(name: &str) {
    let admin = format!("{}/postgres", pg_admin_url());
    if let Ok(mut conn) = sqlx::AnyConnection::connect(&admin).await {
        let _ = conn
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .await;
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread of its own
        // with a small runtime does the work.
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(drop_pg_database(&name));
            }
        })
        .join();
    }
}

/// A development PKI in a temporary directory: one axis CA, certificates issued on first use.
pub struct TestPki {
    dir: tempfile::TempDir,
    ca: Mutex<DevCa>,
}

impl Default for TestPki {
    fn default() -> Self {
        Self::new()
    }
}

impl TestPki {
    pub fn new() -> Self {
        init();
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = DevCa::init(&dir.path().join("pki"), TRUST_DOMAIN).expect("pki init");
        TestPki {
            dir,
            ca: Mutex::new(ca),
        }
    }

    /// The temporary directory (the PKI is in `pki/`; services put their data beside it).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A fresh data directory for one service.
    pub fn data_dir(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("data-{name}"))
    }

    fn ca(&self) -> std::sync::MutexGuard<'_, DevCa> {
        self.ca.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The certificate files of an identity, issued on first use.
    pub fn files(&self, id: &Identity) -> TlsFiles {
        let mut ca = self.ca();
        let files = ca.files_for(id);
        if files.cert.exists() {
            files
        } else {
            ca.issue(id, &[]).expect("issue certificate")
        }
    }

    /// The files of an agency.
    pub fn agency(&self, code: &str) -> TlsFiles {
        self.files(&Identity::agency(code).expect("a well-formed agency code"))
    }

    /// Revokes an identity's certificate (the CRL file is rewritten).
    pub fn revoke(&self, id: &Identity) {
        self.ca().revoke(&crate::pki::label_of(id)).expect("revoke");
    }

    /// Server settings for a service with this identity, on `db` (a fresh data directory per
    /// `name`), with short reload and shutdown intervals for tests.
    pub fn server_args(&self, id: &Identity, name: &str, db: &TestDb) -> ServerArgs {
        let mut args = ServerArgs::new(self.files(id), self.data_dir(name));
        args.database_url = db.url.clone();
        args.db_pool_size = 5;
        args.trust_domain = TRUST_DOMAIN.into();
        args.shutdown_grace_secs = 2.0;
        args
    }
}

/// A free TCP port on the loopback interface (for services that must know each other's address
/// before they start).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// An mTLS channel to `url` with the given identity; panics if it cannot connect.
pub async fn channel(url: &str, files: &TlsFiles) -> TracedChannel {
    connect(url, files)
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"))
}

/// Polls `check` until it returns `Some`, for at most `timeout`; panics naming `what` otherwise.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("{what}: not reached within {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Installs a process-wide tracing subscriber that exports every span to memory, and returns the
/// exporter (read it with `get_finished_spans`) and the provider (`force_flush` before reading).
///
/// WARNING: process-wide. A test binary that calls this must hold that one test only, or it
/// captures (and is disturbed by) the spans of every other test in the process.
pub fn capture_spans() -> (
    opentelemetry_sdk::trace::InMemorySpanExporter,
    opentelemetry_sdk::trace::SdkTracerProvider,
) {
    use opentelemetry::trace::TracerProvider as _;
    use tracing_subscriber::layer::SubscriberExt;
    init_crypto_and_propagator();
    let exporter = opentelemetry_sdk::trace::InMemorySpanExporter::default();
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let subscriber =
        tracing_subscriber::registry().with(crate::telemetry::otel_layer(provider.tracer("test")));
    tracing::subscriber::set_global_default(subscriber)
        .expect("one global subscriber per test binary");
    (exporter, provider)
}

fn init_crypto_and_propagator() {
    crate::tls::install_crypto_provider();
    crate::telemetry::install_propagator();
}

/// Runs each listed `async fn name(backend: Backend)` as two tests, `sqlite::name` and
/// `postgres::name`, on a two-thread runtime.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::db::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::db::Backend::Postgres).await
                }
            )*
        }
    };
}

/// The points of the u64 gauge `metric` by the value of its attribute `key`, and the gauge's
/// unit, as last exported to `exporter` (the services' metric tests).
pub fn gauge_points(
    exporter: &opentelemetry_sdk::metrics::InMemoryMetricExporter,
    metric: &str,
    key: &str,
) -> (std::collections::BTreeMap<String, u64>, String) {
    use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
    let batches = exporter.get_finished_metrics().expect("metrics");
    let last = batches.last().expect("a batch");
    let found = last
        .scope_metrics()
        .flat_map(|s| s.metrics())
        .find(|m| m.name() == metric)
        .unwrap_or_else(|| panic!("the gauge {metric}"));
    let AggregatedMetrics::U64(MetricData::Gauge(g)) = found.data() else {
        panic!("{metric} is a u64 gauge");
    };
    let points = g
        .data_points()
        .map(|p| {
            let value = p
                .attributes()
                .find(|kv| kv.key.as_str() == key)
                .map(|kv| kv.value.to_string())
                .unwrap_or_else(|| panic!("{metric} has {key}"));
            (value, p.value())
        })
        .collect();
    (points, found.unit().to_string())
}
