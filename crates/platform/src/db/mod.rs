//! Database access through sqlx's `Any` driver: SQLite (the embedded default, one file per
//! service under the data directory) or PostgreSQL when the URL is `postgres://`. One set of
//! migrations per service, valid on both: integer and text columns only, times as integer
//! microseconds since the Unix epoch, `$1` placeholders.
//!
//! Writes can go through the group-commit writer ([`Db::begin_write`], module `group`): many
//! callers' use cases, each in a savepoint, share one database transaction and one sync.
use std::{path::Path, str::FromStr, time::Duration};

use sqlx::{
    AnyPool, Executor,
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
};
use thiserror::Error;

mod group;

pub use group::{GroupStats, WriteTx};

#[derive(Debug, Error)]
pub enum DbError {
    #[error("database URL {0:?} is neither sqlite:// nor postgres://")]
    UnsupportedUrl(String),
    #[error("cannot create the data directory {0}: {1}")]
    DataDir(String, std::io::Error),
    #[error("cannot connect to the database: {0}")]
    Connect(sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Which database a pool talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// The default database of a service: `<data_dir>/<service>.db`.
pub fn sqlite_url_in(data_dir: &Path, service: &str) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        data_dir.join(format!("{service}.db")).display()
    )
}

/// Opens the pool and brings the schema up to date.
pub async fn connect(
    url: &str,
    migrator: &Migrator,
    pg_pool_size: u32,
) -> Result<AnyPool, DbError> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of_url(url).ok_or_else(|| DbError::UnsupportedUrl(url.to_string()))?;
    if backend == Backend::Sqlite
        && let Some(path) = url
            .strip_prefix("sqlite://")
            .map(|p| p.split('?').next().unwrap_or(p))
            .filter(|p| !p.is_empty() && *p != ":memory:")
        && let Some(parent) = Path::new(path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| DbError::DataDir(parent.display().to_string(), e))?;
    }
    let options = AnyConnectOptions::from_str(url).map_err(DbError::Connect)?;
    let pool = match backend {
        // WARNING: one connection. SQLite allows one writer at a time, and a deferred
        // transaction that reads before it writes fails with SQLITE_BUSY instead of waiting;
        // a single connection serializes the hub's short transactions instead. Use PostgreSQL
        // for production load.
        Backend::Sqlite => AnyPoolOptions::new()
            .max_connections(1)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    // FULL: an acknowledged write is on disk before the call returns.
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                    )
                    .await?;
                    Ok(())
                })
            }),
        Backend::Postgres => AnyPoolOptions::new().max_connections(pg_pool_size.max(2)),
    }
    .acquire_timeout(Duration::from_secs(10))
    .connect_with(options)
    .await
    .map_err(DbError::Connect)?;
    migrator.run(&pool).await?;
    Ok(pool)
}

/// A service's database: the pool, and what the service knows of its health.
///
/// While the database is known to be down (the last attempt to reach it failed, and the health
/// watcher's probe has not seen it back), calls fail at once with UNAVAILABLE instead of each
/// waiting out the pool's acquire timeout: clients hear "retry later" within a second and the
/// service does not pile up waiting calls. Any success, or the watcher's next good probe
/// (every two seconds), lets calls through again.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    down: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// The group-commit writer ([`Db::begin_write`]), shared by the clones.
    writer: std::sync::Arc<group::Writer>,
}

impl Db {
    pub fn new(pool: AnyPool) -> Self {
        Db {
            writer: std::sync::Arc::new(group::Writer::new(pool.clone())),
            pool,
            down: Default::default(),
        }
    }

    /// The pool (for what does not go through [`Db::acquire`] / [`Db::begin`]).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Whether the database is known to be down.
    pub fn is_down(&self) -> bool {
        self.down.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Records what a probe or a call saw.
    pub fn set_down(&self, down: bool) {
        let was = self.down.swap(down, std::sync::atomic::Ordering::Relaxed);
        if was != down {
            if down {
                tracing::warn!("database unreachable: calls fail fast until it is back");
            } else {
                tracing::info!("database reachable again");
            }
        }
    }

    fn refuse_if_down(&self) -> Result<(), crate::error::InfraError> {
        if self.is_down() {
            Err(crate::error::InfraError::DatabaseUnavailable(
                sqlx::Error::PoolTimedOut,
            ))
        } else {
            Ok(())
        }
    }

    fn observe<T>(&self, r: Result<T, sqlx::Error>) -> Result<T, crate::error::InfraError> {
        match r {
            Ok(v) => {
                self.set_down(false);
                Ok(v)
            }
            Err(e) => {
                if is_unavailable(&e) {
                    self.set_down(true);
                }
                Err(e.into())
            }
        }
    }

    /// A connection, or UNAVAILABLE at once while the database is known to be down.
    pub async fn acquire(
        &self,
    ) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, crate::error::InfraError> {
        self.refuse_if_down()?;
        self.observe(self.pool.acquire().await)
    }

    /// A transaction, or UNAVAILABLE at once while the database is known to be down.
    pub async fn begin(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, crate::error::InfraError> {
        self.refuse_if_down()?;
        self.observe(self.pool.begin().await)
    }

    /// A use-case transaction of the group-commit writer, or UNAVAILABLE at once while the
    /// database is known to be down. Its commit returns once the batch holding it is committed
    /// (durable); many callers' use cases share one database transaction and one sync.
    ///
    /// WARNING: while a use case holds it, it holds the write connection of the whole service:
    /// no network calls, and no other connection from the pool, until it commits or drops it.
    pub async fn begin_write(&self) -> Result<WriteTx, crate::error::InfraError> {
        self.refuse_if_down()?;
        self.observe(self.writer.begin().await)
    }

    /// What the group-commit writer has committed since start: batches and the use cases they
    /// carried (waits for the write connection).
    pub async fn group_stats(&self) -> GroupStats {
        self.writer.stats().await
    }

    /// Probes the database (`SELECT 1`, at most five seconds) and records the answer.
    pub async fn probe(&self) -> bool {
        let ok = matches!(
            tokio::time::timeout(
                Duration::from_secs(5),
                sqlx::query("SELECT 1").execute(&self.pool),
            )
            .await,
            Ok(Ok(_))
        );
        self.set_down(!ok);
        ok
    }
}

/// Takes the next value of a counter row (`counters (name TEXT PRIMARY KEY, value BIGINT)`, which
/// every service's migrations create). The row stays locked until the transaction commits, so
/// values become visible in increasing order — a portable sequence for SQLite and PostgreSQL.
pub async fn next_counter(conn: &mut sqlx::AnyConnection, name: &str) -> Result<i64, sqlx::Error> {
    use sqlx::Row;
    sqlx::query("UPDATE counters SET value = value + 1 WHERE name = $1 RETURNING value")
        .bind(name)
        .fetch_one(conn)
        .await?
        .try_get(0)
}

/// Now, in microseconds since the Unix epoch (the storage format of every time column).
pub use lienthong_axis::clock::now_micros;

/// Whether an error is the database being unreachable (UNAVAILABLE to the caller), rather than
/// a fault in the request or the data.
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Tls(_)
    )
}

/// Whether an error is a unique-constraint violation.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => db.is_unique_violation(),
        _ => false,
    }
}

/// Whether an error means a concurrent change won: a unique violation, or PostgreSQL's
/// serialization failure (40001) or deadlock (40P01). Retrying the whole call is safe.
pub fn is_conflict(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            db.is_unique_violation() || matches!(db.code().as_deref(), Some("40001" | "40P01"))
        }
        _ => false,
    }
}

/// A database URL without its password, for logs. A URL that does not parse is shown as its
/// scheme only, since it may still hold a secret.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => match raw.split_once("://") {
            Some((scheme, _)) => format!("{scheme}://(unparsable URL)"),
            None => "(unparsable URL)".to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_stay_out_of_logs() {
        assert_eq!(
            redact_url("postgres://lt:secret@db:5432/x"),
            "postgres://lt:***@db:5432/x"
        );
        assert_eq!(redact_url("postgres://lt@db/x"), "postgres://lt@db/x");
        assert_eq!(
            redact_url("sqlite://data/x.db?mode=rwc"),
            "sqlite://data/x.db?mode=rwc"
        );
    }
}
