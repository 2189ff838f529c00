//! Every SQL statement of the tasks service. Functions take a connection (usually a
//! transaction) so that the use cases in [`crate::app`] decide what commits together; changes
//! of a task are conditional on the state read before (optimistic concurrency: a lost race is
//! [`InfraError::Conflict`], ABORTED to the client).
//!
//! WARNING: on SQLite the pool has ONE connection. A use case must not acquire a second
//! connection (or begin a transaction) while it holds one: it would wait for itself.
use lienthong_axis::{
    AgencyCode,
    local::{format_date, parse_date_opt},
};
use lienthong_platform::{db::Db, error::InfraError};
use sqlx::{Any, QueryBuilder, any::AnyRow, pool::PoolConnection};
use time::Date;

mod events;
mod extensions;
mod history;
mod list;
mod push;
mod tasks;

pub use events::{EventRow, events_after, insert_event};
pub use extensions::{
    DecidedExtension, ExtensionRow, NewExtension, decide_extension, extensions, insert_extension,
};
pub use history::{HistoryRow, NewHistory, history, insert_history};
pub use list::{
    TaskFilter, coordinators_of_tasks, count_in_bucket, list_tasks, statistics_facts,
    sweep_candidates,
};
pub use push::{advance_push_watermark, push_watermark};
pub use tasks::{
    TaskRow, confirm_result, coordinators, find_by_source, find_task, insert_task, next_task_seq,
    refuse, set_deadline, set_marker, set_progress, set_state, submit_result,
};

/// The store's result: infrastructure failures only, classified by the platform.
pub type Result<T, E = InfraError> = std::result::Result<T, E>;

/// A connection of the pool.
pub type Conn = PoolConnection<Any>;
/// A transaction.
pub type Tx = sqlx::Transaction<'static, Any>;

/// A connection for reads; UNAVAILABLE at once while the database is known to be down.
pub async fn acquire(db: &Db) -> Result<Conn> {
    db.acquire().await
}

/// Begins a transaction; UNAVAILABLE at once while the database is known to be down.
pub async fn begin(db: &Db) -> Result<Tx> {
    db.begin().await
}

/// Closes the pool: every later call answers UNAVAILABLE (and health turns NOT_SERVING).
pub async fn close(db: &Db) {
    db.pool().close().await;
}

/// Commits a transaction.
pub async fn commit(tx: Tx) -> Result<()> {
    Ok(tx.commit().await?)
}

/// A stored agency code (checked when it was written).
fn agency(row: &AnyRow, column: &str) -> Result<AgencyCode> {
    use sqlx::Row;
    let s: String = row.try_get(column)?;
    AgencyCode::parse(column, &s)
        .map_err(|e| InfraError::internal(format!("stored agency code: {e}")))
}

/// A stored date: '' is none.
fn optional_date(row: &AnyRow, column: &str) -> Result<Option<Date>> {
    use sqlx::Row;
    let s: String = row.try_get(column)?;
    if s.is_empty() {
        return Ok(None);
    }
    parse_date_opt(&s)
        .map(Some)
        .ok_or_else(|| InfraError::internal(format!("stored date {column} {s:?}")))
}

/// A stored date that must be there.
fn date(row: &AnyRow, column: &str) -> Result<Date> {
    optional_date(row, column)?
        .ok_or_else(|| InfraError::internal(format!("stored date {column} is empty")))
}

/// How a date is stored: `yyyy-MM-dd`, '' for none.
fn date_text(d: Option<Date>) -> String {
    d.map(format_date).unwrap_or_default()
}

/// A value bound to a query built at run time.
#[derive(Clone, Debug)]
enum Arg {
    Text(String),
    Int(i64),
}

/// A query built at run time on [`QueryBuilder`]. The placeholders are numbered `$n` here:
/// through the `Any` driver `push_bind` writes `?`, which PostgreSQL refuses.
struct Select {
    sql: QueryBuilder<Any>,
    args: Vec<Arg>,
    conditions: usize,
}

impl Select {
    fn new(select: &str) -> Self {
        Select {
            sql: QueryBuilder::new(select),
            args: Vec::new(),
            conditions: 0,
        }
    }

    /// Starts the next condition (` WHERE `, then ` AND `).
    fn and(&mut self) -> &mut Self {
        self.sql.push(if self.conditions == 0 {
            " WHERE "
        } else {
            " AND "
        });
        self.conditions += 1;
        self
    }

    fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push(sql);
        self
    }

    fn bind(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        self.sql.push(format_args!("${}", self.args.len()));
        self
    }

    fn text(&mut self, s: impl Into<String>) -> &mut Self {
        self.bind(Arg::Text(s.into()))
    }

    fn int(&mut self, i: i64) -> &mut Self {
        self.bind(Arg::Int(i))
    }

    async fn fetch_all(mut self, conn: &mut sqlx::AnyConnection) -> Result<Vec<AnyRow>> {
        let mut query = self.sql.build();
        for arg in self.args {
            query = match arg {
                Arg::Text(s) => query.bind(s),
                Arg::Int(i) => query.bind(i),
            };
        }
        Ok(query.fetch_all(conn).await?)
    }
}

/// Zero rows changed by a conditional update: another call changed the task first.
fn changed(n: u64, what: &str) -> Result<()> {
    if n > 0 {
        Ok(())
    } else {
        Err(InfraError::conflict(format!(
            "{what} changed while this request was made"
        )))
    }
}
