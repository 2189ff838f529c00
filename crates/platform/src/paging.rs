//! Page tokens (AIP-158) that a client can hold but not forge: every list RPC of every service
//! takes `page_size` and `page_token` and answers `next_page_token`.
//!
//! A token is the service's own cursor (any serde value), the list it belongs to (the method and
//! its filters, so that a token cannot be replayed against another query) and its issue time,
//! signed with HMAC-SHA-256 under a key kept in the service's database (so that tokens survive a
//! restart and every replica accepts them). Tokens expire after [`TOKEN_LIFETIME`].
//!
//! Each service's migrations create the key table (the same DDL everywhere):
//! ```sql
//! CREATE TABLE platform_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
//! ```
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use lienthong_axis::error::FieldError;
use ring::hmac;
use serde::{Serialize, de::DeserializeOwned};
use sqlx::{AnyPool, Row};

use crate::error::InfraError;

/// How long a page token is honoured, in microseconds (a day): a client that pages slower
/// starts the list again.
pub const TOKEN_LIFETIME: i64 = 24 * 3600 * 1_000_000;

/// The field every list request names its token in.
const FIELD: &str = "page_token";

/// Issues and checks the page tokens of one service.
pub struct PageTokens {
    key: hmac::Key,
}

impl std::fmt::Debug for PageTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageTokens(..)")
    }
}

#[derive(Serialize, serde::Deserialize)]
struct Envelope<C> {
    /// The list: method and filters.
    s: String,
    /// Issue time, µs.
    t: i64,
    /// The cursor.
    c: C,
}

impl PageTokens {
    /// With the service's key, created at first use (concurrent replicas agree on one).
    pub async fn load(pool: &AnyPool) -> Result<Self, InfraError> {
        let fresh = {
            let mut bytes = [0u8; 32];
            ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
                .map_err(|_| InfraError::internal("no randomness for the page-token key"))?;
            URL_SAFE_NO_PAD.encode(bytes)
        };
        sqlx::query(
            "INSERT INTO platform_secrets (name, value) VALUES ('page_token_key', $1) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(&fresh)
        .execute(pool)
        .await?;
        let stored: String =
            sqlx::query("SELECT value FROM platform_secrets WHERE name = 'page_token_key'")
                .fetch_one(pool)
                .await?
                .try_get(0)?;
        let key = URL_SAFE_NO_PAD
            .decode(stored)
            .map_err(|_| InfraError::internal("the stored page-token key is not base64"))?;
        Ok(Self::with_key(&key))
    }

    /// With a given key (tests).
    pub fn with_key(key: &[u8]) -> Self {
        PageTokens {
            key: hmac::Key::new(hmac::HMAC_SHA256, key),
        }
    }

    /// A token for the page after `cursor` of the list `scope` (method and filters).
    pub fn issue<C: Serialize>(&self, scope: &str, cursor: &C, now_micros: i64) -> String {
        let envelope = Envelope {
            s: scope.to_string(),
            t: now_micros,
            c: cursor,
        };
        // Serializing plain data cannot fail; an empty token would only restart the list.
        let payload = serde_json::to_vec(&envelope).unwrap_or_default();
        let tag = hmac::sign(&self.key, &payload);
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(tag.as_ref())
        )
    }

    /// The cursor of a token issued for `scope`; `None` for an empty token (the first page).
    /// A forged, altered, foreign or expired token is refused naming `page_token`.
    pub fn read<C: DeserializeOwned>(
        &self,
        token: &str,
        scope: &str,
        now_micros: i64,
    ) -> Result<Option<C>, FieldError> {
        if token.is_empty() {
            return Ok(None);
        }
        let foreign = || {
            FieldError::new(
                FIELD,
                "is not a token this service issued: pass the next_page_token of the previous \
                 page unchanged, or none for the first page",
            )
        };
        let (payload, tag) = token.split_once('.').ok_or_else(foreign)?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| foreign())?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| foreign())?;
        hmac::verify(&self.key, &payload, &tag).map_err(|_| foreign())?;
        // The list is compared before the cursor is read: a token of another list may hold a
        // cursor of another type.
        let envelope: Envelope<serde_json::Value> =
            serde_json::from_slice(&payload).map_err(|_| foreign())?;
        if envelope.s != scope {
            return Err(FieldError::new(
                FIELD,
                "was issued for another list (other method or filters): list again from the \
                 first page with these filters",
            ));
        }
        if now_micros.saturating_sub(envelope.t) > TOKEN_LIFETIME {
            return Err(FieldError::new(
                FIELD,
                "has expired (tokens last a day): list again from the first page",
            ));
        }
        serde_json::from_value(envelope.c)
            .map(Some)
            .map_err(|_| foreign())
    }
}

/// A page size: `requested`, or `default` when 0, at most `max`.
pub fn page_size(requested: u32, default: u32, max: u32) -> usize {
    let n = if requested == 0 { default } else { requested };
    n.min(max) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_780_000_000_000_000;

    #[test]
    fn a_token_gives_back_its_cursor_for_its_own_list_only() {
        let tokens = PageTokens::with_key(b"k");
        let t = tokens.issue("ListTasks|lead=X", &(42i64, "NV-9"), NOW);
        let back: Option<(i64, String)> = tokens.read(&t, "ListTasks|lead=X", NOW).unwrap();
        assert_eq!(back, Some((42, "NV-9".to_string())));
        assert_eq!(
            tokens.read::<(i64, String)>("", "ListTasks|lead=X", NOW),
            Ok(None)
        );
        let other = tokens.read::<(i64, String)>(&t, "ListTasks|lead=Y", NOW);
        assert!(other.unwrap_err().rule.contains("another list"));
        // Also when the other list's cursor is of another type.
        let other = tokens.read::<String>(&t, "ListAgencies", NOW);
        assert!(other.unwrap_err().rule.contains("another list"));
        let late = tokens.read::<(i64, String)>(&t, "ListTasks|lead=X", NOW + TOKEN_LIFETIME + 1);
        assert!(late.unwrap_err().rule.contains("expired"));
    }

    #[test]
    fn forged_and_altered_tokens_are_refused() {
        let tokens = PageTokens::with_key(b"k");
        let t = tokens.issue("L", &7i64, NOW);
        for forged in [
            "7".to_string(),
            "abc.def".to_string(),
            format!("{t}x"),
            PageTokens::with_key(b"other").issue("L", &7i64, NOW),
            {
                // The cursor changed, the signature kept.
                let (_, tag) = t.split_once('.').unwrap();
                let payload = URL_SAFE_NO_PAD.encode(br#"{"s":"L","t":1780000000000000,"c":8}"#);
                format!("{payload}.{tag}")
            },
        ] {
            let e = tokens.read::<i64>(&forged, "L", NOW).unwrap_err();
            assert_eq!(e.field, "page_token");
            assert!(e.rule.contains("not a token"), "{forged}: {}", e.rule);
        }
    }

    proptest::proptest! {
        /// Any string as a token: refused or read, never a panic; only an issued token reads.
        #[test]
        fn arbitrary_tokens_never_panic(token in proptest::prelude::any::<String>()) {
            let tokens = PageTokens::with_key(b"k");
            let read = tokens.read::<i64>(&token, "L", NOW);
            if !token.is_empty() {
                proptest::prop_assert!(read.is_err());
            }
        }

        /// Every cursor comes back from its token, unchanged.
        #[test]
        fn cursors_round_trip(cursor in proptest::prelude::any::<(i64, String)>()) {
            let tokens = PageTokens::with_key(b"k");
            let t = tokens.issue("L", &cursor, NOW);
            proptest::prop_assert_eq!(tokens.read::<(i64, String)>(&t, "L", NOW), Ok(Some(cursor)));
        }
    }

    #[test]
    fn page_sizes_have_a_default_and_a_cap() {
        assert_eq!(page_size(0, 50, 500), 50);
        assert_eq!(page_size(7, 50, 500), 7);
        assert_eq!(page_size(10_000, 50, 500), 500);
    }
}
