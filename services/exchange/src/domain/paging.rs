//! Cursors, page sizes and page-token scopes of the list and stream RPCs. The tokens
//! themselves are the platform's (`platform::paging`: signed, bound to their list, expiring);
//! each list names here what binds a token to it (the method and the filters: whose list).
use lienthong_axis::FieldError;

use crate::error::ExchangeError;

/// ListPending: 100 items per page by default, at most 1000.
pub const PENDING_PAGE: (u32, u32) = (100, 1000);

/// ListSentDocuments: 50 documents per page by default, at most 500.
pub const SENT_PAGE: (u32, u32) = (50, 500);

/// ListAgencies: 100 agencies per page by default, at most 1000.
pub const AGENCIES_PAGE: (u32, u32) = (100, 1000);

/// Items a subscription reads at a time.
pub const SUBSCRIBE_PAGE: i64 = 100;

/// What a page of ListPending may weigh, encoded, before it stops early: well under gRPC's
/// default 4 MiB message limit, whatever the size of the headers.
pub const MAX_PAGE_BYTES: usize = 3 * 1024 * 1024;

/// The list a ListPending token belongs to: the caller's inbox.
pub fn pending_scope(agency: &str) -> String {
    format!("ListPending|agency={agency}")
}

/// The list a ListSentDocuments token belongs to: the caller's sent documents.
pub fn sent_scope(sender: &str) -> String {
    format!("ListSentDocuments|sender={sender}")
}

/// The list a ListAgencies token belongs to (the directory of this hub, by code).
pub const AGENCIES_SCOPE: &str = "ListAgencies";

/// The inbox cursor `after_item_id` (item ids are positive 64-bit integers in the store).
pub fn inbox_cursor(after: u64) -> Result<i64, FieldError> {
    i64::try_from(after).map_err(|_| FieldError::new("after_item_id", "out of range"))
}

/// A cursor `after_item_id` no later than the inbox's last item `last` (0 when it never had
/// one): a cursor beyond it would wait for items that, numbered from the hub's one counter, may
/// never come to this inbox under that number — the client resumes from an id it received.
pub fn cursor_within(after: i64, last: i64) -> Result<(), ExchangeError> {
    if after <= last {
        return Ok(());
    }
    Err(ExchangeError::CursorOutOfRange {
        violation: FieldError::new(
            "after_item_id",
            format!(
                "{after} is beyond the last item of your inbox ({last}); resume after the \
                 last item id you received, or from 0"
            ),
        ),
    })
}

/// An item id of ConfirmStatusMessages.
pub fn item_id(index: usize, id: u64) -> Result<i64, FieldError> {
    i64::try_from(id).map_err(|_| FieldError::new(format!("item_ids[{index}]"), "out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_and_scopes() {
        assert!(inbox_cursor(u64::MAX).is_err());
        assert_eq!(inbox_cursor(42), Ok(42));
        assert_eq!(
            item_id(2, u64::MAX).unwrap_err().to_string(),
            "item_ids[2]: out of range"
        );
        assert_ne!(
            pending_scope("A"),
            pending_scope("B"),
            "bound to the caller"
        );
        assert_ne!(pending_scope("A"), sent_scope("A"), "bound to the method");
        assert!(cursor_within(0, 0).is_ok() && cursor_within(42, 42).is_ok());
        let e = cursor_within(43, 42).unwrap_err();
        assert_eq!(
            e.to_string(),
            "after_item_id: 43 is beyond the last item of your inbox (42); resume after the \
             last item id you received, or from 0"
        );
    }
}
