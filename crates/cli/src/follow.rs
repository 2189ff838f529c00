//! Following a stream until interrupted: `inbox --follow`, `sent --follow` and `tasks watch`
//! resubscribe after the server restarts or the connection breaks, with exponential back-off
//! (backon), printing a one-line notice on stderr at each retry; Ctrl-C ends the command with
//! exit status 0 and says where to resume from. A failure a retry cannot cure (a refused
//! identity, a malformed request) ends the command with that failure.
use std::{future::Future, time::Duration};

use anyhow::Result;
use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};
use serde_json::json;

use crate::{
    Global,
    error::{Failure, code_name, failure_json, transport_target},
    probe::tls_probe,
};

/// The back-off between resubscriptions: 250 ms doubling to 5 s, with jitter, forever.
fn backoff() -> ExponentialBackoff {
    ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(250))
        .with_max_delay(Duration::from_secs(5))
        .with_jitter()
        .without_max_times()
        .build()
}

/// How a session of a followed stream ended.
pub struct Session {
    /// The subscription was open (the back-off starts afresh after it).
    pub opened: bool,
    /// `Ok` when the server ended the stream cleanly.
    pub end: Result<()>,
}

/// Resubscribes after each session that ended in a retryable way.
pub struct Follower {
    json: bool,
    /// What is followed, for the notices (`the inbox`, `task events`).
    what: &'static str,
    backoff: ExponentialBackoff,
    attempt: u32,
}

impl Follower {
    pub fn new(g: &Global, what: &'static str) -> Self {
        Follower {
            json: g.json,
            what,
            backoff: backoff(),
            attempt: 0,
        }
    }

    /// After a session: the failure if no retry can cure it, otherwise waits (saying so) and
    /// returns to let the caller subscribe again from `resume` (e.g. `after item 12`).
    pub async fn after(&mut self, session: Session, resume: &str) -> Result<()> {
        if session.opened {
            self.backoff = backoff();
            self.attempt = 0;
        }
        let why = match &session.end {
            Ok(()) => "the server ended the stream".to_string(),
            Err(e) => {
                let f = Failure::of(e);
                if !f.is_retryable() {
                    return session.end;
                }
                // A connection closed before the subscription opened may be a refused
                // certificate, which no retry cures.
                if !session.opened
                    && f.reason.as_deref() == Some("CONNECTION_LOST")
                    && let Some(tls) = tls_probe(&transport_target()).await
                    && !tls.is_retryable()
                {
                    return Err(tls.into());
                }
                let reason = f.reason.as_deref().unwrap_or("-");
                format!("{} {reason}: {}", code_name(f.code), f.message)
            }
        };
        let delay = self.backoff.next().unwrap_or(Duration::from_secs(5));
        self.attempt += 1;
        let error = session
            .end
            .as_ref()
            .err()
            .map(|e| failure_json(&Failure::of(e)));
        notice(
            self.json,
            &format!(
                "{} ended ({why}); resubscribing {resume} in {:.1} s (attempt {})",
                self.what,
                delay.as_secs_f64(),
                self.attempt
            ),
            json!({
                "resume": resume,
                "retry_in_seconds": delay.as_secs_f64(),
                "attempt": self.attempt,
                "error": error,
            }),
        );
        tokio::time::sleep(delay).await;
        Ok(())
    }
}

/// A one-line notice on stderr (a JSON object on one line with `--json`).
pub fn notice(json: bool, text: &str, fields: serde_json::Value) {
    if json {
        let mut v = json!({"notice": text});
        if let (Some(map), serde_json::Value::Object(extra)) = (v.as_object_mut(), fields) {
            map.extend(extra);
        }
        eprintln!("{v}");
    } else {
        eprintln!("lienthong: {text}");
    }
}

/// Runs `follow` until it fails or Ctrl-C is pressed; on Ctrl-C, `stopped` says where to
/// resume and the command succeeds.
pub async fn until_interrupted<F>(follow: F, stopped: impl FnOnce()) -> Result<()>
where
    F: Future<Output = Result<()>>,
{
    tokio::select! {
        r = follow => r,
        _ = tokio::signal::ctrl_c() => {
            stopped();
            Ok(())
        }
    }
}
