//! The open connections of a server: at most so many at a time (a client cannot take every file
//! descriptor), and each closable, so that when a new CRL revokes a client certificate the
//! connections made with it are cut at once instead of living on until their maximum age.
use std::{
    collections::{HashMap, HashSet},
    future::Future,
    pin::Pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
};

use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    sync::{OwnedSemaphorePermit, Semaphore},
};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tonic::transport::server::Connected;

/// The open connections of one server.
#[derive(Debug)]
pub struct Connections {
    open: Mutex<HashMap<u64, Open>>,
    next: AtomicU64,
    slots: Arc<Semaphore>,
}

#[derive(Debug)]
struct Open {
    /// The serial number of the client certificate (its DER content octets).
    serial: Vec<u8>,
    close: CancellationToken,
}

impl Connections {
    /// At most `max` connections at a time (handshakes in progress included).
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Connections {
            open: Mutex::new(HashMap::new()),
            next: AtomicU64::new(1),
            slots: Arc::new(Semaphore::new(max)),
        })
    }

    /// A slot for a new connection, or `None` when the server is full.
    pub fn admit(&self) -> Option<OwnedSemaphorePermit> {
        self.slots.clone().try_acquire_owned().ok()
    }

    /// Registers an established connection whose client certificate has `serial`, holding its
    /// slot until the connection ends.
    pub fn track<S>(
        self: &Arc<Self>,
        stream: S,
        serial: Vec<u8>,
        slot: OwnedSemaphorePermit,
    ) -> Tracked<S> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let close = CancellationToken::new();
        self.lock().insert(
            id,
            Open {
                serial,
                close: close.clone(),
            },
        );
        Tracked {
            inner: stream,
            closed: Box::pin(close.cancelled_owned()),
            registration: Registration {
                connections: self.clone(),
                id,
                _slot: slot,
            },
        }
    }

    /// Closes every connection made with a certificate whose serial is in `revoked`; returns
    /// how many.
    pub fn close_revoked(&self, revoked: &HashSet<Vec<u8>>) -> usize {
        let open = self.lock();
        let mut closed = 0;
        for o in open.values().filter(|o| revoked.contains(&o.serial)) {
            o.close.cancel();
            closed += 1;
        }
        closed
    }

    /// How many connections are established.
    pub fn count(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Open>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Removes a connection from the registry and frees its slot when the connection ends.
#[derive(Debug)]
struct Registration {
    connections: Arc<Connections>,
    id: u64,
    _slot: OwnedSemaphorePermit,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.connections.lock().remove(&self.id);
    }
}

/// A connection that reads end-of-stream and fails writes once it is closed.
pub struct Tracked<S> {
    inner: S,
    closed: Pin<Box<WaitForCancellationFutureOwned>>,
    registration: Registration,
}

impl<S> Tracked<S> {
    fn is_closed(&mut self, cx: &mut Context<'_>) -> bool {
        self.closed.as_mut().poll(cx).is_ready()
    }
}

impl<S> std::fmt::Debug for Tracked<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tracked({})", self.registration.id)
    }
}

fn closed_error() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::ConnectionAborted,
        "the client certificate was revoked",
    )
}

impl<S: AsyncRead + Unpin> AsyncRead for Tracked<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.is_closed(cx) {
            return Poll::Ready(Err(closed_error()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tracked<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if self.is_closed(cx) {
            return Poll::Ready(Err(closed_error()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl<S: Connected> Connected for Tracked<S> {
    type ConnectInfo = S::ConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.inner.connect_info()
    }
}

/// The serial number of a certificate (DER), as CRLs list it; empty if it does not parse.
pub fn serial_of(cert_der: &[u8]) -> Vec<u8> {
    use x509_parser::prelude::FromDer;
    x509_parser::certificate::X509Certificate::from_der(cert_der)
        .map(|(_, c)| c.tbs_certificate.raw_serial().to_vec())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn a_revoked_connection_is_cut_and_its_slot_freed() {
        let connections = Connections::new(2);
        let (a, mut a_peer) = tokio::io::duplex(64);
        let (b, _b_peer) = tokio::io::duplex(64);
        let mut a = connections.track(a, vec![1], connections.admit().expect("slot"));
        let _b = connections.track(b, vec![2], connections.admit().expect("slot"));
        assert!(connections.admit().is_none(), "full at two");
        assert_eq!(connections.count(), 2);

        a_peer.write_all(b"hi").await.expect("write");
        let mut buf = [0u8; 2];
        a.read_exact(&mut buf).await.expect("read before");

        assert_eq!(connections.close_revoked(&HashSet::from([vec![1]])), 1);
        assert!(a.read(&mut buf).await.is_err(), "reads fail once closed");
        assert!(a.write_all(b"x").await.is_err(), "writes fail once closed");
        drop(a);
        assert_eq!(connections.count(), 1);
        assert!(connections.admit().is_some(), "the slot is free again");
    }
}
