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

    /// The id of this report (AIP-155; letters, digits, `-._~`, at most 64): the hub records a
    /// report once per id and answers a repeat with the first result. Default: a new random id
    /// per run; give your own to retry a run that failed without knowing whether it was
    /// recorded.
    #[arg(long, value_name = "ID")]
    pub request_id: Option<String>,
}

/// The longest request id the hub takes.
const MAX_REQUEST_ID: usize = 64;

/// A new request id: 128 random bits as a version-4 UUID (`8-4-4-4-12` hex digits).
fn new_request_id() -> Result<String> {
    use ring::rand::{SecureRandom, SystemRandom};
    let mut b = [0u8; 16];
    SystemRandom::new().fill(&mut b).map_err(|_| {
        anyhow!(Failure::local(
            "LOCAL_ERROR",
            "the system's random generator failed"
        ))
    })?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    ))
}

/// `--request-id`, checked as the hub checks it, or a new one.
fn request_id(given: Option<String>) -> Result<String> {
    let Some(id) = given else {
        return new_request_id();
    };
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~');
    if id.is_empty() || id.len() > MAX_REQUEST_ID || !id.chars().all(allowed) {
        invalid!(
            "--request-id {id:?}: expected 1 to {MAX_REQUEST_ID} letters A-Z a-z, digits and \
             - . _ ~ (e.g. a UUID)"
        );
    }
    Ok(id)
}

/// The report a `status` run sends: always with a request id.
fn report_request(args: StatusArgs, status: BusinessStatus) -> Result<ReportStatusRequest> {
    Ok(ReportStatusRequest {
        request_id: request_id(args.request_id)?,
        document_id: args.document_id,
        status: status.to_proto_i32(),
        description: args.description,
        staff_info: args.staff,
    })
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
/// `lienthong ack`: one DocumentId with AcknowledgeDocument (its refusal is the command's),
/// several with AcknowledgeDocuments, one call per [`ACK_BATCH`] ids.
pub async fn ack(g: &Global, mut document_ids: Vec<String>) -> Result<()> {
    if document_ids.len() > 1 {
        return ack_many(g, document_ids).await;
    }
    let Some(document_id) = document_ids.pop() else {
        invalid!("ack needs at least one DocumentId");
    };
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

/// The most DocumentIds the hub takes in one AcknowledgeDocuments call.
const ACK_BATCH: usize = 500;

/// Several acknowledgements, batched; a line (or, with `--json`, one document with `results`)
/// for every id. Exit status 1 when any was not acknowledged, so that a script notices.
async fn ack_many(g: &Global, document_ids: Vec<String>) -> Result<()> {
    let mut client = conn::exchange(g).await?;
    let mut results = Vec::with_capacity(document_ids.len());
    for batch in document_ids.chunks(ACK_BATCH) {
        let r = client
            .acknowledge_documents(pb::AcknowledgeDocumentsRequest {
                document_ids: batch.to_vec(),
            })
            .await?
            .into_inner();
        results.extend(r.results);
    }
    let failed = results
        .iter()
        .filter(|r| !acknowledged(r.outcome()))
        .count();
    if g.json {
        output::document(&json!({ "results": output::json(&results)? }))?;
    } else {
        for r in &results {
            println!("{}", ack_line(r));
        }
    }
    if failed > 0 {
        let f = Failure::local(
            "NOT_ALL_ACKNOWLEDGED",
            format!(
                "{failed} of {} documents were not acknowledged",
                results.len()
            ),
        );
        return Err(f.into());
    }
    Ok(())
}

/// Acknowledged now or before.
fn acknowledged(outcome: pb::AcknowledgeOutcome) -> bool {
    matches!(
        outcome,
        pb::AcknowledgeOutcome::Acknowledged | pb::AcknowledgeOutcome::AlreadyAcknowledged
    )
}

fn ack_line(r: &pb::AcknowledgeResult) -> String {
    let id = &r.document_id;
    match r.outcome() {
        pb::AcknowledgeOutcome::Acknowledged => {
            format!("acknowledged {id} (status 01 ARRIVED recorded)")
        }
        pb::AcknowledgeOutcome::AlreadyAcknowledged => format!("{id} was already acknowledged"),
        _ => format!("not acknowledged {id}: {} ({})", r.message, r.reason),
    }
}

/// `lienthong status`: reports a business status on a received document, with a request id
/// (the CLI does not retry the call itself; a failure whose outcome is unknown says which id to
/// retry with).
pub async fn status(g: &Global, args: StatusArgs) -> Result<()> {
    let status = parse_status(&args.code)?;
    let request = report_request(args, status)?;
    let id = request.request_id.clone();
    let mut client = conn::exchange(g).await?;
    let r = client
        .report_status(request)
        .await
        .map_err(|e| retry_hint(Failure::from_status(&e), &id))?
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

/// A failure after which the report may or may not have been recorded (the connection broke,
/// the hub was unavailable or slow): how to retry without recording it twice.
fn retry_hint(f: Failure, request_id: &str) -> anyhow::Error {
    let f = if f.is_retryable() {
        f.hint(format!(
            "to retry without recording the status twice, run the same command with \
             --request-id {request_id}"
        ))
    } else {
        f
    };
    anyhow::Error::new(f)
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

    fn args(request_id: Option<&str>) -> StatusArgs {
        StatusArgs {
            document_id: "000.00.00.H48,2026/11/26,125/UBND-TH".into(),
            code: "05".into(),
            description: String::new(),
            staff: String::new(),
            request_id: request_id.map(Into::into),
        }
    }

    #[test]
    fn every_report_carries_a_request_id() {
        let is_uuid_v4 = |id: &str| {
            let parts: Vec<&str> = id.split('-').collect();
            parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
                && id
                    .chars()
                    .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
                && parts[2].starts_with('4')
                && matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b')
        };
        let ids: std::collections::HashSet<String> = (0..100)
            .map(|_| {
                report_request(args(None), BusinessStatus::Processing)
                    .unwrap()
                    .request_id
            })
            .collect();
        assert_eq!(ids.len(), 100, "a new id per run");
        assert!(ids.iter().all(|id| is_uuid_v4(id)), "{ids:?}");

        let r = report_request(args(Some("retry-1.a_b~c")), BusinessStatus::Processing).unwrap();
        assert_eq!(r.request_id, "retry-1.a_b~c", "the given id, as is");
        assert_eq!(r.status, BusinessStatus::Processing.to_proto_i32());
        let long = "a".repeat(65);
        for bad in ["", "a b", "a/b", "é", long.as_str()] {
            let e = report_request(args(Some(bad)), BusinessStatus::Processing).unwrap_err();
            let f = Failure::of(&e);
            assert_eq!(f.exit_code(), 4, "{bad:?}");
            assert!(f.message.starts_with("--request-id"), "{f:?}");
        }
    }

    #[test]
    fn a_failure_of_unknown_outcome_says_which_id_to_retry_with() {
        let hint = |code| {
            let e = retry_hint(Failure::from_status(&tonic::Status::new(code, "x")), "ID-1");
            Failure::of(&e).hints
        };
        assert_eq!(
            hint(tonic::Code::Unavailable),
            [
                "to retry without recording the status twice, run the same command with \
              --request-id ID-1"
            ]
        );
        assert!(hint(tonic::Code::DeadlineExceeded)[0].contains("--request-id ID-1"));
        assert!(hint(tonic::Code::FailedPrecondition).is_empty());
        assert!(hint(tonic::Code::InvalidArgument).is_empty());
    }
}
