//! `lienthong sent`: the sender's view of one document (shown or watched), or the list of sent
//! documents.
use anyhow::{Result, bail};
use clap::Args;
use lienthong_api::exchange::v1::{
    GetSentDocumentRequest, ListSentDocumentsRequest, SentDocumentView, WatchSentDocumentRequest,
    exchange_service_client::ExchangeServiceClient,
};
use lienthong_platform::client::TracedChannel;
use serde_json::json;

use crate::{Global, conn, render};

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

type Client = ExchangeServiceClient<TracedChannel>;

pub async fn run(g: &Global, args: SentArgs) -> Result<()> {
    let mut client = conn::exchange(g).await?;
    match args.document_id {
        Some(id) if args.follow => watch(g, &mut client, id).await,
        Some(id) => show(g, &mut client, id).await,
        None => list(g, &mut client, args.limit, args.all).await,
    }
}

/// Prints the document's view each time it changes.
async fn watch(g: &Global, client: &mut Client, document_id: String) -> Result<()> {
    let mut stream = client
        .watch_sent_document(WatchSentDocumentRequest { document_id })
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
    Ok(())
}

async fn show(g: &Global, client: &mut Client, document_id: String) -> Result<()> {
    let r = client
        .get_sent_document(GetSentDocumentRequest { document_id })
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
    Ok(())
}

/// The sent documents, one page (or every page with `--all`), and whether more remain.
async fn list(g: &Global, client: &mut Client, limit: Option<u32>, all: bool) -> Result<()> {
    let mut documents = Vec::new();
    let mut page_token = String::new();
    let more = loop {
        let r = client
            .list_sent_documents(ListSentDocumentsRequest {
                limit: limit.unwrap_or(0),
                page_token: page_token.clone(),
            })
            .await?
            .into_inner();
        documents.extend(r.documents);
        let more = !r.next_page_token.is_empty();
        if !all || !more {
            break more;
        }
        page_token = r.next_page_token;
    };
    if g.json {
        println!(
            "{}",
            json!({
                "documents": documents.iter().map(render::sent_json).collect::<Vec<_>>(),
                "more": more,
            })
        );
    } else {
        print!("{}", list_text(&documents, more));
    }
    Ok(())
}

/// One line per sent document, and a hint when more remain.
pub fn list_text(documents: &[SentDocumentView], more: bool) -> String {
    let mut out = String::new();
    if documents.is_empty() {
        out.push_str("no sent documents\n");
    }
    for d in documents {
        out.push_str(&render::sent_line(d));
        out.push('\n');
    }
    if more {
        out.push_str("… more: use --all or --limit\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_text_says_when_empty_and_when_more() {
        assert_eq!(list_text(&[], false), "no sent documents\n");
        let d = SentDocumentView {
            document_id: "000.00.00.H48,2026/01/02,1/X".into(),
            subject: "S".into(),
            ..Default::default()
        };
        assert_eq!(
            list_text(&[d], true),
            "-  000.00.00.H48,2026/01/02,1/X  S  []\n… more: use --all or --limit\n"
        );
    }
}
