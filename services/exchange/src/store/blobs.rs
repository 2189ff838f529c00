//! Attachments as content-addressed blobs on the filesystem: `<root>/sha256/ab/abcdef…`.
//! A blob is written to `tmp/`, hashed as it streams in, synced, then renamed into place, so a
//! crash never leaves half a blob under its digest. An orphan blob (written, but the document
//! never committed) is harmless: a later send of the same content reuses it.
use std::{
    io,
    path::{Path, PathBuf},
    sync::atomic::{AtomicU64, Ordering},
};

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

pub struct BlobStore {
    root: PathBuf,
    counter: AtomicU64,
}

impl BlobStore {
    /// Opens (creating) the store and clears temporary files left by a crash.
    pub fn open(root: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(root.join("sha256"))?;
        let tmp = root.join("tmp");
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp)?;
        }
        std::fs::create_dir_all(&tmp)?;
        Ok(BlobStore {
            root: root.to_path_buf(),
            counter: AtomicU64::new(0),
        })
    }

    pub fn path_of(&self, sha256: &str) -> PathBuf {
        let prefix = sha256.get(..2).unwrap_or("00");
        self.root.join("sha256").join(prefix).join(sha256)
    }

    /// Starts a new blob.
    pub async fn writer(&self) -> io::Result<BlobWriter> {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let tmp = self
            .root
            .join("tmp")
            .join(format!("{}-{n}", std::process::id()));
        let file = tokio::fs::File::create(&tmp).await?;
        Ok(BlobWriter {
            file: Some(file),
            tmp,
            hasher: Sha256::new(),
            written: 0,
        })
    }

    /// Opens a stored blob for reading.
    pub async fn open_blob(&self, sha256: &str) -> io::Result<tokio::fs::File> {
        tokio::fs::File::open(self.path_of(sha256)).await
    }
}

/// A blob being received.
pub struct BlobWriter {
    file: Option<tokio::fs::File>,
    tmp: PathBuf,
    hasher: Sha256,
    written: u64,
}

impl BlobWriter {
    pub async fn write(&mut self, data: &[u8]) -> io::Result<()> {
        self.hasher.update(data);
        self.written += data.len() as u64;
        match &mut self.file {
            Some(f) => f.write_all(data).await,
            None => Err(io::Error::other("blob already committed")),
        }
    }

    pub fn written(&self) -> u64 {
        self.written
    }

    /// The SHA-256 of what was written, in lowercase hex.
    pub fn digest(&self) -> String {
        hex::encode(self.hasher.clone().finalize())
    }

    /// Syncs the blob and moves it under its digest.
    pub async fn commit(mut self, store: &BlobStore) -> io::Result<String> {
        let digest = self.digest();
        let mut file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("blob already committed"))?;
        file.flush().await?;
        file.sync_all().await?;
        drop(file);
        let dest = store.path_of(&digest);
        let dir = dest
            .parent()
            .ok_or_else(|| io::Error::other("blob path has no parent"))?
            .to_path_buf();
        tokio::fs::create_dir_all(&dir).await?;
        tokio::fs::rename(&self.tmp, &dest).await?;
        // The rename itself must reach the disk before the document that names it commits.
        tokio::task::spawn_blocking(move || std::fs::File::open(&dir).and_then(|d| d.sync_all()))
            .await
            .map_err(io::Error::other)??;
        Ok(digest)
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if self.file.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}
