//! A recipient reports a business status (02–06) or answers a revoke request (15/16).
use lienthong_api::exchange::v1::{StatusMessage, TransportState as PbTransport};
use lienthong_axis::{AgencyCode, BusinessStatus, DocumentId};
use lienthong_platform::error::Violations;
use tracing::Instrument;

use super::{
    Exchange,
    updates::{NewStatus, status_message},
};
use crate::{
    domain::status::{StatusEffect, check_report, check_report_fields},
    error::{ExchangeError, Result},
    store,
};

/// A recipient's report, as the request carries it.
pub struct Report<'a> {
    pub document_id: &'a str,
    /// The raw value of the `status` enum field.
    pub status: i32,
    pub description: &'a str,
    pub staff_info: &'a str,
}

/// The status of a report whose fields are all well formed (every malformed one is named).
fn check_fields(report: &Report<'_>) -> Result<BusinessStatus> {
    let mut v = Violations::new();
    v.check(DocumentId::parse("document_id", report.document_id));
    let status = check_report_fields(report.status, report.description, &mut v);
    v.into_result()?;
    status.ok_or_else(|| ExchangeError::internal("a checked status is missing"))
}

impl Exchange {
    /// A recipient reports a business status or answers a revoke request.
    pub async fn report_status(
        &self,
        recipient: &AgencyCode,
        report: &Report<'_>,
    ) -> Result<StatusMessage> {
        let status = check_fields(report)?;
        let span = self
            .document_span("document.report_status", report.document_id)
            .await?;
        self.report_status_in_trace(recipient, report, status)
            .instrument(span)
            .await
    }

    async fn report_status_in_trace(
        &self,
        recipient: &AgencyCode,
        report: &Report<'_>,
        status: BusinessStatus,
    ) -> Result<StatusMessage> {
        let now = self.now();
        let document_id = report.document_id;
        let mut tx = self.transaction().await?;
        let (sender, leg) = self.recipient_leg(&mut tx, recipient, document_id).await?;
        let effect = check_report(document_id, status, leg.current_status, leg.revoke_state)?;
        let changed = match effect {
            StatusEffect::Business(status) => {
                store::set_current_status(
                    &mut tx,
                    document_id,
                    recipient.as_str(),
                    leg.current_status,
                    status,
                )
                .await?
            }
            StatusEffect::RevokeAnswer { state, .. } => {
                store::set_revoke_state(
                    &mut tx,
                    document_id,
                    recipient.as_str(),
                    leg.revoke_state,
                    state,
                )
                .await?
            }
        };
        if !changed {
            return Err(ExchangeError::StatusChangedMeanwhile);
        }
        let row = self.status_row(
            &NewStatus {
                document_id,
                recipient: recipient.as_str(),
                status: effect.status(),
                reporter: recipient.as_str(),
                description: report.description,
                staff_info: report.staff_info,
            },
            now,
        );
        let peer = self
            .record_status(&mut tx, &row, &sender, PbTransport::Unspecified)
            .await?;
        store::commit(tx).await?;
        self.notify_sender(&sender, document_id);
        self.wake_peers(peer.as_slice());
        crate::metrics::status_recorded(self.hub_id(), row.status.code());
        Ok(status_message(&row))
    }
}
