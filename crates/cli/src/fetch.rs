//! `lienthong fetch`: the header and every attachment, written to a directory and verified.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use indicatif::{HumanBytes, ProgressBar};
use lienthong_api::exchange::v1::{
    AttachmentChunk, AttachmentInfo, DocumentHeader, FetchDocumentRequest, FetchDocumentResponse,
    fetch_document_response::Part,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use tonic::Streaming;

use crate::{Global, conn, output, progress};

#[derive(Args, Debug)]
#[command(after_long_help = "Examples:\n  \
    lienthong --as 000.00.00.G22 fetch \"000.00.00.H48,2026/11/26,125/UBND-TH\" --out ./nhan")]
pub struct FetchArgs {
    /// The DocumentId.
    pub document_id: String,

    /// Directory to write header.json and the attachments into (created if needed).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// One attachment being written: to `<name>.part`, renamed once its digest is verified.
struct Writing {
    index: usize,
    file: tokio::fs::File,
    part: PathBuf,
    hasher: Sha256,
    size: u64,
}

fn safe_name(name: &str) -> Result<&str> {
    if name.is_empty()
        || name == "."
        || name == ".."
        || name == "header.json"
        || name.contains(['/', '\\', '\0'])
    {
        bail!("the hub declared an attachment named {name:?}, which is not a safe file name");
    }
    Ok(name)
}

fn part_path(out: &Path, name: &str) -> PathBuf {
    out.join(format!("{name}.part"))
}

async fn start(out: &Path, index: usize, info: &AttachmentInfo) -> Result<Writing> {
    let part = part_path(out, safe_name(&info.name)?);
    let file = tokio::fs::File::create(&part)
        .await
        .with_context(|| part.display().to_string())?;
    Ok(Writing {
        index,
        file,
        part,
        hasher: Sha256::new(),
        size: 0,
    })
}

/// Checks size and digest, then moves the file to its name.
async fn finish(out: &Path, w: Writing, info: &AttachmentInfo) -> Result<PathBuf> {
    let Writing {
        mut file,
        part,
        hasher,
        size,
        ..
    } = w;
    file.flush()
        .await
        .with_context(|| part.display().to_string())?;
    file.sync_all()
        .await
        .with_context(|| part.display().to_string())?;
    drop(file);
    let digest = hex::encode(hasher.finalize());
    if size != info.size || !digest.eq_ignore_ascii_case(&info.sha256) {
        let _ = tokio::fs::remove_file(&part).await;
        bail!(
            "attachment {:?} is corrupt: received {size} bytes with SHA-256 {digest}, \
             the header declares {} bytes with SHA-256 {}",
            info.name,
            info.size,
            info.sha256
        );
    }
    let dest = out.join(&info.name);
    tokio::fs::rename(&part, &dest)
        .await
        .with_context(|| dest.display().to_string())?;
    Ok(dest)
}

/// Writes the attachments as their bytes arrive: in order, each to `<name>.part` until its
/// digest is verified; an attachment without bytes (empty) gets no chunk.
struct Attachments<'a> {
    out: &'a Path,
    declared: &'a [AttachmentInfo],
    written: Vec<PathBuf>,
    current: Option<Writing>,
    next_index: usize,
}

impl<'a> Attachments<'a> {
    fn new(out: &'a Path, declared: &'a [AttachmentInfo]) -> Self {
        Attachments {
            out,
            declared,
            written: Vec::with_capacity(declared.len()),
            current: None,
            next_index: 0,
        }
    }

    /// Verifies the attachment being written and writes the empty ones up to `index`.
    async fn finish_until(&mut self, index: usize) -> Result<()> {
        if let Some(w) = self.current.take() {
            let info = &self.declared[w.index];
            self.written.push(finish(self.out, w, info).await?);
        }
        while self.next_index < index {
            let info = &self.declared[self.next_index];
            let w = start(self.out, self.next_index, info).await?;
            self.written.push(finish(self.out, w, info).await?);
            self.next_index += 1;
        }
        Ok(())
    }

    /// Appends a chunk to its attachment (starting it when it is the next one).
    async fn write(&mut self, chunk: &AttachmentChunk) -> Result<u64> {
        let index = usize::try_from(chunk.attachment_index)?;
        if index >= self.declared.len() {
            bail!("the hub sent bytes for attachment {index}, which the header does not declare");
        }
        if self.current.as_ref().map(|w| w.index) != Some(index) {
            self.finish_until(index).await?;
            if index < self.next_index {
                bail!("the hub sent attachment {index} out of order");
            }
            self.current = Some(start(self.out, index, &self.declared[index]).await?);
            self.next_index = index + 1;
        }
        let n = chunk.data.len() as u64;
        if let Some(w) = self.current.as_mut() {
            w.hasher.update(&chunk.data);
            w.size += n;
            w.file
                .write_all(&chunk.data)
                .await
                .with_context(|| w.part.display().to_string())?;
        }
        Ok(n)
    }

    /// Removes the attachment left half-written by a failure.
    async fn abandon(&mut self) {
        if let Some(w) = self.current.take() {
            let _ = tokio::fs::remove_file(&w.part).await;
        }
    }
}

/// Reads the chunks that follow the header into the attachments' files.
async fn receive(
    stream: &mut Streaming<FetchDocumentResponse>,
    files: &mut Attachments<'_>,
    bar: &ProgressBar,
) -> Result<()> {
    while let Some(message) = stream.message().await? {
        let chunk = match message.part {
            Some(Part::Chunk(c)) => c,
            Some(Part::Header(_)) => bail!("the hub sent a second header"),
            None => continue,
        };
        bar.inc(files.write(&chunk).await?);
    }
    files.finish_until(files.declared.len()).await
}

/// The header, first on the stream, with attachment names safe to write and distinct.
async fn read_header(stream: &mut Streaming<FetchDocumentResponse>) -> Result<DocumentHeader> {
    let header = match stream.message().await?.and_then(|m| m.part) {
        Some(Part::Header(h)) => h,
        Some(Part::Chunk(_)) => bail!("the hub sent attachment bytes before the header"),
        None => bail!("the hub ended the fetch without a header"),
    };
    for (i, a) in header.attachments.iter().enumerate() {
        safe_name(&a.name)?;
        if header.attachments[..i].iter().any(|b| b.name == a.name) {
            bail!("the header declares two attachments named {:?}", a.name);
        }
    }
    Ok(header)
}

/// Creates the directory and writes `header.json` into it.
async fn write_header(out: &Path, header: &DocumentHeader) -> Result<PathBuf> {
    tokio::fs::create_dir_all(out)
        .await
        .with_context(|| out.display().to_string())?;
    let header_path = out.join("header.json");
    let header_text = serde_json::to_string_pretty(&output::json(header)?)?;
    tokio::fs::write(&header_path, header_text + "\n")
        .await
        .with_context(|| header_path.display().to_string())?;
    Ok(header_path)
}

pub async fn run(global: &Global, args: FetchArgs) -> Result<()> {
    let mut client = conn::exchange(global).await?;
    let mut stream = client
        .fetch_document(FetchDocumentRequest {
            document_id: args.document_id.clone(),
            include_content: true,
        })
        .await?
        .into_inner();
    let header = read_header(&mut stream).await?;
    let out = args.out.as_path();
    let header_path = write_header(out, &header).await?;

    let total: u64 = header.attachments.iter().map(|a| a.size).sum();
    let bar = progress::bytes_bar(total, "downloading");
    let mut files = Attachments::new(out, &header.attachments);
    let result = receive(&mut stream, &mut files, &bar).await;
    bar.finish_and_clear();
    if let Err(e) = result {
        files.abandon().await;
        return Err(e);
    }
    let written = files.written;
    if written.len() != header.attachments.len() {
        return Err(anyhow!(
            "wrote {} attachments, the header declares {}",
            written.len(),
            header.attachments.len()
        ));
    }
    if global.json {
        output::document(&fetched_json(&header, &header_path, &written)?)
    } else {
        print!("{}", fetched_text(&header, out));
        Ok(())
    }
}

/// The header (the API's message), where it and each verified attachment were written.
fn fetched_json(header: &DocumentHeader, header_path: &Path, written: &[PathBuf]) -> Result<Value> {
    Ok(json!({
        "document_id": header.document_id,
        "header_file": header_path.display().to_string(),
        "header": output::json(header)?,
        "attachments": header.attachments.iter().zip(written).map(|(a, p)| json!({
            "name": a.name,
            "path": p.display().to_string(),
            "size": a.size.to_string(),
            "sha256": a.sha256,
            "verified": true,
        })).collect::<Vec<_>>(),
    }))
}

/// Where the document went, and each verified attachment with its size.
pub fn fetched_text(header: &DocumentHeader, out: &Path) -> String {
    let mut text = format!(
        "fetched {} into {}\n  header.json\n",
        header.document_id,
        out.display()
    );
    for a in &header.attachments {
        text.push_str(&format!(
            "  {}  ({}, SHA-256 verified)\n",
            a.name,
            HumanBytes(a.size)
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_attachment_names_are_refused() {
        for bad in ["", ".", "..", "header.json", "a/b", "a\\b", "a\0b"] {
            assert!(safe_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(safe_name("Quyết định.pdf").unwrap(), "Quyết định.pdf");
    }

    #[test]
    fn fetched_text_lists_sizes_for_people() {
        let header = DocumentHeader {
            document_id: "000.00.00.H48,2026/01/02,1/X".into(),
            attachments: vec![
                AttachmentInfo {
                    name: "a.txt".into(),
                    size: 12,
                    ..Default::default()
                },
                AttachmentInfo {
                    name: "b.pdf".into(),
                    size: 5_000_000,
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        assert_eq!(
            fetched_text(&header, Path::new("/tmp/in")),
            "fetched 000.00.00.H48,2026/01/02,1/X into /tmp/in\n  header.json\n  \
             a.txt  (12 B, SHA-256 verified)\n  \
             b.pdf  (4.77 MiB, SHA-256 verified)\n"
        );
    }

    #[tokio::test]
    async fn attachments_arrive_in_order_and_empty_ones_are_written() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let info = |name: &str, data: &[u8]| AttachmentInfo {
            name: name.into(),
            size: data.len() as u64,
            sha256: hex::encode(Sha256::digest(data)),
            ..Default::default()
        };
        let declared = [info("a", b"abc"), info("empty", b""), info("c", b"xyz")];
        let chunk = |i: u32, data: &[u8]| AttachmentChunk {
            attachment_index: i,
            data: data.to_vec(),
        };
        let mut files = Attachments::new(dir, &declared);
        files.write(&chunk(0, b"ab")).await.unwrap();
        files.write(&chunk(0, b"c")).await.unwrap();
        files.write(&chunk(2, b"xyz")).await.unwrap();
        files.finish_until(declared.len()).await.unwrap();
        assert_eq!(files.written.len(), 3);
        assert_eq!(tokio::fs::read(dir.join("a")).await.unwrap(), b"abc");
        assert_eq!(tokio::fs::read(dir.join("empty")).await.unwrap(), b"");
        assert_eq!(tokio::fs::read(dir.join("c")).await.unwrap(), b"xyz");

        let mut files = Attachments::new(dir, &declared);
        files.write(&chunk(0, b"abc")).await.unwrap();
        files.write(&chunk(2, b"xyz")).await.unwrap();
        let e = files.write(&chunk(1, b"a")).await.unwrap_err();
        assert_eq!(e.to_string(), "the hub sent attachment 1 out of order");
        let e = files.write(&chunk(3, b"a")).await.unwrap_err();
        assert!(
            e.to_string()
                .contains("attachment 3, which the header does not declare")
        );
        let mut files = Attachments::new(dir, &declared);
        files.write(&chunk(0, b"abd")).await.unwrap();
        let e = files.finish_until(declared.len()).await.unwrap_err();
        assert!(
            e.to_string().starts_with("attachment \"a\" is corrupt"),
            "{e}"
        );
    }
}
