//! `lienthong fetch`: the header and every attachment, written to a directory and verified.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use lienthong_api::exchange::v1::{
    AttachmentInfo, FetchDocumentRequest, fetch_document_response::Part,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::{Global, conn, progress, render};

#[derive(Args, Debug)]
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

pub async fn run(global: &Global, args: FetchArgs) -> Result<()> {
    let mut client = conn::exchange(global).await?;
    let mut stream = client
        .fetch_document(FetchDocumentRequest {
            document_id: args.document_id.clone(),
            include_content: true,
        })
        .await?
        .into_inner();

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
    tokio::fs::create_dir_all(&args.out)
        .await
        .with_context(|| args.out.display().to_string())?;
    let header_path = args.out.join("header.json");
    let header_text = serde_json::to_string_pretty(&render::header_json(&header))?;
    tokio::fs::write(&header_path, header_text + "\n")
        .await
        .with_context(|| header_path.display().to_string())?;

    let total: u64 = header.attachments.iter().map(|a| a.size).sum();
    let bar = progress::bytes_bar(total, "downloading");
    let out = args.out.as_path();
    let mut written: Vec<PathBuf> = Vec::with_capacity(header.attachments.len());
    let mut current: Option<Writing> = None;
    // Attachments arrive in order; an attachment without bytes (empty) gets no chunk.
    let mut next_index = 0usize;
    let result: Result<()> = async {
        while let Some(message) = stream.message().await? {
            let chunk = match message.part {
                Some(Part::Chunk(c)) => c,
                Some(Part::Header(_)) => bail!("the hub sent a second header"),
                None => continue,
            };
            let index = usize::try_from(chunk.attachment_index)?;
            if index >= header.attachments.len() {
                bail!(
                    "the hub sent bytes for attachment {index}, which the header does not declare"
                );
            }
            if current.as_ref().map(|w| w.index) != Some(index) {
                if let Some(w) = current.take() {
                    let info = &header.attachments[w.index];
                    written.push(finish(out, w, info).await?);
                }
                if index < next_index {
                    bail!("the hub sent attachment {index} out of order");
                }
                // Empty attachments in between.
                while next_index < index {
                    let w = start(out, next_index, &header.attachments[next_index]).await?;
                    written.push(finish(out, w, &header.attachments[next_index]).await?);
                    next_index += 1;
                }
                current = Some(start(out, index, &header.attachments[index]).await?);
                next_index = index + 1;
            }
            if let Some(w) = current.as_mut() {
                w.hasher.update(&chunk.data);
                w.size += chunk.data.len() as u64;
                w.file
                    .write_all(&chunk.data)
                    .await
                    .with_context(|| w.part.display().to_string())?;
                bar.inc(chunk.data.len() as u64);
            }
        }
        if let Some(w) = current.take() {
            let info = &header.attachments[w.index];
            written.push(finish(out, w, info).await?);
        }
        while next_index < header.attachments.len() {
            let info = &header.attachments[next_index];
            let w = start(out, next_index, info).await?;
            written.push(finish(out, w, info).await?);
            next_index += 1;
        }
        Ok(())
    }
    .await;
    bar.finish_and_clear();
    if let Err(e) = result {
        if let Some(w) = current.take() {
            let _ = tokio::fs::remove_file(&w.part).await;
        }
        return Err(e);
    }
    if written.len() != header.attachments.len() {
        return Err(anyhow!(
            "wrote {} attachments, the header declares {}",
            written.len(),
            header.attachments.len()
        ));
    }

    if global.json {
        println!(
            "{}",
            json!({
                "document_id": header.document_id,
                "header": header_path.display().to_string(),
                "attachments": header.attachments.iter().zip(&written).map(|(a, p)| json!({
                    "name": a.name,
                    "path": p.display().to_string(),
                    "size": a.size,
                    "sha256": a.sha256,
                    "verified": true,
                })).collect::<Vec<_>>(),
            })
        );
    } else {
        println!("fetched {} into {}", header.document_id, out.display());
        println!("  header.json");
        for a in &header.attachments {
            println!(
                "  {}  ({}, SHA-256 verified)",
                a.name,
                render::bytes(a.size)
            );
        }
    }
    Ok(())
}
