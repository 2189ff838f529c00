//! The pages of the list RPCs (ListRegimes, ListReports): `page_size` (default 100, at most
//! 1000) and an opaque `page_token` signed by the platform (`platform::paging::PageTokens`), bound to the method
//! and its filters and valid for a day. The cursor inside is the last key of the page (a regime
//! code, an agency code): the next page starts after it, so that rows added meanwhile are not
//! skipped and none is shown twice.
use lienthong_platform::{error::Violations, paging::page_size};

use super::Reporting;

/// Rows per page when the request does not say.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// The most rows a page holds, whatever the request says.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// The page a list request asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// 0 for the default.
    pub page_size: u32,
    /// Empty for the first page.
    pub page_token: String,
}

impl PageRequest {
    pub fn new(page_size: u32, page_token: impl Into<String>) -> Self {
        PageRequest {
            page_size,
            page_token: page_token.into(),
        }
    }

    /// How many rows the page holds.
    pub fn size(&self) -> usize {
        page_size(self.page_size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    }
}

/// One page of a list.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Empty on the last page.
    pub next_page_token: String,
}

impl<T> Page<T> {
    pub fn empty() -> Self {
        Page {
            items: Vec::new(),
            next_page_token: String::new(),
        }
    }
}

/// The list a token belongs to: the method and its filters, written so that no filter value can
/// pass for another (a JSON array).
pub fn scope(method: &str, filters: &[&str]) -> String {
    serde_json::json!([method, filters]).to_string()
}

impl Reporting {
    /// Where the page starts: after the cursor of the request's token ("" for the first page).
    /// A token that is forged, altered, expired or of another list is recorded in `v`.
    pub(super) fn cursor(&self, scope: &str, page: &PageRequest, v: &mut Violations) -> String {
        v.check(
            self.tokens
                .read::<String>(&page.page_token, scope, self.now()),
        )
        .flatten()
        .unwrap_or_default()
    }

    /// The page out of `rows`, fetched with one row more than `size`: that extra row says a
    /// next page exists, and the token points after the page's last key.
    pub(super) fn page<T>(
        &self,
        scope: &str,
        mut rows: Vec<T>,
        size: usize,
        key: impl Fn(&T) -> String,
    ) -> Page<T> {
        let more = rows.len() > size;
        rows.truncate(size);
        let next_page_token = match rows.last() {
            Some(last) if more => self.tokens.issue(scope, &key(last), self.now()),
            _ => String::new(),
        };
        Page {
            items: rows,
            next_page_token,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_scopes() {
        assert_eq!(PageRequest::default().size(), 100);
        assert_eq!(PageRequest::new(7, "").size(), 7);
        assert_eq!(PageRequest::new(5000, "").size(), 1000);
        assert_eq!(
            scope("ListReports", &["KH61", "2026"]),
            r#"["ListReports",["KH61","2026"]]"#
        );
        assert_ne!(
            scope("ListReports", &["A\",\"B", ""]),
            scope("ListReports", &["A", "B\",\""])
        );
    }
}
