//! End-to-end tests: the real binaries, started, killed with SIGKILL and restarted, over real
//! mTLS, each scenario on SQLite and on PostgreSQL.
//!
//! - [`durability`]: a document accepted before a SIGKILL is delivered intact after restart;
//!   SIGTERM ends live subscriptions with UNAVAILABLE;
//! - [`federation`]: three hubs, the national hub and a provincial hub killed mid-traffic;
//! - [`reporting`], [`tasks`]: the hub feeding the services beside it across their outages;
//! - [`deploy`]: the compose deployment PKI, a hub reached under its compose service name;
//! - [`telemetry`]: what an operator's OTLP collector receives from three hubs, tasks and
//!   reporting: one trace per document, paired CLIENT/SERVER spans, errors, RPC durations.
mod burst;
mod cli;
mod deploy;
mod durability;
mod federation;
mod python;
mod reporting;
mod tasks;
mod telemetry;

use burst::receipts_survive_sigkill_during_a_burst;
use durability::document_survives_sigkill_before_delivery;
use federation::{national_hub_killed_while_documents_are_sent, provincial_hub_killed_mid_relay};
use reporting::statistics_reach_reporting_across_its_restart;
use tasks::steering_document_becomes_a_task_even_if_tasks_was_down;

lienthong_platform::on_both_databases!(
    receipts_survive_sigkill_during_a_burst,
    document_survives_sigkill_before_delivery,
    national_hub_killed_while_documents_are_sent,
    provincial_hub_killed_mid_relay,
    statistics_reach_reporting_across_its_restart,
    steering_document_becomes_a_task_even_if_tasks_was_down,
);

/// Agencies of the scenarios (department codes of Quảng Ngãi are illustrative).
pub const H48: &str = "000.00.00.H48";
pub const G22: &str = "000.00.00.G22";
pub const STTTT: &str = "000.00.12.H48";
pub const SCT: &str = "000.00.09.H48";
pub const BINH_SON: &str = "000.00.53.H48";
pub const NGHE_AN: &str = "000.00.00.H41";
