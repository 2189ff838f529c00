//! Every SQL statement of the reporting service. Functions take a connection (often a
//! transaction) so that the use cases in [`crate::app`] decide what commits together; [`Store`]
//! hands them out.
//!
//! WARNING: on SQLite the pool has ONE connection. A use case that holds a connection (or a
//! transaction) and asks the store for another waits for itself until the pool times out: drop
//! the first before taking the next.
mod agencies;
mod regimes;
mod reports;
mod statistics;

pub use agencies::{insert_agency_if_absent, list_agencies};
pub use regimes::{get_regime, insert_regime_if_absent, regimes_after};
pub use reports::{
    count_reports, events_of, get_report, insert_event, insert_report, periods_with_reports,
    reports_after, reports_of_agency, reports_of_period, update_report,
};
pub use statistics::{sum_statistic, upsert_statistic};

use lienthong_platform::{db::Db, error::InfraError};
use sqlx::{Any, pool::PoolConnection};

use crate::error::Result;

/// The schema, applied at start (`migrations/`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A connection of the pool.
pub type Conn = PoolConnection<Any>;
/// A transaction: dropped without [`commit`], it rolls back.
pub type Tx = sqlx::Transaction<'static, Any>;

/// The reporting database. While it is known to be down, connections and transactions are
/// refused at once (UNAVAILABLE) instead of waiting out the pool ([`Db`]).
#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
}

impl Store {
    pub fn new(db: Db) -> Self {
        Store { db }
    }

    /// A connection, for reads and single statements.
    pub async fn conn(&self) -> Result<Conn> {
        Ok(self.db.acquire().await?)
    }

    /// A transaction, for changes that commit together.
    pub async fn transaction(&self) -> Result<Tx> {
        Ok(self.db.begin().await?)
    }

    /// Closes the pool: every later call answers UNAVAILABLE (and health turns NOT_SERVING).
    pub async fn close(&self) {
        self.db.pool().close().await;
    }
}

/// Commits a transaction.
pub async fn commit(tx: Tx) -> Result<()> {
    Ok(tx.commit().await?)
}

/// A value read back from the database that does not decode: a fault of the service.
fn corrupt(what: &str, e: impl std::fmt::Display) -> InfraError {
    InfraError::internal(format!("stored {what} does not decode: {e}"))
}
