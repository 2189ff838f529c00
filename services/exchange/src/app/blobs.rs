//! The collection of orphan blobs: attachments written by sends that never committed (a later
//! attachment failed, the client went away) are removed at start and periodically, never one
//! that a committed document references or that a send in flight holds.
use super::Exchange;
use crate::{
    error::{ExchangeError, Result},
    store,
};

impl Exchange {
    /// Fills in the blob references of documents stored before they were kept (once).
    pub async fn backfill_blob_refs(&self) -> Result<usize> {
        let mut tx = self.transaction().await?;
        let read = store::backfill_blob_refs(&mut tx).await?;
        store::commit(tx).await?;
        if read > 0 {
            tracing::info!(documents = read, "blob references filled in");
        }
        Ok(read)
    }

    /// Removes the blobs no committed document references and no send in flight holds.
    /// Returns how many were removed.
    pub async fn collect_orphan_blobs(&self) -> Result<usize> {
        let _one_at_a_time = self.collecting.lock().await;
        // Started before the references are read: a send that commits after the read holds
        // its blobs until then, and the collection leaves what was released meanwhile.
        let collection = self.blobs.begin_collection();
        let on_disk = collection.blobs().await.map_err(ExchangeError::storage)?;
        if on_disk.is_empty() {
            return Ok(0);
        }
        let referenced = store::referenced_blobs(&mut *self.conn().await?, &on_disk).await?;
        let mut removed = 0;
        for digest in on_disk.iter().filter(|d| !referenced.contains(*d)) {
            if collection
                .remove_orphan(digest)
                .map_err(ExchangeError::storage)?
            {
                removed += 1;
            }
        }
        if removed > 0 {
            crate::metrics::blobs_collected(self.hub_id(), removed as u64);
            tracing::info!(removed, "orphan attachment blobs removed");
        }
        Ok(removed)
    }

    /// The temporary files of uploads in progress.
    pub fn temporary_blob_files(&self) -> Result<usize> {
        self.blobs.temporary_files().map_err(ExchangeError::storage)
    }
}
