//! Graceful shutdown: SIGTERM or SIGINT stops accepting connections, lets in-flight calls finish
//! (long-lived streams are told to end), stops the background tasks and then the binary flushes
//! telemetry.
//!
//! Built on `tokio-util`: a [`CancellationToken`] is the signal, a [`TaskTracker`] keeps the
//! handles of every background task a service spawns, so that stopping a service waits for them
//! instead of leaving them running (in tests, several services share one process).
use std::{future::Future, time::Duration};

use tokio_util::{sync::CancellationToken, task::TaskTracker};

/// A cloneable shutdown signal.
#[derive(Clone, Debug, Default)]
pub struct Shutdown {
    token: CancellationToken,
}

impl Shutdown {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts shutting down.
    pub fn trigger(&self) {
        self.token.cancel();
    }

    pub fn is_triggered(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Resolves once shutdown has started.
    pub async fn wait(&self) {
        self.token.cancelled().await
    }

    /// The underlying token, for APIs that take one.
    pub fn token(&self) -> &CancellationToken {
        &self.token
    }

    /// Sleeps for `duration`, or less if shutdown starts; returns whether shutdown started.
    pub async fn sleep(&self, duration: Duration) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(duration) => false,
            _ = self.wait() => true,
        }
    }

    /// Triggers on SIGTERM or SIGINT (Ctrl-C).
    pub fn trigger_on_signals(&self) {
        let this = self.clone();
        tokio::spawn(async move {
            let ctrl_c = tokio::signal::ctrl_c();
            #[cfg(unix)]
            {
                let mut term =
                    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    {
                        Ok(s) => s,
                        Err(e) => {
                            tracing::error!(error = %e, "cannot listen for SIGTERM");
                            let _ = ctrl_c.await;
                            this.trigger();
                            return;
                        }
                    };
                tokio::select! {
                    _ = ctrl_c => tracing::info!("SIGINT received, shutting down"),
                    _ = term.recv() => tracing::info!("SIGTERM received, shutting down"),
                }
            }
            #[cfg(not(unix))]
            {
                let _ = ctrl_c.await;
            }
            this.trigger();
        });
    }
}

/// The background tasks of one service: spawned here, stopped by its [`Shutdown`], awaited by
/// [`Tasks::stop`].
#[derive(Clone, Debug)]
pub struct Tasks {
    tracker: TaskTracker,
    shutdown: Shutdown,
}

impl Tasks {
    pub fn new(shutdown: Shutdown) -> Self {
        Tasks {
            tracker: TaskTracker::new(),
            shutdown,
        }
    }

    pub fn shutdown(&self) -> &Shutdown {
        &self.shutdown
    }

    /// Runs `task` until it returns or shutdown starts (then it is dropped at its next await).
    /// `name` appears in the logs if the task ends by itself before shutdown.
    pub fn spawn<F>(&self, name: &'static str, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let shutdown = self.shutdown.clone();
        self.tracker.spawn(async move {
            tokio::select! {
                _ = task => {
                    if !shutdown.is_triggered() {
                        tracing::debug!(task = name, "background task finished");
                    }
                }
                _ = shutdown.wait() => {}
            }
        });
    }

    /// Runs `task`, which watches [`Tasks::shutdown`] itself and ends on its own (to do a last
    /// step when shutdown starts, such as reporting NOT_SERVING).
    pub fn spawn_graceful<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.tracker.spawn(task);
    }

    /// Triggers shutdown (if not yet) and waits until every background task has ended.
    pub async fn stop(&self) {
        self.shutdown.trigger();
        self.tracker.close();
        self.tracker.wait().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    };

    #[tokio::test]
    async fn stop_ends_every_background_task() {
        let shutdown = Shutdown::new();
        let tasks = Tasks::new(shutdown.clone());
        let dropped = Arc::new(AtomicBool::new(false));
        struct SetOnDrop(Arc<AtomicBool>);
        impl Drop for SetOnDrop {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let guard = SetOnDrop(dropped.clone());
        tasks.spawn("forever", async move {
            let _guard = guard;
            std::future::pending::<()>().await
        });
        assert!(!dropped.load(Ordering::SeqCst));
        tokio::time::timeout(Duration::from_secs(5), tasks.stop())
            .await
            .expect("tasks stop");
        assert!(shutdown.is_triggered());
        assert!(
            dropped.load(Ordering::SeqCst),
            "the task's state was dropped"
        );
    }

    #[tokio::test]
    async fn sleep_is_cut_short_by_shutdown() {
        let shutdown = Shutdown::new();
        shutdown.trigger();
        assert!(shutdown.sleep(Duration::from_secs(60)).await);
    }
}
