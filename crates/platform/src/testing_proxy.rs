//! A TCP proxy between a service under test and PostgreSQL, to take the database away as an
//! outage does (one for every service's outage tests): `stop` closes every connection and the port (new connections are refused, which the
//! pool waits out until its acquire timeout), `resume` opens the port again.
use std::{net::SocketAddr, sync::Mutex};

use tokio::{
    net::{TcpListener, TcpStream},
    task::{JoinHandle, JoinSet},
};

pub struct DbProxy {
    addr: SocketAddr,
    target: SocketAddr,
    accept: Mutex<Option<JoinHandle<()>>>,
}

/// Accepts connections and pipes each to `target`; aborting this task closes the listener and,
/// with the `JoinSet`, every connection.
async fn serve(listener: TcpListener, target: SocketAddr) {
    let mut conns = JoinSet::new();
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else {
            continue;
        };
        conns.spawn(async move {
            if let Ok(mut outbound) = TcpStream::connect(target).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
        while conns.try_join_next().is_some() {}
    }
}

impl DbProxy {
    /// A proxy to the host and port of a `postgres://` URL.
    pub async fn start(pg_url: &str) -> DbProxy {
        let (_, rest) = pg_url.split_once("://").expect("a URL");
        let host_port = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
        let host_port = host_port.split('/').next().expect("host:port");
        let target = tokio::net::lookup_host(host_port)
            .await
            .expect("PostgreSQL's address")
            .next()
            .expect("an address");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        DbProxy {
            addr,
            target,
            accept: Mutex::new(Some(tokio::spawn(serve(listener, target)))),
        }
    }

    /// `pg_url` with the proxy in place of PostgreSQL's host and port.
    pub fn url(&self, pg_url: &str) -> String {
        let (scheme, rest) = pg_url.split_once("://").expect("a URL");
        let (user, host_db) = match rest.rsplit_once('@') {
            Some((u, h)) => (format!("{u}@"), h),
            None => (String::new(), rest),
        };
        let db = host_db.split_once('/').map_or("", |(_, d)| d);
        format!("{scheme}://{user}{}/{db}", self.addr)
    }

    /// The database goes away: open connections are cut, new ones refused.
    pub async fn stop(&self) {
        let task = self.accept.lock().expect("lock").take();
        if let Some(task) = task {
            task.abort();
            let _ = task.await;
        }
    }

    /// The database comes back on the same address.
    pub async fn resume(&self) {
        let listener = TcpListener::bind(self.addr).await.expect("rebind");
        let task = tokio::spawn(serve(listener, self.target));
        *self.accept.lock().expect("lock") = Some(task);
    }
}

impl Drop for DbProxy {
    fn drop(&mut self) {
        if let Some(task) = self.accept.lock().map(|mut a| a.take()).ok().flatten() {
            task.abort();
        }
    }
}
