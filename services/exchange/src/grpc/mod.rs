//! The inbound adapter: each RPC decodes its request, calls ONE use case of `app` and encodes
//! the answer. Authorization by identity kind happened before (see `service::policy`);
//! record-level rules (sender only, recipient only) live in the use cases.
mod admin;
mod directory;
mod exchange;
mod limits;
mod relay;

pub use admin::HubAdminApi;
pub use directory::DirectoryApi;
pub use exchange::ExchangeApi;
pub use relay::RelayApi;

use tonic::Status;

use crate::error::ExchangeError;

/// A malformed stream (the framing of a streaming call, which only the adapter sees).
fn invalid(field: &str, rule: &str) -> Status {
    ExchangeError::invalid(field, rule).into()
}
