//! The `lienthong` CLI as scripts use it (issue 9), the real binary against real services:
//!
//! - [`errors`]: the exit status of each class of failure, failures as one JSON object with
//!   code and reason, the hints for connection and certificate mistakes;
//! - [`json`]: every command with `--json` prints exactly one JSON document (streams: JSON
//!   Lines);
//! - [`follow`]: `inbox --follow` survives a SIGKILL and restart of the hub, `tasks watch` one
//!   of the tasks service, printing every item (event) exactly once;
//! - [`defaults`]: two sends with default DocumentIds in the same second both succeed;
//! - [`protections`]: `fetch` follows no link planted in its directory and overwrites nothing without
//!   `--force`; a `status` retried with its request id is recorded once; CSV cells that a
//!   spreadsheet would run as formulas are neutralised (issue 10);
//! - [`help`]: complete help, shell completions and manual pages;
//! - [`ack_many`]: `ack` with several DocumentIds, one batched call, a result per id.
mod ack_many;
mod defaults;
mod errors;
mod follow;
mod harness;
mod help;
mod json;
mod protections;
