//! `lienthong inbox`: the caller's pending documents and status messages, listed or followed.
use std::cell::Cell;

use anyhow::Result;
use clap::Args;
use lienthong_api::exchange::v1::{
    ConfirmStatusMessagesRequest, InboxItem, ListPendingRequest, ListPendingResponse,
    SubscribeRequest, inbox_item::Payload,
};
use serde_json::json;

use crate::{
    Global, conn,
    follow::{self, Follower, Session, until_interrupted},
    output, render,
};

#[derive(Args, Debug)]
#[command(after_long_help = "Examples:\n  \
    lienthong --as 000.00.00.G22 inbox --all\n  \
    lienthong --as 000.00.00.G22 --json inbox --page-size 50 | jq -r '.items[].item_id'\n  \
    lienthong --as 000.00.00.G22 --json inbox --follow --after 12 >> inbox.jsonl")]
pub struct InboxArgs {
    /// Keep the subscription open and print items as they arrive (JSON Lines with --json);
    /// status messages are confirmed once printed. Resubscribes after the hub restarts, until
    /// Ctrl-C.
    #[arg(long)]
    pub follow: bool,

    /// Only items after this item id (resume from the last one processed).
    #[arg(long, value_name = "ITEM_ID", default_value_t = 0)]
    pub after: u64,

    /// Without --follow: at most this many items per page (the hub's default is 100).
    #[arg(
        long,
        visible_alias = "limit",
        value_name = "N",
        conflicts_with = "follow"
    )]
    pub page_size: Option<u32>,

    /// Without --follow: the page after this one (a next_page_token printed before).
    #[arg(long, value_name = "TOKEN", conflicts_with = "follow")]
    pub page_token: Option<String>,

    /// Without --follow: every page, not only the first.
    #[arg(long, conflicts_with = "follow")]
    pub all: bool,

    /// Without --follow: confirm the status messages listed, so they are not delivered again
    /// (documents are acknowledged with `lienthong ack`).
    #[arg(long, conflicts_with = "follow")]
    pub ack_status: bool,
}

pub async fn run(g: &Global, args: InboxArgs) -> Result<()> {
    if args.follow {
        follow(g, args.after).await
    } else {
        list(g, &args).await
    }
}

fn is_status(item: &InboxItem) -> bool {
    matches!(item.payload, Some(Payload::Status(_)))
}

/// One page of the inbox (every page with `--all`); with `--ack-status`, its status messages
/// are confirmed.
async fn list(g: &Global, args: &InboxArgs) -> Result<()> {
    let mut client = conn::exchange(g).await?;
    let mut page = ListPendingResponse::default();
    let mut req = ListPendingRequest {
        after_item_id: args.after,
        page_size: args.page_size.unwrap_or(0),
        page_token: args.page_token.clone().unwrap_or_default(),
    };
    loop {
        let r = client.list_pending(req.clone()).await?.into_inner();
        page.items.extend(r.items);
        page.next_page_token = r.next_page_token;
        if !args.all || page.next_page_token.is_empty() {
            break;
        }
        req.page_token = page.next_page_token.clone();
    }
    let status_ids: Vec<u64> = page
        .items
        .iter()
        .filter(|i| is_status(i))
        .map(|i| i.item_id)
        .collect();
    let confirmed = if args.ack_status && !status_ids.is_empty() {
        let r = client
            .confirm_status_messages(ConfirmStatusMessagesRequest {
                item_ids: status_ids,
            })
            .await?
            .into_inner();
        Some(r.confirmed)
    } else {
        None
    };
    if g.json {
        let v = output::with(
            output::json(&page)?,
            &[("confirmed", json!(confirmed.unwrap_or(0)))],
        );
        output::document(&v)
    } else {
        print!("{}", page_text(&page, confirmed));
        Ok(())
    }
}

/// The text of one inbox page: a summary line, the items, how many status messages were
/// confirmed (when they were) and the next page's token.
pub fn page_text(page: &ListPendingResponse, confirmed: Option<u32>) -> String {
    let items = &page.items;
    let mut out = String::new();
    let statuses = items.iter().filter(|i| is_status(i)).count();
    if items.is_empty() {
        out.push_str("inbox empty: nothing pending\n");
    } else {
        out.push_str(&format!(
            "{} pending: {} document(s), {statuses} status message(s)\n",
            items.len(),
            items.len() - statuses
        ));
    }
    for item in items {
        out.push_str(&render::inbox_item_text(item));
    }
    if let Some(confirmed) = confirmed {
        out.push_str(&format!("confirmed {confirmed} status message(s)\n"));
    }
    if !page.next_page_token.is_empty() {
        out.push_str(&format!(
            "… more: --page-token {} (or --all)\n",
            page.next_page_token
        ));
    }
    out
}

/// Prints an item (text, or one JSON line).
fn print_item(g: &Global, item: &InboxItem) -> Result<()> {
    if g.json {
        output::line(&output::json(item)?);
    } else {
        print!("{}", render::inbox_item_text(item));
    }
    Ok(())
}

/// One subscription: status messages left unconfirmed by a broken connection are confirmed
/// first, then every item after the cursor is printed once and the cursor moves past it.
async fn session(
    g: &Global,
    cursor: &Cell<u64>,
    unconfirmed: &mut Vec<u64>,
    opened: &mut bool,
) -> Result<()> {
    let mut client = conn::exchange(g).await?;
    if !unconfirmed.is_empty() {
        client
            .confirm_status_messages(ConfirmStatusMessagesRequest {
                item_ids: unconfirmed.clone(),
            })
            .await?;
        unconfirmed.clear();
    }
    let mut stream = client
        .subscribe(SubscribeRequest {
            after_item_id: cursor.get(),
        })
        .await?
        .into_inner();
    *opened = true;
    while let Some(response) = stream.message().await? {
        let Some(item) = response.item else {
            continue;
        };
        if item.item_id <= cursor.get() {
            continue; // already printed
        }
        print_item(g, &item)?;
        cursor.set(item.item_id);
        if is_status(&item) {
            unconfirmed.push(item.item_id);
            client
                .confirm_status_messages(ConfirmStatusMessagesRequest {
                    item_ids: unconfirmed.clone(),
                })
                .await?;
            unconfirmed.clear();
        }
    }
    Ok(())
}

/// Follows the subscription until Ctrl-C, resubscribing from the last item printed.
async fn follow(g: &Global, after: u64) -> Result<()> {
    let cursor = Cell::new(after);
    let mut follower = Follower::new(g, "the inbox subscription");
    let run = async {
        if !g.json {
            eprintln!("following the inbox (Ctrl-C to stop)…");
        }
        let mut unconfirmed = Vec::new();
        loop {
            let mut opened = false;
            let end = session(g, &cursor, &mut unconfirmed, &mut opened).await;
            let resume = format!("after item {}", cursor.get());
            follower.after(Session { opened, end }, &resume).await?;
        }
    };
    until_interrupted(run, || {
        follow::notice(
            g.json,
            &format!("stopped; resume with --after {}", cursor.get()),
            json!({"after_item_id": cursor.get()}),
        );
    })
    .await
}

#[cfg(test)]
mod tests {
    use lienthong_api::exchange::v1::{DocumentHeader, StatusMessage};
    use lienthong_axis::BusinessStatus;

    use super::*;

    #[test]
    fn page_text_counts_documents_and_statuses() {
        assert_eq!(
            page_text(&ListPendingResponse::default(), None),
            "inbox empty: nothing pending\n"
        );
        let page = ListPendingResponse {
            items: vec![
                InboxItem {
                    item_id: 1,
                    payload: Some(Payload::Document(DocumentHeader {
                        document_id: "000.00.00.H48,2026/01/02,1/X".into(),
                        subject: "S".into(),
                        ..Default::default()
                    })),
                    ..Default::default()
                },
                InboxItem {
                    item_id: 2,
                    payload: Some(Payload::Status(StatusMessage {
                        status: BusinessStatus::Accepted.to_proto_i32(),
                        document_id: "000.00.00.H48,2026/01/02,1/X".into(),
                        reporter: "000.00.12.H48".into(),
                        ..Default::default()
                    })),
                    ..Default::default()
                },
            ],
            next_page_token: "tok".into(),
        };
        assert_eq!(
            page_text(&page, Some(1)),
            "2 pending: 1 document(s), 1 status message(s)\n\
             #1     document  000.00.00.H48,2026/01/02,1/X  -\n\
             \x20       from:    \n\
             \x20       subject: S\n\
             \x20       attachments: none\n\
             #2     status    03 ACCEPTED  000.00.00.H48,2026/01/02,1/X  -\n\
             \x20       from:    000.00.12.H48\n\
             confirmed 1 status message(s)\n\
             … more: --page-token tok (or --all)\n"
        );
    }
}
