//! The lienthong platform: everything the services share, written once.
//!
//! - [`config`]: typed settings from flags and `LIENTHONG_*` environment variables;
//! - [`tls`], [`identity`], [`authz`]: mutual TLS with CRL and hot reload, SPIFFE identities
//!   from the verified certificate, and the one place mapping identities to RPCs;
//! - [`server`], [`client`]: serving and calling gRPC over that TLS, with trace context;
//! - [`db`]: sqlx on SQLite or PostgreSQL; [`telemetry`]: logs, OTLP traces;
//! - [`shutdown`]: SIGTERM/SIGINT handling; [`pki`]: a development CA for `lienthong pki` and tests.
pub mod authz;
pub mod client;
pub mod config;
pub mod db;
pub mod identity;
pub mod notify;
pub mod outbox;
pub mod pki;
pub mod server;
pub mod shutdown;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tls;

pub use identity::Identity;
