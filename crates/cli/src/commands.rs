//! Runs the command the user chose: one function per command, in the module of its group.
use std::process::ExitCode;

use anyhow::Result;

use crate::{
    Cli, Command, directory, documents, fetch, generate, hub, inbox, pki, report, send, sent,
    tasks, track,
};

pub async fn run(cli: Cli) -> Result<ExitCode> {
    let g = &cli.global;
    match cli.command {
        Command::Pki(c) => pki::run(g, c)?,
        Command::Send(args) => send::run(g, args).await?,
        Command::Inbox(args) => inbox::run(g, args).await?,
        Command::Fetch(args) => fetch::run(g, args).await?,
        Command::Ack { document_ids } => documents::ack(g, document_ids).await?,
        Command::Status(args) => documents::status(g, args).await?,
        Command::Revoke {
            document_id,
            reason,
        } => documents::revoke(g, document_id, reason).await?,
        Command::Sent(args) => sent::run(g, args).await?,
        Command::Track(args) => track::run(g, args).await?,
        Command::Agencies(args) => directory::agencies(g, args).await?,
        Command::Agency(c) => directory::agency(g, c).await?,
        Command::Health => return hub::health(g).await,
        Command::Hub(c) => hub::run(g, c).await?,
        Command::Report(args) => report::run(g, args).await?,
        Command::Tasks(args) => tasks::run(g, args).await?,
        Command::Generate(c) => generate::run(g, c)?,
    }
    Ok(ExitCode::SUCCESS)
}
