//! `lienthong hub status`: what an operator watches — the hub's role and, per peer, the relay
//! backlog (outbox depth, oldest pending age, last error).
use anyhow::Result;
use clap::Subcommand;
use lienthong_api::exchange::v1::{
    GetHubStatusRequest, hub_admin_service_client::HubAdminServiceClient,
};
use serde_json::json;

use crate::{Global, conn};

#[derive(Subcommand, Debug)]
pub enum HubCommand {
    /// The hub's role, served units and per-peer relay backlog (admin identities only).
    Status,
}

pub async fn run(g: &Global, command: HubCommand) -> Result<()> {
    match command {
        HubCommand::Status => status(g).await,
    }
}

async fn status(g: &Global) -> Result<()> {
    let mut client = HubAdminServiceClient::new(conn::channel(g).await?);
    let s = client
        .get_hub_status(GetHubStatusRequest {})
        .await?
        .into_inner();
    if g.json {
        let peers: Vec<_> = s
            .peers
            .iter()
            .map(|p| {
                json!({
                    "peer": p.peer,
                    "endpoint": p.endpoint,
                    "outbox_depth": p.outbox_depth,
                    "oldest_pending_age_seconds": p.oldest_pending_age_seconds,
                    "last_error": p.last_error,
                })
            })
            .collect();
        println!(
            "{}",
            json!({"hub_id": s.hub_id, "role": s.role, "serves": s.serves, "peers": peers})
        );
        return Ok(());
    }
    println!(
        "hub {} ({}), serves {}",
        s.hub_id,
        s.role,
        s.serves.join(", ")
    );
    if s.peers.is_empty() {
        println!("no peers");
    }
    for p in &s.peers {
        let state = if p.outbox_depth == 0 {
            "up to date".to_string()
        } else {
            format!(
                "{} waiting, oldest {:.0} s",
                p.outbox_depth, p.oldest_pending_age_seconds
            )
        };
        println!("  → {:<10} {:<28} {state}", p.peer, p.endpoint);
        if !p.last_error.is_empty() {
            println!("      last error: {}", p.last_error);
        }
    }
    Ok(())
}
