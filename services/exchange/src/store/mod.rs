//! Every SQL statement of the exchange, transactions included. Functions take a connection
//! (usually a transaction) so that the use cases in `app` decide what commits together.
//!
//! WARNING: on SQLite the pool has ONE connection. A use case holding a connection (or a
//! transaction) must give it back before calling anything that acquires another, or it waits
//! for itself until the pool times out.
//!
//! WARNING: a transaction ([`Tx`]) is a use case of the platform's group-commit writer: while it
//! is open it holds the write connection of the whole hub. Never await the network (a peer hub,
//! the directory, tasks) while holding one; commit first, then call out.
pub mod agencies;
pub mod blob_refs;
pub mod blobs;
pub mod bounces;
pub mod documents;
pub mod inbox;
pub mod legs;
pub mod outbox;
pub mod relay;
pub mod sent;
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
pub use sent::*;
pub use statistics::*;
pub use statuses::*;
pub use track::*;

use lienthong_platform::db::Db;
use lienthong_platform::db::WriteTx;
use sqlx::{Any, AnyPool, pool::PoolConnection};

use crate::error::Result;

/// A transaction: everything done through it commits together, or nothing does. It is grouped
/// with other callers' transactions into one database commit (`platform::db::group`); its commit
/// returns once that is durable.
pub type Tx = WriteTx;

/// A connection of the pool.
pub type Conn = PoolConnection<Any>;

/// A transaction; UNAVAILABLE at once while the database is known to be down.
pub async fn begin(db: &Db) -> Result<Tx> {
    Ok(db.begin_write().await?)
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
