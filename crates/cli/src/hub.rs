//! The hub itself: `lienthong health`, and `lienthong hub status`, what an operator watches —
//! the hub's role and, per peer, the relay backlog (outbox depth, oldest pending age, last
//! error).
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use lienthong_api::exchange::v1::{
    GetHubStatusRequest, GetHubStatusResponse, HubRole,
    hub_admin_service_client::HubAdminServiceClient,
};
use serde_json::json;
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

use crate::{Global, conn, error::exit_code, output, render};

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
    output::emit(g, &s, || status_text(&s))
}

/// The role by its proto name without the prefix (`PROVINCIAL`).
fn role_text(role: HubRole) -> &'static str {
    render::short(role.as_str_name(), "HUB_ROLE_")
}

/// The hub's role and served units, one line per peer (and its last error), then the documents
/// it bounced as undeliverable (the most recent, newest first).
pub fn status_text(s: &GetHubStatusResponse) -> String {
    let mut out = format!(
        "hub {} ({}), serves {}\n",
        s.hub_id,
        role_text(s.role()),
        s.serves.join(", ")
    );
    if s.peers.is_empty() {
        out.push_str("no peers\n");
    }
    for p in &s.peers {
        let state = if p.outbox_depth == 0 {
            "up to date".to_string()
        } else {
            let age = p
                .oldest_pending_age
                .as_ref()
                .map_or(0.0, |d| d.seconds as f64 + f64::from(d.nanos) / 1e9);
            format!("{} waiting, oldest {age:.0} s", p.outbox_depth)
        };
        out.push_str(&format!("  → {:<10} {:<28} {state}\n", p.peer, p.endpoint));
        if !p.last_error.is_empty() {
            out.push_str(&format!("      last error: {}\n", p.last_error));
        }
    }
    if s.undeliverable_total > 0 {
        out.push_str(&format!(
            "undeliverable (bounced to their senders): {}\n",
            s.undeliverable_total
        ));
    }
    for u in &s.recent_undeliverable {
        out.push_str(&format!(
            "  {}  {} → {}: {}\n",
            render::ts_text(u.bounce_time.as_ref()),
            u.document_id,
            u.recipient,
            u.reason
        ));
    }
    out
}

/// `lienthong health`: the server's overall serving status; success only when it is serving,
/// otherwise the exit status of UNAVAILABLE (7).
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
        output::document(&json!({"endpoint": g.endpoint, "status": name}))?;
    } else {
        println!("{name}");
    }
    Ok(if status == ServingStatus::Serving {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(exit_code(tonic::Code::Unavailable))
    })
}

#[cfg(test)]
mod tests {
    use lienthong_api::exchange::v1::{PeerStatus, Undeliverable};

    use super::*;

    #[test]
    fn status_text_shows_backlog_per_peer() {
        let mut s = GetHubStatusResponse {
            hub_id: "H48".into(),
            role: HubRole::Provincial as i32,
            serves: vec!["H48".into(), "H49".into()],
            peers: vec![],
            ..Default::default()
        };
        assert_eq!(
            status_text(&s),
            "hub H48 (PROVINCIAL), serves H48, H49\nno peers\n"
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
                oldest_pending_age: Some(lienthong_api::wkt::Duration {
                    seconds: 12,
                    nanos: 600_000_000,
                }),
                last_error: "connection refused".into(),
            },
        ];
        assert_eq!(
            status_text(&s),
            "hub H48 (PROVINCIAL), serves H48, H49\n\
             \x20 → national   https://127.0.0.1:7450       up to date\n\
             \x20 → H41        https://127.0.0.1:7451       3 waiting, oldest 13 s\n\
             \x20     last error: connection refused\n"
        );
        s.peers.clear();
        s.undeliverable_total = 3;
        s.recent_undeliverable = vec![Undeliverable {
            document_id: "000.00.00.H48,2026/01/02,1/X".into(),
            sender: "000.00.00.H48".into(),
            recipient: "000.00.99.G22".into(),
            reason: "no agency 000.00.99.G22 at hub national".into(),
            bounce_time: Some(lienthong_api::wkt::Timestamp {
                seconds: 1_764_157_982,
                nanos: 0,
            }),
        }];
        assert_eq!(
            status_text(&s),
            "hub H48 (PROVINCIAL), serves H48, H49\nno peers\n\
             undeliverable (bounced to their senders): 3\n\
             \x20 2025-11-26 11:53:02Z  000.00.00.H48,2026/01/02,1/X → 000.00.99.G22: \
             no agency 000.00.99.G22 at hub national\n"
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
