//! `lienthong send`: a header, then the attachments streamed from disk in 64 KiB chunks.
use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use indicatif::HumanBytes;
use lienthong_api::exchange::v1::{
    Agency, AttachmentChunk, AttachmentInfo, DocumentCode, DocumentHeader, DocumentType,
    ListAgenciesRequest, OtherInfo, PromulgationInfo, SendDocumentRequest, SendDocumentResponse,
    SignerInfo, send_document_request::Part,
};
use lienthong_axis::{AgencyCode, DocumentId, local};
use lienthong_platform::client::TracedChannel;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::{Date, OffsetDateTime};
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

/// The next chunk of a file: a full [`CHUNK`] bytes, less only at its end (empty there).
async fn read_chunk(file: &mut tokio::fs::File) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(CHUNK);
    (&mut *file)
        .take(CHUNK as u64)
        .read_to_end(&mut buf)
        .await?;
    Ok(buf)
}

/// Size and SHA-256 of a file, read once in chunks.
async fn digest_file(path: &Path) -> Result<(u64, String)> {
    let mut file = tokio::fs::File::open(path)
        .await
        .with_context(|| format!("attachment {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    loop {
        let buf = read_chunk(&mut file)
            .await
            .with_context(|| format!("reading {}", path.display()))?;
        if buf.is_empty() {
            break;
        }
        hasher.update(&buf);
        size += buf.len() as u64;
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
            let buf = read_chunk(&mut file)
                .await
                .with_context(|| format!("reading {}", path.display()))?;
            let n = buf.len() as u64;
            if n == 0 {
                break;
            }
            sent += n;
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
            bar.inc(n);
        }
        if sent != declared {
            bail!("{} shrank while it was being sent", path.display());
        }
    }
    Ok(())
}

/// Who sends, under which DocumentId and number, dated which day.
struct Identification {
    from: String,
    document_id: String,
    number: String,
    date: Date,
}

impl Identification {
    /// `--from` (else the caller's agency), `--document-id` (else built from the sender, the
    /// date, `--number` (else the current Unix time) and `--notation`). The date is today's
    /// in UTC, as it always was (the Vietnam date would differ from 00:00 to 07:00 there).
    fn of(global: &Global, args: &SendArgs, now: OffsetDateTime) -> Result<Identification> {
        let from = match &args.from {
            Some(code) => code.clone(),
            None => conn::caller_agency(global)?.into_string(),
        };
        let date = now.date();
        let number = args
            .number
            .clone()
            .unwrap_or_else(|| now.unix_timestamp().to_string());
        let document_id = match &args.document_id {
            Some(id) => id.clone(),
            None => default_document_id(&from, date, &number, &args.notation)?.into_string(),
        };
        Ok(Identification {
            from,
            document_id,
            number,
            date,
        })
    }
}

/// `<from>,<yyyy/MM/dd>,<number>/<notation>`, refused here when it would not be a DocumentId.
fn default_document_id(from: &str, date: Date, number: &str, notation: &str) -> Result<DocumentId> {
    let organ = AgencyCode::parse("--from", from)?;
    Ok(DocumentId::new(
        "document_id",
        &organ,
        date,
        number,
        notation,
    )?)
}

/// Size and SHA-256 of every file, read once: the header's declarations, and the files to
/// stream with their declared sizes.
async fn declare(paths: &[PathBuf]) -> Result<(Vec<AttachmentInfo>, Vec<(PathBuf, u64)>)> {
    let mut attachments = Vec::with_capacity(paths.len());
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
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
    Ok((attachments, files))
}

/// The document's header; agency names come from the hub's directory (informative only).
fn header(
    args: &SendArgs,
    id: Identification,
    attachments: Vec<AttachmentInfo>,
    names: &HashMap<String, String>,
) -> DocumentHeader {
    let agency = |code: &String| Agency {
        code: code.clone(),
        name: names.get(code).cloned().unwrap_or_default(),
        ..Default::default()
    };
    DocumentHeader {
        from: Some(agency(&id.from)),
        to: args.to.iter().map(agency).collect(),
        document_id: id.document_id,
        code: Some(DocumentCode {
            code_number: id.number,
            code_notation: args.notation.clone(),
        }),
        promulgation_info: Some(PromulgationInfo {
            place: String::new(),
            promulgation_date: local::format_date(id.date),
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
    }
}

/// Sends the header, then streams the files' bytes; the hub's receipt.
async fn upload(
    channel: TracedChannel,
    header: DocumentHeader,
    files: Vec<(PathBuf, u64)>,
    total: u64,
) -> Result<SendDocumentResponse> {
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
    match (result, produced) {
        (Ok(r), Ok(())) => Ok(r.into_inner()),
        (Ok(r), Err(e)) => {
            // The hub verified every declared digest, so what it accepted is what was declared.
            eprintln!("warning: {e:#}");
            Ok(r.into_inner())
        }
        (Err(status), Ok(())) => Err(status.into()),
        (Err(status), Err(e)) => Err(anyhow!(
            "{e:#} (the hub answered {:?}: {})",
            status.code(),
            status.message()
        )),
    }
}

pub async fn run(global: &Global, args: SendArgs) -> Result<()> {
    let id = Identification::of(global, &args, OffsetDateTime::now_utc())?;
    let (attachments, files) = declare(&args.attach).await?;
    let total: u64 = attachments.iter().map(|a| a.size).sum();

    let channel = conn::channel(global).await?;
    let names = agency_names(channel.clone()).await;
    let header = header(&args, id, attachments, &names);
    let receipt = upload(channel, header, files, total).await?;
    if global.json {
        println!("{}", receipt_json(&receipt));
    } else {
        print!("{}", receipt_text(&receipt, args.attach.len(), total));
    }
    Ok(())
}

pub fn receipt_json(receipt: &SendDocumentResponse) -> Value {
    json!({
        "document_id": receipt.document_id,
        "accepted_at": render::ts_json(receipt.accepted_at.as_ref()),
        "duplicate": receipt.duplicate,
        "recipients": receipt.recipients,
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
        render::ts_text(receipt.accepted_at.as_ref())
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

    #[tokio::test]
    async fn files_are_read_in_full_chunks() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("a.bin");
        let data: Vec<u8> = (0..2 * CHUNK + 5).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let mut file = tokio::fs::File::open(&path).await.unwrap();
        let mut sizes = Vec::new();
        let mut read = Vec::new();
        loop {
            let chunk = read_chunk(&mut file).await.unwrap();
            if chunk.is_empty() {
                break;
            }
            sizes.push(chunk.len());
            read.extend(chunk);
        }
        assert_eq!(sizes, [CHUNK, CHUNK, 5]);
        assert_eq!(read, data);
        let (size, sha256) = digest_file(&path).await.unwrap();
        assert_eq!(size, data.len() as u64);
        assert_eq!(sha256, hex::encode(Sha256::digest(&data)));
    }

    #[test]
    fn default_document_ids_are_built_by_the_vocabulary() {
        let day = time::macros::date!(2026 - 03 - 07);
        let id = default_document_id("000.00.00.H48", day, "1764157982", "UBND-VX").unwrap();
        assert_eq!(id.as_str(), "000.00.00.H48,2026/03/07,1764157982/UBND-VX");
        assert_eq!(id.number(), "1764157982");
        let e = default_document_id("H48", day, "1", "LT").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("--from: \"H48\" is not an agency code"),
            "{e}"
        );
        let e = default_document_id("000.00.00.H48", day, "1/2", "LT").unwrap_err();
        assert!(
            e.to_string().contains("the Number \"1/2\" contains '/'"),
            "{e}"
        );
        assert!(default_document_id("000.00.00.H48", day, "1", "").is_err());
    }

    #[test]
    fn receipts_read_as_before() {
        let receipt = SendDocumentResponse {
            document_id: "000.00.00.H48,2026/03/07,1/LT".into(),
            accepted_at: Some(prost_types::Timestamp {
                seconds: 1_764_157_982,
                nanos: 0,
            }),
            duplicate: false,
            recipients: vec!["000.00.00.G22".into(), "000.00.12.H48".into()],
        };
        assert_eq!(
            receipt_text(&receipt, 2, 1536),
            "sent 000.00.00.H48,2026/03/07,1/LT\n  \
             accepted at: 2025-11-26 11:53:02Z\n  \
             recipients:  000.00.00.G22, 000.00.12.H48\n  \
             attachments: 2 (1.50 KiB)\n"
        );
        let duplicate = SendDocumentResponse {
            duplicate: true,
            ..receipt.clone()
        };
        assert!(
            receipt_text(&duplicate, 0, 0)
                .starts_with("already sent (duplicate, first receipt): 000.00.00.H48")
        );
        assert!(!receipt_text(&duplicate, 0, 0).contains("attachments"));
        assert_eq!(
            receipt_json(&receipt).to_string(),
            "{\"accepted_at\":\"2025-11-26T11:53:02Z\",\"document_id\":\
             \"000.00.00.H48,2026/03/07,1/LT\",\"duplicate\":false,\"recipients\":\
             [\"000.00.00.G22\",\"000.00.12.H48\"]}"
        );
    }
}
