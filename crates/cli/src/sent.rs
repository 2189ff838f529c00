//! `lienthong sent`: the sender's view of one document (shown or watched), or the list of sent
//! documents.
use anyhow::{Result, anyhow};
use clap::Args;
use lienthong_api::exchange::v1::{
    GetSentDocumentRequest, ListSentDocumentsRequest, ListSentDocumentsResponse, SentDocumentView,
    WatchSentDocumentRequest,
};
use serde_json::json;

use crate::{
    Global, conn,
    error::Failure,
    follow::{self, Follower, Session, until_interrupted},
    output, render,
};

#[derive(Args, Debug)]
#[command(after_long_help = "Examples:\n  \
    lienthong --as 000.00.00.H48 sent --all\n  \
    lienthong --as 000.00.00.H48 sent \"000.00.00.H48,2026/11/26,125/UBND-TH\" --follow\n  \
    lienthong --as 000.00.00.H48 --json sent --page-size 20 | jq -r .next_page_token")]
pub struct SentArgs {
    /// A sent document; without it, the list of sent documents.
    pub document_id: Option<String>,

    /// Watch the document and print its view each time it changes (JSON Lines with --json);
    /// resubscribes after the hub restarts, until Ctrl-C.
    #[arg(long, requires = "document_id")]
    pub follow: bool,

    /// Without a DocumentId: at most this many documents per page (the hub's default is 50).
    #[arg(
        long,
        visible_alias = "limit",
        value_name = "N",
        conflicts_with = "document_id"
    )]
    pub page_size: Option<u32>,

    /// Without a DocumentId: the page after this one (a next_page_token printed before).
    #[arg(long, value_name = "TOKEN", conflicts_with = "document_id")]
    pub page_token: Option<String>,

    /// Without a DocumentId: every page, not only the first.
    #[arg(long, conflicts_with = "document_id")]
    pub all: bool,
}

pub async fn run(g: &Global, args: SentArgs) -> Result<()> {
    match args.document_id.clone() {
        Some(id) if args.follow => watch(g, id).await,
        Some(id) => show(g, id).await,
        None => list(g, &args).await,
    }
}

/// Prints a view (text, or one JSON line) unless it is the one printed last.
fn print_view(g: &Global, d: &SentDocumentView, last: &mut Option<SentDocumentView>) -> Result<()> {
    if last.as_ref() == Some(d) {
        return Ok(());
    }
    if g.json {
        output::line(&output::json(d)?);
    } else {
        println!("{}", render::sent_text(d));
    }
    *last = Some(d.clone());
    Ok(())
}

/// One watch: the current view, then each change.
async fn session(
    g: &Global,
    document_id: &str,
    last: &mut Option<SentDocumentView>,
    opened: &mut bool,
) -> Result<()> {
    let mut client = conn::exchange(g).await?;
    let mut stream = client
        .watch_sent_document(WatchSentDocumentRequest {
            document_id: document_id.to_string(),
        })
        .await?
        .into_inner();
    *opened = true;
    while let Some(r) = stream.message().await? {
        if let Some(d) = r.document {
            print_view(g, &d, last)?;
        }
    }
    Ok(())
}

/// Prints the document's view each time it changes, until Ctrl-C; a view equal to the last
/// one printed (the first view after a resubscription) is not printed again.
async fn watch(g: &Global, document_id: String) -> Result<()> {
    let mut follower = Follower::new(g, "the watch");
    let run = async {
        if !g.json {
            eprintln!("watching (Ctrl-C to stop)…");
        }
        let mut last = None;
        loop {
            let mut opened = false;
            let end = session(g, &document_id, &mut last, &mut opened).await;
            follower
                .after(Session { opened, end }, &format!("to {document_id}"))
                .await?;
        }
    };
    until_interrupted(run, || {
        follow::notice(g.json, "stopped", json!({"document_id": document_id}));
    })
    .await
}

async fn show(g: &Global, document_id: String) -> Result<()> {
    let mut client = conn::exchange(g).await?;
    let r = client
        .get_sent_document(GetSentDocumentRequest { document_id })
        .await?
        .into_inner();
    let d = r.document.clone().ok_or_else(|| {
        anyhow!(Failure::local(
            "UNEXPECTED_ANSWER",
            "the hub answered without the document"
        ))
    })?;
    output::emit(g, &r, || render::sent_text(&d))
}

/// The sent documents, one page (or every page with `--all`), and the next page's token.
async fn list(g: &Global, args: &SentArgs) -> Result<()> {
    let mut client = conn::exchange(g).await?;
    let mut page = ListSentDocumentsResponse::default();
    let mut req = ListSentDocumentsRequest {
        page_size: args.page_size.unwrap_or(0),
        page_token: args.page_token.clone().unwrap_or_default(),
    };
    loop {
        let r = client.list_sent_documents(req.clone()).await?.into_inner();
        page.documents.extend(r.documents);
        page.next_page_token = r.next_page_token;
        if !args.all || page.next_page_token.is_empty() {
            break;
        }
        req.page_token = page.next_page_token.clone();
    }
    output::emit(g, &page, || list_text(&page))
}

/// One line per sent document, and the next page's token when more remain.
pub fn list_text(page: &ListSentDocumentsResponse) -> String {
    let mut out = String::new();
    if page.documents.is_empty() {
        out.push_str("no sent documents\n");
    }
    for d in &page.documents {
        out.push_str(&render::sent_line(d));
        out.push('\n');
    }
    if !page.next_page_token.is_empty() {
        out.push_str(&format!(
            "… more: --page-token {} (or --all)\n",
            page.next_page_token
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_text_says_when_empty_and_when_more() {
        assert_eq!(
            list_text(&ListSentDocumentsResponse::default()),
            "no sent documents\n"
        );
        let page = ListSentDocumentsResponse {
            documents: vec![SentDocumentView {
                document_id: "000.00.00.H48,2026/01/02,1/X".into(),
                subject: "S".into(),
                ..Default::default()
            }],
            next_page_token: "abc".into(),
        };
        assert_eq!(
            list_text(&page),
            "-  000.00.00.H48,2026/01/02,1/X  S  []\n… more: --page-token abc (or --all)\n"
        );
        let json = output::json(&page).unwrap();
        assert_eq!(json["next_page_token"], "abc");
        assert_eq!(json["documents"][0]["subject"], "S");
    }
}
