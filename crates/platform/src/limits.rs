//! Limits that keep one client from exhausting a service: concurrency per key (an agency's open
//! uploads or streams) and in total (the hub's open uploads), answered `RESOURCE_EXHAUSTED` with
//! a retry delay when reached, so that every other client keeps being served.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use thiserror::Error;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{ApiError, Kind};

/// A limit was reached: `RESOURCE_EXHAUSTED`, retry after a second.
#[derive(Debug, Error)]
#[error("{message}")]
pub struct LimitReached {
    /// The stable reason, e.g. `TOO_MANY_UPLOADS`.
    pub reason: &'static str,
    pub message: String,
}

impl ApiError for LimitReached {
    fn kind(&self) -> Kind {
        Kind::ResourceExhausted
    }
    fn reason(&self) -> &'static str {
        self.reason
    }
    fn retry_after(&self) -> Option<Duration> {
        Some(Duration::from_secs(1))
    }
}

impl From<LimitReached> for tonic::Status {
    fn from(e: LimitReached) -> Self {
        crate::error::to_status(&e)
    }
}

/// At most `max` at a time, in total.
#[derive(Debug, Clone)]
pub struct Limit {
    semaphore: Arc<Semaphore>,
    max: usize,
    reason: &'static str,
    what: &'static str,
}

impl Limit {
    /// `what` names the resource in the refusal ("open uploads at this hub").
    pub fn new(max: usize, reason: &'static str, what: &'static str) -> Self {
        Limit {
            semaphore: Arc::new(Semaphore::new(max)),
            max,
            reason,
            what,
        }
    }

    /// A permit, held as long as the resource is used; refused at once when none is left.
    pub fn try_acquire(&self) -> Result<OwnedSemaphorePermit, LimitReached> {
        self.semaphore
            .clone()
            .try_acquire_owned()
            .map_err(|_| LimitReached {
                reason: self.reason,
                message: format!("too many {}: at most {}; retry later", self.what, self.max),
            })
    }

    /// How many are in use.
    pub fn in_use(&self) -> usize {
        self.max - self.semaphore.available_permits()
    }
}

/// At most `max` at a time per key.
#[derive(Debug)]
pub struct KeyedLimit {
    max: usize,
    reason: &'static str,
    what: &'static str,
    keys: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl KeyedLimit {
    /// `what` names the resource in the refusal ("open uploads of an agency").
    pub fn new(max: usize, reason: &'static str, what: &'static str) -> Self {
        KeyedLimit {
            max,
            reason,
            what,
            keys: Mutex::new(HashMap::new()),
        }
    }

    /// A permit for `key`, held as long as the resource is used; refused at once when `key`
    /// holds `max` already.
    pub fn try_acquire(&self, key: &str) -> Result<OwnedSemaphorePermit, LimitReached> {
        let semaphore = {
            let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
            // Forget idle keys, so that the map does not grow with every agency ever seen.
            if keys.len() > 1024 {
                keys.retain(|_, s| Arc::strong_count(s) > 1 || s.available_permits() < self.max);
            }
            keys.entry(key.to_string())
                .or_insert_with(|| Arc::new(Semaphore::new(self.max)))
                .clone()
        };
        semaphore.try_acquire_owned().map_err(|_| LimitReached {
            reason: self.reason,
            message: format!(
                "too many {} for {key}: at most {}; finish or cancel some, then retry",
                self.what, self.max
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_at_its_limit_does_not_hold_back_another() {
        let limit = KeyedLimit::new(2, "TOO_MANY_UPLOADS", "open uploads");
        let a1 = limit.try_acquire("A").expect("first");
        let _a2 = limit.try_acquire("A").expect("second");
        let refused = limit.try_acquire("A").expect_err("third");
        assert_eq!(refused.reason, "TOO_MANY_UPLOADS");
        let status = tonic::Status::from(refused);
        assert_eq!(status.code(), tonic::Code::ResourceExhausted);
        assert!(limit.try_acquire("B").is_ok(), "another key is served");
        drop(a1);
        assert!(
            limit.try_acquire("A").is_ok(),
            "a released permit is reused"
        );
    }

    #[test]
    fn a_total_limit_counts_what_is_in_use() {
        let limit = Limit::new(1, "HUB_BUSY", "open uploads at this hub");
        let p = limit.try_acquire().expect("first");
        assert_eq!(limit.in_use(), 1);
        assert!(limit.try_acquire().is_err());
        drop(p);
        assert_eq!(limit.in_use(), 0);
    }
}
