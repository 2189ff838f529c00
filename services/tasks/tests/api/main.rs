//! The tasks service over real gRPC and real mutual TLS, on SQLite and on PostgreSQL, with a
//! manual clock: one test binary, a module per behaviour.
mod calls;
mod support;

mod authorization;
mod buckets;
mod events;
mod extensions;
mod hostile;
mod intake;
mod listing;
mod outage;
mod served;
mod statistics;
mod streams;
mod validation;
mod workflow;
