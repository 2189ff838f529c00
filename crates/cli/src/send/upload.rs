//! The attachments of `lienthong send`: declared (size, SHA-256, MIME type) from the files, then
//! streamed to the hub in 64 KiB chunks after the header.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use lienthong_api::exchange::v1::{
    AttachmentChunk, AttachmentInfo, DocumentHeader, SendDocumentRequest, SendDocumentResponse,
    send_document_request::Part,
};
use lienthong_platform::client::TracedChannel;
use sha2::{Digest, Sha256};
use tokio::{io::AsyncReadExt, sync::mpsc};
use tokio_stream::wrappers::ReceiverStream;

use crate::{conn, progress};

/// Size of the attachment chunks sent to the hub.
pub const CHUNK: usize = 64 * 1024;

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

/// Size and SHA-256 of every file, read once: the header's declarations, and the files to
/// stream with their declared sizes.
pub async fn declare(paths: &[PathBuf]) -> Result<(Vec<AttachmentInfo>, Vec<(PathBuf, u64)>)> {
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

/// Sends the header, then streams the files' bytes; the hub's receipt.
pub async fn upload(
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
        (Err(status), Err(e)) => Err(e.context(format!(
            "the hub answered {:?}: {}",
            status.code(),
            status.message()
        ))),
    }
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
}
