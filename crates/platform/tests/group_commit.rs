//! The group-commit writer (`platform::db::group`) on real SQLite files and real PostgreSQL
//! databases: many concurrent use cases share batches, one failing use case leaves no trace and
//! fails nobody else, a caller hears Ok only once its row is visible to another connection, a
//! failed batch COMMIT reaches every caller of the batch, and a reader following a cursor over
//! counter-numbered items never skips a committed one.
use std::{collections::BTreeSet, time::Duration};

use lienthong_platform::{
    db::{self, Backend, Db},
    testing::TestDb,
};
use sqlx::{Connection, Row, migrate::Migrator};
use tokio::task::JoinSet;

static MIGRATOR: Migrator = sqlx::migrate!("tests/group_commit_migrations");

/// A database for one test, and the URL a second, independent connection opens.
struct Fixture {
    db: Db,
    url: String,
    _dir: tempfile::TempDir,
    _pg: TestDb,
}

async fn open(backend: Backend) -> Fixture {
    lienthong_platform::testing::init();
    let dir = tempfile::tempdir().expect("temp dir");
    let pg = TestDb::new(backend).await;
    let url = match &pg.url {
        Some(url) => url.clone(),
        None => db::sqlite_url_in(dir.path(), "group_commit"),
    };
    let pool = db::connect(&url, &MIGRATOR, 4).await.expect("connect");
    Fixture {
        db: Db::new(pool),
        url,
        _dir: dir,
        _pg: pg,
    }
}

/// Rows of `table` as seen by a fresh connection: only what is committed.
async fn committed_ids(url: &str, table: &str) -> BTreeSet<i64> {
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .expect("second connection");
    let sql = format!("SELECT id FROM {table}");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut conn)
        .await
        .expect("select");
    rows.iter().map(|r| r.get::<i64, _>(0)).collect()
}

async fn insert_row(tx: &mut db::WriteTx, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO rows_written (id) VALUES ($1)")
        .bind(id)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// One use case of the first test; Ok(true) when it committed, Ok(false) when it gave up.
async fn use_case(db: Db, i: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db
        .begin_write()
        .await
        .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    insert_row(&mut tx, i).await?;
    match i % 8 {
        // Dropped without commit, as a use case that returns an error early.
        3 => Ok(false),
        5 => tx.rollback().await.map(|_| false),
        // A statement fails (duplicate key): on PostgreSQL this aborts the transaction, which
        // only the savepoint keeps from taking the rest of the batch along.
        6 => {
            assert!(insert_row(&mut tx, i).await.is_err(), "duplicate accepted");
            Ok(false)
        }
        _ => tx.commit().await.map(|_| true),
    }
}

async fn concurrent_use_cases_and_a_failing_one_leaves_no_trace(backend: Backend) {
    let fx = open(backend).await;
    let mut tasks = JoinSet::new();
    for i in 0..96 {
        let db = fx.db.clone();
        tasks.spawn(async move { (i, use_case(db, i).await) });
    }
    let mut expected = BTreeSet::new();
    // join_all answers in the order the tasks end, hence the index in the answer.
    for (i, r) in tasks.join_all().await {
        let committed = r.unwrap_or_else(|e| panic!("use case {i}: {e}"));
        assert_eq!(committed, !matches!(i % 8, 3 | 5 | 6), "use case {i}");
    }
    for i in (0..96).filter(|i| !matches!(i % 8, 3 | 5 | 6)) {
        expected.insert(i);
    }
    assert_eq!(committed_ids(&fx.url, "rows_written").await, expected);
    let stats = fx.db.group_stats().await;
    assert_eq!(stats.use_cases, expected.len() as u64);
    assert!(
        stats.batches < stats.use_cases,
        "no use cases were grouped: {stats:?}"
    );
}

async fn ok_means_visible_to_another_connection(backend: Backend) {
    let fx = open(backend).await;
    let mut tasks = JoinSet::new();
    for i in 0..32 {
        let (db, url) = (fx.db.clone(), fx.url.clone());
        tasks.spawn(async move {
            let mut tx = db.begin_write().await.expect("begin");
            insert_row(&mut tx, i).await.expect("insert");
            tx.commit().await.expect("commit");
            // Ok was heard: a connection of its own must see the row at once.
            assert!(
                committed_ids(&url, "rows_written").await.contains(&i),
                "row {i} not committed when its commit returned Ok"
            );
        });
    }
    tasks.join_all().await;
}

async fn a_failed_batch_commit_reaches_every_caller(backend: Backend) {
    let fx = open(backend).await;
    // Holds the writer while the others queue: they all land in its batch.
    let mut poison = fx.db.begin_write().await.expect("begin");
    sqlx::query("INSERT INTO child (id, parent) VALUES (1, 999)")
        .execute(&mut *poison)
        .await
        .expect("deferred check passes for now");
    let mut tasks = JoinSet::new();
    for i in 0..8 {
        let db = fx.db.clone();
        tasks.spawn(async move {
            let mut tx = db.begin_write().await.expect("begin");
            insert_row(&mut tx, i).await.expect("insert");
            tx.commit().await
        });
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(poison.commit().await.is_err(), "the bad batch committed");
    for r in tasks.join_all().await {
        assert!(r.is_err(), "a caller of the failed batch heard Ok");
    }
    assert!(committed_ids(&fx.url, "rows_written").await.is_empty());
    assert!(committed_ids(&fx.url, "child").await.is_empty());
    assert_eq!(fx.db.group_stats().await.use_cases, 0);
    // The writer goes on with a new batch.
    let mut tx = fx.db.begin_write().await.expect("begin after failure");
    insert_row(&mut tx, 100).await.expect("insert");
    tx.commit().await.expect("commit after failure");
    assert_eq!(
        committed_ids(&fx.url, "rows_written").await,
        BTreeSet::from([100])
    );
}

async fn cancelled_callers_leave_the_writer_working(backend: Backend) {
    let fx = open(backend).await;
    let mut handles = Vec::new();
    for i in 0..48 {
        let db = fx.db.clone();
        handles.push(tokio::spawn(async move {
            let mut tx = db.begin_write().await.expect("begin");
            insert_row(&mut tx, i).await.expect("insert");
            tokio::task::yield_now().await;
            tx.commit().await.expect("commit");
        }));
    }
    // Callers go away at every stage: waiting for the writer, inside their use case, waiting
    // for the batch's COMMIT (as a gRPC call whose client disconnects).
    for (i, h) in handles.iter().enumerate() {
        if i % 2 == 0 {
            h.abort();
        }
        if i % 8 == 0 {
            tokio::task::yield_now().await;
        }
    }
    for h in handles {
        let _ = h.await;
    }
    let last = async {
        let mut tx = fx.db.begin_write().await.expect("begin");
        insert_row(&mut tx, 1000).await.expect("insert");
        tx.commit().await.expect("commit");
    };
    tokio::time::timeout(Duration::from_secs(10), last)
        .await
        .expect("the writer is stuck after cancelled callers");
    let rows = committed_ids(&fx.url, "rows_written").await;
    assert!(rows.contains(&1000));
    // Callers never cancelled committed.
    for i in (0..48).filter(|i| i % 2 == 1) {
        assert!(
            rows.contains(&i),
            "row {i} of a caller that stayed is missing"
        );
    }
    // Nothing is left open: the pool's connection comes back (on SQLite, the only one).
    tokio::time::timeout(Duration::from_secs(5), fx.db.acquire())
        .await
        .expect("the write connection never came back to the pool")
        .expect("acquire");
}

/// One writer: takes numbers from the counter row and stores items; every fifth use case gives
/// up after taking its number. Returns the numbers committed.
async fn number_items(db: Db, writer: i64) -> Vec<i64> {
    let mut committed = Vec::new();
    for n in 0..25 {
        let mut tx = db.begin_write().await.expect("begin");
        let seq = db::next_counter(&mut tx, "items").await.expect("counter");
        sqlx::query("INSERT INTO items (seq, writer) VALUES ($1, $2)")
            .bind(seq)
            .bind(writer)
            .execute(&mut *tx)
            .await
            .expect("insert");
        if n % 5 == 4 {
            drop(tx);
            continue;
        }
        tx.commit().await.expect("commit");
        committed.push(seq);
    }
    committed
}

/// Reads the items after `cursor`, in order, on a pool connection (as an inbox read does).
async fn read_after(db: &Db, cursor: i64) -> Vec<i64> {
    let mut conn = db.acquire().await.expect("acquire");
    sqlx::query("SELECT seq FROM items WHERE seq > $1 ORDER BY seq")
        .bind(cursor)
        .fetch_all(&mut *conn)
        .await
        .expect("read")
        .iter()
        .map(|r| r.get::<i64, _>(0))
        .collect()
}

async fn a_cursor_never_skips_a_committed_item(backend: Backend) {
    let fx = open(backend).await;
    let mut writers = JoinSet::new();
    for w in 0..16 {
        writers.spawn(number_items(fx.db.clone(), w));
    }
    let (mut cursor, mut seen) = (0, Vec::new());
    while !writers.is_empty() {
        let items = read_after(&fx.db, cursor).await;
        if let Some(&last) = items.last() {
            cursor = last;
        }
        seen.extend(items);
        while let Some(done) = writers.try_join_next() {
            done.expect("writer");
        }
        tokio::task::yield_now().await;
    }
    seen.extend(read_after(&fx.db, cursor).await);
    let all: BTreeSet<i64> = committed_ids_items(&fx.url).await;
    assert_eq!(all.len(), 16 * 20);
    assert_eq!(
        seen.iter().copied().collect::<BTreeSet<_>>(),
        all,
        "the cursor skipped committed items"
    );
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "items seen out of order"
    );
}

async fn committed_ids_items(url: &str) -> BTreeSet<i64> {
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .expect("second connection");
    sqlx::query("SELECT seq FROM items")
        .fetch_all(&mut conn)
        .await
        .expect("select")
        .iter()
        .map(|r| r.get::<i64, _>(0))
        .collect()
}

lienthong_platform::on_both_databases!(
    concurrent_use_cases_and_a_failing_one_leaves_no_trace,
    ok_means_visible_to_another_connection,
    a_failed_batch_commit_reaches_every_caller,
    a_cursor_never_skips_a_committed_item,
    cancelled_callers_leave_the_writer_working,
);
