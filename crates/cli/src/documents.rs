//! What a recipient or a sender does to one document: `ack`, `status` and `revoke`.
use anyhow::{Result, bail};
use clap::Args;
use lienthong_api::exchange::v1::{
    AcknowledgeDocumentRequest, ReportStatusRequest, RevokeDocumentRequest,
};
use serde_json::json;

use crate::{Global, conn, render};

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

/// `lienthong ack`: records status 01 on a received document.
pub async fn ack(g: &Global, document_id: String) -> Result<()> {
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

/// `lienthong status`: reports a business status on a received document.
pub async fn status(g: &Global, args: StatusArgs) -> Result<()> {
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

/// `lienthong revoke`: asks every recipient of a sent document to revoke it (status 13).
pub async fn revoke(g: &Global, document_id: String, reason: String) -> Result<()> {
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
