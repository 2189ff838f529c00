//! The reporting service (Hệ thống thông tin báo cáo): regimes, periods and cutoff windows,
//! the submission workflow, aggregation, compliance, exports, and the intake of statistics
//! pushed by other services.
//!
//! From an RPC to its SQL in a step each: [`grpc`] (adapter) → [`app`] (use cases) →
//! [`domain`] (rules) and [`store`] (queries). [`service`] wires it together and starts it;
//! [`seed`] holds the regimes created at start; [`clock`] is the injectable time source.
pub mod app;
pub mod clock;
pub mod domain;
pub mod error;
pub mod export;
pub mod grpc;
pub mod seed;
pub mod service;
pub mod store;
