//! What one client may hold of the hub at a time: open uploads (per agency and in total, each
//! with a temporary file and a stream) and open streams (Subscribe, WatchSentDocument) per
//! agency. A limit reached is RESOURCE_EXHAUSTED with a stable reason and a retry delay, and
//! every other client keeps being served.
use std::{
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use lienthong_platform::limits::{KeyedLimit, Limit};
use tokio::sync::OwnedSemaphorePermit;
use tokio_stream::Stream;

use super::Exchange;
use crate::error::Result;

/// The limits of a hub's resources, as configured.
#[derive(Clone, Debug)]
pub struct Resources {
    /// Documents one agency may be sending at a time.
    pub max_uploads_per_agency: usize,
    /// Documents the hub may be receiving at a time (from agencies and hubs).
    pub max_open_uploads: usize,
    /// How long an upload may send nothing before it is ended.
    pub upload_stall: Duration,
    /// Open Subscribe and WatchSentDocument streams per agency.
    pub max_streams_per_agency: usize,
}

impl Default for Resources {
    fn default() -> Self {
        Resources {
            max_uploads_per_agency: 8,
            max_open_uploads: 256,
            upload_stall: Duration::from_secs(30),
            max_streams_per_agency: 16,
        }
    }
}

/// The hub's counters of what is held.
pub(super) struct Held {
    uploads_per_agency: KeyedLimit,
    uploads: Limit,
    streams_per_agency: KeyedLimit,
    streams: Arc<AtomicUsize>,
}

impl Held {
    pub(super) fn new(r: &Resources) -> Self {
        Held {
            uploads_per_agency: KeyedLimit::new(
                r.max_uploads_per_agency,
                "TOO_MANY_UPLOADS",
                "documents being sent at once",
            ),
            uploads: Limit::new(
                r.max_open_uploads,
                "HUB_UPLOADS_FULL",
                "documents being received at once by this hub",
            ),
            streams_per_agency: KeyedLimit::new(
                r.max_streams_per_agency,
                "TOO_MANY_STREAMS",
                "open Subscribe and WatchSentDocument streams",
            ),
            streams: Arc::default(),
        }
    }
}

/// An upload's place at the hub: released when the upload ends, however it ends.
pub(super) struct UploadPermit {
    _agency: OwnedSemaphorePermit,
    _hub: OwnedSemaphorePermit,
}

/// An open stream's place at the hub: released when the stream is dropped (the client left,
/// the stream ended, or the connection was closed).
pub struct StreamPermit {
    _agency: OwnedSemaphorePermit,
    open: Arc<AtomicUsize>,
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A server stream that holds its [`StreamPermit`] as long as it lives.
pub struct Limited<S> {
    inner: S,
    _permit: StreamPermit,
}

impl<S> Limited<S> {
    pub fn new(inner: S, permit: StreamPermit) -> Self {
        Limited {
            inner,
            _permit: permit,
        }
    }
}

impl<S: Stream + Unpin> Stream for Limited<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.inner).poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

/// Keeps the first `items` that weigh at most `max_bytes` encoded together (always the first
/// one): a page of a list stops early rather than build a response too large for the client
/// (gRPC's default limit is 4 MiB), and the client pages on. Returns whether any was left out.
pub(super) fn trim_to_bytes<T: prost::Message>(items: &mut Vec<T>, max_bytes: usize) -> bool {
    let mut bytes = 0;
    let keep = items
        .iter()
        .position(|item| {
            bytes += item.encoded_len();
            bytes > max_bytes
        })
        .map_or(items.len(), |i| i.max(1));
    let trimmed = keep < items.len();
    items.truncate(keep);
    trimmed
}

impl Exchange {
    /// A place for one more upload of `key` (an agency's code), or RESOURCE_EXHAUSTED when the
    /// agency or the hub holds as many as allowed.
    pub(super) fn upload_permit(&self, key: &str) -> Result<UploadPermit> {
        let agency = self.held.uploads_per_agency.try_acquire(key)?;
        let hub = self.held.uploads.try_acquire()?;
        Ok(UploadPermit {
            _agency: agency,
            _hub: hub,
        })
    }

    /// A place for one more stream of `agency` (Subscribe, WatchSentDocument), or
    /// RESOURCE_EXHAUSTED `TOO_MANY_STREAMS` when it holds as many as allowed.
    pub fn stream_permit(&self, agency: &str) -> Result<StreamPermit> {
        let permit = self.held.streams_per_agency.try_acquire(agency)?;
        self.held.streams.fetch_add(1, Ordering::Relaxed);
        Ok(StreamPermit {
            _agency: permit,
            open: self.held.streams.clone(),
        })
    }

    /// How many uploads are open at this hub.
    pub fn open_uploads(&self) -> usize {
        self.held.uploads.in_use()
    }

    /// How many Subscribe and WatchSentDocument streams are open at this hub.
    pub fn open_streams(&self) -> usize {
        self.held.streams.load(Ordering::Relaxed)
    }

    /// How long an upload may send nothing before it is ended.
    pub fn upload_stall(&self) -> Duration {
        self.settings.resources.upload_stall
    }
}

#[cfg(test)]
mod tests {
    use lienthong_api::exchange::v1::Agency;
    use prost::Message;

    use super::trim_to_bytes;

    #[test]
    fn pages_stop_before_their_byte_limit() {
        let agency = |n: usize| Agency {
            code: "000.00.00.H48".into(),
            name: "x".repeat(n),
            ..Default::default()
        };
        let mut page: Vec<Agency> = (0..10).map(|_| agency(100)).collect();
        let one = page[0].encoded_len();
        assert!(trim_to_bytes(&mut page, one * 3 + 1));
        assert_eq!(page.len(), 3);
        let mut small = vec![agency(1), agency(1)];
        assert!(!trim_to_bytes(&mut small, 1 << 20));
        assert_eq!(small.len(), 2);
        let mut huge = vec![agency(5000), agency(1)];
        assert!(
            trim_to_bytes(&mut huge, 100),
            "the first item is always kept"
        );
        assert_eq!(huge.len(), 1);
    }
}
