//! `lienthong send`: a header, then the attachments streamed from disk in 64 KiB chunks.
use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use lienthong_api::exchange::v1::{
    Agency, AttachmentChunk, AttachmentInfo, DocumentCode, DocumentHeader, DocumentType,
    ListAgenciesRequest, OtherInfo, PromulgationInfo, SendDocumentRequest, SignerInfo,
    send_document_request::Part,
};
use lienthong_platform::client::TracedChannel;
use serde_json::json;
use sha2::{Digest, Sha256};
use time::{OffsetDateTime, macros::format_description};
use tokio::{io::AsyncReadExt, sync::mpsc};
use tokio_stream::wrappers::ReceiverStream;

use crate::{Global, conn, progress, render};

/// Size of the attachment chunks sent to the hub.
pub const CHUNK: usize = 64 * 1024;

#[derive(Args, Debug)]
pub struct SendArgs {
    /// Recipient agency code (repeat for several recipients).
    #[arg(long = "to", value_name = "CODE", required = true)]
    pub to: Vec<String>,

    /// Subject (trích yếu).
    #[arg(long)]
    pub subject: String,

    /// A file to attach (repeat for several).
    #[arg(long = "attach", value_name = "FILE")]
    pub attach: Vec<PathBuf>,

    /// The sender's agency code; default: the agency of the certificate.
    #[arg(long, value_name = "CODE")]
    pub from: Option<String>,

    /// DocumentId; default: <from>,<today yyyy/MM/dd>,<number>/<notation>.
    #[arg(long, value_name = "ID")]
    pub document_id: Option<String>,

    /// Document number (số); default: a time-based number.
    #[arg(long, value_name = "N")]
    pub number: Option<String>,

    /// Notation (ký hiệu).
    #[arg(long, value_name = "X", default_value = "LT")]
    pub notation: String,

    /// Document type name, e.g. "Công văn".
    #[arg(long, value_name = "TEXT")]
    pub type_name: Option<String>,

    /// Priority: 0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc, 4 hỏa tốc hẹn giờ.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=4))]
    pub priority: u32,

    /// Due date for handling, yyyy-MM-dd.
    #[arg(long, value_name = "yyyy-MM-dd")]
    pub due_date: Option<String>,

    /// Content (nội dung).
    #[arg(long, value_name = "TEXT")]
    pub content: Option<String>,

    /// Signer's full name.
    #[arg(long, value_name = "NAME")]
    pub signer: Option<String>,

    /// Mark the document as a steering document (chỉ đạo).
    #[arg(long)]
    pub steering: bool,
}

/// MIME type from the file extension.
pub fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("pdf") => "application/pdf",
        Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("txt") => "text/plain",
        Some("xml") => "application/xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        _ => "application/octet-stream",
    }
}

/// Reads up to a full buffer (less only at end of file).
pub async fn read_full(file: &mut tokio::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = file.read(&mut buf[filled..]).await?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

/// Size and SHA-256 of a file, read once in chunks.
async fn digest_file(path: &Path) -> Result<(u64, String)> {
    let mut file = tokio::fs::File::open(path)
        .await
        .with_context(|| format!("attachment {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut size = 0u64;
    loop {
        let n = read_full(&mut file, &mut buf)
            .await
            .with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((size, hex::encode(hasher.finalize())))
}

fn attachment_name(path: &Path) -> Result<String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| anyhow!("{}: not a file name in UTF-8", path.display()))
}

/// Agency names from the hub's directory, to fill the (informative) names in the header; empty
/// when the directory cannot be read.
async fn agency_names(channel: TracedChannel) -> HashMap<String, String> {
    match conn::directory_on(channel)
        .list_agencies(ListAgenciesRequest {})
        .await
    {
        Ok(r) => r
            .into_inner()
            .agencies
            .into_iter()
            .map(|a| (a.code, a.name))
            .collect(),
        Err(_) => HashMap::new(),
    }
}

/// Streams every attachment's bytes into the request channel, checking that each file still
/// has its declared size.
async fn produce_chunks(
    files: Vec<(PathBuf, u64)>,
    tx: mpsc::Sender<SendDocumentRequest>,
    bar: indicatif::ProgressBar,
) -> Result<()> {
    for (index, (path, declared)) in files.into_iter().enumerate() {
        let mut file = tokio::fs::File::open(&path)
            .await
            .with_context(|| format!("attachment {}", path.display()))?;
        let mut sent = 0u64;
        loop {
            let mut buf = vec![0u8; CHUNK];
            let n = read_full(&mut file, &mut buf)
                .await
                .with_context(|| format!("reading {}", path.display()))?;
            if n == 0 {
                break;
            }
            buf.truncate(n);
            sent += n as u64;
            if sent > declared {
                bail!("{} grew while it was being sent", path.display());
            }
            let chunk = SendDocumentRequest {
                part: Some(Part::Chunk(AttachmentChunk {
                    attachment_index: u32::try_from(index)?,
                    data: buf,
                })),
            };
            if tx.send(chunk).await.is_err() {
                // The call ended (the hub answered or failed); its result tells why.
                return Ok(());
            }
            bar.inc(n as u64);
        }
        if sent != declared {
            bail!("{} shrank while it was being sent", path.display());
        }
    }
    Ok(())
}

pub async fn run(global: &Global, args: SendArgs) -> Result<()> {
    let from = match &args.from {
        Some(code) => code.clone(),
        None => conn::caller_agency(global)?,
    };
    let now = OffsetDateTime::now_utc();
    let today_id = now
        .format(format_description!("[year]/[month]/[day]"))
        .context("formatting today's date")?;
    let today_iso = now
        .format(format_description!("[year]-[month]-[day]"))
        .context("formatting today's date")?;
    let number = args
        .number
        .clone()
        .unwrap_or_else(|| now.unix_timestamp().to_string());
    let document_id = args
        .document_id
        .clone()
        .unwrap_or_else(|| format!("{from},{today_id},{number}/{}", args.notation));

    // Declarations first: size and digest of every file, read once.
    let mut attachments = Vec::with_capacity(args.attach.len());
    let mut files = Vec::with_capacity(args.attach.len());
    for path in &args.attach {
        let name = attachment_name(path)?;
        let (size, sha256) = digest_file(path).await?;
        attachments.push(AttachmentInfo {
            name,
            content_type: content_type(path).to_string(),
            size,
            sha256,
            description: String::new(),
        });
        files.push((path.clone(), size));
    }
    let total: u64 = attachments.iter().map(|a| a.size).sum();

    let channel = conn::channel(global).await?;
    let names = agency_names(channel.clone()).await;
    let agency = |code: &String| Agency {
        code: code.clone(),
        name: names.get(code).cloned().unwrap_or_default(),
        ..Default::default()
    };
    let header = DocumentHeader {
        from: Some(agency(&from)),
        to: args.to.iter().map(agency).collect(),
        document_id: document_id.clone(),
        code: Some(DocumentCode {
            code_number: number,
            code_notation: args.notation.clone(),
        }),
        promulgation_info: Some(PromulgationInfo {
            place: String::new(),
            promulgation_date: today_iso,
        }),
        document_type: args.type_name.as_ref().map(|name| DocumentType {
            r#type: 2,
            type_detail: 0,
            type_name: name.clone(),
        }),
        subject: args.subject.clone(),
        content: args.content.clone().unwrap_or_default(),
        signer_info: args.signer.as_ref().map(|name| SignerInfo {
            full_name: name.clone(),
            ..Default::default()
        }),
        due_date: args.due_date.clone().unwrap_or_default(),
        other_info: Some(OtherInfo {
            priority: args.priority,
            ..Default::default()
        }),
        steering_type: i32::from(args.steering),
        attachments,
        ..Default::default()
    };

    let mut client = conn::exchange_on(channel);
    let (tx, rx) = mpsc::channel::<SendDocumentRequest>(8);
    tx.send(SendDocumentRequest {
        part: Some(Part::Header(header)),
    })
    .await
    .map_err(|_| anyhow!("the request stream closed before the header was sent"))?;
    let bar = progress::bytes_bar(total, "uploading");
    let producer = tokio::spawn(produce_chunks(files, tx, bar.clone()));

    let result = client.send_document(ReceiverStream::new(rx)).await;
    bar.finish_and_clear();
    // A local read failure explains a failed call better than the hub's view of it.
    let produced = producer.await.context("attachment reader task")?;
    let receipt = match (result, produced) {
        (Ok(r), Ok(())) => r.into_inner(),
        (Ok(r), Err(e)) => {
            // The hub verified every declared digest, so what it accepted is what was declared.
            eprintln!("warning: {e:#}");
            r.into_inner()
        }
        (Err(status), Ok(())) => return Err(status.into()),
        (Err(status), Err(e)) => {
            return Err(anyhow!(
                "{e:#} (the hub answered {:?}: {})",
                status.code(),
                status.message()
            ));
        }
    };

    if global.json {
        println!(
            "{}",
            json!({
                "document_id": receipt.document_id,
                "accepted_at": render::ts_json(receipt.accepted_at.as_ref()),
                "duplicate": receipt.duplicate,
                "recipients": receipt.recipients,
            })
        );
    } else {
        println!(
            "{} {}",
            if receipt.duplicate {
                "already sent (duplicate, first receipt):"
            } else {
                "sent"
            },
            receipt.document_id
        );
        println!(
            "  accepted at: {}",
            render::ts_text(receipt.accepted_at.as_ref())
        );
        println!("  recipients:  {}", receipt.recipients.join(", "));
        if total > 0 {
            println!(
                "  attachments: {} ({})",
                args.attach.len(),
                render::bytes(total)
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_from_extensions() {
        assert_eq!(content_type(Path::new("a/QD.PDF")), "application/pdf");
        assert_eq!(content_type(Path::new("x.txt")), "text/plain");
        assert_eq!(content_type(Path::new("x.jpeg")), "image/jpeg");
        assert_eq!(content_type(Path::new("x")), "application/octet-stream");
        assert_eq!(content_type(Path::new("x.bin")), "application/octet-stream");
    }
}
