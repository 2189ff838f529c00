//! Every SQL statement of the exchange, transactions included. Functions take a connection
//! (usually a transaction) so that the use cases in `app` decide what commits together.
//!
//! WARNING: on SQLite the pool has ONE connection. A use case holding a connection (or a
//! transaction) must give it back before calling anything that acquires another, or it waits
//! for itself until the pool times out.
pub mod agencies;
pub mod blob_refs;
pub mod blobs;
pub mod bounces;
pub mod documents;
pub mod inbox;
pub mod legs;
pub mod outbox;
pub mod relay;
pub mod statistics;
pub mod statuses;
pub mod track;

pub use agencies::*;
pub use blob_refs::*;
pub use bounces::*;
pub use documents::*;
pub use inbox::*;
pub use legs::*;
pub use outbox::*;
pub use relay::*;
pub use statistics::*;
pub use statuses::*;
pub use track::*;

use lienthong_platform::db::Db;
use sqlx::{Any, AnyPool, Transaction, pool::PoolConnection};

use crate::error::Result;

/// A transaction: everything done through it commits together, or nothing does.
pub type Tx = Transaction<'static, Any>;

/// A connection of the pool.
pub type Conn = PoolConnection<Any>;

/// A transaction; UNAVAILABLE at once while the database is known to be down.
pub async fn begin(db: &Db) -> Result<Tx> {
    Ok(db.begin().await?)
}

pub async fn commit(tx: Tx) -> Result<()> {
    Ok(tx.commit().await?)
}

/// A connection; UNAVAILABLE at once while the database is known to be down.
pub async fn acquire(db: &Db) -> Result<Conn> {
    Ok(db.acquire().await?)
}

/// Closes the pool: every later query fails as "database unavailable".
pub async fn close(pool: &AnyPool) {
    pool.close().await;
}
