//! `lienthong inbox`: the caller's pending documents and status messages, listed or followed.
use anyhow::Result;
use clap::Args;
use lienthong_api::exchange::v1::{
    ConfirmStatusMessagesRequest, InboxItem, ListPendingRequest, SubscribeRequest,
    exchange_service_client::ExchangeServiceClient, inbox_item::Payload,
};
use lienthong_platform::client::TracedChannel;

use crate::{Global, conn, render};

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

pub async fn run(g: &Global, args: InboxArgs) -> Result<()> {
    let mut client = conn::exchange(g).await?;
    if args.follow {
        follow(g, &mut client, args.after).await
    } else {
        list(g, &mut client, &args).await
    }
}

fn is_status(item: &InboxItem) -> bool {
    matches!(item.payload, Some(Payload::Status(_)))
}

/// One page of the inbox; with `--ack-status`, its status messages are confirmed.
async fn list(
    g: &Global,
    client: &mut ExchangeServiceClient<TracedChannel>,
    args: &InboxArgs,
) -> Result<()> {
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
        .filter(|i| is_status(i))
        .map(|i| i.item_id)
        .collect();
    let confirmed = if args.ack_status && !status_ids.is_empty() {
        let r = client
            .confirm_status_messages(ConfirmStatusMessagesRequest {
                item_ids: status_ids.clone(),
            })
            .await?
            .into_inner();
        Some(r.confirmed)
    } else {
        None
    };
    if g.json {
        // JSON Lines, as with --follow: one item per line.
        for item in &items {
            println!("{}", render::inbox_item_json(item));
        }
    } else {
        print!("{}", page_text(&items, confirmed));
    }
    Ok(())
}

/// The text of one inbox page: a summary line, the items, and how many status messages were
/// confirmed (when they were).
pub fn page_text(items: &[InboxItem], confirmed: Option<u32>) -> String {
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
    out
}

/// Follows the subscription; each status message is confirmed once printed.
async fn follow(
    g: &Global,
    client: &mut ExchangeServiceClient<TracedChannel>,
    after: u64,
) -> Result<()> {
    let mut stream = client
        .subscribe(SubscribeRequest {
            after_item_id: after,
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
        if g.json {
            println!("{}", render::inbox_item_json(&item));
        } else {
            print!("{}", render::inbox_item_text(&item));
        }
        if is_status(&item) {
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

#[cfg(test)]
mod tests {
    use lienthong_api::exchange::v1::{DocumentHeader, StatusMessage};

    use super::*;

    #[test]
    fn page_text_counts_documents_and_statuses() {
        assert_eq!(page_text(&[], None), "inbox empty: nothing pending\n");
        let items = [
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
                    code: "03".into(),
                    document_id: "000.00.00.H48,2026/01/02,1/X".into(),
                    from: "000.00.12.H48".into(),
                    ..Default::default()
                })),
                ..Default::default()
            },
        ];
        assert_eq!(
            page_text(&items, Some(1)),
            "2 pending: 1 document(s), 1 status message(s)\n\
             #1     document  000.00.00.H48,2026/01/02,1/X  -\n\
             \x20       from:    \n\
             \x20       subject: S\n\
             \x20       attachments: none\n\
             #2     status    03 accepted  000.00.00.H48,2026/01/02,1/X  -\n\
             \x20       from:    000.00.12.H48\n\
             confirmed 1 status message(s)\n"
        );
    }
}
