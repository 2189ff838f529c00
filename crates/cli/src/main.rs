//! `lienthong`: the command line of the document exchange axis.
//!
//! Development PKI, sending and receiving documents, business statuses, revocation, the
//! sender's view and the agency directory, over mutual TLS to an exchange hub.
use std::{path::PathBuf, process::ExitCode};

use clap::{Args, Parser, Subcommand};
use lienthong_platform::{config::DEFAULT_TRUST_DOMAIN, telemetry, tls};

mod commands;
mod conn;
mod directory;
mod documents;
mod fetch;
mod hub;
mod inbox;
mod pki;
mod progress;
mod render;
mod report;
mod send;
mod sent;
mod tasks;

/// The lienthong command line: development PKI, send, inbox, fetch, ack, status, revoke, sent,
/// agencies.
#[derive(Parser, Debug)]
#[command(name = "lienthong", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// The exchange hub to talk to.
    #[arg(
        long,
        env = "LIENTHONG_ENDPOINT",
        default_value = "https://127.0.0.1:7443",
        global = true
    )]
    pub endpoint: String,

    /// Client certificate (PEM) whose URI SAN is the caller's SPIFFE identity.
    #[arg(long, env = "LIENTHONG_CERT", global = true)]
    pub cert: Option<PathBuf>,

    /// Private key of the client certificate (PEM).
    #[arg(long, env = "LIENTHONG_KEY", global = true)]
    pub key: Option<PathBuf>,

    /// The axis CA certificate (PEM) the hub's certificate must chain to.
    #[arg(long, env = "LIENTHONG_CA", global = true)]
    pub ca: Option<PathBuf>,

    /// The CA's revocation list (PEM), checked against the hub's certificate.
    #[arg(long, env = "LIENTHONG_CRL", global = true)]
    pub crl: Option<PathBuf>,

    /// A development PKI directory (made by `lienthong pki init`); with --as, picks the
    /// certificate, key, CA and CRL from it.
    #[arg(long, env = "LIENTHONG_PKI", global = true, value_name = "DIR")]
    pub pki: Option<PathBuf>,

    /// Who to act as, with --pki: an agency code (000.00.00.H48) or a certificate label
    /// (agency-000.00.00.H48, admin-operator, service-tasks, hub-H48).
    #[arg(
        long = "as",
        env = "LIENTHONG_AS",
        global = true,
        value_name = "IDENTITY"
    )]
    pub as_identity: Option<String>,

    /// SPIFFE trust domain of the certificates.
    #[arg(
        long,
        env = "LIENTHONG_TRUST_DOMAIN",
        default_value = DEFAULT_TRUST_DOMAIN,
        global = true
    )]
    pub trust_domain: String,

    /// Print JSON instead of text (one object per line for streams).
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Manage a development PKI (CA, CRL, certificates).
    #[command(subcommand)]
    Pki(pki::PkiCommand),
    /// Send a document to one or more agencies.
    Send(send::SendArgs),
    /// List (or follow) the caller's inbox: documents and status messages.
    Inbox(inbox::InboxArgs),
    /// Fetch a document: header and attachments, verified against their SHA-256.
    Fetch(fetch::FetchArgs),
    /// Acknowledge a received document (records status 01).
    Ack {
        /// The DocumentId.
        document_id: String,
    },
    /// Report a business status on a received document (02–06), or answer a revoke (15/16).
    Status(documents::StatusArgs),
    /// Ask every recipient of a document you sent to revoke it (status 13).
    Revoke {
        /// The DocumentId.
        document_id: String,
        /// Why the document is revoked.
        #[arg(long)]
        reason: String,
    },
    /// The sender's view: one document (per recipient) or the list of sent documents.
    Sent(sent::SentArgs),
    /// List the agencies of the hub, or show one.
    Agencies {
        /// Show only this agency.
        code: Option<String>,
    },
    /// Register or remove an agency (admin identities only).
    #[command(subcommand)]
    Agency(directory::AgencyCommand),
    /// Check that the hub is serving (exit status 0 only when it is).
    Health,
    /// Operator view of the hub (admin identities only): role, peers, relay backlog.
    #[command(subcommand)]
    Hub(hub::HubCommand),
    /// Periodic reporting (lienthong-reporting): regimes, periods, draft, submit, accept,
    /// return, show, compliance, export.
    Report(report::ReportArgs),
    /// Task tracking (lienthong-tasks): list, show, create, progress, submit, confirm, return,
    /// extend, decide, watch, table.
    Tasks(tasks::TasksArgs),
}

fn main() -> ExitCode {
    quiet_on_closed_stdout();
    tls::install_crypto_provider();
    telemetry::install_propagator();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}", describe_error(&e));
            ExitCode::FAILURE
        }
    }
}

/// `lienthong … | head` closes standard output early; `println!` then panics. Stop quietly
/// instead, as other command-line tools do.
fn quiet_on_closed_stdout() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}

/// `error: <gRPC code name> (<number>): <message>` for a failed call; the error chain otherwise.
fn describe_error(e: &anyhow::Error) -> String {
    for (depth, cause) in e.chain().enumerate() {
        if let Some(status) = cause.downcast_ref::<tonic::Status>() {
            let code = status.code();
            let message = status.message();
            let message = if message.is_empty() {
                code.description()
            } else {
                message
            };
            // Context added on the way up (e.g. a local failure that explains the call's).
            let context = if depth == 0 {
                String::new()
            } else {
                let outer: Vec<String> = e.chain().take(depth).map(|c| c.to_string()).collect();
                format!(" [{}]", outer.join(": "))
            };
            return format!("error: {code:?} ({}): {message}{context}", code as i32);
        }
    }
    format!("error: {e:#}")
}
