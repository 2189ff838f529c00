//! `lienthong send`: a header, then the attachments streamed from disk in 64 KiB chunks
//! (`upload.rs`).
//!
//! Without `--document-id`, the DocumentId is `<from>,<Vietnam date yyyy/MM/dd>,<number>/<notation>`
//! and, without `--number`, the number is [`default_number`]: two sends of the same agency in
//! the same second (or the same nanosecond, from two processes) get different DocumentIds.
use std::collections::HashMap;

use anyhow::Result;
use clap::Args;
use indicatif::HumanBytes;
use lienthong_api::exchange::v1::{
    Agency, AttachmentInfo, DocumentCode, DocumentHeader, DocumentKind, DocumentType,
    ListAgenciesRequest, OtherInfo, Priority, PromulgationInfo, SendDocumentResponse, SignerInfo,
    SteeringType,
};
use lienthong_axis::{AgencyCode, DocumentId, local, proto::priority};
use lienthong_platform::client::TracedChannel;
use time::Date;
use tonic::Code;

use crate::{
    Global, conn,
    error::{Failure, HintExt},
    output, render,
};

mod upload;

#[derive(Args, Debug)]
#[command(after_long_help = "Examples:\n  \
    lienthong --as 000.00.00.H48 send --to 000.00.00.G22 --to 000.00.12.H48 \\\n      \
    --subject \"Về việc triển khai Kế hoạch 61/KH-UBND\" --attach qd.pdf --attach phu-luc.docx\n  \
    lienthong --as 000.00.00.H48 --json send --to 000.00.12.H48 --subject \"Giao nhiệm vụ\" \\\n      \
    --steering --due-date 2026-12-31")]
pub struct SendArgs {
    /// Recipient agency code (repeat for several recipients).
    #[arg(long = "to", value_name = "CODE", required = true)]
    pub to: Vec<String>,

    /// Subject (trích yếu).
    #[arg(long)]
    pub subject: String,

    /// A file to attach (repeat for several).
    #[arg(long = "attach", value_name = "FILE")]
    pub attach: Vec<std::path::PathBuf>,

    /// The sender's agency code; default: the agency of the certificate.
    #[arg(long, value_name = "CODE")]
    pub from: Option<String>,

    /// DocumentId; default: <from>,<today in Vietnam yyyy/MM/dd>,<number>/<notation>.
    #[arg(long, value_name = "ID")]
    pub document_id: Option<String>,

    /// Document number (số); default: nanoseconds since midnight (Vietnam time), '-', and the
    /// process id, which two sends cannot share.
    #[arg(long, value_name = "N")]
    pub number: Option<String>,

    /// Notation (ký hiệu).
    #[arg(long, value_name = "X", default_value = "LT")]
    pub notation: String,

    /// Document type name, e.g. "Công văn" (an administrative document).
    #[arg(long, value_name = "TEXT")]
    pub type_name: Option<String>,

    /// Priority (độ khẩn): the edXML code 0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc, 4 hỏa tốc
    /// hẹn giờ, or a name: NORMAL, URGENT, VERY_URGENT, FLASH, FLASH_SCHEDULED.
    #[arg(long, value_name = "P", value_parser = parse_priority)]
    pub priority: Option<Priority>,

    /// Due date for handling, yyyy-MM-dd.
    #[arg(long, value_name = "yyyy-MM-dd")]
    pub due_date: Option<String>,

    /// Content (nội dung).
    #[arg(long, value_name = "TEXT")]
    pub content: Option<String>,

    /// Signer's full name.
    #[arg(long, value_name = "NAME")]
    pub signer: Option<String>,

    /// A steering document (chỉ đạo): with --due-date it assigns a task to each recipient.
    #[arg(long)]
    pub steering: bool,
}

/// `--priority`: an edXML code 0–4 or a proto name (with or without `PRIORITY_`).
fn parse_priority(s: &str) -> Result<Priority, String> {
    if let Ok(code) = s.parse::<u8>() {
        return priority::from_edxml(code)
            .ok_or_else(|| format!("{code} is not an edXML priority (0–4)"));
    }
    let name = s.to_ascii_uppercase().replace('-', "_");
    let name = name.strip_prefix("PRIORITY_").unwrap_or(&name);
    Priority::from_str_name(&format!("PRIORITY_{name}"))
        .filter(|p| *p != Priority::Unspecified)
        .ok_or_else(|| {
            format!("{s:?}: expected 0–4 or NORMAL, URGENT, VERY_URGENT, FLASH, FLASH_SCHEDULED")
        })
}

/// The default Number at an instant (nanoseconds since the Unix epoch) for process `pid`:
/// the nanoseconds since the Vietnam-local midnight of that day, `-`, the process id; and the
/// Vietnam-local date. Two processes never share a pid while both run, and one process sends
/// once, so two default DocumentIds of one agency on one day never collide.
pub fn default_number(now_nanos: i128, pid: u32) -> (Date, String) {
    let micros = i64::try_from(now_nanos.div_euclid(1000)).unwrap_or(i64::MAX);
    let date = local::local_date(micros);
    let midnight_nanos = i128::from(local::start_of_day(date)) * 1000;
    (date, format!("{}-{pid}", now_nanos - midnight_nanos))
}

/// Who sends, under which DocumentId and number, dated which day.
struct Identification {
    from: String,
    document_id: String,
    number: String,
    date: Date,
    /// The DocumentId was chosen by the user (`--document-id` or `--number`).
    chosen: bool,
}

impl Identification {
    /// `--from` (else the caller's agency), `--document-id` (else built from the sender, the
    /// Vietnam date, `--number` (else [`default_number`]) and `--notation`).
    fn of(global: &Global, args: &SendArgs, now_nanos: i128) -> Result<Identification> {
        let from = match &args.from {
            Some(code) => code.clone(),
            None => conn::caller_agency(global)?.into_string(),
        };
        let (date, generated) = default_number(now_nanos, std::process::id());
        let number = args.number.clone().unwrap_or(generated);
        let document_id = match &args.document_id {
            Some(id) => id.clone(),
            None => default_document_id(&from, date, &number, &args.notation)?.into_string(),
        };
        Ok(Identification {
            from,
            document_id,
            number,
            date,
            chosen: args.document_id.is_some() || args.number.is_some(),
        })
    }
}

/// `<from>,<yyyy/MM/dd>,<number>/<notation>`, refused here when it would not be a DocumentId.
fn default_document_id(from: &str, date: Date, number: &str, notation: &str) -> Result<DocumentId> {
    let invalid =
        |e: lienthong_axis::FieldError| anyhow::Error::new(Failure::invalid(e.to_string()));
    let organ = AgencyCode::parse("--from", from).map_err(invalid)?;
    DocumentId::new("document_id", &organ, date, number, notation).map_err(invalid)
}

/// Agency names from the hub's directory (every page), to fill the (informative) names in
/// the header; what could be read when the directory cannot be read to the end.
async fn agency_names(channel: TracedChannel) -> HashMap<String, String> {
    let mut client = conn::directory_on(channel);
    let mut names = HashMap::new();
    let mut page_token = String::new();
    // A bound, in case a directory answered the same token forever.
    for _ in 0..100 {
        let Ok(r) = client
            .list_agencies(ListAgenciesRequest {
                page_size: 0,
                page_token: page_token.clone(),
            })
            .await
        else {
            break;
        };
        let r = r.into_inner();
        names.extend(r.agencies.into_iter().map(|a| (a.code, a.name)));
        if r.next_page_token.is_empty() {
            break;
        }
        page_token = r.next_page_token;
    }
    names
}

/// The document's header; agency names come from the hub's directory (informative only).
fn header(
    args: &SendArgs,
    id: &Identification,
    attachments: Vec<AttachmentInfo>,
    names: &HashMap<String, String>,
) -> DocumentHeader {
    let agency = |code: &String| Agency {
        code: code.clone(),
        name: names.get(code).cloned().unwrap_or_default(),
        ..Default::default()
    };
    DocumentHeader {
        sender: Some(agency(&id.from)),
        recipients: args.to.iter().map(agency).collect(),
        document_id: id.document_id.clone(),
        code: Some(DocumentCode {
            code_number: id.number.clone(),
            code_notation: args.notation.clone(),
        }),
        promulgation_info: Some(PromulgationInfo {
            place: String::new(),
            promulgation_date: local::format_date(id.date),
        }),
        document_type: args.type_name.as_ref().map(|name| DocumentType {
            kind: DocumentKind::Administrative as i32,
            type_name: name.clone(),
            ..Default::default()
        }),
        subject: args.subject.clone(),
        content: args.content.clone().unwrap_or_default(),
        signer_info: args.signer.as_ref().map(|name| SignerInfo {
            full_name: name.clone(),
            ..Default::default()
        }),
        due_date: args.due_date.clone().unwrap_or_default(),
        other_info: Some(OtherInfo {
            priority: args.priority.unwrap_or(Priority::Unspecified) as i32,
            ..Default::default()
        }),
        steering_type: if args.steering {
            SteeringType::Steering as i32
        } else {
            SteeringType::Unspecified as i32
        },
        attachments,
        ..Default::default()
    }
}

fn now_nanos() -> i128 {
    time::OffsetDateTime::now_utc().unix_timestamp_nanos()
}

pub async fn run(global: &Global, args: SendArgs) -> Result<()> {
    let id = Identification::of(global, &args, now_nanos())?;
    let (attachments, files) = upload::declare(&args.attach).await?;
    let total: u64 = attachments.iter().map(|a| a.size).sum();

    let channel = conn::channel(global).await?;
    let names = agency_names(channel.clone()).await;
    let header = header(&args, &id, attachments, &names);
    let receipt = upload::upload(channel, header, files, total)
        .await
        .hint_on(&[Code::AlreadyExists], || {
            if id.chosen {
                format!(
                    "{} already names another document: give another --number or \
                     --document-id (without both, the CLI picks a number no other send uses)",
                    id.document_id
                )
            } else {
                "the hub already has a different document under this DocumentId".to_string()
            }
        })?;
    output::emit(global, &receipt, || {
        receipt_text(&receipt, args.attach.len(), total)
    })
}

/// What was sent, when the hub accepted it, to whom, and the attachments' count and size.
pub fn receipt_text(receipt: &SendDocumentResponse, attachments: usize, total: u64) -> String {
    let mut out = format!(
        "{} {}\n",
        if receipt.duplicate {
            "already sent (duplicate, first receipt):"
        } else {
            "sent"
        },
        receipt.document_id
    );
    out.push_str(&format!(
        "  accepted at: {}\n",
        render::ts_text(receipt.accept_time.as_ref())
    ));
    out.push_str(&format!(
        "  recipients:  {}\n",
        receipt.recipients.join(", ")
    ));
    if total > 0 {
        out.push_str(&format!(
            "  attachments: {attachments} ({})\n",
            HumanBytes(total)
        ));
    }
    out
}

#[cfg(test)]
mod tests;
