//! The exchange hub (trục liên thông văn bản).
//!
//! From an RPC to its SQL in a step each: [`grpc`] (adapter) → [`app`] (use cases) →
//! [`domain`] (rules) and [`store`] (queries). [`hub`] wires it together and starts it.
pub mod app;
pub mod blobs;
pub mod domain;
pub mod error;
pub mod federation;
pub mod grpc;
pub mod hub;
pub mod integrations;
pub mod metrics;
pub mod notify;
pub mod relay;
pub mod store;
