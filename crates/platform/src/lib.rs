//! The lienthong platform: everything the services share, written once.
//!
//! - [`config`]: typed settings from flags and `LIENTHONG_*` environment variables;
//! - [`tls`], [`identity`], [`authz`]: mutual TLS with CRL and hot reload, SPIFFE identities
//!   from the verified certificate, and the one place mapping identities to RPCs;
//! - [`server`]: how every service starts ([`server::Boot`]) and serves gRPC over that TLS,
//!   with health and reflection; [`client`]: calling other services with trace context;
//! - [`error`]: the one mapping of errors to gRPC status codes;
//! - [`db`]: sqlx on SQLite or PostgreSQL; [`outbox`]: durable work for other services;
//!   [`statistics`]: daily figures pushed to the reporting service; [`retry`]: the back-off;
//!   [`paging`]: signed page tokens;
//! - [`telemetry`]: logs, OTLP traces and metrics, RPC spans and durations; [`shutdown`]: SIGTERM/SIGINT and the
//!   background tasks of a service; [`notify`]: in-process wake-ups;
//! - [`pki`]: a development CA for `lienthong pki` and tests; [`testing`] (feature `testing`).
pub mod authz;
pub mod client;
pub mod config;
pub mod connections;
pub mod db;
pub mod error;
pub mod identity;
pub mod limits;
pub mod notify;
pub mod outbox;
pub mod paging;
pub mod pki;
pub mod retry;
pub mod server;
pub mod shutdown;
pub mod statistics;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
/// The in-process OTLP collector of the tests (feature `testing`).
#[cfg(feature = "testing")]
pub mod testing_otlp;
#[cfg(feature = "testing")]
pub mod testing_proxy;
pub mod tls;

pub use identity::Identity;
/// The axis's clock, re-exported: every service takes its time from one.
pub use lienthong_axis::clock;
