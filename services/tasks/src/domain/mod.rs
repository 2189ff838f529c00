//! The tasks' rules, free of gRPC transport and SQL: the workflow states and who may move a task
//! from one to another, the buckets, the validation of requests, extensions, the figures of the
//! statistics, and how actors and history actions are written. Agency codes, task ids,
//! DocumentIds and Vietnam local dates are the axis's vocabulary (`lienthong_axis`).
pub mod actor;
pub mod bucket;
pub mod create;
pub mod extension;
pub mod figures;
pub mod history;
pub mod query;
pub mod role;
pub mod state;
pub mod text;
pub mod workflow;

pub use bucket::{Bucket, BucketFacts, DeadlineEvent};
pub use extension::{Decision, ExtensionState};
pub use history::HistoryAction;
pub use role::{Role, Viewer};
pub use state::State;

/// The first microsecond after the deadline day `d` (Vietnam time): a task due `d` is on time
/// when its result was submitted before this instant, and overdue from it on.
pub fn deadline_end(d: time::Date) -> i64 {
    lienthong_axis::local::end_of_day(d)
}
