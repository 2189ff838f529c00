//! Keys of the notifications this service raises (see the platform's [`Notifier`]).
pub use lienthong_platform::notify::Notifier;

/// The key of an agency's inbox.
pub fn inbox_key(agency: &str) -> String {
    format!("inbox/{agency}")
}

/// The key of a document's sender view.
pub fn document_key(document_id: &str) -> String {
    format!("document/{document_id}")
}
