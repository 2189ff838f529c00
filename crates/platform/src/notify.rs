//! Wakes subscribers when something changes for them, and the one loop that turns "read what is
//! new, then wait for a wake-up" into a gRPC server stream.
//!
//! Wake-ups are purely an optimisation: every stream re-reads the database when woken and on a
//! timer, so a missed wake-up delays, never loses.
use std::{collections::HashMap, future::Future, sync::Mutex, time::Duration};

use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;
use tracing::Instrument;

use crate::shutdown::Shutdown;

#[derive(Debug, Default)]
pub struct Notifier {
    channels: Mutex<HashMap<String, watch::Sender<u64>>>,
}

impl Notifier {
    fn sender(&self, key: &str) -> watch::Sender<u64> {
        let mut map = match self.channels.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        // Forget channels nobody listens to any more, so the map does not grow without bound.
        if map.len() > 10_000 {
            map.retain(|_, tx| tx.receiver_count() > 0);
        }
        map.entry(key.to_string())
            .or_insert_with(|| watch::channel(0).0)
            .clone()
    }

    /// Wakes everyone watching `key`.
    pub fn notify(&self, key: &str) {
        self.sender(key).send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Watches `key`.
    pub fn watch(&self, key: &str) -> watch::Receiver<u64> {
        self.sender(key).subscribe()
    }
}

/// A server stream of responses.
pub type ServerStream<T> = ReceiverStream<Result<T, Status>>;

/// How often a stream re-reads even without a wake-up.
pub const POLL: Duration = Duration::from_secs(5);

/// What one read of a followed stream returned.
pub enum Step<T> {
    /// Items to send, oldest first; `more` when the page was full (read again at once).
    Items { items: Vec<T>, more: bool },
    /// The stream is complete: end it.
    End,
}

/// Follows a source as a server stream: calls `read` (which keeps its own cursor), sends what it
/// returns, and waits for `wake`, the poll timer, the client leaving or shutdown. On shutdown
/// the stream ends with UNAVAILABLE and `on_shutdown` as the message, so that clients resume
/// from their cursor; an error from `read` ends it with that error.
pub fn follow<T, E, F, Fut>(
    mut wake: watch::Receiver<u64>,
    shutdown: Shutdown,
    on_shutdown: &'static str,
    mut read: F,
) -> ServerStream<T>
where
    T: Send + 'static,
    E: Into<Status> + Send,
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = Result<Step<T>, E>> + Send,
{
    let (tx, rx) = mpsc::channel(32);
    tokio::spawn(
        async move {
            loop {
                wake.borrow_and_update();
                let more = match read().await {
                    Ok(Step::Items { items, more }) => {
                        for item in items {
                            if tx.send(Ok(item)).await.is_err() {
                                return;
                            }
                        }
                        more
                    }
                    Ok(Step::End) => return,
                    Err(e) => {
                        let _ = tx.send(Err(e.into())).await;
                        return;
                    }
                };
                if more {
                    continue;
                }
                tokio::select! {
                    _ = wake.changed() => {}
                    _ = tokio::time::sleep(POLL) => {}
                    _ = tx.closed() => return,
                    _ = shutdown.wait() => {
                        let _ = tx.send(Err(shutting_down(on_shutdown))).await;
                        return;
                    }
                }
            }
        }
        .in_current_span(),
    );
    ReceiverStream::new(rx)
}

/// The status that ends a stream when the service shuts down: UNAVAILABLE, reason
/// `SHUTTING_DOWN`, retry after a second (from the last item processed).
pub fn shutting_down(message: &str) -> Status {
    crate::error::status_with_details(
        crate::error::Kind::Unavailable,
        message.to_string(),
        &crate::error::Details {
            reason: "SHUTTING_DOWN",
            domain: "lienthong",
            violations: &[],
            subject: String::new(),
            retry_after: Some(Duration::from_secs(1)),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, atomic::AtomicI64, atomic::Ordering};
    use tokio_stream::StreamExt;

    #[tokio::test]
    async fn follows_wakes_and_ends_with_unavailable_on_shutdown() {
        let notifier = Arc::new(Notifier::default());
        let shutdown = Shutdown::new();
        let source = Arc::new(AtomicI64::new(0));
        let cursor = Arc::new(AtomicI64::new(0));
        let (s, c) = (source.clone(), cursor.clone());
        let mut stream = follow(
            notifier.watch("k"),
            shutdown.clone(),
            "shutting down",
            move || {
                let (s, c) = (s.clone(), c.clone());
                async move {
                    let last = c.load(Ordering::SeqCst);
                    let now = s.load(Ordering::SeqCst);
                    c.store(now, Ordering::SeqCst);
                    Ok::<_, Status>(Step::Items {
                        items: ((last + 1)..=now).collect::<Vec<i64>>(),
                        more: false,
                    })
                }
            },
        );
        source.store(2, Ordering::SeqCst);
        notifier.notify("k");
        assert_eq!(stream.next().await.map(|r| r.ok()), Some(Some(1)));
        assert_eq!(stream.next().await.map(|r| r.ok()), Some(Some(2)));
        shutdown.trigger();
        let end = stream.next().await.expect("an item").expect_err("an error");
        assert_eq!(end.code(), tonic::Code::Unavailable);
        assert_eq!(
            crate::error::reason_of(&end).as_deref(),
            Some("SHUTTING_DOWN")
        );
        assert!(stream.next().await.is_none());
    }
}
