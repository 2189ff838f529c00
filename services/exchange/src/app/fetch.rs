//! Fetching a document: its header, then its attachments' bytes streamed from the blob store
//! in chunks (never whole in memory).
use lienthong_api::exchange::v1::{
    AttachmentChunk, AttachmentInfo, DocumentHeader, FetchDocumentResponse,
    fetch_document_response::Part,
};
use lienthong_axis::AgencyCode;
use lienthong_platform::notify::ServerStream;
use tokio::{io::AsyncReadExt, sync::mpsc};
use tokio_stream::wrappers::ReceiverStream;
use tracing::Instrument;

use super::{Exchange, updates::not_found};
use crate::{
    domain,
    error::{ExchangeError, Result},
    store::{self, blobs::BlobStore},
};

/// Size of the attachment chunks the hub streams out.
const CHUNK: usize = 64 * 1024;

impl Exchange {
    /// A document for its sender or one of its recipients (marking it delivered to the latter),
    /// followed by its attachments' bytes when `include_content`.
    pub async fn fetch_document(
        &self,
        caller: &AgencyCode,
        document_id: &str,
        include_content: bool,
    ) -> Result<ServerStream<FetchDocumentResponse>> {
        let header = self.fetch_header(caller, document_id).await?;
        let (tx, rx) = mpsc::channel(8);
        let blobs = self.blobs.clone();
        tokio::spawn(
            async move {
                let attachments = header.attachments.clone();
                let first = FetchDocumentResponse {
                    part: Some(Part::Header(header)),
                };
                if tx.send(Ok(first)).await.is_err() || !include_content {
                    return;
                }
                let wrap = |chunk| {
                    Ok(FetchDocumentResponse {
                        part: Some(Part::Chunk(chunk)),
                    })
                };
                if let Err(e) = feed_attachments(&blobs, &attachments, &tx, wrap).await {
                    let _ = tx.send(Err(e.into())).await;
                }
            }
            .in_current_span(),
        );
        Ok(ReceiverStream::new(rx))
    }

    async fn fetch_header(&self, caller: &AgencyCode, document_id: &str) -> Result<DocumentHeader> {
        domain::document_id("document_id", document_id)?;
        let mut conn = self.conn().await?;
        let doc = self.document(&mut conn, "document_id", document_id).await?;
        if doc.sender != caller.as_str() {
            if store::leg(&mut conn, document_id, caller.as_str())
                .await?
                .is_none()
            {
                return Err(not_found(document_id));
            }
            // The connection goes back first: with SQLite the pool has only one.
            drop(conn);
            // The delivery belongs to the document's trace (linked to the fetching call's),
            // like the acknowledgement and the statuses that follow it.
            let span = self.document_span("document.deliver", document_id).await?;
            self.delivered(&doc.sender, document_id, caller)
                .instrument(span)
                .await?;
        }
        Ok(doc.header)
    }
}

/// Sends the attachments' bytes on `tx`, attachment by attachment in chunks, each wrapped by
/// `wrap`. Stops early (successfully) when the receiver is gone.
pub(super) async fn feed_attachments<T>(
    blobs: &BlobStore,
    attachments: &[AttachmentInfo],
    tx: &mpsc::Sender<T>,
    wrap: impl Fn(AttachmentChunk) -> T,
) -> Result<()> {
    for (i, info) in attachments.iter().enumerate() {
        let mut file = blobs
            .open_blob(&info.sha256)
            .await
            .map_err(ExchangeError::storage)?;
        loop {
            let mut buf = vec![0u8; CHUNK];
            let n = file.read(&mut buf).await.map_err(ExchangeError::storage)?;
            if n == 0 {
                break;
            }
            buf.truncate(n);
            let chunk = AttachmentChunk {
                attachment_index: i as u32,
                data: buf,
            };
            if tx.send(wrap(chunk)).await.is_err() {
                return Ok(());
            }
        }
    }
    Ok(())
}
