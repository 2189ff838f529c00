//! While the database is known to be down, calls answer UNAVAILABLE at once instead of each
//! waiting out the pool's ten seconds; once it is back, they are served again.
//!
//! On PostgreSQL the outage is real: the hub reaches the database through a TCP proxy that the
//! test cuts (open connections reset, new ones refused — what sqlx retries until its timeout).
//! An embedded SQLite file has no such outage; there the hub's database is closed instead.
use std::time::{Duration, Instant};

use lienthong_api::exchange::v1::{GetSentDocumentRequest, ListPendingRequest};
use lienthong_platform::{db::Backend, testing::pg_admin_url, testing_proxy::DbProxy};
use tonic::Code;

use crate::support::*;

/// Two calls that need the database (a list, a read): their codes and how long both took.
async fn timed_calls(hub: &TestHub) -> (Code, Code, Duration) {
    let mut client = hub.agency(H48).await;
    let started = Instant::now();
    let list = tokio::time::timeout(
        Duration::from_secs(30),
        client.list_pending(ListPendingRequest::default()),
    )
    .await
    .expect("an answer")
    .map_or_else(|s| s.code(), |_| Code::Ok);
    let read = tokio::time::timeout(
        Duration::from_secs(30),
        client.get_sent_document(GetSentDocumentRequest {
            document_id: format!("{H48},2026/11/26,1/UBND-TH"),
        }),
    )
    .await
    .expect("an answer")
    .map_or_else(|s| s.code(), |_| Code::Ok);
    (list, read, started.elapsed())
}

pub async fn calls_fail_fast_while_the_database_is_down(backend: Backend) {
    let proxy = match backend {
        Backend::Postgres => Some(DbProxy::start(&pg_admin_url()).await),
        Backend::Sqlite => None,
    };
    let hub = spawn_hub_tweaked(backend, Options::default(), |a| {
        if let (Some(p), Some(url)) = (&proxy, a.server.database_url.clone()) {
            a.server.database_url = Some(p.url(&url));
        }
    })
    .await;
    assert_eq!(timed_calls(&hub).await.0, Code::Ok);

    match &proxy {
        Some(p) => p.stop().await,
        None => hub.app().close_database().await,
    }
    // Once the hub knows (a failed call or its health probe, every two seconds)…
    eventually(
        "the hub to notice the outage",
        Duration::from_secs(30),
        || async { (timed_calls(&hub).await.0 == Code::Unavailable).then_some(()) },
    )
    .await;
    // …every call answers at once, not after the pool's ten seconds.
    for _ in 0..5 {
        let (list, read, took) = timed_calls(&hub).await;
        assert_eq!((list, read), (Code::Unavailable, Code::Unavailable));
        assert!(took < Duration::from_secs(2), "took {took:?}");
    }
    if let Some(p) = &proxy {
        p.resume().await;
        eventually("calls served again", Duration::from_secs(30), || async {
            (timed_calls(&hub).await.0 == Code::Ok).then_some(())
        })
        .await;
    }
    hub.stop().await;
}
