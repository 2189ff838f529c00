//! The task-tracking service (theo dõi nhiệm vụ).
//!
//! From an RPC to its SQL in a step each: [`grpc`] (adapter: decode, one use case, encode) →
//! [`app`] (use cases, one file per capability) → [`domain`] (rules: workflow, buckets,
//! validation, figures) and [`store`] (every SQL statement). [`service`] configures and wires
//! it; [`outbound`] feeds the reporting service; [`error`] is the service's refusals.
pub mod app;
pub mod domain;
pub mod error;
pub mod grpc;
pub mod metrics;
pub mod outbound;
pub mod service;
pub mod store;
