//! `lienthong-bench` (`make bench`): N agencies send small documents to each other through one
//! in-process exchange hub, recipients subscribed and acknowledging; printed next to a bare
//! tonic echo served over the same mTLS and authorization layer, measured in the same run.
//!
//! Nothing here asserts on timing: the machine running it may be noisy, which is why the
//! baseline is printed beside the hub's figures.
mod echo;
mod hub_bench;
mod stats;

use std::{path::Path, time::Duration};

use anyhow::Context;
use clap::Parser;
use lienthong_api::exchange::v1::exchange_service_client::ExchangeServiceClient;
use lienthong_exchange::service::{ExchangeArgs, start};
use lienthong_platform::{
    Identity, client, config::ServerArgs, pki::DevCa, shutdown::Shutdown, tls::TlsFiles,
};
use prost::Message;

use crate::{hub_bench::Participant, stats::Summary};

const TRUST_DOMAIN: &str = "lienthong.dev";
const HUB_ID: &str = "H48";

/// Benchmark of the exchange hub beside a bare mTLS echo baseline.
#[derive(Parser, Debug)]
#[command(name = "lienthong-bench", version, about)]
struct Args {
    /// Agencies taking part (2 to 99); each has its own certificate and connection.
    #[arg(long, env = "LIENTHONG_BENCH_AGENCIES", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(2..=99))]
    agencies: u32,

    /// Documents sent in total, round-robin from every agency to the others.
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

    /// PostgreSQL URL for the hub's database; default: SQLite in a temporary directory.
    #[arg(long, env = "LIENTHONG_BENCH_DATABASE_URL")]
    database_url: Option<String>,

    /// The hub phase gives up after this many seconds (the run always ends by itself).
    #[arg(long, env = "LIENTHONG_BENCH_TIMEOUT_SECS", default_value_t = 300)]
    timeout_secs: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    lienthong_platform::tls::install_crypto_provider();

    let n = args.agencies as usize;
    let concurrency = args.concurrency as usize;
    let tmp = tempfile::Builder::new()
        .prefix("lienthong-bench-")
        .tempdir()
        .context("creating the temporary directory")?;

    // PKI: one hub certificate (also used by the echo server), one per agency.
    let mut ca = DevCa::init(&tmp.path().join("pki"), TRUST_DOMAIN).context("creating the CA")?;
    let hub_files = ca
        .issue(&Identity::Hub(HUB_ID.into()), &[])
        .context("issuing the hub certificate")?;
    let codes: Vec<String> = (1..=n).map(|i| format!("000.00.{i:02}.{HUB_ID}")).collect();
    let mut agency_files = Vec::with_capacity(n);
    for code in &codes {
        agency_files.push(
            ca.issue(&Identity::agency(code)?, &[])
                .with_context(|| format!("issuing the certificate of {code}"))?,
        );
    }

    // The echo payload is as large as an encoded document header, so that both sides move
    // comparable bytes.
    let payload_len =
        hub_bench::header(&codes[0], &codes[1], args.documents, "0000000000").encoded_len();
    let backend = if args.database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    eprintln!(
        "lienthong bench: {n} agencies, {} documents, concurrency {concurrency}, {backend}",
        args.documents
    );

    // 1. Baseline.
    eprintln!(
        "echo baseline: {} calls of {payload_len} bytes…",
        args.echo_requests
    );
    let echo = run_echo(&hub_files, &agency_files, &args, payload_len).await?;

    // 2. The hub.
    eprintln!("hub: {} documents…", args.documents);
    let outcome = run_hub(tmp.path(), &hub_files, &codes, &agency_files, &args).await?;

    print_report(&args, backend, payload_len, echo.summary(), &outcome);
    Ok(())
}

async fn run_echo(
    server_files: &TlsFiles,
    client_files: &[TlsFiles],
    args: &Args,
    payload_len: usize,
) -> anyhow::Result<stats::Measurement> {
    let server = echo::EchoServer::start(server_files.clone(), TRUST_DOMAIN).await?;
    let clients = echo::connect_all(server.addr, client_files).await?;
    let concurrency = args.concurrency as usize;
    // Warm-up (not measured): HTTP/2 windows, allocator, lazy statics.
    echo::run(
        &clients,
        200.min(args.echo_requests),
        concurrency,
        payload_len,
    )
    .await
    .context("echo warm-up")?;
    let measured = echo::run(&clients, args.echo_requests, concurrency, payload_len)
        .await
        .context("echo baseline")?;
    drop(clients);
    server.stop().await?;
    Ok(measured)
}

async fn run_hub(
    tmp: &Path,
    hub_files: &TlsFiles,
    codes: &[String],
    agency_files: &[TlsFiles],
    args: &Args,
) -> anyhow::Result<hub_bench::HubOutcome> {
    let seed_path = tmp.join("agencies.json");
    let seed: Vec<String> = codes
        .iter()
        .enumerate()
        .map(|(i, code)| {
            format!(
                r#"  {{"code": "{code}", "name": "Benchmark agency {}"}}"#,
                i + 1
            )
        })
        .collect();
    std::fs::write(&seed_path, format!("[\n{}\n]\n", seed.join(",\n")))
        .with_context(|| format!("writing {}", seed_path.display()))?;

    let mut server = ServerArgs::new(hub_files.clone(), tmp.join("hub-data"));
    server.database_url = args.database_url.clone();
    server.tls_reload_secs = 60.0;
    server.trust_domain = TRUST_DOMAIN.into();
    server.shutdown_grace_secs = 2.0;
    let hub_args = ExchangeArgs {
        hub_id: HUB_ID.into(),
        seed_agencies: Some(seed_path),
        max_attachment_bytes: 1 << 20,
        max_attachments: 10,
        // Every document in flight may be one agency's upload: the benchmark measures
        // throughput, not the per-agency limit (which would refuse the excess at once).
        max_uploads_per_agency: (args.concurrency as usize).max(8),
        max_open_uploads: (args.concurrency as usize).max(256),
        ..ExchangeArgs::new(server)
    };
    let hub = start(hub_args, Shutdown::new())
        .await
        .context("starting the exchange hub")?;
    let url = format!("https://{}", hub.addr);

    let result = async {
        let mut participants = Vec::with_capacity(codes.len());
        for (code, files) in codes.iter().zip(agency_files) {
            let channel = client::connect(&url, files)
                .await
                .with_context(|| format!("{code} connecting to the hub at {url}"))?;
            participants.push(Participant {
                code: code.clone(),
                client: ExchangeServiceClient::new(channel),
            });
        }
        // Unique per run, so that a reused PostgreSQL database does not see the same ids.
        let run_tag = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
            .to_string();
        hub_bench::run(
            &participants,
            args.documents,
            args.concurrency as usize,
            &run_tag,
            Duration::from_secs(args.timeout_secs),
        )
        .await
    }
    .await;

    let stopped = hub.stop().await;
    let outcome = result?;
    if let Err(e) = stopped {
        eprintln!("warning: the hub did not stop cleanly: {e}");
    }
    Ok(outcome)
}

fn row(label: &str, s: Option<Summary>, with_rate: bool) -> String {
    match s {
        Some(s) => {
            let rate = if with_rate {
                format!("{:>10.1}", s.ops_per_sec)
            } else {
                format!("{:>10}", "-")
            };
            format!(
                "{label:<24}{rate}{:>10.2}{:>10.2}{:>10.2}{:>9}",
                s.p50_ms, s.p99_ms, s.max_ms, s.count
            )
        }
        None => format!("{label:<24}{:>10}", "no data"),
    }
}

fn print_report(
    args: &Args,
    backend: &str,
    payload_len: usize,
    echo: Option<Summary>,
    hub: &hub_bench::HubOutcome,
) {
    let ack = hub.send_to_ack.summary();
    let send = hub.send_rpc.summary();
    println!();
    println!(
        "lienthong bench — {} agencies, {} documents, concurrency {}, {backend}",
        args.agencies, args.documents, args.concurrency
    );
    println!(
        "{:<24}{:>10}{:>10}{:>10}{:>10}{:>9}",
        "", "ops/s", "p50 ms", "p99 ms", "max ms", "n"
    );
    println!("{}", row("mTLS echo (baseline)", echo, true));
    println!("{}", row("send→ack (hub)", ack, true));
    println!("{}", row("  of which send→receipt", send, false));
    match (echo, ack) {
        (Some(e), Some(a)) if e.ops_per_sec > 0.0 && a.ops_per_sec > 0.0 => println!(
            "hub/echo throughput: {:.4} ({:.1}× slower than the bare echo); p50 latency ratio {:.1}×",
            a.ops_per_sec / e.ops_per_sec,
            e.ops_per_sec / a.ops_per_sec,
            a.p50_ms / e.p50_ms
        ),
        _ => println!("hub/echo throughput: n/a"),
    }
    println!(
        "(echo payload {payload_len} bytes ≈ one encoded header; {} echo calls; documents in flight \
         are bounded from send start to acknowledgement)",
        args.echo_requests
    );

    let problems = problems(args, hub);
    println!(
        "hub: {} sent, {} acknowledged; status messages (01) received {}, confirmed {}{}",
        hub.sent_ok,
        hub.send_to_ack.latencies.len(),
        hub.status_messages,
        hub.status_confirmed,
        if hub.status_confirmed < hub.sent_ok {
            " (the rest were still on their way when the run ended: not measured)"
        } else {
            ""
        }
    );
    if problems.is_empty() {
        println!("no errors");
    } else {
        println!("PROBLEMS:");
        for p in problems {
            println!("  - {p}");
        }
    }
}

/// What went wrong during the hub phase, for the report.
fn problems(args: &Args, hub: &hub_bench::HubOutcome) -> Vec<String> {
    let mut problems = Vec::new();
    if hub.timed_out {
        problems.push(format!(
            "the hub phase timed out after {} s with {} documents neither acknowledged nor failed",
            args.timeout_secs, hub.missing
        ));
    } else if hub.missing > 0 {
        problems.push(format!("{} documents were never acknowledged", hub.missing));
    }
    if hub.send_failure_count > 0 {
        problems.push(format!(
            "{} sends failed, e.g.: {}",
            hub.send_failure_count,
            hub.send_failures.join(" | ")
        ));
    }
    if hub.ack_failure_count > 0 {
        problems.push(format!(
            "{} acknowledgements failed, e.g.: {}",
            hub.ack_failure_count,
            hub.ack_failures.join(" | ")
        ));
    }
    if hub.unexpected_documents > 0 {
        problems.push(format!(
            "{} documents delivered that this run did not send or had already acknowledged",
            hub.unexpected_documents
        ));
    }
    for e in &hub.subscription_errors {
        problems.push(format!("subscription ended early: {e}"));
    }
    if !hub.confirm_failures.is_empty() {
        problems.push(format!(
            "confirming status messages failed: {}",
            hub.confirm_failures.join(" | ")
        ));
    }
    problems
}
