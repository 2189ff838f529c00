//! The exchange hub over real gRPC and real mutual TLS, on SQLite and on PostgreSQL. One test
//! binary; a module per behaviour.
mod clock;
mod directory;
mod federation;
mod flow;
mod health;
mod paging;
mod receiving;
mod reflection;
mod security;
mod sending;
mod statuses;
mod support;

use clock::times_come_from_the_hub_clock;
use directory::directory_and_admin_rules;
use federation::{
    cross_province_delivery_and_statuses_back, national_hub_down_delays_and_loses_nothing,
    relay_is_for_hubs_and_only_for_their_agencies,
};
use flow::full_flow_with_statuses_and_revoke;
use health::health_reflects_the_database;
use paging::{every_list_is_walked_to_the_end, page_tokens_cannot_be_forged_moved_or_kept};
use receiving::subscriber_resumes_without_loss_or_duplicates;
use security::{
    refuses_clients_without_valid_certificates, refuses_spoofed_sender_and_foreign_reads,
};
use sending::{
    all_malformed_fields_are_reported_together, bad_input_names_field_and_rule,
    refuses_secret_oversize_and_wrong_digest, resend_returns_first_receipt_and_conflict_is_refused,
};
use statuses::refuses_forbidden_transitions;

lienthong_platform::on_both_databases!(
    full_flow_with_statuses_and_revoke,
    resend_returns_first_receipt_and_conflict_is_refused,
    subscriber_resumes_without_loss_or_duplicates,
    refuses_clients_without_valid_certificates,
    refuses_spoofed_sender_and_foreign_reads,
    refuses_secret_oversize_and_wrong_digest,
    refuses_forbidden_transitions,
    bad_input_names_field_and_rule,
    all_malformed_fields_are_reported_together,
    directory_and_admin_rules,
    health_reflects_the_database,
    times_come_from_the_hub_clock,
    cross_province_delivery_and_statuses_back,
    national_hub_down_delays_and_loses_nothing,
    relay_is_for_hubs_and_only_for_their_agencies,
    every_list_is_walked_to_the_end,
    page_tokens_cannot_be_forged_moved_or_kept,
);
