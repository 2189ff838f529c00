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
    domain::status::{
        Effect, check_report_fields, check_request_id, report_fingerprint, transition,
    },
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
    /// The client's id of this request (AIP-155), "" for none.
    pub request_id: &'a str,
}

/// A report whose fields are all well formed (every malformed one is named).
struct Checked<'a> {
    status: BusinessStatus,
    /// The request id and the fingerprint of what was asked, when the client gave an id.
    request: Option<(&'a str, String)>,
}

fn check_fields<'a>(report: &Report<'a>) -> Result<Checked<'a>> {
    let mut v = Violations::new();
    v.check(DocumentId::parse("document_id", report.document_id));
    let status = check_report_fields(report.status, report.description, report.staff_info, &mut v);
    let request_id = check_request_id(report.request_id, &mut v);
    v.into_result()?;
    let status = status.ok_or_else(|| ExchangeError::internal("a checked status is missing"))?;
    let request = request_id.map(|id| {
        let fingerprint = report_fingerprint(
            report.document_id,
            status,
            report.description,
            report.staff_info,
        );
        (id, fingerprint)
    });
    Ok(Checked { status, request })
}

impl Exchange {
    /// A recipient reports a business status or answers a revoke request. With a request id,
    /// a retry of the same request returns the status the first one recorded.
    pub async fn report_status(
        &self,
        recipient: &AgencyCode,
        report: &Report<'_>,
    ) -> Result<StatusMessage> {
        let checked = check_fields(report)?;
        let span = self
            .document_span("document.report_status", report.document_id)
            .await?;
        self.report_status_in_trace(recipient, report, &checked)
            .instrument(span)
            .await
    }

    async fn report_status_in_trace(
        &self,
        recipient: &AgencyCode,
        report: &Report<'_>,
        checked: &Checked<'_>,
    ) -> Result<StatusMessage> {
        let now = self.now();
        let document_id = report.document_id;
        let mut tx = self.transaction().await?;
        let (sender, leg) = self.recipient_leg(&mut tx, recipient, document_id).await?;
        if let Some((id, fingerprint)) = &checked.request
            && let Some(first) = store::find_status_request(&mut tx, recipient.as_str(), id).await?
        {
            return first_result(&mut tx, id, fingerprint, &first).await;
        }
        let effect = transition(document_id, leg.status(), checked.status)?;
        let changed = match effect {
            Effect::Business(status) => {
                store::set_current_status(
                    &mut tx,
                    document_id,
                    recipient.as_str(),
                    leg.current_status,
                    status,
                )
                .await?
            }
            Effect::RevokeAnswer { state, .. } => {
                store::set_revoke_state(
                    &mut tx,
                    document_id,
                    recipient.as_str(),
                    leg.revoke_state,
                    state,
                )
                .await?
            }
            _ => return Err(ExchangeError::internal("a report had no status effect")),
        };
        if !changed {
            return Err(ExchangeError::StatusChangedMeanwhile);
        }
        let row = self.status_row(
            &NewStatus {
                document_id,
                recipient: recipient.as_str(),
                status: checked.status,
                reporter: recipient.as_str(),
                description: report.description,
                staff_info: report.staff_info,
            },
            now,
        );
        let (seq, peer) = self
            .record_status(&mut tx, &row, &sender, PbTransport::Unspecified)
            .await?;
        if let Some((id, fingerprint)) = &checked.request {
            let request = store::StatusRequest {
                fingerprint: fingerprint.clone(),
                status_seq: seq,
            };
            store::insert_status_request(&mut tx, recipient.as_str(), id, &request, now).await?;
        }
        store::commit(tx).await?;
        self.notify_sender(&sender, document_id);
        self.wake_peers(peer.as_slice());
        crate::metrics::status_recorded(self.hub_id(), row.status.code());
        Ok(status_message(&row))
    }
}

/// The answer to a request id used before: the status the first request recorded when this is
/// the same request again, else a refusal (the id names another request).
async fn first_result(
    conn: &mut sqlx::AnyConnection,
    request_id: &str,
    fingerprint: &str,
    first: &store::StatusRequest,
) -> Result<StatusMessage> {
    if first.fingerprint != fingerprint {
        return Err(ExchangeError::RequestIdReused {
            request_id: request_id.to_string(),
        });
    }
    let row = store::status_by_seq(conn, first.status_seq)
        .await?
        .ok_or_else(|| ExchangeError::internal("a remembered report has no status"))?;
    Ok(status_message(&row))
}
