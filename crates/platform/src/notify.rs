//! Wakes subscribers when something changes for them. Purely an optimisation: every stream
//! re-reads the database when woken (and on a timer), so a missed wake-up delays, never loses.
use std::{collections::HashMap, sync::Mutex};

use tokio::sync::watch;

#[derive(Default)]
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
