//! The hub tells time by its clock: acceptance, trace headers, acknowledgements, statuses and
//! the day a document counts for in the statistics.
use lienthong_api::exchange::v1::GetSentDocumentRequest;
use lienthong_axis::{Clock, local, timestamp::to_timestamp};
use lienthong_platform::db::Backend;
use time::Duration;

use crate::support::*;

pub async fn times_come_from_the_hub_clock(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut h48 = hub.agency(H48).await;
    let mut vpcp = hub.agency(G22).await;
    let sent_at = hub.clock.now_micros();
    let receipt = send(&mut h48, header(H48, &[G22], 1, &[]), &[])
        .await
        .expect("send");
    assert_eq!(receipt.accept_time, Some(to_timestamp(sent_at)));
    let pushed = wait_for_documents(&vpcp, 1).await;
    assert_eq!(
        pushed[0].trace_headers[0].record_time,
        Some(to_timestamp(sent_at))
    );

    hub.clock.advance_secs(3600);
    let acked_at = hub.clock.now_micros();
    assert!(ack(&mut vpcp, &receipt.document_id).await);
    let view = h48
        .get_sent_document(GetSentDocumentRequest {
            document_id: receipt.document_id.clone(),
        })
        .await
        .expect("view")
        .into_inner()
        .document
        .expect("view");
    assert_eq!(view.accept_time, Some(to_timestamp(sent_at)));
    let leg = &view.recipients[0];
    assert_eq!(leg.acknowledge_time, Some(to_timestamp(acked_at)));
    assert_eq!(
        leg.deliver_time,
        Some(to_timestamp(acked_at)),
        "listing delivers nothing; acknowledging delivers too"
    );
    assert_eq!(leg.statuses[0].report_time, Some(to_timestamp(acked_at)));

    // A document accepted at 00:30 in Hà Nội counts for that day (still the previous day in UTC).
    let tomorrow = TODAY + Duration::days(1);
    hub.clock
        .set(local::start_of_day(tomorrow) + 30 * 60 * 1_000_000);
    send(&mut h48, header(H48, &[G22], 2, &[]), &[])
        .await
        .expect("send");
    let one = |indicator: &str, agency: &str| (indicator.to_string(), agency.to_string(), 1);
    let each_day = [
        one("axis.documents_received", G22),
        one("axis.documents_sent", H48),
    ];
    assert_eq!(figures(&hub, TODAY).await, each_day);
    assert_eq!(figures(&hub, tomorrow).await, each_day);
    hub.stop().await;
}
