//! Support for the end-to-end tests: start the real binaries (built by `make test` before the
//! tests run, and refused when older than their sources) with a development PKI and a fresh
//! database, over real mutual TLS, and the few document helpers every scenario uses.
//!
//! The PKI, databases, channels, ports and `eventually` come from `lienthong_platform::testing`,
//! the same harness as the services' own tests.
mod documents;
mod process;

pub use documents::{attachment, document, inbox_ids, send, sha256_hex};
pub use process::{Env, HubBeside, Service, bin};
