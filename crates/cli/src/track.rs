//! `lienthong track DOCUMENT-ID`: one document across hubs, as its sender, a recipient or an
//! axis operator sees it — every hop and status with the hub that recorded it, the delays
//! between them, and the trace id to open in a trace viewer.
use anyhow::Result;
use clap::Args;
use lienthong_api::exchange::v1::TrackDocumentRequest;

use crate::{Global, conn, output, render};

#[derive(Args, Debug)]
#[command(after_long_help = "Examples:\n  \
    lienthong --pki pki --as 000.00.00.H48 track \"000.00.00.H48,2026/11/26,125/UBND-TH\"\n  \
    lienthong --pki pki --as admin-operator --json track \"000.00.00.H48,2026/11/26,125/UBND-TH\" | jq -r .trace_id")]
pub struct TrackArgs {
    /// The DocumentId.
    pub document_id: String,
}

pub async fn run(g: &Global, args: TrackArgs) -> Result<()> {
    let mut client = conn::exchange(g).await?;
    let r = client
        .track_document(TrackDocumentRequest {
            document_id: args.document_id,
        })
        .await?
        .into_inner();
    output::emit(g, &r, || render::track_text(&r))
}
