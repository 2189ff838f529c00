//! Cursors and page sizes of the list and stream RPCs.
use crate::error::{ExchangeError, Result};

/// The inbox cursor `after_item_id` (item ids are positive 64-bit integers in the store).
pub fn inbox_cursor(after: u64) -> Result<i64> {
    i64::try_from(after).map_err(|_| ExchangeError::invalid("after_item_id", "out of range"))
}

/// Items per ListPending call: 100 by default, at most 1000.
pub fn pending_limit(limit: u32) -> i64 {
    i64::from(if limit == 0 { 100 } else { limit.min(1000) })
}

/// Items a subscription reads at a time.
pub const SUBSCRIBE_PAGE: i64 = 100;

/// Documents per ListSentDocuments page: 50 by default, at most 500.
pub fn sent_limit(limit: u32) -> i64 {
    i64::from(if limit == 0 { 50 } else { limit.min(500) })
}

/// The page token of ListSentDocuments: the sequence number to list before ("" = the newest).
pub fn sent_page_token(token: &str) -> Result<i64> {
    if token.is_empty() {
        return Ok(i64::MAX);
    }
    token
        .parse::<i64>()
        .map_err(|_| ExchangeError::invalid("page_token", "is not a token this hub issued"))
}

/// An item id of ConfirmStatusMessages.
pub fn item_id(index: usize, id: u64) -> Result<i64> {
    i64::try_from(id)
        .map_err(|_| ExchangeError::invalid(format!("item_ids[{index}]"), "out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_tokens() {
        assert_eq!(pending_limit(0), 100);
        assert_eq!(pending_limit(5000), 1000);
        assert_eq!(sent_limit(0), 50);
        assert_eq!(sent_limit(7), 7);
        assert_eq!(sent_page_token("").unwrap(), i64::MAX);
        assert_eq!(sent_page_token("42").unwrap(), 42);
        assert_eq!(
            sent_page_token("x").unwrap_err().to_string(),
            "page_token: is not a token this hub issued"
        );
        assert!(inbox_cursor(u64::MAX).is_err());
        assert_eq!(
            item_id(2, u64::MAX).unwrap_err().to_string(),
            "item_ids[2]: out of range"
        );
    }
}
