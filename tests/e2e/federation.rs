//! Three real hub processes: national, Quảng Ngãi (H48), Nghệ An (H41). Hubs are killed with
//! SIGKILL and restarted; every document arrives exactly once.
use std::time::Duration;

use lienthong_api::exchange::v1::{DocumentHeader, exchange_service_client::ExchangeServiceClient};
use lienthong_e2e::{Env, Service, attachment, inbox_ids, send};
use lienthong_platform::{
    Identity,
    client::TracedChannel,
    db::Backend,
    testing::{TestDb, TestPki, free_port},
};

use crate::{BINH_SON, G22, H48, NGHE_AN};

/// Three hub processes on one axis CA, each with its own database.
struct Axis {
    pki: TestPki,
    dbs: Vec<TestDb>,
    envs: Vec<Env>,
    ports: Vec<u16>,
    hubs: Vec<Service>,
}

const NATIONAL: usize = 0;
const PROV_H48: usize = 1;
const PROV_H41: usize = 2;

impl Axis {
    async fn start(backend: Backend) -> Axis {
        let pki = TestPki::new();
        let ports = vec![free_port(), free_port(), free_port()];
        let national_url = format!("https://127.0.0.1:{}", ports[0]);
        let mut dbs = Vec::new();
        let mut envs = Vec::new();
        for (i, id) in ["national", "H48", "H41"].iter().enumerate() {
            let db = TestDb::new(backend).await;
            let env = Env::hub(&pki, id, ports[i], &pki.data_dir(id), &db);
            envs.push(if i == NATIONAL {
                env.set("LIENTHONG_HUB_ROLE", "national").set(
                    "LIENTHONG_HUB_ROUTES",
                    format!(
                        "H48=https://127.0.0.1:{},H41=https://127.0.0.1:{}",
                        ports[1], ports[2]
                    ),
                )
            } else {
                env.set("LIENTHONG_HUB_ROLE", "provincial")
                    .set("LIENTHONG_NATIONAL_ENDPOINT", &national_url)
            });
            dbs.push(db);
        }
        let mut axis = Axis {
            pki,
            dbs,
            envs,
            ports,
            hubs: Vec::new(),
        };
        for i in 0..3 {
            let hub = axis.spawn(i);
            axis.hubs.push(hub);
        }
        for i in 0..3 {
            axis.wait_ready(i).await;
        }
        axis
    }

    fn spawn(&self, i: usize) -> Service {
        let log = self.pki.dir().join(format!("hub-{i}.log"));
        Service::start("lienthong-exchange", &self.envs[i], self.ports[i], &log)
    }

    async fn wait_ready(&mut self, i: usize) {
        let admin = self.pki.files(&Identity::Admin("ops".into()));
        self.hubs[i].wait_ready(&admin).await;
    }

    fn kill(&mut self, i: usize) {
        self.hubs[i].kill();
    }

    async fn restart(&mut self, i: usize) {
        self.hubs[i] = self.spawn(i);
        self.wait_ready(i).await;
    }

    async fn agency(&mut self, i: usize, code: &str) -> ExchangeServiceClient<TracedChannel> {
        let files = self.pki.agency(code);
        ExchangeServiceClient::new(self.hubs[i].channel(&files).await)
    }

    async fn stop(mut self) {
        for hub in &mut self.hubs {
            hub.stop();
        }
        for db in self.dbs.drain(..) {
            db.drop_db().await;
        }
    }
}

/// Document `number` of UBND huyện Bình Sơn to `to`.
fn document(number: u32, to: &[&str], content: &[u8]) -> DocumentHeader {
    DocumentHeader {
        subject: format!("Công văn số {number} gửi liên tỉnh"),
        ..lienthong_e2e::document(BINH_SON, to, number, content)
    }
}

/// Sends and returns the DocumentId.
async fn send_id(
    client: &mut ExchangeServiceClient<TracedChannel>,
    header: DocumentHeader,
    content: &[u8],
) -> String {
    let id = header.document_id.clone();
    send(client, header, content).await;
    id
}

pub async fn national_hub_killed_while_documents_are_sent(backend: Backend) {
    let mut axis = Axis::start(backend).await;
    axis.kill(NATIONAL);
    let mut binh_son = axis.agency(PROV_H48, BINH_SON).await;
    let mut sent = Vec::new();
    for n in 1..=3 {
        sent.push(send_id(&mut binh_son, document(n, &[NGHE_AN, G22], b""), b"").await);
    }
    // The province keeps working locally while the national hub is down.
    send(&mut binh_son, document(9, &[H48], b""), b"").await;
    let mut province = axis.agency(PROV_H48, H48).await;
    assert_eq!(inbox_ids(&mut province, 1).await.len(), 1);

    tokio::time::sleep(Duration::from_secs(1)).await;
    axis.restart(NATIONAL).await;
    sent.sort();
    let mut nghe_an = axis.agency(PROV_H41, NGHE_AN).await;
    assert_eq!(
        inbox_ids(&mut nghe_an, 3).await,
        sent,
        "Nghệ An: everything, once"
    );
    let mut vpcp = axis.agency(NATIONAL, G22).await;
    assert_eq!(
        inbox_ids(&mut vpcp, 3).await,
        sent,
        "Văn phòng Chính phủ: everything, once"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        inbox_ids(&mut nghe_an, 4).await.len(),
        3,
        "no duplicate from the retries"
    );
    axis.stop().await;
}

pub async fn provincial_hub_killed_mid_relay(backend: Backend) {
    let mut axis = Axis::start(backend).await;
    let content: Vec<u8> = (0..1_500_000u32).map(|i| (i % 239) as u8).collect();
    let mut binh_son = axis.agency(PROV_H48, BINH_SON).await;
    let mut sent = Vec::new();
    for n in 1..=4 {
        sent.push(send_id(&mut binh_son, document(n, &[NGHE_AN], &content), &content).await);
    }
    // Relays of megabyte attachments are under way: the process dies in the middle.
    axis.kill(PROV_H48);
    axis.restart(PROV_H48).await;
    sent.sort();
    let mut nghe_an = axis.agency(PROV_H41, NGHE_AN).await;
    let got = inbox_ids(&mut nghe_an, 4).await;
    assert_eq!(got, sent, "every document once");
    for id in &got {
        assert_eq!(attachment(&mut nghe_an, id).await, content, "{id} intact");
    }
    axis.stop().await;
}
