//! While the database is known to be down, calls answer UNAVAILABLE at once instead of each
//! waiting out the pool's ten seconds; once it is back, they are served again.
//!
//! On PostgreSQL the outage is real: the hub reaches the database through a TCP proxy that the
//! test cuts (open connections reset, new ones refused — what sqlx retries until its timeout).
//! An embedded SQLite file has no such outage; there the hub's database is closed instead.
use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use lienthong_api::exchange::v1::{GetSentDocumentRequest, ListPendingRequest};
use lienthong_platform::{db::Backend, testing::pg_admin_url};
use tokio::{net::TcpListener, task::JoinHandle};
use tonic::Code;

use crate::support::*;

/// A TCP proxy to PostgreSQL that can be cut and restored on the same port.
struct Proxy {
    port: u16,
    target: SocketAddr,
    accept: Option<JoinHandle<()>>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

/// The host:port of a `postgres://[user@]host:port/…` URL, and the URL with another authority.
fn split_pg_url(url: &str) -> (String, impl Fn(u16) -> String) {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (user, host) = match authority.rsplit_once('@') {
        Some((user, host)) => (format!("{user}@"), host.to_string()),
        None => (String::new(), authority.to_string()),
    };
    let (scheme, path) = (scheme.to_string(), path.to_string());
    (host, move |port| {
        format!("{scheme}://{user}127.0.0.1:{port}/{path}")
    })
}

impl Proxy {
    async fn start() -> Proxy {
        let (host, _) = split_pg_url(&pg_admin_url());
        let target = tokio::net::lookup_host(&host)
            .await
            .expect("PostgreSQL's address")
            .next()
            .expect("an address");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let mut proxy = Proxy {
            port,
            target,
            accept: None,
            links: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&mut self, listener: TcpListener) {
        let (target, links) = (self.target, self.links.clone());
        self.accept = Some(tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                links.lock().expect("links").push(link);
            }
        }));
    }

    /// Resets every open connection and refuses new ones.
    fn cut(&mut self) {
        if let Some(accept) = self.accept.take() {
            accept.abort();
        }
        for link in self.links.lock().expect("links").drain(..) {
            link.abort();
        }
    }

    async fn restore(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("rebind the proxy");
        self.serve(listener);
    }
}

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
    let mut proxy = match backend {
        Backend::Postgres => Some(Proxy::start().await),
        Backend::Sqlite => None,
    };
    let port = proxy.as_ref().map(|p| p.port);
    let hub = spawn_hub_tweaked(backend, Options::default(), |a| {
        if let (Some(port), Some(url)) = (port, a.server.database_url.clone()) {
            let (_, via) = split_pg_url(&url);
            a.server.database_url = Some(via(port));
        }
    })
    .await;
    assert_eq!(timed_calls(&hub).await.0, Code::Ok);

    match &mut proxy {
        Some(p) => p.cut(),
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
    if let Some(p) = &mut proxy {
        p.restore().await;
        eventually("calls served again", Duration::from_secs(30), || async {
            (timed_calls(&hub).await.0 == Code::Ok).then_some(())
        })
        .await;
    }
    hub.stop().await;
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
    }
}
