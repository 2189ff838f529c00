//! Attachments as content-addressed blobs on the filesystem: `<root>/sha256/ab/abcdef…`.
//! A blob is written to `tmp/`, hashed as it streams in, synced, then renamed into place, so a
//! crash never leaves half a blob under its digest.
//!
//! An orphan blob (written, but its document never committed: a later attachment of the send
//! failed) is removed by the collection of orphans ([`BlobStore::begin_collection`]), safely
//! against sends in flight: a blob committed by a send that has not finished is *held*
//! ([`BlobHold`], taken before the blob is moved into place, released after the document
//! committed or failed), and a collection removes neither a held blob nor one released while
//! it ran (its document may have committed after the collection read the references).
use std::{
    collections::{HashMap, HashSet},
    io,
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

pub struct BlobStore {
    root: PathBuf,
    counter: AtomicU64,
    holds: Arc<Mutex<Holds>>,
}

/// The blobs of sends in flight, and those released while a collection runs.
#[derive(Debug, Default)]
struct Holds {
    held: HashMap<String, usize>,
    collecting: bool,
    released: HashSet<String>,
}

fn lock(holds: &Mutex<Holds>) -> std::sync::MutexGuard<'_, Holds> {
    holds.lock().unwrap_or_else(|p| p.into_inner())
}

/// A blob a send in flight committed: no collection removes it while this lives.
#[derive(Debug)]
pub struct BlobHold {
    holds: Arc<Mutex<Holds>>,
    digest: String,
}

impl Drop for BlobHold {
    fn drop(&mut self) {
        let mut holds = lock(&self.holds);
        if let Some(n) = holds.held.get_mut(&self.digest) {
            *n -= 1;
            if *n == 0 {
                holds.held.remove(&self.digest);
            }
        }
        if holds.collecting {
            holds.released.insert(self.digest.clone());
        }
    }
}

/// A collection of orphan blobs in progress (one at a time): ends when dropped.
pub struct Collection<'a> {
    store: &'a BlobStore,
}

impl Collection<'_> {
    /// The digests of every blob on disk.
    pub async fn blobs(&self) -> io::Result<Vec<String>> {
        let root = self.store.root.join("sha256");
        tokio::task::spawn_blocking(move || {
            let mut found = Vec::new();
            for prefix in std::fs::read_dir(&root)? {
                let prefix = prefix?;
                if !prefix.file_type()?.is_dir() {
                    continue;
                }
                for blob in std::fs::read_dir(prefix.path())? {
                    let blob = blob?;
                    if let Some(name) = blob.file_name().to_str()
                        && name.len() == 64
                        && name.bytes().all(|b| b.is_ascii_hexdigit())
                    {
                        found.push(name.to_string());
                    }
                }
            }
            Ok(found)
        })
        .await
        .map_err(io::Error::other)?
    }

    /// Removes the blob `digest`, which no committed document referenced when the collection
    /// looked, unless a send in flight holds it or released it meanwhile. Returns whether it
    /// was removed.
    pub fn remove_orphan(&self, digest: &str) -> io::Result<bool> {
        let holds = lock(&self.store.holds);
        if holds.held.contains_key(digest) || holds.released.contains(digest) {
            return Ok(false);
        }
        // Under the lock: a send cannot hold (and then move into place) this digest meanwhile.
        match std::fs::remove_file(self.store.path_of(digest)) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }
}

impl Drop for Collection<'_> {
    fn drop(&mut self) {
        let mut holds = lock(&self.store.holds);
        holds.collecting = false;
        holds.released.clear();
    }
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
            holds: Arc::default(),
        })
    }

    /// Holds `digest` for a send in flight.
    fn hold(&self, digest: &str) -> BlobHold {
        *lock(&self.holds)
            .held
            .entry(digest.to_string())
            .or_default() += 1;
        BlobHold {
            holds: self.holds.clone(),
            digest: digest.to_string(),
        }
    }

    /// Starts a collection of orphan blobs: read the referenced digests AFTER this, then
    /// remove the others with [`Collection::remove_orphan`]. The caller runs one at a time.
    pub fn begin_collection(&self) -> Collection<'_> {
        let mut holds = lock(&self.holds);
        holds.collecting = true;
        holds.released.clear();
        Collection { store: self }
    }

    /// The temporary files of uploads in progress.
    pub fn temporary_files(&self) -> io::Result<usize> {
        Ok(std::fs::read_dir(self.root.join("tmp"))?.count())
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

    /// Syncs the blob and moves it under its digest, held for the send in flight (until it
    /// drops the hold, after its document committed or failed).
    pub async fn commit(mut self, store: &BlobStore) -> io::Result<BlobHold> {
        let digest = self.digest();
        // Held before it is in place: a collection running now cannot remove it.
        let hold = store.hold(&digest);
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
        Ok(hold)
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if self.file.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn stored(store: &BlobStore, data: &[u8]) -> BlobHold {
        let mut w = store.writer().await.expect("writer");
        w.write(data).await.expect("write");
        w.commit(store).await.expect("commit")
    }

    #[tokio::test]
    async fn held_and_just_released_blobs_survive_a_collection() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = BlobStore::open(dir.path()).expect("open");
        let held = stored(&store, b"in flight").await;
        let released = stored(&store, b"committed meanwhile").await;
        drop(stored(&store, b"orphan").await);
        let digest = |d: &[u8]| hex::encode(Sha256::digest(d));

        let collection = store.begin_collection();
        let mut on_disk = collection.blobs().await.expect("list");
        on_disk.sort();
        assert_eq!(on_disk.len(), 3);
        // Released after the collection began: its document may have committed after the
        // references were read.
        drop(released);
        assert!(!collection.remove_orphan(&digest(b"in flight")).expect("rm"));
        assert!(
            !collection
                .remove_orphan(&digest(b"committed meanwhile"))
                .expect("rm")
        );
        assert!(collection.remove_orphan(&digest(b"orphan")).expect("rm"));
        assert!(
            !collection.remove_orphan(&digest(b"orphan")).expect("rm"),
            "gone"
        );
        drop(collection);

        // The next collection may remove what is no longer held.
        let collection = store.begin_collection();
        assert!(
            collection
                .remove_orphan(&digest(b"committed meanwhile"))
                .expect("rm")
        );
        assert!(!collection.remove_orphan(&digest(b"in flight")).expect("rm"));
        drop(held);
        assert_eq!(store.temporary_files().expect("tmp"), 0);
    }
}
