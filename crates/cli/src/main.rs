//! `lienthong`: the command line of the document exchange axis.
//!
//! Development PKI, sending and receiving documents, business statuses, revocation, the
//! sender's view, the agency directory, the hub's status, tasks and reports, over mutual TLS —
//! for people (text) and for scripts (`--json`, exit statuses by class, see `docs/cli.md`).
use std::{path::PathBuf, process::ExitCode};

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use lienthong_platform::{config::DEFAULT_TRUST_DOMAIN, telemetry, tls};
use tonic::Code;

mod commands;
mod conn;
mod directory;
mod documents;
mod error;
mod fetch;
mod follow;
mod generate;
mod hub;
mod inbox;
mod output;
mod pki;
mod probe;
mod progress;
mod render;
mod report;
mod send;
mod sent;
mod tasks;
mod track;

use error::{EXIT_USAGE, Failure, Origin, failure_json, failure_text};

const ABOUT: &str = "The lienthong command line: development PKI, documents, directory, hub status, \
                     tasks and reports, over mutual TLS";

const AFTER_HELP: &str = "\
Global options may come before or after the command. `lienthong COMMAND --help` shows a command's
options and examples.

With --json, a command prints exactly one JSON document on stdout (streams: one per line), and a
failure one JSON object on stderr. Exit status: 0 ok, 1 other failure, 2 usage, 3 not found,
4 invalid argument, 5 unauthenticated or denied, 6 already exists or failed precondition,
7 unavailable (retry later).

Examples:
  lienthong pki init --dir .demo/pki
  export LIENTHONG_PKI=.demo/pki
  lienthong --as 000.00.00.H48 send --to 000.00.00.G22 --subject \"V/v triển khai\" --attach qd.pdf
  lienthong --as 000.00.00.G22 inbox --follow
  lienthong --as 000.00.00.G22 --json inbox | jq '.items[].item_id'";

/// The lienthong command line.
#[derive(Parser, Debug)]
#[command(
    name = "lienthong",
    version,
    about = ABOUT,
    after_long_help = AFTER_HELP,
    propagate_version = true
)]
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
    /// The exchange hub to talk to (https:// only: lienthong speaks mTLS).
    #[arg(
        long,
        env = "LIENTHONG_ENDPOINT",
        default_value = "https://127.0.0.1:7443",
        global = true,
        value_name = "URL"
    )]
    pub endpoint: String,

    /// Client certificate (PEM) whose URI SAN is the caller's SPIFFE identity.
    #[arg(long, env = "LIENTHONG_CERT", global = true, value_name = "FILE")]
    pub cert: Option<PathBuf>,

    /// Private key of the client certificate (PEM).
    #[arg(long, env = "LIENTHONG_KEY", global = true, value_name = "FILE")]
    pub key: Option<PathBuf>,

    /// The axis CA certificate (PEM) the server's certificate must chain to.
    #[arg(long, env = "LIENTHONG_CA", global = true, value_name = "FILE")]
    pub ca: Option<PathBuf>,

    /// The CA's revocation list (PEM), checked against the server's certificate.
    #[arg(long, env = "LIENTHONG_CRL", global = true, value_name = "FILE")]
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

    /// SPIFFE trust domain of the certificates (the PKI's own with --pki).
    #[arg(
        long,
        env = "LIENTHONG_TRUST_DOMAIN",
        default_value = DEFAULT_TRUST_DOMAIN,
        global = true,
        value_name = "DOMAIN"
    )]
    pub trust_domain: String,

    /// Print one JSON document on stdout (JSON Lines for streams) and failures as one JSON
    /// object on stderr.
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
    /// List (or follow) your inbox: documents and status messages.
    Inbox(inbox::InboxArgs),
    /// Fetch a document: header and attachments, verified against their SHA-256.
    Fetch(fetch::FetchArgs),
    /// Acknowledge received documents (records status 01 ARRIVED). Several DocumentIds go in
    /// one batched call (AcknowledgeDocuments, up to 500 per call); each gets its own result.
    #[command(after_long_help = "Examples:\n  \
        lienthong --as 000.00.00.G22 ack \"000.00.00.H48,2026/11/26,125/UBND-TH\"\n  \
        lienthong --as 000.00.00.G22 ack \"000.00.00.H48,2026/11/26,125/UBND-TH\" \"000.00.00.H48,2026/11/26,126/UBND-TH\"")]
    Ack {
        /// The DocumentIds.
        #[arg(required = true, num_args = 1..)]
        document_ids: Vec<String>,
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
    /// The sender's view: one document (per recipient, or watched) or the sent documents.
    Sent(sent::SentArgs),
    /// One document across hubs: every hop and status, the delays between them, the trace id
    /// (its sender, a recipient, or an admin identity).
    Track(track::TrackArgs),
    /// List the agencies of the hub, or show one.
    Agencies(directory::AgenciesArgs),
    /// Register or remove an agency (admin identities only).
    #[command(subcommand)]
    Agency(directory::AgencyCommand),
    /// Check that a server is serving (exit status 0 only when it is).
    Health,
    /// Operator view of the hub (admin identities only): role, peers, relay backlog.
    #[command(subcommand)]
    Hub(hub::HubCommand),
    /// Periodic reports (lienthong-reporting): regimes, periods, draft, submit, accept,
    /// return, show, compliance, export.
    Report(report::ReportArgs),
    /// Tasks (lienthong-tasks): list, show, create, progress, submit, confirm, return, extend,
    /// decide, pause, resume, refuse, watch, table.
    Tasks(tasks::TasksArgs),
    /// Generate shell completions or manual pages.
    #[command(subcommand)]
    Generate(generate::GenerateCommand),
}

fn main() -> ExitCode {
    quiet_on_closed_stdout();
    tls::install_crypto_provider();
    telemetry::install_propagator();
    let cli = match cli_command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    let global = cli.global.clone();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let f = Failure::local("RUNTIME", format!("cannot start the async runtime: {e}"));
            return report(&f, &global);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            let mut f = Failure::of(&e);
            if f.reason.as_deref() == Some("CONNECTION_LOST") {
                // Refused certificates often show only as a connection closed at once.
                if let Some(tls) = runtime.block_on(probe::tls_probe(&error::transport_target())) {
                    f = tls;
                }
            }
            report(&with_hints(f, &global), &global)
        }
    }
}

/// The command line, each command's usage line fixed to its own arguments: clap would show the
/// global options given (also through their environment variables, e.g. LIENTHONG_PKI) in the
/// usage line of an error as if the command required them.
pub fn cli_command() -> clap::Command {
    let mut cmd = Cli::command();
    cmd.build();
    plain_usage(cmd)
}

/// [`cli_command`] without the `help` subcommands clap adds to every group (for the manual
/// pages: `lienthong-tasks-help.1` would document nothing).
pub fn cli_command_without_help() -> clap::Command {
    fn no_help(cmd: clap::Command) -> clap::Command {
        let names: Vec<String> = cmd
            .get_subcommands()
            .map(|s| s.get_name().to_string())
            .collect();
        let mut cmd = cmd.disable_help_subcommand(true);
        for name in names {
            cmd = cmd.mut_subcommand(name, no_help);
        }
        cmd
    }
    let mut cmd = no_help(Cli::command());
    cmd.build();
    plain_usage(cmd)
}

fn plain_usage(mut cmd: clap::Command) -> clap::Command {
    let usage = cmd.render_usage().to_string();
    let usage = usage.trim_start_matches("Usage:").trim().to_string();
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        cmd = cmd.mut_subcommand(name, plain_usage);
    }
    cmd.override_usage(usage)
}

/// Prints a failure on stderr (one JSON object with `--json`); its exit status.
fn report(f: &Failure, g: &Global) -> ExitCode {
    if g.json {
        eprintln!("{}", failure_json(f));
    } else {
        eprint!("{}", failure_text(f));
    }
    ExitCode::from(f.exit_code())
}

/// A usage error (exit status 2), as clap words it; one JSON object with `--json`. Help and
/// version requests print and succeed.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let json = std::env::args_os().any(|a| a == "--json");
    if !json || matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(EXIT_USAGE));
    }
    // The error's paragraph, on one line (the usage line and the --help tip are left out).
    let text = e.render().to_string();
    let message = text
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
        .trim_start_matches("error: ")
        .to_string();
    let mut f = Failure::cli(Code::InvalidArgument, "USAGE", message);
    for tip in text.lines().filter_map(|l| l.trim().strip_prefix("tip: ")) {
        f = f.hint(tip);
    }
    let f = f.hint("`lienthong help COMMAND` lists its options");
    let mut v = failure_json(&f);
    v["exit_code"] = EXIT_USAGE.into();
    eprintln!("{v}");
    ExitCode::from(EXIT_USAGE)
}

/// Hints that need the command line: which identity was refused, which endpoint serves
/// something else.
fn with_hints(mut f: Failure, g: &Global) -> Failure {
    if f.origin != Origin::Server {
        return f;
    }
    match f.code {
        Code::PermissionDenied | Code::Unauthenticated => {
            if let Ok(who) = conn::caller(g) {
                f = f.hint(format!(
                    "you called as {who}; --as (with --pki) or --cert/--key pick another identity"
                ));
            }
        }
        Code::Unimplemented => {
            let t = error::transport_target();
            f = f.hint(format!(
                "{} does not serve this: is {} right? (the hub is --endpoint, the tasks service \
                 --tasks-endpoint, the reporting service --reporting-endpoint)",
                t.endpoint, t.flag
            ));
        }
        _ => {}
    }
    f
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_command_has_a_description() {
        fn check(cmd: &clap::Command, path: &str) {
            for sub in cmd.get_subcommands() {
                let path = format!("{path} {}", sub.get_name());
                assert!(sub.get_about().is_some(), "`{path}` has no description");
                for arg in sub.get_arguments() {
                    assert!(
                        arg.get_help().is_some() || arg.is_hide_set(),
                        "`{path}`: {} has no description",
                        arg.get_id()
                    );
                }
                check(sub, &path);
            }
        }
        check(&Cli::command(), "lienthong");
    }

    #[test]
    fn global_options_are_not_required_in_usage_lines() {
        let e = cli_command()
            .try_get_matches_from([
                "lienthong",
                "--pki",
                "/tmp/pki",
                "--endpoint",
                "https://h:1",
                "send",
                "--as",
                "000.00.00.H48",
            ])
            .unwrap_err();
        let text = e.render().to_string();
        let usage = text
            .lines()
            .find(|l| l.starts_with("Usage:"))
            .expect("a usage line");
        assert_eq!(
            usage,
            "Usage: lienthong send [OPTIONS] --to <CODE> --subject <SUBJECT>"
        );
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn commands_parse_with_the_fixed_usage_lines() {
        let m = cli_command()
            .try_get_matches_from(["lienthong", "--json", "tasks", "list", "--all"])
            .unwrap();
        let cli = Cli::from_arg_matches(&m).unwrap();
        assert!(cli.global.json);
        assert!(matches!(cli.command, Command::Tasks(_)));
    }
}
