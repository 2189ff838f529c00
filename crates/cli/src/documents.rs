//! What a recipient or a sender does to one document: `ack`, `status` and `revoke`.
use anyhow::{Result, anyhow};
use clap::Args;
use lienthong_api::exchange::v1::{
    self as pb, AcknowledgeDocumentRequest, ReportStatusRequest, RevokeDocumentRequest,
};
use lienthong_axis::BusinessStatus;
use serde_json::json;

use crate::{
    Global, conn,
    error::{Failure, invalid},
    output, render,
};

#[derive(Args, Debug)]
#[command(after_long_help = "Examples:\n  \
    lienthong --as 000.00.00.G22 status \"000.00.00.H48,2026/11/26,125/UBND-TH\" --code 03 --staff \"Văn thư\"\n  \
    lienthong --as 000.00.00.G22 status \"000.00.00.H48,2026/11/26,125/UBND-TH\" --code REJECTED --description \"Sai nơi nhận\"")]
pub struct StatusArgs {
    /// The DocumentId.
    pub document_id: String,

    /// The business status, by edXML code or name: 02 REJECTED, 03 ACCEPTED, 04 ASSIGNED,
    /// 05 PROCESSING, 06 COMPLETED, 15 REVOKE_ACCEPTED, 16 REVOKE_REFUSED.
    #[arg(long, visible_alias = "status", value_name = "STATUS")]
    pub code: String,

    /// Description (required for 02 and 16).
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub description: String,

    /// Handling staff.
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub staff: String,
}

/// A business status by its edXML code (`03`, `3`) or its proto name, with or without the
/// prefix, in any case (`ACCEPTED`, `revoke-accepted`, `BUSINESS_STATUS_ACCEPTED`).
pub fn parse_status(s: &str) -> Result<BusinessStatus> {
    let s = s.trim();
    if let Ok(n) = s.parse::<u8>() {
        let code = format!("{n:02}");
        if let Some(status) = BusinessStatus::from_code(&code) {
            return Ok(status);
        }
    }
    let name = s.to_ascii_uppercase().replace('-', "_");
    let name = name.strip_prefix("BUSINESS_STATUS_").unwrap_or(&name);
    if let Some(status) = BusinessStatus::ALL.into_iter().find(|b| {
        render::short(
            pb::BusinessStatus::from(*b).as_str_name(),
            "BUSINESS_STATUS_",
        ) == name
    }) {
        return Ok(status);
    }
    invalid!(
        "--code {s:?}: not a business status (02 REJECTED, 03 ACCEPTED, 04 ASSIGNED, \
         05 PROCESSING, 06 COMPLETED, 15 REVOKE_ACCEPTED, 16 REVOKE_REFUSED)"
    )
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
        let v = output::with(output::json(&r)?, &[("document_id", json!(document_id))]);
        return output::document(&v);
    }
    if r.newly_acknowledged {
        println!("acknowledged {document_id} (status 01 ARRIVED recorded)");
    } else {
        println!("{document_id} was already acknowledged");
    }
    Ok(())
}

/// `lienthong status`: reports a business status on a received document.
pub async fn status(g: &Global, args: StatusArgs) -> Result<()> {
    let status = parse_status(&args.code)?;
    let mut client = conn::exchange(g).await?;
    let r = client
        .report_status(ReportStatusRequest {
            document_id: args.document_id.clone(),
            status: status.to_proto_i32(),
            description: args.description,
            staff_info: args.staff,
        })
        .await?
        .into_inner();
    let s = r.status.clone().ok_or_else(|| {
        anyhow!(Failure::local(
            "UNEXPECTED_ANSWER",
            "the hub answered without the recorded status"
        ))
    })?;
    output::emit(g, &r, || {
        format!(
            "reported {} on {} at {}\n",
            render::status_text(&s),
            s.document_id,
            render::ts_text(s.report_time.as_ref())
        )
    })
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
        let v = output::with(output::json(&r)?, &[("document_id", json!(document_id))]);
        return output::document(&v);
    }
    println!(
        "revoke requested (13 REVOKE_REQUESTED) for {document_id}; asked: {}",
        r.recipients.join(", ")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_by_code_or_name() {
        for (text, want) in [
            ("03", BusinessStatus::Accepted),
            ("3", BusinessStatus::Accepted),
            ("accepted", BusinessStatus::Accepted),
            (
                "BUSINESS_STATUS_REVOKE_REFUSED",
                BusinessStatus::RevokeRefused,
            ),
            ("revoke-accepted", BusinessStatus::RevokeAccepted),
            ("16", BusinessStatus::RevokeRefused),
        ] {
            assert_eq!(parse_status(text).unwrap(), want, "{text}");
        }
        for bad in ["07", "", "accept", "0"] {
            let e = parse_status(bad).unwrap_err();
            assert_eq!(Failure::of(&e).exit_code(), 4, "{bad}");
        }
    }
}
