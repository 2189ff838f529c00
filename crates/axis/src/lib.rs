//! The vocabulary of the axis: the values every service (exchange, tasks, reporting) and the
//! CLI name in the same way — agency codes, DocumentIds, business and transport statuses, task
//! ids, Vietnam local dates, clocks and protobuf timestamps.
//!
//! Each of these used to be re-implemented (and to drift) in every service. Here each is a
//! type that can only hold a valid value ("parse, don't validate"): a parser refuses bad input
//! with a [`FieldError`] naming the field and the rule, and never panics, whatever the input.
//! The crate knows nothing of gRPC or SQL.

pub mod agency;
pub mod clock;
pub mod document_id;
pub mod error;
pub mod local;
pub mod proto;
pub mod status;
pub mod task_id;
pub mod text;
pub mod timestamp;

pub use agency::AgencyCode;
pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use document_id::DocumentId;
pub use error::FieldError;
pub use status::{BusinessStatus, RevokeState, TransportState};
pub use task_id::TaskId;
