//! The hub feeding the reporting service, both real processes over mTLS: traffic figures reach
//! reporting, also across a kill and restart of it; an agency cannot feed the intake.
use std::time::Duration;

use lienthong_api::{
    exchange::v1::{DocumentHeader, exchange_service_client::ExchangeServiceClient},
    reporting::v1::{
        ListPeriodsRequest, PushStatisticsRequest, SaveDraftRequest,
        intake_service_client::IntakeServiceClient,
        reporting_service_client::ReportingServiceClient,
    },
};
use lienthong_e2e::{HubBeside, Service, send};
use lienthong_platform::{
    Identity,
    client::TracedChannel,
    db::Backend,
    testing::{TestPki, eventually},
};

use crate::{G22, SCT, STTTT};

/// Document `number` of `from` to `to`, without attachments.
fn document(from: &str, to: &str, number: u32) -> DocumentHeader {
    DocumentHeader {
        document_id: format!("{from},2026/11/26,{number}/STTTT"),
        subject: format!("Văn bản số {number}"),
        ..lienthong_e2e::document(from, &[to], number, b"")
    }
}

/// The AXIS-MONTHLY period whose data-cutoff window contains today.
async fn current_period(client: &mut ReportingServiceClient<TracedChannel>) -> String {
    let today = lienthong_axis::local::format_date(lienthong_axis::local::local_date(
        lienthong_axis::clock::now_micros(),
    ));
    for year in [0u32, today[..4].parse::<u32>().expect("year") + 1] {
        let periods = client
            .list_periods(ListPeriodsRequest {
                regime_code: "AXIS-MONTHLY".into(),
                year,
            })
            .await
            .expect("periods")
            .into_inner()
            .periods;
        if let Some(p) = periods
            .iter()
            .find(|p| p.window_start <= today && today <= p.window_end)
        {
            return p.key.clone();
        }
    }
    panic!("no AXIS-MONTHLY period contains {today}");
}

/// The pre-filled "documents sent" of an agency's draft, once it reaches `want`.
async fn documents_sent_in_draft(
    client: &mut ReportingServiceClient<TracedChannel>,
    period: &str,
    want: &str,
) -> String {
    eventually(
        "the hub's figure in the draft",
        Duration::from_secs(30),
        || {
            let mut client = client.clone();
            async move {
                let draft = client
                    .save_draft(SaveDraftRequest {
                        regime_code: "AXIS-MONTHLY".into(),
                        period: period.into(),
                        values: vec![],
                    })
                    .await;
                let value = match draft {
                    Ok(r) => r
                        .into_inner()
                        .report
                        .expect("report")
                        .values
                        .into_iter()
                        .find(|v| v.indicator_code == "AXIS.SENT")
                        .map(|v| v.value)
                        .unwrap_or_default(),
                    Err(e) if e.code() == tonic::Code::Unavailable => String::new(),
                    Err(e) => panic!("draft: {e:?}"),
                };
                (value == want).then_some(value)
            }
        },
    )
    .await
}

pub async fn statistics_reach_reporting_across_its_restart(backend: Backend) {
    let pki = TestPki::new();
    let setup = HubBeside::new(&pki, backend, "reporting").await;
    let (hub_port, reporting_port, reporting_env) =
        (setup.hub_port, setup.service_port, &setup.service);
    let hub_env = setup.hub.clone().set("LIENTHONG_STATS_PUSH_SECS", "0.3");

    let admin = pki.files(&Identity::Admin("ops".into()));
    let reporting_log = pki.dir().join("reporting.log");
    let mut reporting = Service::start(
        "lienthong-reporting",
        reporting_env,
        reporting_port,
        &reporting_log,
    );
    reporting.wait_ready(&admin).await;
    let mut hub = Service::start(
        "lienthong-exchange",
        &hub_env,
        hub_port,
        &pki.dir().join("hub.log"),
    );
    hub.wait_ready(&admin).await;

    let sttt_files = pki.agency(STTTT);
    let mut sender = ExchangeServiceClient::new(hub.channel(&sttt_files).await);
    send(&mut sender, document(STTTT, G22, 1), b"").await;
    let mut report = ReportingServiceClient::new(reporting.channel(&sttt_files).await);
    let period = current_period(&mut report).await;
    assert_eq!(
        documents_sent_in_draft(&mut report, &period, "1").await,
        "1",
        "the hub's figure, not a clerk's"
    );

    // Reporting goes down; the hub keeps accepting, and its figures wait.
    reporting.kill();
    send(&mut sender, document(STTTT, G22, 2), b"").await;
    send(&mut sender, document(STTTT, SCT, 3), b"").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut reporting = Service::start(
        "lienthong-reporting",
        reporting_env,
        reporting_port,
        &reporting_log,
    );
    reporting.wait_ready(&admin).await;
    let mut report = ReportingServiceClient::new(reporting.channel(&sttt_files).await);
    assert_eq!(
        documents_sent_in_draft(&mut report, &period, "3").await,
        "3",
        "nothing lost while reporting was down"
    );

    received_figures_and_intake_rules(&pki, &reporting, &period).await;
    hub.stop();
    reporting.stop();
}

/// The recipients' figures arrived too; an agency cannot feed the intake.
async fn received_figures_and_intake_rules(pki: &TestPki, reporting: &Service, period: &str) {
    // Received figures too, for the recipients.
    let mut sct_report = ReportingServiceClient::new(reporting.channel(&pki.agency(SCT)).await);
    let draft = sct_report
        .save_draft(SaveDraftRequest {
            regime_code: "AXIS-MONTHLY".into(),
            period: period.into(),
            values: vec![],
        })
        .await
        .expect("draft")
        .into_inner()
        .report
        .expect("report");
    let received = draft
        .values
        .iter()
        .find(|v| v.indicator_code == "AXIS.RECEIVED")
        .expect("received");
    assert_eq!(received.value, "1");
    assert!(received.prefilled);

    // An agency cannot feed the intake.
    let mut intake = IntakeServiceClient::new(reporting.channel(&pki.agency(STTTT)).await);
    let refused = intake
        .push_statistics(PushStatisticsRequest { values: vec![] })
        .await
        .expect_err("agency at the intake");
    assert_eq!(refused.code(), tonic::Code::PermissionDenied);
}
