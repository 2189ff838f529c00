//! The commands that talk to the hub (send and fetch have their own modules).
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use lienthong_api::exchange::v1::{
    AcknowledgeDocumentRequest, Agency, ConfirmStatusMessagesRequest, GetAgencyRequest,
    GetSentDocumentRequest, InboxItem, ListAgenciesRequest, ListPendingRequest,
    ListSentDocumentsRequest, RegisterAgencyRequest, RemoveAgencyRequest, ReportStatusRequest,
    RevokeDocumentRequest, SubscribeRequest, WatchSentDocumentRequest, inbox_item::Payload,
};
use serde_json::json;
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

use crate::{Cli, Command, Global, conn, fetch, pki, render, send};

#[derive(Args, Debug)]
pub struct InboxArgs {
    /// Keep the subscription open and print items as they arrive; status messages are
    /// confirmed once printed.
    #[arg(long)]
    pub follow: bool,

    /// Only items after this item id.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub after: u64,

    /// Without --follow: at most this many items (the hub's default is 100).
    #[arg(long, value_name = "N")]
    pub limit: Option<u32>,

    /// Without --follow: confirm the status messages listed, so they are not delivered again
    /// (documents are acknowledged with `lienthong ack`).
    #[arg(long)]
    pub ack_status: bool,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// The DocumentId.
    pub document_id: String,

    /// Status code: 02 rejected, 03 accepted, 04 assigned, 05 processing, 06 completed,
    /// 15 revoke accepted, 16 revoke refused.
    #[arg(long, value_name = "NN")]
    pub code: String,

    /// Description (required for 02 and 16).
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub description: String,

    /// Handling staff.
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub staff: String,
}

#[derive(Args, Debug)]
pub struct SentArgs {
    /// A sent document; without it, the list of sent documents.
    pub document_id: Option<String>,

    /// Watch the document and print its view each time it changes.
    #[arg(long, requires = "document_id")]
    pub follow: bool,

    /// Without a DocumentId: at most this many documents (the hub's default is 50).
    #[arg(long, value_name = "N")]
    pub limit: Option<u32>,

    /// Without a DocumentId: follow next-page tokens to list every sent document.
    #[arg(long)]
    pub all: bool,
}

#[derive(Subcommand, Debug)]
pub enum AgencyCommand {
    /// Register an agency, or update it if the code exists.
    Register {
        /// Agency code DDD.CC.BB.Axx.
        #[arg(long)]
        code: String,
        /// Official name.
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long, default_value = "")]
        phone: String,
        #[arg(long, default_value = "")]
        address: String,
        #[arg(long, default_value = "")]
        website: String,
    },
    /// Remove an agency (documents already stored are kept).
    Remove {
        /// Agency code.
        code: String,
    },
}

pub async fn run(cli: Cli) -> Result<ExitCode> {
    let g = &cli.global;
    match cli.command {
        Command::Pki(c) => pki::run(g, c)?,
        Command::Send(args) => send::run(g, args).await?,
        Command::Inbox(args) => inbox(g, args).await?,
        Command::Fetch(args) => fetch::run(g, args).await?,
        Command::Ack { document_id } => ack(g, document_id).await?,
        Command::Status(args) => status(g, args).await?,
        Command::Revoke {
            document_id,
            reason,
        } => revoke(g, document_id, reason).await?,
        Command::Sent(args) => sent(g, args).await?,
        Command::Agencies { code } => agencies(g, code).await?,
        Command::Agency(c) => agency(g, c).await?,
        Command::Health => return health(g).await,
        Command::Hub(c) => crate::hub::run(g, c).await?,
        Command::Report(args) => crate::report::run(g, args).await?,
        Command::Tasks(args) => crate::tasks::run(g, args).await?,
    }
    Ok(ExitCode::SUCCESS)
}

fn print_item(g: &Global, item: &InboxItem) {
    if g.json {
        println!("{}", render::inbox_item_json(item));
    } else {
        print!("{}", render::inbox_item_text(item));
    }
}

async fn inbox(g: &Global, args: InboxArgs) -> Result<()> {
    let mut client = conn::exchange(g).await?;
    if !args.follow {
        let items = client
            .list_pending(ListPendingRequest {
                after_item_id: args.after,
                limit: args.limit.unwrap_or(0),
            })
            .await?
            .into_inner()
            .items;
        let status_ids: Vec<u64> = items
            .iter()
            .filter(|i| matches!(i.payload, Some(Payload::Status(_))))
            .map(|i| i.item_id)
            .collect();
        let confirmed = if args.ack_status && !status_ids.is_empty() {
            client
                .confirm_status_messages(ConfirmStatusMessagesRequest {
                    item_ids: status_ids.clone(),
                })
                .await?
                .into_inner()
                .confirmed
        } else {
            0
        };
        if g.json {
            // JSON Lines, as with --follow: one item per line.
            for item in &items {
                println!("{}", render::inbox_item_json(item));
            }
        } else {
            if items.is_empty() {
                println!("inbox empty: nothing pending");
            } else {
                let documents = items.len() - status_ids.len();
                println!(
                    "{} pending: {documents} document(s), {} status message(s)",
                    items.len(),
                    status_ids.len()
                );
            }
            for item in &items {
                print!("{}", render::inbox_item_text(item));
            }
            if args.ack_status && !status_ids.is_empty() {
                println!("confirmed {confirmed} status message(s)");
            }
        }
        return Ok(());
    }

    let mut stream = client
        .subscribe(SubscribeRequest {
            after_item_id: args.after,
        })
        .await?
        .into_inner();
    if !g.json {
        eprintln!("following the inbox (Ctrl-C to stop)…");
    }
    while let Some(response) = stream.message().await? {
        let Some(item) = response.item else {
            continue;
        };
        print_item(g, &item);
        if matches!(item.payload, Some(Payload::Status(_))) {
            client
                .confirm_status_messages(ConfirmStatusMessagesRequest {
                    item_ids: vec![item.item_id],
                })
                .await?;
        }
    }
    if !g.json {
        eprintln!("the hub ended the subscription");
    }
    Ok(())
}

async fn ack(g: &Global, document_id: String) -> Result<()> {
    let mut client = conn::exchange(g).await?;
    let r = client
        .acknowledge_document(AcknowledgeDocumentRequest {
            document_id: document_id.clone(),
        })
        .await?
        .into_inner();
    if g.json {
        println!(
            "{}",
            json!({"document_id": document_id, "newly_acknowledged": r.newly_acknowledged})
        );
    } else if r.newly_acknowledged {
        println!("acknowledged {document_id} (status 01 arrived recorded)");
    } else {
        println!("{document_id} was already acknowledged");
    }
    Ok(())
}

async fn status(g: &Global, args: StatusArgs) -> Result<()> {
    let mut client = conn::exchange(g).await?;
    let r = client
        .report_status(ReportStatusRequest {
            document_id: args.document_id.clone(),
            code: args.code,
            description: args.description,
            staff_info: args.staff,
        })
        .await?
        .into_inner();
    let Some(s) = r.status else {
        bail!("the hub answered without the recorded status");
    };
    if g.json {
        println!("{}", render::status_json(&s));
    } else {
        println!(
            "reported {} on {} at {}",
            render::status_text(&s),
            s.document_id,
            render::ts_text(s.at.as_ref())
        );
    }
    Ok(())
}

async fn revoke(g: &Global, document_id: String, reason: String) -> Result<()> {
    let mut client = conn::exchange(g).await?;
    let r = client
        .revoke_document(RevokeDocumentRequest {
            document_id: document_id.clone(),
            reason,
        })
        .await?
        .into_inner();
    if g.json {
        println!(
            "{}",
            json!({"document_id": document_id, "recipients": r.recipients})
        );
    } else {
        println!(
            "revoke requested (13) for {document_id}; asked: {}",
            r.recipients.join(", ")
        );
    }
    Ok(())
}

async fn sent(g: &Global, args: SentArgs) -> Result<()> {
    let mut client = conn::exchange(g).await?;
    match args.document_id {
        Some(id) if args.follow => {
            let mut stream = client
                .watch_sent_document(WatchSentDocumentRequest { document_id: id })
                .await?
                .into_inner();
            if !g.json {
                eprintln!("watching (Ctrl-C to stop)…");
            }
            while let Some(r) = stream.message().await? {
                let Some(d) = r.document else { continue };
                if g.json {
                    println!("{}", render::sent_json(&d));
                } else {
                    println!("{}", render::sent_text(&d));
                }
            }
            if !g.json {
                eprintln!("the hub ended the watch");
            }
        }
        Some(id) => {
            let r = client
                .get_sent_document(GetSentDocumentRequest { document_id: id })
                .await?
                .into_inner();
            let Some(d) = r.document else {
                bail!("the hub answered without the document");
            };
            if g.json {
                println!("{}", render::sent_json(&d));
            } else {
                print!("{}", render::sent_text(&d));
            }
        }
        None => {
            let mut documents = Vec::new();
            let mut page_token = String::new();
            let mut more;
            loop {
                let r = client
                    .list_sent_documents(ListSentDocumentsRequest {
                        limit: args.limit.unwrap_or(0),
                        page_token: page_token.clone(),
                    })
                    .await?
                    .into_inner();
                documents.extend(r.documents);
                more = !r.next_page_token.is_empty();
                if !args.all || !more {
                    break;
                }
                page_token = r.next_page_token;
            }
            if g.json {
                println!(
                    "{}",
                    json!({
                        "documents": documents.iter().map(render::sent_json).collect::<Vec<_>>(),
                        "more": more,
                    })
                );
            } else {
                if documents.is_empty() {
                    println!("no sent documents");
                }
                for d in &documents {
                    println!("{}", render::sent_line(d));
                }
                if more {
                    println!("… more: use --all or --limit");
                }
            }
        }
    }
    Ok(())
}

async fn agencies(g: &Global, code: Option<String>) -> Result<()> {
    let mut client = conn::directory(g).await?;
    match code {
        Some(code) => {
            let r = client
                .get_agency(GetAgencyRequest { code })
                .await?
                .into_inner();
            let Some(a) = r.agency else {
                bail!("the hub answered without the agency");
            };
            if g.json {
                println!("{}", render::agency_json(&a));
            } else {
                println!("{}  {}", a.code, a.name);
                for (label, value) in [
                    ("email", &a.email),
                    ("phone", &a.phone),
                    ("address", &a.address),
                    ("website", &a.website),
                ] {
                    if !value.is_empty() {
                        println!("  {label:<8} {value}");
                    }
                }
            }
        }
        None => {
            let r = client
                .list_agencies(ListAgenciesRequest {})
                .await?
                .into_inner();
            if g.json {
                println!(
                    "{}",
                    json!({"agencies": r.agencies.iter().map(render::agency_json).collect::<Vec<_>>()})
                );
            } else {
                for a in &r.agencies {
                    println!("{:<15} {}", a.code, a.name);
                }
            }
        }
    }
    Ok(())
}

async fn agency(g: &Global, command: AgencyCommand) -> Result<()> {
    let mut client = conn::directory(g).await?;
    match command {
        AgencyCommand::Register {
            code,
            name,
            email,
            phone,
            address,
            website,
        } => {
            let r = client
                .register_agency(RegisterAgencyRequest {
                    agency: Some(Agency {
                        code,
                        name,
                        email,
                        phone,
                        address,
                        website,
                    }),
                })
                .await?
                .into_inner();
            let a = r.agency.unwrap_or_default();
            if g.json {
                println!(
                    "{}",
                    json!({"agency": render::agency_json(&a), "created": r.created})
                );
            } else {
                println!(
                    "{} {}",
                    if r.created { "registered" } else { "updated" },
                    render::agency_text(&a)
                );
            }
        }
        AgencyCommand::Remove { code } => {
            client
                .remove_agency(RemoveAgencyRequest { code: code.clone() })
                .await?;
            if g.json {
                println!("{}", json!({"removed": code}));
            } else {
                println!("removed {code}");
            }
        }
    }
    Ok(())
}

async fn health(g: &Global) -> Result<ExitCode> {
    let mut client = HealthClient::new(conn::channel(g).await?);
    let r = client
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await?
        .into_inner();
    let status = r.status();
    let name = match status {
        ServingStatus::Serving => "SERVING",
        ServingStatus::NotServing => "NOT_SERVING",
        ServingStatus::ServiceUnknown => "SERVICE_UNKNOWN",
        ServingStatus::Unknown => "UNKNOWN",
    };
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
