//! What the adapter enforces on the transport: uploads that stall are ended, and lookups carry
//! how many hubs they have been passed on to.
use std::time::Duration;

use tonic::{Request, Status, Streaming};

use crate::{
    app::MAX_LOOKUP_HOPS,
    domain::{routing::HOPS_METADATA, track::MAX_TRACK_HOPS},
    error::ExchangeError,
};

/// The next message of an upload stream, or RESOURCE_EXHAUSTED `UPLOAD_STALLED` when none
/// arrives within `stall`: a client that stops sending does not hold its stream (and its
/// temporary file, dropped with the send in progress) for ever.
pub(super) async fn next_message<T>(
    stream: &mut Streaming<T>,
    stall: Duration,
) -> Result<Option<T>, Status> {
    match tokio::time::timeout(stall, stream.message()).await {
        Ok(message) => message,
        Err(_) => {
            tracing::info!(?stall, "upload stalled; ended");
            Err(ExchangeError::UploadStalled {
                secs: stall.as_secs().max(1),
            }
            .into())
        }
    }
}

/// How many hubs passed a lookup on before it reached this one (`lienthong-hops`; 0 when a
/// client asks). An unreadable value counts as the limit: such a lookup is answered from here
/// or refused, never passed on.
pub(super) fn lookup_hops<T>(req: &Request<T>) -> u32 {
    match req.metadata().get(HOPS_METADATA) {
        None => 0,
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(MAX_LOOKUP_HOPS),
    }
}

/// How many hubs passed a track request on before it reached this one; as for lookups, an
/// unreadable value counts as the limit (answered from here, never passed on).
pub(super) fn track_hops<T>(req: &Request<T>) -> u32 {
    match req.metadata().get(HOPS_METADATA) {
        None => 0,
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(MAX_TRACK_HOPS),
    }
}
