//! `lienthong-bench` (`make bench`): every throughput figure of issue 12 in one table, each
//! beside the baseline it is judged against, measured in the same run:
//!
//! 1. one hub on SQLite, agencies sending small documents to each other, recipients subscribed
//!    and acknowledging: documents/s beside a bare tonic echo over the same mTLS;
//! 2. the same at a fixed rate of half that peak: p99 from send to acknowledgement;
//! 3. the same on a fresh PostgreSQL database, beside the SQLite peak;
//! 4. a national and two provincial hubs, senders on one province, recipients on the other,
//!    beside the single-hub peak;
//! 5. one large attachment sent and fetched, beside a bare byte stream up and down, and the
//!    hub's peak resident memory;
//! 6. the single-hub run on a store preloaded with N documents, beside the empty store.
//!
//! Nothing here asserts on timing: the machine running it may be noisy, which is why each
//! figure has a baseline from the same run.
mod big;
mod echo;
mod hub_bench;
mod preload;
mod scenarios;
mod setup;
mod stats;
mod table;

use std::{path::PathBuf, time::Duration};

use anyhow::Context;
use clap::Parser;
use prost::Message;

use crate::{
    hub_bench::HubOutcome,
    scenarios::{Ctx, SingleRun},
    setup::Pki,
    table::{Goal, Row, Table},
};

/// Benchmark of the exchange hub, every figure beside its baseline.
#[derive(Parser, Debug)]
#[command(name = "lienthong-bench", version, about)]
struct Args {
    /// Agencies of the single hub (2 to 99), each with its own certificate and connection;
    /// the federation run puts half as many on the second province.
    #[arg(long, env = "LIENTHONG_BENCH_AGENCIES", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(2..=99))]
    agencies: u32,

    /// Documents of each peak run (the fixed-rate run sends half as many).
    #[arg(long, env = "LIENTHONG_BENCH_DOCUMENTS", default_value_t = 2000)]
    documents: usize,

    /// Documents in flight at once (from the start of the send to the recipient's
    /// acknowledgement); also the number of echo calls in flight for the baseline.
    #[arg(long, env = "LIENTHONG_BENCH_CONCURRENCY", default_value_t = 32,
          value_parser = clap::value_parser!(u32).range(1..))]
    concurrency: u32,

    /// Echo calls for the baseline.
    #[arg(long, env = "LIENTHONG_BENCH_ECHO_REQUESTS", default_value_t = 5000)]
    echo_requests: usize,

    /// A URL of an existing PostgreSQL database through which a fresh database is created
    /// for the PostgreSQL row (and dropped after); "none" skips the row.
    #[arg(
        long,
        env = "LIENTHONG_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres_url: String,

    /// Size of the large attachment, in MiB (0 skips the row).
    #[arg(
        long,
        env = "LIENTHONG_BENCH_BIG_ATTACHMENT_MIB",
        default_value_t = 1024
    )]
    big_attachment_mib: u64,

    /// Documents already stored for the preloaded-store row (0 skips the row).
    #[arg(long, env = "LIENTHONG_BENCH_PRELOAD", default_value_t = 100_000)]
    preload: usize,

    /// Where preloaded stores are kept between runs.
    #[arg(
        long,
        env = "LIENTHONG_BENCH_CACHE_DIR",
        default_value = "target/bench-cache"
    )]
    cache_dir: PathBuf,

    /// Each hub run gives up after this many seconds (the run always ends by itself).
    #[arg(long, env = "LIENTHONG_BENCH_TIMEOUT_SECS", default_value_t = 120)]
    timeout_secs: u64,

    /// Print the table as JSON on stdout (the text table goes to stderr).
    #[arg(long)]
    json: bool,

    /// Run the large-attachment row's hub in this process even when the `lienthong-exchange`
    /// binary sits beside this one (its memory figure is then this process's growth).
    #[arg(long)]
    in_process_hub: bool,

    /// Only the echo baseline and the SQLite peak (to profile that row with perf); the other
    /// rows are listed as skipped.
    #[arg(long)]
    only_peak: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    lienthong_platform::tls::install_crypto_provider();
    let started = std::time::Instant::now();
    let tmp = tempfile::Builder::new()
        .prefix("lienthong-bench-")
        .tempdir()
        .context("creating the temporary directory")?;
    let n = args.agencies as usize;
    let mut pki = Pki::new(&tmp.path().join("pki"))?;
    let ctx = Ctx {
        dir: tmp.path().to_path_buf(),
        hub48: pki.hub("H48")?,
        hub41: pki.hub("H41")?,
        national: pki.hub("national")?,
        a48: pki.agencies("H48", n)?,
        a41: pki.agencies("H41", (n / 2).max(1))?,
        concurrency: args.concurrency as usize,
        timeout: Duration::from_secs(args.timeout_secs),
    };
    let mut rows = Vec::new();
    let echo = echo_row(&ctx, &args).await?;
    let peak = sqlite_rows(&ctx, &args, echo, &mut rows).await?;
    if args.only_peak {
        for (id, goal) in [
            ("postgres_peak", Goal::RatioAtLeast(0.5)),
            ("federation_peak", Goal::RatioAtLeast(0.5)),
            ("big_attachment", Goal::RatioAtLeast(0.5)),
            ("hub_peak_memory", Goal::ValueAtMost(64.0)),
            ("preloaded_peak", Goal::RatioAtLeast(0.9)),
        ] {
            rows.push(Row::skipped(id, id, goal, "skipped (--only-peak)".into()));
        }
    } else {
        rows.push(postgres_row(&ctx, &args, peak).await);
        rows.push(federation_row(&ctx, &args, peak).await);
        rows.extend(big_rows(&ctx, &args).await);
        rows.push(preload_row(&ctx, &args, peak).await);
    }
    let table = Table {
        date_utc: table::now_utc(),
        cores: std::thread::available_parallelism().map_or(0, |c| c.get()),
        settings: format!(
            "{n} agencies, {} documents per peak run, concurrency {}, echo {} calls of {} bytes",
            args.documents,
            args.concurrency,
            args.echo_requests,
            payload_len(&ctx)
        ),
        rows,
        seconds: started.elapsed().as_secs_f64(),
    };
    if args.json {
        eprintln!("{}", table.render());
        println!("{}", serde_json::to_string_pretty(&table)?);
    } else {
        println!("{}", table.render());
    }
    Ok(())
}

/// The echo payload is as large as an encoded document header, so that both sides move
/// comparable bytes.
fn payload_len(ctx: &Ctx) -> usize {
    hub_bench::header(&ctx.a48.codes[0], &ctx.a48.codes[1], 2000, "0000000000").encoded_len()
}

/// The bare echo's calls per second.
async fn echo_row(ctx: &Ctx, args: &Args) -> anyhow::Result<f64> {
    eprintln!("echo baseline: {} calls…", args.echo_requests);
    let server = echo::EchoServer::start(ctx.hub48.clone(), setup::TRUST_DOMAIN).await?;
    let clients = echo::connect_all(server.addr, &ctx.a48.files).await?;
    let len = payload_len(ctx);
    // Warm-up (not measured): HTTP/2 windows, allocator, lazy statics.
    echo::run(&clients, 200.min(args.echo_requests), ctx.concurrency, len)
        .await
        .context("echo warm-up")?;
    let measured = echo::run(&clients, args.echo_requests, ctx.concurrency, len)
        .await
        .context("echo baseline")?;
    drop(clients);
    server.stop().await?;
    let s = measured
        .summary()
        .context("the echo baseline measured nothing")?;
    eprintln!(
        "  {:.0} calls/s, p50 {:.2} ms, p99 {:.2} ms",
        s.ops_per_sec, s.p50_ms, s.p99_ms
    );
    Ok(s.ops_per_sec)
}

/// Documents/s of a hub run, and what went wrong (for the row's note).
fn rate_of(out: &HubOutcome, timeout: u64) -> (Option<f64>, String) {
    let problems = out.problems(timeout);
    let s = out.send_to_ack.summary();
    if let Some(s) = s {
        eprintln!(
            "  {:.0} documents/s, send→ack p50 {:.1} ms, p99 {:.1} ms",
            s.ops_per_sec, s.p50_ms, s.p99_ms
        );
    }
    for p in &problems {
        eprintln!("  problem: {p}");
    }
    (s.map(|s| s.ops_per_sec), problems.join("; "))
}

/// Rows 1 and 2; returns the SQLite peak (documents/s).
async fn sqlite_rows(
    ctx: &Ctx,
    args: &Args,
    echo: f64,
    rows: &mut Vec<Row>,
) -> anyhow::Result<Option<f64>> {
    let run = SingleRun {
        label: "SQLite peak",
        documents: args.documents,
        rate: None,
        database_url: None,
        preloaded: None,
    };
    let before = stats::ProcessCounters::now();
    let out = scenarios::single_hub(ctx, run).await?;
    let cost =
        stats::ProcessCounters::now().per_item_since(&before, out.send_to_ack.latencies.len());
    let (peak, note) = rate_of(&out, args.timeout_secs);
    const FIGURE: &str = "SQLite send→ack peak (docs/s)";
    rows.push(match peak {
        Some(p) => Row::measured(
            "sqlite_peak",
            FIGURE,
            p,
            "docs/s",
            "echo calls/s",
            Some(echo),
            Goal::RatioAtLeast(0.12),
        )
        .with_note(format!("beyond: 0.25× the echo; {cost}{}", sep(&note))),
        None => Row::skipped("sqlite_peak", FIGURE, Goal::RatioAtLeast(0.12), note),
    });
    const LATENCY: &str = "SQLite p99 send→ack at half the peak (ms)";
    if args.only_peak {
        rows.push(Row::skipped(
            "sqlite_p99_half_rate",
            LATENCY,
            Goal::ValueAtMost(25.0),
            "skipped (--only-peak)".into(),
        ));
        return Ok(peak);
    }
    let Some(p) = peak else {
        rows.push(Row::skipped(
            "sqlite_p99_half_rate",
            LATENCY,
            Goal::ValueAtMost(25.0),
            "no peak to halve".into(),
        ));
        return Ok(None);
    };
    let run = SingleRun {
        label: "SQLite half rate",
        documents: (args.documents / 2).max(10),
        rate: Some(p / 2.0),
        database_url: None,
        preloaded: None,
    };
    let out = scenarios::single_hub(ctx, run).await?;
    let (_, note) = rate_of(&out, args.timeout_secs);
    rows.push(match out.send_to_ack.summary() {
        Some(s) => Row::measured(
            "sqlite_p99_half_rate",
            LATENCY,
            s.p99_ms,
            "ms",
            format!("p50 {:.1} ms at {:.0} docs/s", s.p50_ms, p / 2.0),
            None,
            Goal::ValueAtMost(25.0),
        )
        .with_note(note),
        None => Row::skipped(
            "sqlite_p99_half_rate",
            LATENCY,
            Goal::ValueAtMost(25.0),
            note,
        ),
    });
    Ok(Some(p))
}

fn sep(note: &str) -> String {
    if note.is_empty() {
        String::new()
    } else {
        format!("; {note}")
    }
}

/// Row 3: the same workload on a fresh PostgreSQL database.
async fn postgres_row(ctx: &Ctx, args: &Args, sqlite: Option<f64>) -> Row {
    const FIGURE: &str = "PostgreSQL send→ack peak (docs/s)";
    let goal = Goal::RatioAtLeast(0.5);
    if args.postgres_url == "none" {
        return Row::skipped(
            "postgres_peak",
            FIGURE,
            goal,
            "skipped (--postgres-url none)".into(),
        );
    }
    let db = match scenarios::create_database(&args.postgres_url).await {
        Ok(db) => db,
        Err(e) => return Row::skipped("postgres_peak", FIGURE, goal, format!("skipped: {e:#}")),
    };
    let run = SingleRun {
        label: "PostgreSQL peak",
        documents: args.documents,
        rate: None,
        database_url: Some(db.url.clone()),
        preloaded: None,
    };
    let out = scenarios::single_hub(ctx, run).await;
    scenarios::drop_database(db).await;
    hub_row(
        out,
        args,
        "postgres_peak",
        FIGURE,
        "SQLite peak",
        sqlite,
        goal,
    )
}

/// A row of documents/s against another documents/s figure.
fn hub_row(
    out: anyhow::Result<HubOutcome>,
    args: &Args,
    id: &'static str,
    figure: &str,
    baseline_label: &str,
    baseline: Option<f64>,
    goal: Goal,
) -> Row {
    match out {
        Ok(out) => match rate_of(&out, args.timeout_secs) {
            (Some(v), note) => {
                Row::measured(id, figure, v, "docs/s", baseline_label, baseline, goal)
                    .with_note(note)
            }
            (None, note) => Row::skipped(id, figure, goal, note),
        },
        Err(e) => Row::skipped(id, figure, goal, format!("failed: {e:#}")),
    }
}

/// Row 4: three hubs.
async fn federation_row(ctx: &Ctx, args: &Args, single: Option<f64>) -> Row {
    let out = scenarios::federation(ctx, args.documents).await;
    hub_row(
        out,
        args,
        "federation_peak",
        "3 hubs, province→national→province (docs/s)",
        "single-hub SQLite peak",
        single,
        Goal::RatioAtLeast(0.5),
    )
    .with_note_if_empty(format!(
        "{} agencies on H48 ⇄ {} on H41, every hub on SQLite",
        ctx.a48.codes.len(),
        ctx.a41.codes.len()
    ))
}

/// Row 5: the large attachment, and the hub's peak memory meanwhile.
async fn big_rows(ctx: &Ctx, args: &Args) -> [Row; 2] {
    let mib = args.big_attachment_mib;
    let figure = format!("{mib} MiB attachment sent + fetched (MiB/s)");
    const MEMORY: &str = "hub peak resident memory, attachment row (MiB)";
    let (goal, memory_goal) = (Goal::RatioAtLeast(0.5), Goal::ValueAtMost(64.0));
    if mib == 0 {
        let why = "skipped (--big-attachment-mib 0)".to_string();
        return [
            Row::skipped("big_attachment", figure, goal, why.clone()),
            Row::skipped("hub_peak_memory", MEMORY, memory_goal, why),
        ];
    }
    eprintln!("large attachment: {mib} MiB up and down, bare stream then hub…");
    let size = mib << 20;
    let measured = async {
        let echo = big::echo_baseline(&ctx.hub48, &ctx.a48.files[0], size).await?;
        let hub = big::run(&ctx.dir, &ctx.hub48, &ctx.a48, size, args.in_process_hub).await?;
        anyhow::Ok((echo, hub))
    }
    .await;
    match measured {
        Ok((echo, hub)) => {
            eprintln!(
                "  hub {:.0} MiB/s, bare stream {echo:.0} MiB/s, hub peak {:.1} MiB",
                hub.hub_mib_s, hub.hub_peak_mib
            );
            [
                Row::measured(
                    "big_attachment",
                    figure,
                    hub.hub_mib_s,
                    "MiB/s",
                    "bare tonic byte stream MiB/s",
                    Some(echo),
                    goal,
                ),
                Row::measured(
                    "hub_peak_memory",
                    MEMORY,
                    hub.hub_peak_mib,
                    "MiB",
                    "",
                    None,
                    memory_goal,
                )
                .with_note(hub.memory_note),
            ]
        }
        Err(e) => {
            let why = format!("failed: {e:#}");
            [
                Row::skipped("big_attachment", figure, goal, why.clone()),
                Row::skipped("hub_peak_memory", MEMORY, memory_goal, why),
            ]
        }
    }
}

/// Row 6: the single hub on a preloaded store.
async fn preload_row(ctx: &Ctx, args: &Args, empty: Option<f64>) -> Row {
    let n = args.preload;
    let figure = format!("SQLite peak with {n} documents stored (docs/s)");
    let goal = Goal::RatioAtLeast(0.9);
    if n == 0 {
        return Row::skipped(
            "preloaded_peak",
            figure,
            goal,
            "skipped (--preload 0)".into(),
        );
    }
    let prepared = preload::prepare(&args.cache_dir, &ctx.dir, &ctx.hub48, &ctx.a48, n).await;
    let (db, cached) = match prepared {
        Ok(p) => p,
        Err(e) => {
            return Row::skipped(
                "preloaded_peak",
                figure,
                goal,
                format!("preload failed: {e:#}"),
            );
        }
    };
    let run = SingleRun {
        label: "SQLite preloaded",
        documents: args.documents,
        rate: None,
        database_url: None,
        preloaded: Some(db.clone()),
    };
    let out = scenarios::single_hub(ctx, run).await;
    hub_row(
        out,
        args,
        "preloaded_peak",
        &figure,
        "empty-store SQLite peak",
        empty,
        goal,
    )
    .with_note_if_empty(format!(
        "store {} {}",
        if cached {
            "from the cache"
        } else {
            "built this run, cached"
        },
        db.display()
    ))
}
