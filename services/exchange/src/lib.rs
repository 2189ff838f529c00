//! The exchange hub (trục liên thông văn bản).
//!
//! From an RPC to its SQL in a step each: [`grpc`] (adapter) → [`app`] (use cases) →
//! [`domain`] (rules) and [`store`] (queries). [`outbound`] calls other services (the next hub,
//! tasks, reporting) for the use cases; [`service`] wires it all together and starts it.
pub mod app;
pub mod domain;
pub mod error;
pub mod grpc;
pub mod metrics;
pub mod observe;
pub mod outbound;
pub mod service;
pub mod store;
