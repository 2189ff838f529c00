//! Group commit: many callers' use-case transactions share one database transaction and one
//! sync, with each caller's all-or-nothing effect and durability unchanged.
//!
//! The writer takes a connection from the pool and opens a *batch* transaction on it. Each use
//! case runs alone on that connection inside a `SAVEPOINT` (one use case at a time, as with the
//! single SQLite connection before): committing it is `RELEASE SAVEPOINT`, then waiting for the
//! batch's `COMMIT`; rolling it back (explicitly, by dropping it, or on an error) is
//! `ROLLBACK TO SAVEPOINT`, so one failing use case never fails the others of its batch.
//!
//! Who commits the batch: a caller that released its savepoint queues again for the writer
//! (tokio's mutex is first-in first-out), behind the callers already waiting. When its turn comes
//! every one of them has run its use case, so it commits the batch for all of them and answers
//! each; a caller whose batch was committed meanwhile just takes the answer. Under load a batch
//! is as large as the queue; alone, a caller commits its own use case at once. After the commit
//! the connection goes back to the pool, so that readers (on SQLite: the same, single connection)
//! get their turn between batches.
//!
//! WARNING: a use case holding a [`WriteTx`] holds the write connection for every caller of the
//! service. It must not await the network (a peer hub, another service) or anything slow while it
//! holds it, nor ask the pool for another connection (on SQLite it waits for itself).
use std::{
    ops::{Deref, DerefMut},
    sync::Arc,
};

use sqlx::{Any, AnyConnection, AnyPool, Executor, pool::PoolConnection};
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

/// The answer of a batch's `COMMIT` to each of its callers.
type Outcome = Result<(), Arc<sqlx::Error>>;

/// The one savepoint name: use cases run one at a time on the write connection.
const SAVEPOINT: &str = "SAVEPOINT lt_use_case";
const RELEASE: &str = "RELEASE SAVEPOINT lt_use_case";
const ROLLBACK_TO: &str = "ROLLBACK TO SAVEPOINT lt_use_case";

/// The group-commit writer of one database.
pub(crate) struct Writer {
    pool: AnyPool,
    state: Arc<Mutex<Batch>>,
    /// `false` (`LIENTHONG_GROUP_COMMIT=off`): each use case is a transaction of its own on
    /// the pool, exactly as before group commit; for measuring what grouping brings, and as a
    /// way back.
    grouping: bool,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

/// The open batch, if any.
#[derive(Default)]
struct Batch {
    /// The connection of the open batch transaction; `None` between batches.
    conn: Option<PoolConnection<Any>>,
    /// The callers whose released use cases wait for the batch's `COMMIT`.
    waiters: Vec<oneshot::Sender<Outcome>>,
    /// Batches committed and use cases they carried, since start (for tests and logs).
    committed: GroupStats,
}

/// What the writer has committed since start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupStats {
    /// Successful `COMMIT`s.
    pub batches: u64,
    /// Use cases those commits carried.
    pub use_cases: u64,
}

impl Writer {
    pub(crate) fn new(pool: AnyPool) -> Self {
        let grouping = !matches!(
            std::env::var("LIENTHONG_GROUP_COMMIT").as_deref(),
            Ok("off" | "0" | "false")
        );
        Writer {
            pool,
            state: Arc::new(Mutex::new(Batch::default())),
            grouping,
        }
    }

    /// What was committed so far (waits for the write connection).
    pub(crate) async fn stats(&self) -> GroupStats {
        self.state.lock().await.committed
    }

    /// Waits for the write connection, opens a batch if none is open, and starts a use case.
    /// The work runs on a task of its own: a caller that goes away half-way (a cancelled gRPC
    /// call) must not leave the batch's connection dropped with other callers' work in it.
    pub(crate) async fn begin(&self) -> Result<WriteTx, sqlx::Error> {
        if !self.grouping {
            return Ok(WriteTx {
                inner: Some(Inner::Plain(self.pool.begin().await?)),
            });
        }
        let task = tokio::spawn(begin_use_case(self.pool.clone(), self.state.clone()));
        match task.await {
            Ok(r) => r,
            Err(e) => Err(sqlx::Error::Protocol(format!(
                "the group commit task failed: {e}"
            ))),
        }
    }
}

async fn begin_use_case(pool: AnyPool, state: Arc<Mutex<Batch>>) -> Result<WriteTx, sqlx::Error> {
    let mut guard = state.lock_owned().await;
    let mut conn = match guard.conn.take() {
        Some(conn) => conn,
        None => open_batch(&pool).await?,
    };
    if let Err(e) = conn.execute(SAVEPOINT).await {
        // The batch may hold other callers' released work: keep it for their commit,
        // unless the connection itself is gone.
        settle_after_error(&mut guard, conn, &e).await;
        return Err(e);
    }
    Ok(WriteTx {
        inner: Some(Inner::Grouped(Held { guard, conn })),
    })
}

/// Takes a connection and opens the batch transaction on it.
async fn open_batch(pool: &AnyPool) -> Result<PoolConnection<Any>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    // IMMEDIATE on SQLite: take the write lock now, so that no statement of the batch meets
    // SQLITE_BUSY half-way (another process on the same file waits busy_timeout instead).
    let begin = if conn.backend_name().eq_ignore_ascii_case("sqlite") {
        "BEGIN IMMEDIATE"
    } else {
        "BEGIN"
    };
    if let Err(e) = conn.execute(begin).await {
        conn.close_on_drop();
        return Err(e);
    }
    Ok(conn)
}

/// After a failed statement outside any savepoint: keep the batch when it still has waiters and
/// the connection looks alive; otherwise end it, which answers its waiters with the error.
async fn settle_after_error(batch: &mut Batch, mut conn: PoolConnection<Any>, e: &sqlx::Error) {
    if !super::is_unavailable(e) && !batch.waiters.is_empty() {
        batch.conn = Some(conn);
        return;
    }
    let _ = conn.execute("ROLLBACK").await;
    conn.close_on_drop();
    fail_waiters(batch, Arc::new(clone_error(e)));
}

fn fail_waiters(batch: &mut Batch, e: Arc<sqlx::Error>) {
    for w in batch.waiters.drain(..) {
        let _ = w.send(Err(e.clone()));
    }
}

/// A copy of an error for each caller of a failed batch, classified as the original is
/// (unreachable database → UNAVAILABLE, anything else → INTERNAL).
fn clone_error(e: &sqlx::Error) -> sqlx::Error {
    if super::is_unavailable(e) {
        sqlx::Error::Io(std::io::Error::other(format!(
            "the group commit failed: {e}"
        )))
    } else {
        sqlx::Error::Protocol(format!("the group commit failed: {e}"))
    }
}

/// Commits the open batch (if any) and answers every caller of it.
async fn commit_batch(batch: &mut Batch) {
    let Some(mut conn) = batch.conn.take() else {
        return;
    };
    if batch.waiters.is_empty() {
        // Only rolled-back use cases: nothing to make durable.
        if conn.execute("ROLLBACK").await.is_err() {
            conn.close_on_drop();
        }
        return;
    }
    match conn.execute("COMMIT").await {
        Ok(_) => {
            batch.committed.batches += 1;
            batch.committed.use_cases += batch.waiters.len() as u64;
            for w in batch.waiters.drain(..) {
                let _ = w.send(Ok(()));
            }
        }
        Err(e) => {
            tracing::error!(error = %e, callers = batch.waiters.len(), "group commit failed");
            let _ = conn.execute("ROLLBACK").await;
            conn.close_on_drop();
            fail_waiters(batch, Arc::new(e));
        }
    }
}

/// The write connection while one use case runs on it.
struct Held {
    guard: OwnedMutexGuard<Batch>,
    conn: PoolConnection<Any>,
}

enum Inner {
    Grouped(Held),
    /// A transaction of its own (`LIENTHONG_GROUP_COMMIT=off`).
    Plain(sqlx::Transaction<'static, Any>),
}

/// One use case's transaction inside the open batch: use it as a connection (`&mut tx`), then
/// [`WriteTx::commit`] or [`WriteTx::rollback`]; dropping it rolls the use case back.
pub struct WriteTx {
    /// `Some` from `begin` until `commit`, `rollback` or drop take it.
    inner: Option<Inner>,
}

impl std::fmt::Debug for WriteTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTx").finish_non_exhaustive()
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match &self.inner {
            Some(Inner::Grouped(held)) => &held.conn,
            Some(Inner::Plain(tx)) => tx,
            // Only `commit`, `rollback` (which consume self) and `drop` empty it.
            None => unreachable!("a WriteTx is used after it ended"),
        }
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match &mut self.inner {
            Some(Inner::Grouped(held)) => &mut held.conn,
            Some(Inner::Plain(tx)) => tx,
            None => unreachable!("a WriteTx is used after it ended"),
        }
    }
}

impl WriteTx {
    /// Makes the use case part of the batch and returns once the batch's `COMMIT` is done (on
    /// disk). Runs on a task of its own, so that a caller that goes away (a cancelled gRPC call)
    /// neither leaves the write connection in a half state nor a batch uncommitted.
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        let held = match self.inner.take() {
            Some(Inner::Grouped(held)) => held,
            Some(Inner::Plain(tx)) => return tx.commit().await,
            None => return Ok(()),
        };
        let task = tokio::spawn(release_and_wait(held));
        match task.await {
            Ok(r) => r,
            Err(e) => Err(sqlx::Error::Protocol(format!(
                "the group commit task failed: {e}"
            ))),
        }
    }

    /// Undoes the use case; the others of the batch are untouched.
    pub async fn rollback(mut self) -> Result<(), sqlx::Error> {
        match self.inner.take() {
            // On a task of its own, like `commit`: the rollback must finish even if the
            // caller goes away.
            Some(Inner::Grouped(held)) => match tokio::spawn(roll_back(held)).await {
                Ok(r) => r,
                Err(e) => Err(sqlx::Error::Protocol(format!(
                    "the group commit task failed: {e}"
                ))),
            },
            Some(Inner::Plain(tx)) => tx.rollback().await,
            None => Ok(()),
        }
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        // A plain transaction rolls itself back when dropped.
        let Some(Inner::Grouped(held)) = self.inner.take() else {
            return;
        };
        // The savepoint must be rolled back before anyone else uses the connection; the guard
        // travels with the cleanup, so nobody does.
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(async move {
                    let _ = roll_back(held).await;
                });
            }
            Err(_) => {
                // No runtime left (shutdown): drop the connection, and the batch with it.
                let Held {
                    mut guard,
                    mut conn,
                } = held;
                conn.close_on_drop();
                fail_waiters(
                    &mut guard,
                    Arc::new(sqlx::Error::Protocol(
                        "the write connection was dropped".into(),
                    )),
                );
            }
        }
    }
}

/// `ROLLBACK TO` + `RELEASE` (a rolled-back savepoint stays open until released); then the batch
/// goes on for the others, or ends if it holds nobody's work.
async fn roll_back(held: Held) -> Result<(), sqlx::Error> {
    let Held {
        mut guard,
        mut conn,
    } = held;
    let undone = match conn.execute(ROLLBACK_TO).await {
        Ok(_) => conn.execute(RELEASE).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match undone {
        Ok(()) => {
            guard.conn = Some(conn);
            if guard.waiters.is_empty() {
                // Nobody will come to commit: give the connection back to the pool now.
                commit_batch(&mut guard).await;
            }
            Ok(())
        }
        Err(e) => {
            // The use case's writes could not be undone alone: the whole batch goes.
            let _ = conn.execute("ROLLBACK").await;
            conn.close_on_drop();
            fail_waiters(&mut guard, Arc::new(clone_error(&e)));
            Err(e)
        }
    }
}

/// `RELEASE SAVEPOINT`, then wait for the batch's commit, or lead it.
async fn release_and_wait(held: Held) -> Result<(), sqlx::Error> {
    let Held {
        mut guard,
        mut conn,
    } = held;
    if let Err(e) = conn.execute(RELEASE).await {
        let _ = conn.execute(ROLLBACK_TO).await;
        let _ = conn.execute(RELEASE).await;
        settle_after_error(&mut guard, conn, &e).await;
        if guard.waiters.is_empty() {
            commit_batch(&mut guard).await;
        }
        return Err(e);
    }
    let (tx, mut rx) = oneshot::channel();
    guard.waiters.push(tx);
    guard.conn = Some(conn);
    let state = OwnedMutexGuard::mutex(&guard).clone();
    drop(guard);
    // Queue again, behind the callers that were waiting for the connection: when our turn
    // comes they have all run, and one COMMIT covers them all.
    tokio::select! {
        biased;
        outcome = &mut rx => return answer(outcome),
        mut batch = state.lock_owned() => {
            if let Ok(outcome) = rx.try_recv() {
                return answer(Ok(outcome));
            }
            commit_batch(&mut batch).await;
        }
    }
    answer(rx.await)
}

fn answer(outcome: Result<Outcome, oneshot::error::RecvError>) -> Result<(), sqlx::Error> {
    match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(clone_error(&e)),
        Err(_) => Err(sqlx::Error::Protocol(
            "the batch of this use case was abandoned".into(),
        )),
    }
}
