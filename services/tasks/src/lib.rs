//! The task-tracking service (theo dõi nhiệm vụ).
//!
//! From an RPC to its SQL in a step each: [`grpc`] (adapter) → [`app`] (use cases) →
//! [`domain`] (rules: buckets, transitions, validation) and [`store`] (queries). [`service`]
//! wires it together and starts it; [`push`] feeds the reporting service.
pub mod app;
pub mod clock;
pub mod domain;
pub mod error;
pub mod grpc;
pub mod notify;
pub mod push;
pub mod service;
pub mod store;
