//! The reporting service (Hệ thống thông tin báo cáo): regimes, periods and cutoff windows,
//! the submission workflow, aggregation, compliance, exports, and the intake of statistics
//! pushed by other services.
//!
//! From an RPC to its SQL in a step each: [`grpc`] (adapter) → [`app`] (use cases) →
//! [`domain`] (rules) and [`store`] (queries). [`service`] holds the configuration and starts
//! it; [`error`] names every refusal.
pub mod app;
pub mod domain;
pub mod error;
pub mod grpc;
pub mod metrics;
pub mod service;
pub mod store;
