//! Calls from the hub to other services: the deliveries of its outbox (documents and statuses
//! to the next hub, tasks to the tasks service), lookups of agencies served elsewhere, and the
//! daily figures it pushes to the reporting service. Each calls the hub's use cases, never the
//! other way round.
//!
//! Every call has a deadline: lookups 10 s, status relays and tasks 10 s, a document relay
//! 30 s plus 1 s per MiB of attachments, statistics pushes 30 s, health probes 2 s, event gathering for TrackDocument 8 s (halved at
//! each further hop).
pub mod directory;
pub mod probe;
pub mod relay;
pub mod statistics;
pub mod tasks;
pub mod track;

pub use directory::RemoteDirectory;
pub use probe::PeerProbe;
pub use relay::RelayDelivery;
pub use statistics::ExchangeStatistics;
pub use tasks::TasksDelivery;
pub use track::PeerEvents;
