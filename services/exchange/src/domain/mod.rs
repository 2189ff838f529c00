//! The exchange's rules, free of gRPC transport and SQL: what a document must carry, which
//! business status may follow which, which hub serves which agency, what the hub hands to other
//! services and the figures it reports. Unit-tested here; the use cases in `app` apply them.
pub mod content;
pub mod directory;
pub mod header;
pub mod outbox;
pub mod paging;
pub mod routing;
pub mod statistics;
pub mod status;
pub mod text;
pub mod track;
pub mod update;

use lienthong_axis::{AgencyCode, DocumentId};

use crate::error::Result;

/// A DocumentId field, checked.
pub fn document_id(field: &str, id: &str) -> Result<DocumentId> {
    Ok(DocumentId::parse(field, id)?)
}

/// An agency code field, checked.
pub fn agency_code(field: &str, code: &str) -> Result<AgencyCode> {
    Ok(AgencyCode::parse(field, code)?)
}
