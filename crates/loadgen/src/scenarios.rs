//! The hub runs behind the rows of the table: one hub on SQLite or PostgreSQL (empty or
//! preloaded, as fast as possible or at a fixed rate), and three federated hubs.
use std::{path::PathBuf, time::Duration};

use anyhow::Context;
use lienthong_platform::tls::TlsFiles;
use sqlx::any::AnyPoolOptions;

use crate::{
    hub_bench::{self, HubOutcome, Workload},
    setup::{self, Agencies, HubSpec},
};

/// What every scenario shares: where to put data, the certificates, the agencies.
pub struct Ctx {
    pub dir: PathBuf,
    pub hub48: TlsFiles,
    pub hub41: TlsFiles,
    pub national: TlsFiles,
    /// The agencies of H48 (every single-hub run uses them).
    pub a48: Agencies,
    /// The agencies of H41 (the recipients' side of the federation run).
    pub a41: Agencies,
    pub concurrency: usize,
    pub timeout: Duration,
}

/// One single-hub run.
pub struct SingleRun {
    pub label: &'static str,
    pub documents: usize,
    pub rate: Option<f64>,
    pub database_url: Option<String>,
    /// A preloaded SQLite database to start from.
    pub preloaded: Option<PathBuf>,
}

pub async fn single_hub(ctx: &Ctx, run: SingleRun) -> anyhow::Result<HubOutcome> {
    eprintln!("{}: {} documents…", run.label, run.documents);
    let data = ctx.dir.join(format!("hub-{}", run.label.replace(' ', "-")));
    if let Some(db) = &run.preloaded {
        crate::preload::install(db, &data)?;
    }
    let mut spec = HubSpec::standalone("H48", &ctx.hub48, data, &ctx.a48.codes);
    spec.database_url = run.database_url;
    spec.concurrency = ctx.concurrency;
    let hub = setup::start_hub(spec).await?;
    let result = async {
        let participants = setup::participants(hub.addr, &ctx.a48).await?;
        let workload = Workload {
            documents: run.documents,
            // At a fixed rate the bound only guards against an unbounded backlog.
            concurrency: if run.rate.is_some() {
                ctx.concurrency * 4
            } else {
                ctx.concurrency
            },
            run_tag: setup::run_tag(),
            rate: run.rate,
            split: None,
        };
        hub_bench::run(&participants, workload, ctx.timeout).await
    }
    .await;
    setup::stop_hub(hub).await;
    result
}

/// A national hub and two provincial ones (H48, H41) in this process, each on its own SQLite
/// database; agencies of H48 send to agencies of H41 and back, through the national hub.
pub async fn federation(ctx: &Ctx, documents: usize) -> anyhow::Result<HubOutcome> {
    eprintln!("three hubs: {documents} documents…");
    let (p48, p41) = (setup::free_port()?, setup::free_port()?);
    let mut national = HubSpec::standalone("national", &ctx.national, ctx.dir.join("fed-n"), &[]);
    national.role = "national";
    national.routes = Some(format!("H48=https://{p48},H41=https://{p41}"));
    national.concurrency = ctx.concurrency;
    let national = setup::start_hub(national).await?;
    let national_url = format!("https://{}", national.addr);
    let mut hubs = vec![national];
    for (id, files, port, agencies) in [
        ("H48", &ctx.hub48, p48, &ctx.a48),
        ("H41", &ctx.hub41, p41, &ctx.a41),
    ] {
        let mut spec = HubSpec::standalone(
            id,
            files,
            ctx.dir.join(format!("fed-{id}")),
            &agencies.codes,
        );
        spec.role = "provincial";
        spec.national_endpoint = Some(national_url.clone());
        spec.listen = port;
        spec.concurrency = ctx.concurrency;
        match setup::start_hub(spec).await {
            Ok(h) => hubs.push(h),
            Err(e) => {
                for h in hubs {
                    setup::stop_hub(h).await;
                }
                return Err(e);
            }
        }
    }
    let result = async {
        let mut participants = setup::participants(hubs[1].addr, &ctx.a48).await?;
        let split = participants.len();
        participants.extend(setup::participants(hubs[2].addr, &ctx.a41).await?);
        let workload = Workload {
            documents,
            concurrency: ctx.concurrency,
            run_tag: setup::run_tag(),
            rate: None,
            split: Some(split),
        };
        hub_bench::run(&participants, workload, ctx.timeout).await
    }
    .await;
    for h in hubs {
        setup::stop_hub(h).await;
    }
    result
}

/// A fresh PostgreSQL database for one run, dropped by [`drop_database`].
pub struct PgDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

/// Creates a database through `admin_url` (a URL of an existing database, e.g. `postgres`).
pub async fn create_database(admin_url: &str) -> anyhow::Result<PgDatabase> {
    sqlx::any::install_default_drivers();
    let admin = AnyPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(3))
        .connect(admin_url)
        .await
        .with_context(|| {
            format!(
                "PostgreSQL is not reachable at {}",
                lienthong_platform::db::redact_url(admin_url)
            )
        })?;
    let name = format!(
        "lienthong_bench_{}_{}",
        std::process::id(),
        setup::run_tag()
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .context("creating the benchmark database")?;
    admin.close().await;
    let base = admin_url.split('?').next().unwrap_or(admin_url);
    let url = match base.rsplit_once('/') {
        Some((server, _db)) if server.contains("//") && !server.ends_with('/') => {
            format!("{server}/{name}")
        }
        _ => format!("{}/{name}", base.trim_end_matches('/')),
    };
    Ok(PgDatabase {
        admin_url: admin_url.to_string(),
        name,
        url,
    })
}

pub async fn drop_database(db: PgDatabase) {
    let dropped = async {
        let admin = AnyPoolOptions::new()
            .max_connections(1)
            .connect(&db.admin_url)
            .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            db.name
        )))
        .execute(&admin)
        .await?;
        admin.close().await;
        anyhow::Ok(())
    }
    .await;
    if let Err(e) = dropped {
        eprintln!("warning: could not drop the database {}: {e}", db.name);
    }
}
