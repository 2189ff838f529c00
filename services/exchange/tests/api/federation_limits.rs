//! Federation that holds against mistakes: a document for an agency that does not exist is
//! bounced back to its sender exactly once; routes that loop are refused at start or answered
//! at once at run time; a relay notices its peer coming back within seconds.
use std::time::{Duration, Instant};

use lienthong_api::exchange::v1::{
    GetAgencyRequest, GetHubStatusRequest, GetHubStatusResponse, GetSentDocumentRequest,
    ListPendingRequest, SentDocumentView, StatusMessage, TransportState, WatchSentDocumentRequest,
    inbox_item::Payload,
};
use lienthong_axis::{ManualClock, local};
use lienthong_exchange::service::{ExchangeArgs, start_with_clock};
use lienthong_platform::{
    Identity,
    db::Backend,
    shutdown::Shutdown,
    testing::{TestDb, TestPki},
};
use sqlx::Connection;
use tokio_stream::StreamExt;
use tonic::Code;

use crate::support::*;

const BINH_SON: &str = "000.00.53.H48";
const NGHE_AN: &str = "000.00.00.H41";
/// Served by hub H41, registered nowhere.
const NOBODY: &str = "000.00.77.H41";

async fn hub_status(hub: &TestHub) -> GetHubStatusResponse {
    hub.admin()
        .await
        .get_hub_status(GetHubStatusRequest {})
        .await
        .expect("status")
        .into_inner()
}

async fn drained(hub: &TestHub) {
    eventually("the outboxes to drain", PATIENCE, || async {
        let status = hub_status(hub).await;
        status
            .peers
            .iter()
            .all(|p| p.outbox_depth == 0)
            .then_some(())
    })
    .await;
}

/// The bounces (status messages with a transport state) waiting in an agency's inbox.
async fn bounces_in(hub: &TestHub, code: &str) -> Vec<StatusMessage> {
    hub.agency(code)
        .await
        .list_pending(ListPendingRequest {
            page_size: 1000,
            ..Default::default()
        })
        .await
        .expect("pending")
        .into_inner()
        .items
        .into_iter()
        .filter_map(|i| match i.payload {
            Some(Payload::Status(s)) if s.transport_state() == TransportState::Failed => Some(s),
            _ => None,
        })
        .collect()
}

async fn view(hub: &TestHub, sender: &str, id: &str) -> SentDocumentView {
    hub.agency(sender)
        .await
        .get_sent_document(GetSentDocumentRequest {
            document_id: id.into(),
        })
        .await
        .expect("view")
        .into_inner()
        .document
        .expect("view")
}

pub async fn unknown_recipient_is_bounced_to_the_sender_once(backend: Backend) {
    let mut axis = spawn_axis(backend).await;
    let mut binh_son = axis.h48.agency(BINH_SON).await;
    // The national hub is down: H48 cannot ask whether the recipient exists, and accepts.
    axis.national.halt().await;
    let h = header(BINH_SON, &[NOBODY, NGHE_AN], 9, &[]);
    let id = send(&mut binh_son, h, &[])
        .await
        .expect("accepted while the lookup cannot be made")
        .document_id;
    axis.national.resume().await;

    let leg = |v: &SentDocumentView, code: &str| {
        v.recipients
            .iter()
            .find(|r| r.agency_code == code)
            .expect("leg")
            .clone()
    };
    let v = eventually("the bounce at the sender", PATIENCE, || async {
        let v = view(&axis.h48, BINH_SON, &id).await;
        (leg(&v, NOBODY).transport_state() == TransportState::Failed).then_some(v)
    })
    .await;
    let failed = leg(&v, NOBODY);
    assert!(
        failed
            .failure_reason
            .contains("no agency 000.00.77.H41 is registered at hub H41"),
        "{}",
        failed.failure_reason
    );
    assert_eq!(failed.hub, "H41");
    // The other recipient is served as usual.
    wait_for_documents(&axis.h41.agency(NGHE_AN).await, 1).await;
    assert_ne!(leg(&v, NGHE_AN).transport_state(), TransportState::Failed);

    // The sender hears of it once, however often relays were retried.
    drained(&axis.h41).await;
    drained(&axis.national).await;
    drained(&axis.h48).await;
    let bounces = bounces_in(&axis.h48, BINH_SON).await;
    assert_eq!(bounces.len(), 1, "{bounces:?}");
    let b = &bounces[0];
    assert_eq!(
        (b.document_id.as_str(), b.hub.as_str()),
        (id.as_str(), "H41")
    );
    assert_eq!(b.reporter, NOBODY);
    assert!(b.description.contains("no agency"), "{}", b.description);
    assert_eq!(b.status, 0, "a transport event, no business status");

    // A watcher sees the failed leg.
    let mut watch = axis
        .h48
        .agency(BINH_SON)
        .await
        .watch_sent_document(WatchSentDocumentRequest {
            document_id: id.clone(),
        })
        .await
        .expect("watch")
        .into_inner();
    let watched = watch.next().await.expect("a view").expect("ok");
    let watched = watched.document.expect("view");
    assert_eq!(
        leg(&watched, NOBODY).transport_state(),
        TransportState::Failed
    );

    // The operator of the bouncing hub sees it; the others bounced nothing.
    let status = hub_status(&axis.h41).await;
    assert_eq!(status.undeliverable_total, 1);
    let u = &status.recent_undeliverable[0];
    assert_eq!(
        (
            u.document_id.as_str(),
            u.sender.as_str(),
            u.recipient.as_str()
        ),
        (id.as_str(), BINH_SON, NOBODY)
    );
    assert!(u.reason.contains("no agency"), "{}", u.reason);
    assert!(u.bounce_time.is_some());
    assert_eq!(hub_status(&axis.national).await.undeliverable_total, 0);
    assert_eq!(hub_status(&axis.h48).await.undeliverable_total, 0);
    axis.stop().await;
}

/// Resident memory of the test process, in bytes.
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

pub async fn looping_routes_are_refused_promptly(backend: Backend) {
    // The national hub routes H41 to a hub that does not serve H41 (its operator listed H42),
    // which passes lookups for H41 back to the national hub: a loop no start-up check sees.
    let (pn, pa) = (free_port(), free_port());
    let national = spawn_hub_with(
        backend,
        Options {
            hub_id: "national".into(),
            role: "national".into(),
            routes: Some(format!("H41=https://127.0.0.1:{pa}")),
            port: pn,
            ..Options::default()
        },
    )
    .await;
    let shared = Some((national.pki.clone(), national.clock.clone()));
    let misrouted = spawn_hub_tweaked(
        backend,
        Options {
            hub_id: "H41".into(),
            role: "provincial".into(),
            national_endpoint: Some(format!("https://127.0.0.1:{pn}")),
            port: pa,
            shared,
            ..Options::default()
        },
        |a| a.serves = Some("H42".into()),
    )
    .await;
    let mut directory = national.directory(&agency_id(G22)).await;
    let mut vpcp = national.agency(G22).await;
    let before = rss();
    for n in 0..30 {
        let started = Instant::now();
        let lookup = tokio::time::timeout(
            Duration::from_secs(5),
            directory.get_agency(GetAgencyRequest {
                code: NGHE_AN.into(),
            }),
        )
        .await
        .expect("an answer, not a hang");
        let e = refused(lookup, Code::FailedPrecondition, "LOOKUP_LOOP");
        assert!(
            e.message().contains("loops between hubs"),
            "{}",
            e.message()
        );
        assert!(started.elapsed() < Duration::from_secs(2));
        if n == 0 {
            let send = tokio::time::timeout(
                Duration::from_secs(5),
                send(&mut vpcp, header(G22, &[NGHE_AN], 1, &[]), &[]),
            )
            .await
            .expect("an answer, not a hang");
            let e = refused(send, Code::FailedPrecondition, "LOOKUP_LOOP");
            assert!(
                e.message().starts_with("recipients[0].code"),
                "{}",
                e.message()
            );
        }
    }
    let grown = rss().saturating_sub(before);
    assert!(grown < 64 * 1024 * 1024, "memory grew by {grown} bytes");
    misrouted.stop().await;
    national.stop().await;
}

/// Starts a hub with these federation settings; returns the start-up error's message.
async fn refused_start(
    backend: Backend,
    hub_id: &str,
    role: &str,
    set: &dyn Fn(&mut ExchangeArgs, u16),
) -> String {
    let pki = TestPki::new();
    let db = TestDb::new(backend).await;
    let port = free_port();
    let mut args = ExchangeArgs::new(pki.server_args(&Identity::Hub(hub_id.into()), hub_id, &db));
    args.listen = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    args.hub_id = hub_id.into();
    args.role = role.into();
    set(&mut args, port);
    let clock = std::sync::Arc::new(ManualClock::new(local::local_noon(TODAY)));
    let e = match start_with_clock(args, Shutdown::new(), clock).await {
        Ok(_) => panic!("the hub must refuse to start"),
        Err(e) => e.to_string(),
    };
    db.drop_db().await;
    e
}

pub async fn routes_that_loop_are_refused_at_start(backend: Backend) {
    let e = refused_start(backend, "national", "national", &|a, port| {
        a.routes = Some(format!("H48=https://127.0.0.1:{port}"));
    })
    .await;
    assert!(
        e.contains("LIENTHONG_HUB_ROUTES") && e.contains("leads back to this hub"),
        "{e}"
    );
    let e = refused_start(backend, "H48", "provincial", &|a, port| {
        a.national_endpoint = Some(format!("https://localhost:{port}"));
    })
    .await;
    assert!(
        e.contains("LIENTHONG_NATIONAL_ENDPOINT") && e.contains("leads back to this hub"),
        "{e}"
    );
    let e = refused_start(backend, "national", "national", &|a, _| {
        a.routes = Some("H48=https://h48.example:7443,H41=https://h48.example:7443".into());
    })
    .await;
    assert!(e.contains("H48 and H41 are both routed to"), "{e}");
}

/// Makes the relay outbox towards the national hub wait ten more minutes, as its back-off
/// would after many failed attempts (again if an attempt under way overwrote it).
async fn push_back_off(url: &str, backend: Backend) {
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .expect("the hub's database");
    if backend == Backend::Sqlite {
        sqlx::query("PRAGMA busy_timeout = 10000")
            .execute(&mut conn)
            .await
            .expect("busy timeout");
    }
    let later = lienthong_axis::clock::now_micros() + 600_000_000;
    for _ in 0..40 {
        sqlx::query(
            "UPDATE outbox SET attempts = 20, next_attempt_at = $1 WHERE topic = 'relay:national'",
        )
        .bind(later)
        .execute(&mut conn)
        .await
        .expect("update");
        tokio::time::sleep(Duration::from_millis(500)).await;
        let due: i64 = sqlx::query_scalar(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE topic = 'relay:national'",
        )
        .fetch_one(&mut conn)
        .await
        .expect("read");
        if due >= later {
            return;
        }
    }
    panic!("the relay back-off could not be pushed back");
}

/// The URL of a hub's database, for the test's own connection.
fn database_url(hub: &TestHub) -> String {
    hub.db
        .as_ref()
        .and_then(|db| db.url.clone())
        .unwrap_or_else(|| lienthong_platform::db::sqlite_url_in(&hub.data_dir(), "exchange"))
}

pub async fn relays_resume_quickly_after_a_long_outage(backend: Backend) {
    let mut axis = spawn_axis(backend).await;
    let mut binh_son = axis.h48.agency(BINH_SON).await;
    axis.national.halt().await;
    for n in 1..=3 {
        send(&mut binh_son, header(BINH_SON, &[G22], n, &[]), &[])
            .await
            .expect("accepted while national is down");
    }
    eventually("a failed relay attempt", PATIENCE, || async {
        let s = hub_status(&axis.h48).await;
        s.peers
            .iter()
            .any(|p| p.peer == "national" && !p.last_error.is_empty())
            .then_some(())
    })
    .await;
    // As after an hour's outage: many failed attempts, the next one due in ten minutes.
    push_back_off(&database_url(&axis.h48), backend).await;

    axis.national.resume().await;
    let back = Instant::now();
    let vpcp = axis.national.agency(G22).await;
    eventually("the backlog drained", Duration::from_secs(10), || async {
        let s = hub_status(&axis.h48).await;
        s.peers.iter().all(|p| p.outbox_depth == 0).then_some(())
    })
    .await;
    assert!(
        back.elapsed() < Duration::from_secs(10),
        "{:?}",
        back.elapsed()
    );
    assert_eq!(wait_for_documents(&vpcp, 3).await.len(), 3);
    axis.stop().await;
}

/// The national hub takes smaller attachments than H48: a document it refuses for good (a
/// limit of its own, not a passing failure) is bounced to its sender at once with the reason,
/// and the relays after it are not held back.
pub async fn a_relay_refused_for_good_is_bounced_not_retried(backend: Backend) {
    let (pn, p48, p41) = (free_port(), free_port(), free_port());
    let national = spawn_hub_with(
        backend,
        Options {
            hub_id: "national".into(),
            role: "national".into(),
            routes: Some(format!(
                "H48=https://127.0.0.1:{p48},H41=https://127.0.0.1:{p41}"
            )),
            port: pn,
            max_attachment_bytes: 1000,
            ..Options::default()
        },
    )
    .await;
    let provincial = |hub_id: &str, port| Options {
        hub_id: hub_id.into(),
        role: "provincial".into(),
        national_endpoint: Some(format!("https://127.0.0.1:{pn}")),
        port,
        shared: Some((national.pki.clone(), national.clock.clone())),
        ..Options::default()
    };
    let axis = Axis {
        h48: spawn_hub_with(backend, provincial("H48", p48)).await,
        h41: spawn_hub_with(backend, provincial("H41", p41)).await,
        national,
    };
    let mut binh_son = axis.h48.agency(BINH_SON).await;
    let big = vec![7u8; 5000];
    let refused = send(
        &mut binh_son,
        header(BINH_SON, &[NGHE_AN], 1, &[("bao-cao.pdf", &big)]),
        &[&big],
    )
    .await
    .expect("H48 takes it")
    .document_id;
    let small = send(&mut binh_son, header(BINH_SON, &[NGHE_AN], 2, &[]), &[])
        .await
        .expect("sent")
        .document_id;

    // The later document is not held back behind the refused one.
    let arrived = wait_for_documents(&axis.h41.agency(NGHE_AN).await, 1).await;
    assert_eq!(arrived[0].document_id, small);
    let v = eventually("the refused relay bounced", PATIENCE, || async {
        let v = view(&axis.h48, BINH_SON, &refused).await;
        (v.recipients[0].transport_state() == TransportState::Failed).then_some(v)
    })
    .await;
    assert!(
        v.recipients[0]
            .failure_reason
            .contains("hub national refused"),
        "{}",
        v.recipients[0].failure_reason
    );
    drained(&axis.h48).await;
    let bounces = bounces_in(&axis.h48, BINH_SON).await;
    assert_eq!(bounces.len(), 1, "the sender is told once: {bounces:?}");
    assert_eq!(bounces[0].document_id, refused);
    axis.stop().await;
}
