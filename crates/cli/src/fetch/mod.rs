//! `lienthong fetch`: the header and every attachment, verified, written to a directory of
//! their own (`out_dir.rs` says how: nothing followed, nothing overwritten without `--force`).
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
use tempfile::TempPath;
use tokio::io::AsyncWriteExt;
use tonic::Streaming;

use crate::{Global, conn, output, progress};

mod out_dir;

use out_dir::{FILES_DIR, HEADER_FILE, OutDir, check_names};

#[derive(Args, Debug)]
#[command(after_long_help = "Examples:\n  \
    lienthong --as 000.00.00.G22 fetch \"000.00.00.H48,2026/11/26,125/UBND-TH\" --out ./nhan\n\n\
    The directory gets header.json and files/ with the attachments. A symbolic link inside it is\n\
    never followed nor replaced, and an existing file is not overwritten without --force.")]
pub struct FetchArgs {
    /// The DocumentId.
    pub document_id: String,

    /// Directory to write into (created if needed): header.json, and the attachments in
    /// DIR/files/.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// Replace the files of an earlier fetch (never a symbolic link).
    #[arg(long)]
    pub force: bool,
}

/// One attachment being received into a temporary file of the directory.
struct Writing {
    index: usize,
    file: tokio::fs::File,
    tmp: TempPath,
    hasher: Sha256,
    size: u64,
}

fn start(out: &OutDir, index: usize) -> Result<Writing> {
    let (file, tmp) = out.temp()?;
    Ok(Writing {
        index,
        file: tokio::fs::File::from_std(file),
        tmp,
        hasher: Sha256::new(),
        size: 0,
    })
}

/// Checks size and digest: the verified temporary file (removed if it does not match).
async fn finish(w: Writing, info: &AttachmentInfo) -> Result<TempPath> {
    let Writing {
        mut file,
        tmp,
        hasher,
        size,
        ..
    } = w;
    let what = || tmp.display().to_string();
    file.flush().await.with_context(what)?;
    file.sync_all().await.with_context(what)?;
    drop(file);
    let digest = hex::encode(hasher.finalize());
    if size != info.size || !digest.eq_ignore_ascii_case(&info.sha256) {
        bail!(
            "attachment {:?} is corrupt: received {size} bytes with SHA-256 {digest}, \
             the header declares {} bytes with SHA-256 {}",
            info.name,
            info.size,
            info.sha256
        );
    }
    Ok(tmp)
}

/// Receives the attachments as their bytes arrive, in order, each into a temporary file until
/// its digest is verified; an attachment without bytes (empty) gets no chunk. Dropped before
/// [`Attachments::place`], it leaves nothing behind.
struct Attachments<'a> {
    out: &'a OutDir,
    declared: &'a [AttachmentInfo],
    verified: Vec<TempPath>,
    current: Option<Writing>,
    next_index: usize,
}

impl<'a> Attachments<'a> {
    fn new(out: &'a OutDir, declared: &'a [AttachmentInfo]) -> Self {
        Attachments {
            out,
            declared,
            verified: Vec::with_capacity(declared.len()),
            current: None,
            next_index: 0,
        }
    }

    /// Verifies the attachment being received and makes the empty ones up to `index`.
    async fn finish_until(&mut self, index: usize) -> Result<()> {
        if let Some(w) = self.current.take() {
            let info = &self.declared[w.index];
            self.verified.push(finish(w, info).await?);
        }
        while self.next_index < index {
            let w = start(self.out, self.next_index)?;
            self.verified
                .push(finish(w, &self.declared[self.next_index]).await?);
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
            self.current = Some(start(self.out, index)?);
            self.next_index = index + 1;
        }
        let n = chunk.data.len() as u64;
        if let Some(w) = self.current.as_mut() {
            w.hasher.update(&chunk.data);
            w.size += n;
            w.file
                .write_all(&chunk.data)
                .await
                .with_context(|| w.tmp.display().to_string())?;
        }
        Ok(n)
    }

    /// Moves every verified attachment to `files/<name>`: where each went.
    fn place(self) -> Result<Vec<PathBuf>> {
        if self.verified.len() != self.declared.len() {
            return Err(anyhow!(
                "received {} attachments, the header declares {}",
                self.verified.len(),
                self.declared.len()
            ));
        }
        let mut written = Vec::with_capacity(self.declared.len());
        for (tmp, info) in self.verified.into_iter().zip(self.declared) {
            let dest = self.out.attachment_path(&info.name);
            self.out.place(tmp, &dest)?;
            written.push(dest);
        }
        Ok(written)
    }
}

/// Reads the chunks that follow the header into the attachments' temporary files.
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
    check_names(&header.attachments)?;
    Ok(header)
}

/// Writes `header.json`, once the attachments are in place.
fn write_header(out: &OutDir, header: &DocumentHeader) -> Result<PathBuf> {
    use std::io::Write as _;
    let text = serde_json::to_string_pretty(&output::json(header)?)? + "\n";
    let (mut file, tmp) = out.temp()?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| tmp.display().to_string())?;
    drop(file);
    let path = out.header_path();
    out.place(tmp, &path)?;
    Ok(path)
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
    let out = OutDir::prepare(&args.out, args.force)?;
    out.check_free(&header.attachments)?;

    let total: u64 = header.attachments.iter().map(|a| a.size).sum();
    let bar = progress::bytes_bar(total, "downloading");
    let mut files = Attachments::new(&out, &header.attachments);
    let result = receive(&mut stream, &mut files, &bar).await;
    bar.finish_and_clear();
    result?;
    let written = files.place()?;
    let header_path = write_header(&out, &header)?;
    if global.json {
        output::document(&fetched_json(&header, &header_path, &written)?)
    } else {
        print!("{}", fetched_text(&header, &args.out));
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
        "fetched {} into {}\n  {HEADER_FILE}\n",
        header.document_id,
        out.display()
    );
    for a in &header.attachments {
        text.push_str(&format!(
            "  {FILES_DIR}/{}  ({}, SHA-256 verified)\n",
            a.name,
            HumanBytes(a.size)
        ));
    }
    text
}

#[cfg(test)]
mod tests;
