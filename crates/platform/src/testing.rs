//! Test support shared by every crate's tests (feature `testing`): a fresh database on SQLite
//! or PostgreSQL, and a fresh development PKI.
//!
//! PostgreSQL is reached at `LIENTHONG_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432`);
//! each [`TestDb`] creates its own database and drops it afterwards.
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{Connection, Executor};

use crate::db::Backend;

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

/// A database that exists for one test.
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

    /// Drops a PostgreSQL database (best effort).
    pub async fn drop_db(self) {
        if let Some(name) = self.pg_name {
            let admin = format!("{}/postgres", pg_admin_url());
            if let Ok(mut conn) = sqlx::AnyConnection::connect(&admin).await {
                let _ = conn
                    .execute(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .await;
            }
        }
    }
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
