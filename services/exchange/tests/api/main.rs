//! The exchange hub over real gRPC and real mutual TLS, on SQLite and on PostgreSQL. One test
//! binary; a module per behaviour.
mod batching;
mod clock;
mod directory;
mod federation;
mod federation_limits;
mod flow;
mod health;
mod hostile;
mod hostile_hubs;
mod limits;
mod orphans;
mod outage;
mod paging;
mod protocol;
mod receiving;
mod reflection;
mod security;
mod sending;
mod statuses;
mod support;
mod track;

use batching::{
    acknowledgement_batches_are_bounded, many_acknowledgements_in_one_call_each_with_its_result,
    pages_match_the_single_document_reads,
};
use clock::times_come_from_the_hub_clock;
use directory::directory_and_admin_rules;
use federation::{
    cross_province_delivery_and_statuses_back, national_hub_down_delays_and_loses_nothing,
    relay_is_for_hubs_and_only_for_their_agencies,
};
use federation_limits::{
    a_relay_refused_for_good_is_bounced_not_retried, looping_routes_are_refused_promptly,
    relays_resume_quickly_after_a_long_outage, routes_that_loop_are_refused_at_start,
    unknown_recipient_is_bounced_to_the_sender_once,
};
use flow::full_flow_with_statuses_and_revoke;
use health::health_reflects_the_database;
use hostile::{hostile_requests_change_nothing, hostile_sends_store_nothing};
use hostile_hubs::{
    hostile_directory_requests_store_nothing, hostile_relays_store_nothing,
    hub_status_is_for_operators,
};
use limits::{
    a_revoked_agency_is_cut_off_within_a_reload, an_upload_that_stalls_is_ended,
    connections_beyond_the_cap_are_refused_others_served, sent_pages_are_bounded_in_bytes,
    stalled_uploads_are_bounded_and_cleaned_up, streams_per_agency_are_bounded,
};
use orphans::orphan_blobs_are_collected_not_those_in_flight;
use outage::calls_fail_fast_while_the_database_is_down;
use paging::{every_list_is_walked_to_the_end, page_tokens_cannot_be_forged_moved_or_kept};
use protocol::{
    cursors_from_the_future_are_out_of_range, outsiders_cannot_tell_documents_exist,
    retried_reports_return_the_first_result, statuses_follow_the_table_exactly,
};
use receiving::subscriber_resumes_without_loss_or_duplicates;
use security::{
    refuses_clients_without_valid_certificates, refuses_spoofed_sender_and_foreign_reads,
};
use sending::{
    all_malformed_fields_are_reported_together, bad_input_names_field_and_rule,
    refuses_secret_oversize_and_wrong_digest, resend_returns_first_receipt_and_conflict_is_refused,
};
use statuses::refuses_forbidden_transitions;
use track::one_document_is_tracked_across_hubs;

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
    statuses_follow_the_table_exactly,
    retried_reports_return_the_first_result,
    outsiders_cannot_tell_documents_exist,
    cursors_from_the_future_are_out_of_range,
    hostile_sends_store_nothing,
    hostile_requests_change_nothing,
    hostile_directory_requests_store_nothing,
    hostile_relays_store_nothing,
    hub_status_is_for_operators,
    stalled_uploads_are_bounded_and_cleaned_up,
    an_upload_that_stalls_is_ended,
    connections_beyond_the_cap_are_refused_others_served,
    streams_per_agency_are_bounded,
    sent_pages_are_bounded_in_bytes,
    a_revoked_agency_is_cut_off_within_a_reload,
    calls_fail_fast_while_the_database_is_down,
    orphan_blobs_are_collected_not_those_in_flight,
    unknown_recipient_is_bounced_to_the_sender_once,
    looping_routes_are_refused_promptly,
    routes_that_loop_are_refused_at_start,
    relays_resume_quickly_after_a_long_outage,
    a_relay_refused_for_good_is_bounced_not_retried,
    one_document_is_tracked_across_hubs,
    many_acknowledgements_in_one_call_each_with_its_result,
    acknowledgement_batches_are_bounded,
    pages_match_the_single_document_reads,
);
