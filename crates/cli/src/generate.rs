//! `lienthong generate`: shell completions (clap_complete) and manual pages (clap_mangen),
//! generated from the command-line definition itself (`make completions`).
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Subcommand;
use clap_complete::Shell;
use serde_json::json;

use crate::{Global, cli_command, cli_command_without_help, output};

#[derive(Subcommand, Debug)]
pub enum GenerateCommand {
    /// Shell completions for bash, zsh, fish, elvish and PowerShell, one file each.
    #[command(after_long_help = "Examples:\n  \
        lienthong generate completions --out target/completions\n  \
        source target/completions/lienthong.bash")]
    Completions {
        /// The directory to write them into (created if needed).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Manual pages (roff), one per command: lienthong.1, lienthong-send.1, …
    #[command(after_long_help = "Examples:\n  \
        lienthong generate man --out target/man\n  \
        man -l target/man/lienthong-send.1")]
    Man {
        /// The directory to write them into (created if needed).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

/// The files in `dir`, sorted.
fn files_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| dir.display().to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

fn completions(out: &Path) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::PowerShell,
    ] {
        let mut cmd = cli_command();
        written.push(
            clap_complete::generate_to(shell, &mut cmd, "lienthong", out).with_context(|| {
                format!("writing the {shell} completions into {}", out.display())
            })?,
        );
    }
    Ok(written)
}

pub fn run(g: &Global, command: GenerateCommand) -> Result<()> {
    let (what, out) = match &command {
        GenerateCommand::Completions { out } => ("completions", out.clone()),
        GenerateCommand::Man { out } => ("manual pages", out.clone()),
    };
    std::fs::create_dir_all(&out).with_context(|| out.display().to_string())?;
    let files = match command {
        GenerateCommand::Completions { .. } => completions(&out)?,
        GenerateCommand::Man { .. } => {
            clap_mangen::generate_to(cli_command_without_help(), &out)
                .with_context(|| format!("writing the manual pages into {}", out.display()))?;
            files_in(&out)?
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "1"))
                .collect()
        }
    };
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    if g.json {
        return output::document(&json!({"directory": out.display().to_string(), "files": names}));
    }
    println!("wrote {} {what} into {}", files.len(), out.display());
    for name in names {
        println!("  {name}");
    }
    Ok(())
}
