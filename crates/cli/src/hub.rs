//! The hub itself: `lienthong health`, and `lienthong hub status`, what an operator watches —
//! the hub's role and, per peer, the relay backlog (outbox depth, oldest pending age, last
//! error).
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use lienthong_api::exchange::v1::{
    GetHubStatusRequest, GetHubStatusResponse, hub_admin_service_client::HubAdminServiceClient,
};
use serde_json::{Value, json};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

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
        println!("{}", status_json(&s));
    } else {
        print!("{}", status_text(&s));
    }
    Ok(())
}

pub fn status_json(s: &GetHubStatusResponse) -> Value {
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
    json!({"hub_id": s.hub_id, "role": s.role, "serves": s.serves, "peers": peers})
}

/// The hub's role and served units, then one line per peer (and its last error).
pub fn status_text(s: &GetHubStatusResponse) -> String {
    let mut out = format!(
        "hub {} ({}), serves {}\n",
        s.hub_id,
        s.role,
        s.serves.join(", ")
    );
    if s.peers.is_empty() {
        out.push_str("no peers\n");
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
        out.push_str(&format!("  → {:<10} {:<28} {state}\n", p.peer, p.endpoint));
        if !p.last_error.is_empty() {
            out.push_str(&format!("      last error: {}\n", p.last_error));
        }
    }
    out
}

/// `lienthong health`: the hub's overall serving status; success only when it is serving.
pub async fn health(g: &Global) -> Result<ExitCode> {
    let mut client = HealthClient::new(conn::channel(g).await?);
    let r = client
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await?
        .into_inner();
    let status = r.status();
    let name = status.as_str_name();
    if g.json {
        println!("{}", json!({"endpoint": g.endpoint, "status": name}));
    } else {
        println!("{name}");
    }
    Ok(if status == ServingStatus::Serving {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[cfg(test)]
mod tests {
    use lienthong_api::exchange::v1::PeerStatus;

    use super::*;

    #[test]
    fn status_text_shows_backlog_per_peer() {
        let mut s = GetHubStatusResponse {
            hub_id: "H48".into(),
            role: "provincial".into(),
            serves: vec!["H48".into(), "H49".into()],
            peers: vec![],
        };
        assert_eq!(
            status_text(&s),
            "hub H48 (provincial), serves H48, H49\nno peers\n"
        );
        s.peers = vec![
            PeerStatus {
                peer: "national".into(),
                endpoint: "https://127.0.0.1:7450".into(),
                outbox_depth: 0,
                ..Default::default()
            },
            PeerStatus {
                peer: "H41".into(),
                endpoint: "https://127.0.0.1:7451".into(),
                outbox_depth: 3,
                oldest_pending_age_seconds: 12.6,
                last_error: "connection refused".into(),
            },
        ];
        assert_eq!(
            status_text(&s),
            "hub H48 (provincial), serves H48, H49\n\
             \x20 → national   https://127.0.0.1:7450       up to date\n\
             \x20 → H41        https://127.0.0.1:7451       3 waiting, oldest 13 s\n\
             \x20     last error: connection refused\n"
        );
    }

    #[test]
    fn serving_status_names_are_the_protocol_names() {
        let names = [
            ServingStatus::Serving,
            ServingStatus::NotServing,
            ServingStatus::ServiceUnknown,
            ServingStatus::Unknown,
        ]
        .map(|s| s.as_str_name());
        assert_eq!(
            names,
            ["SERVING", "NOT_SERVING", "SERVICE_UNKNOWN", "UNKNOWN"]
        );
    }
}
