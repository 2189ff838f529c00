//! Calls from the hub to other services: the deliveries of its outbox (documents and statuses
//! to the next hub, tasks to the tasks service), lookups of agencies served elsewhere, and the
//! daily figures it pushes to the reporting service. Each calls the hub's use cases, never the
//! other way round.
pub mod directory;
pub mod relay;
pub mod statistics;
pub mod tasks;

pub use directory::RemoteDirectory;
pub use relay::RelayDelivery;
pub use statistics::ExchangeStatistics;
pub use tasks::TasksDelivery;
