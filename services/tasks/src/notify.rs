//! Keys of the notifications this service raises (see the platform's [`Notifier`]).
pub use lienthong_platform::notify::Notifier;

/// The key of an agency's event stream.
pub fn events_key(agency: &str) -> String {
    format!("events/{agency}")
}
