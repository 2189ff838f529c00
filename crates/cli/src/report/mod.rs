//! `lienthong report …`: the reporting service (lienthong-reporting) — regimes, periods, drafts,
//! submission, review, compliance and export.
//!
//! `regimes.rs` holds the commands about regimes and periods, `reports.rs` those on one
//! agency's report, `compliance.rs` the owner's views of a period; `names.rs` words the
//! service's enums.
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use lienthong_api::reporting::v1::reporting_service_client::ReportingServiceClient;
use lienthong_platform::client::TracedChannel;

use crate::{Global, conn};

mod compliance;
mod names;
mod regimes;
mod reports;

type Client = ReportingServiceClient<TracedChannel>;

#[derive(Args, Debug)]
#[command(after_long_help = "Examples:\n  \
    lienthong --as 000.00.12.H48 report periods AXIS-MONTHLY\n  \
    lienthong --as 000.00.12.H48 report draft AXIS-MONTHLY 2026-03 --value AXIS.SENT=12\n  \
    lienthong --as 000.00.01.H48 report compliance AXIS-MONTHLY 2026-03 --scope '*.H48'")]
pub struct ReportArgs {
    /// The reporting service to talk to.
    #[arg(
        long,
        env = "LIENTHONG_REPORTING_ENDPOINT",
        default_value = "https://127.0.0.1:7445",
        global = true,
        value_name = "URL"
    )]
    pub reporting_endpoint: String,

    #[command(subcommand)]
    pub command: ReportCommand,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// CSV (RFC 4180).
    Csv,
    /// A Markdown report.
    Markdown,
}

// The arguments of the commands with many (no doc comment: the command's is its help).
#[derive(Args, Debug)]
pub struct ShowArgs {
    /// The regime's code.
    pub regime: String,
    /// The period key.
    pub period: String,
    /// The submitting agency (the owner and admins may read any).
    pub agency: Option<String>,
    /// List every report of the period you may see instead (every page, unless --page-size or
    /// --page-token asks for one).
    #[arg(long, conflicts_with = "agency")]
    pub all: bool,
    /// With --all: at most this many reports (one page).
    #[arg(long, value_name = "N", requires = "all")]
    pub page_size: Option<u32>,
    /// With --all: the page after this one (a next_page_token printed before).
    #[arg(long, value_name = "TOKEN", requires = "all")]
    pub page_token: Option<String>,
}

#[derive(Args, Debug)]
pub struct RegimesArgs {
    /// Show only this regime.
    pub code: Option<String>,
    #[command(flatten)]
    pub page: PageArgs,
}

/// The paging options of `report regimes`.
#[derive(Args, Debug, Clone, Default)]
pub struct PageArgs {
    /// At most this many per page (the service's default applies without it).
    #[arg(long, value_name = "N", conflicts_with = "code")]
    pub page_size: Option<u32>,
    /// The page after this one (a next_page_token printed before).
    #[arg(long, value_name = "TOKEN", conflicts_with = "code")]
    pub page_token: Option<String>,
    /// Every page, not only the first.
    #[arg(long, conflicts_with = "code")]
    pub all: bool,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The regime's code.
    pub regime: String,
    /// The period key.
    pub period: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: Format,
    /// Only agencies matching this pattern.
    #[arg(long, default_value = "")]
    pub scope: String,
    /// Write to this file instead of standard output (a new file: an existing one, or a
    /// symbolic link, is refused unless --force, which replaces it — never a link's target).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace the file given with --out if it exists.
    #[arg(long, requires = "out")]
    pub force: bool,
}

#[derive(Subcommand, Debug)]
pub enum ReportCommand {
    /// List the reporting regimes, or show one with its indicators.
    Regimes(RegimesArgs),
    /// The periods of a regime in a year: cutoff window, due date, open for you.
    Periods {
        /// The regime's code (e.g. KH61, AXIS-MONTHLY).
        regime: String,
        /// The year (default: the current year).
        #[arg(long, default_value_t = 0)]
        year: u32,
    },
    /// Create your draft (pre-filled from statistics) or change its values.
    Draft {
        /// The regime's code.
        regime: String,
        /// The period key: 2026-03, 2026-Q1, 2026-6M, 2026-9M, 2026, or a window
        /// 2026-03-01..2026-03-20 for ad hoc regimes.
        period: String,
        /// A value to set, INDICATOR=VALUE (repeatable; an empty value clears it).
        #[arg(long = "value", value_name = "CODE=VALUE")]
        values: Vec<String>,
    },
    /// Submit (or resubmit, after a return) your report.
    Submit {
        /// The regime's code.
        regime: String,
        /// The period key.
        period: String,
    },
    /// Accept a submitted report (the regime's owner).
    Accept {
        /// The regime's code.
        regime: String,
        /// The period key.
        period: String,
        /// The submitting agency.
        agency: String,
    },
    /// Return a submitted report to its submitter (the regime's owner).
    Return {
        /// The regime's code.
        regime: String,
        /// The period key.
        period: String,
        /// The submitting agency.
        agency: String,
        /// Why it is returned.
        #[arg(long)]
        reason: String,
    },
    /// Show a report with its history (yours by default), or list the period's reports with --all.
    Show(ShowArgs),
    /// Per-indicator totals over accepted reports and who submitted on time, late or not at all.
    Compliance {
        /// The regime's code.
        regime: String,
        /// The period key.
        period: String,
        /// Only agencies matching this pattern, e.g. '*.H48' or '000.00.1?.H48'.
        #[arg(long, default_value = "")]
        scope: String,
    },
    /// Export a period as CSV or as a Markdown report.
    Export(ExportArgs),
}

async fn client(g: &Global, endpoint: &str) -> Result<Client> {
    let channel = conn::channel_to(g, endpoint, "--reporting-endpoint").await?;
    Ok(ReportingServiceClient::new(channel)
        .max_decoding_message_size(conn::MAX_MESSAGE)
        .max_encoding_message_size(conn::MAX_MESSAGE))
}

pub async fn run(g: &Global, args: ReportArgs) -> Result<()> {
    use ReportCommand as C;
    let c = &mut client(g, &args.reporting_endpoint).await?;
    match args.command {
        C::Regimes(args) => regimes::regimes(g, c, args).await,
        C::Periods { regime, year } => regimes::periods(g, c, regime, year).await,
        C::Draft {
            regime,
            period,
            values,
        } => reports::draft(g, c, regime, period, &values).await,
        C::Submit { regime, period } => reports::submit(g, c, regime, period).await,
        C::Accept {
            regime,
            period,
            agency,
        } => reports::accept(g, c, regime, period, agency).await,
        C::Return {
            regime,
            period,
            agency,
            reason,
        } => reports::give_back(g, c, regime, period, agency, reason).await,
        C::Show(args) => reports::show(g, c, args).await,
        C::Compliance {
            regime,
            period,
            scope,
        } => compliance::compliance(g, c, regime, period, scope).await,
        C::Export(args) => compliance::export(g, c, args).await,
    }
}
