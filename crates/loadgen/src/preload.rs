//! A store that already holds N documents, built quickly and kept between runs.
//!
//! Each preloaded document is written with the hub's own store functions
//! (`lienthong_exchange::store`), in the shape a finished exchange leaves behind: the document,
//! one acknowledged leg with status 01, the recipient's inbox item (acknowledged), the status
//! row and the sender's status message (confirmed). Not written: trace events, statistics and
//! outbox rows, which the hot path does not read. The rows go in with `synchronous = OFF` and
//! 10,000 documents per transaction — this is a fixture, not a use case.
//!
//! The SQLite file is cached as `<cache>/preload-<N>-<agencies>-<schema>.db`, where `<schema>`
//! digests the applied migrations (`_sqlx_migrations`): a changed schema builds a new file.
use std::path::{Path, PathBuf};

use anyhow::Context;
use lienthong_axis::BusinessStatus;
use lienthong_exchange::{domain::header::fingerprint, store};
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row, any::AnyPoolOptions};

use crate::{
    hub_bench,
    setup::{self, Agencies, HubSpec},
};

const BATCH: usize = 10_000;

/// The SQLite file name the hub opens in its data directory (`platform::db::sqlite_url_in`).
pub const DB_FILE: &str = "exchange.db";

async fn open(db: &Path) -> anyhow::Result<AnyPool> {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", db.display());
    AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .with_context(|| format!("opening {}", db.display()))
}

/// A digest of the migrations applied to the database.
async fn schema_key(pool: &AnyPool) -> anyhow::Result<String> {
    let rows = sqlx::query("SELECT version, checksum FROM _sqlx_migrations ORDER BY version")
        .fetch_all(pool)
        .await
        .context("reading the applied migrations")?;
    let mut h = Sha256::new();
    for r in rows {
        h.update(r.try_get::<i64, _>("version")?.to_le_bytes());
        h.update(r.try_get::<Vec<u8>, _>("checksum")?);
    }
    Ok(hex::encode(h.finalize())[..12].to_string())
}

/// The preloaded database for `n` documents between `agencies`: from the cache, or built now
/// (in `work`) and cached. Returns its path and whether it came from the cache.
pub async fn prepare(
    cache: &Path,
    work: &Path,
    hub_files: &lienthong_platform::tls::TlsFiles,
    agencies: &Agencies,
    n: usize,
) -> anyhow::Result<(PathBuf, bool)> {
    // A fresh hub creates the schema (and seeds the directory) exactly as a run will.
    let dir = work.join("preload-build");
    let hub = setup::start_hub(HubSpec::standalone(
        "H48",
        hub_files,
        dir.clone(),
        &agencies.codes,
    ))
    .await?;
    setup::stop_hub(hub).await;
    let db = dir.join(DB_FILE);
    let pool = open(&db).await?;
    let key = schema_key(&pool).await?;
    let cached = cache.join(format!("preload-{n}-{}-{key}.db", agencies.codes.len()));
    if cached.is_file() {
        pool.close().await;
        return Ok((cached, true));
    }
    eprintln!("preload: building a store of {n} documents (cached afterwards)…");
    sqlx::query("PRAGMA synchronous = OFF")
        .execute(&pool)
        .await?;
    let mut done = 0;
    while done < n {
        let upto = (done + BATCH).min(n);
        insert_batch(&pool, &agencies.codes, done..upto).await?;
        done = upto;
    }
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&pool)
        .await?;
    pool.close().await;
    std::fs::create_dir_all(cache).with_context(|| format!("creating {}", cache.display()))?;
    let partial = cached.with_extension("partial");
    std::fs::copy(&db, &partial).with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, &cached)?;
    Ok((cached, false))
}

/// Documents `range`, in one transaction.
async fn insert_batch(
    pool: &AnyPool,
    codes: &[String],
    range: std::ops::Range<usize>,
) -> anyhow::Result<()> {
    let n = codes.len();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0);
    let mut tx = pool.begin().await?;
    for i in range {
        let (sender, recipient) = (&codes[i % n], &codes[(i + 1 + (i / n) % (n - 1)) % n]);
        let header = hub_bench::header(sender, recipient, i, "PRELOAD");
        let id = header.document_id.clone();
        let doc = store::NewDocument {
            header: &header,
            sender,
            fingerprint: &fingerprint(&header),
            traceparent: "",
            accepted_at: now,
        };
        store::insert_document(&mut tx, &doc).await?;
        store::insert_leg(&mut tx, &id, recipient, "H48").await?;
        let item = store::NewItem {
            agency: recipient,
            document_id: &id,
            status_seq: None,
            created_at: now,
        };
        store::insert_inbox_item(&mut tx, &item).await?;
        store::mark_acknowledged(&mut tx, &id, recipient, now, Some(BusinessStatus::Arrived))
            .await?;
        let status = store::StatusRow {
            seq: 0,
            document_id: id.clone(),
            recipient: recipient.clone(),
            status: BusinessStatus::Arrived,
            reporter: recipient.clone(),
            description: String::new(),
            staff_info: String::new(),
            at: now,
            hub: "H48".into(),
        };
        let seq = store::insert_status(&mut tx, &status).await?;
        let message = store::NewItem {
            agency: sender,
            document_id: &id,
            status_seq: Some(seq),
            created_at: now,
        };
        let item_id = store::insert_inbox_item(&mut tx, &message).await?;
        store::confirm_status_item(&mut tx, sender, item_id, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Puts the preloaded database where a hub with data directory `data_dir` will open it.
pub fn install(cached: &Path, data_dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(data_dir)?;
    std::fs::copy(cached, data_dir.join(DB_FILE))
        .with_context(|| format!("copying {}", cached.display()))?;
    Ok(())
}
