//! Three real hub processes: national, Quảng Ngãi (H48), Nghệ An (H41). Hubs are killed with
//! SIGKILL and restarted; every document arrives exactly once.
use std::time::Duration;

use lienthong_api::exchange::v1::{
    Agency, AttachmentChunk, AttachmentInfo, DocumentHeader, FetchDocumentRequest,
    ListPendingRequest, SendDocumentRequest, exchange_service_client::ExchangeServiceClient,
    fetch_document_response, inbox_item::Payload, send_document_request::Part,
};
use lienthong_e2e::{Pki, Service, free_port, hub_env_as};
use lienthong_platform::{Identity, client::TracedChannel, db::Backend, testing::TestDb};
use sha2::{Digest, Sha256};
use tokio_stream::StreamExt;

const BINH_SON: &str = "000.00.53.H48";
const NGHE_AN: &str = "000.00.00.H41";
const G22: &str = "000.00.00.G22";
const H48: &str = "000.00.00.H48";

struct Axis {
    pki: Pki,
    dbs: Vec<TestDb>,
    envs: Vec<Vec<(String, String)>>,
    ports: Vec<u16>,
    hubs: Vec<Service>,
    dir: tempfile::TempDir,
}

const NATIONAL: usize = 0;
const PROV_H48: usize = 1;
const PROV_H41: usize = 2;

impl Axis {
    async fn start(backend: Backend) -> Axis {
        let dir = tempfile::tempdir().expect("tmp");
        let mut pki = Pki::new(&dir.path().join("pki"));
        let ports = vec![free_port(), free_port(), free_port()];
        let national_url = format!("https://127.0.0.1:{}", ports[0]);
        let mut dbs = Vec::new();
        let mut envs = Vec::new();
        for (i, id) in ["national", "H48", "H41"].iter().enumerate() {
            let db = TestDb::new(backend).await;
            let data = dir.path().join(format!("data-{id}"));
            let mut env = hub_env_as(&mut pki, id, ports[i], &data, db.url.as_deref());
            if i == NATIONAL {
                env.push(("LIENTHONG_HUB_ROLE".into(), "national".into()));
                env.push((
                    "LIENTHONG_HUB_ROUTES".into(),
                    format!(
                        "H48=https://127.0.0.1:{},H41=https://127.0.0.1:{}",
                        ports[1], ports[2]
                    ),
                ));
            } else {
                env.push(("LIENTHONG_HUB_ROLE".into(), "provincial".into()));
                env.push(("LIENTHONG_NATIONAL_ENDPOINT".into(), national_url.clone()));
            }
            envs.push(env);
            dbs.push(db);
        }
        let mut axis = Axis {
            pki,
            dbs,
            envs,
            ports,
            hubs: Vec::new(),
            dir,
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
        let log = self.dir.path().join(format!("hub-{i}.log"));
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
        let files = self.pki.files(&Identity::Agency(code.into()));
        ExchangeServiceClient::new(self.hubs[i].channel(&files).await)
    }

    async fn stop(mut self) {
        for hub in &mut self.hubs {
            let status = hub.terminate();
            assert!(status.success(), "{status}");
        }
        for db in self.dbs.drain(..) {
            db.drop_db().await;
        }
    }
}

fn document(number: u32, to: &[&str], content: &[u8]) -> DocumentHeader {
    DocumentHeader {
        from: Some(Agency {
            code: BINH_SON.into(),
            ..Default::default()
        }),
        to: to
            .iter()
            .map(|c| Agency {
                code: (*c).into(),
                ..Default::default()
            })
            .collect(),
        document_id: format!("{BINH_SON},2026/11/26,{number}/UBND-VP"),
        subject: format!("Công văn số {number} gửi liên tỉnh"),
        attachments: if content.is_empty() {
            vec![]
        } else {
            vec![AttachmentInfo {
                name: "van-ban.pdf".into(),
                content_type: "application/pdf".into(),
                size: content.len() as u64,
                sha256: Sha256::digest(content)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect(),
                description: String::new(),
            }]
        },
        ..Default::default()
    }
}

async fn send(
    client: &mut ExchangeServiceClient<TracedChannel>,
    header: DocumentHeader,
    content: &[u8],
) -> String {
    let id = header.document_id.clone();
    let mut msgs = vec![SendDocumentRequest {
        part: Some(Part::Header(header)),
    }];
    for piece in content.chunks(64 * 1024) {
        msgs.push(SendDocumentRequest {
            part: Some(Part::Chunk(AttachmentChunk {
                attachment_index: 0,
                data: piece.to_vec(),
            })),
        });
    }
    client
        .send_document(tokio_stream::iter(msgs))
        .await
        .expect("accepted");
    id
}

/// The DocumentIds in an agency's inbox, once `n` have arrived (or the deadline passed).
async fn inbox_ids(client: &mut ExchangeServiceClient<TracedChannel>, n: usize) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(45);
    loop {
        let items = client
            .list_pending(ListPendingRequest {
                after_item_id: 0,
                limit: 1000,
            })
            .await
            .map(|r| r.into_inner().items)
            .unwrap_or_default();
        let mut ids: Vec<String> = items
            .into_iter()
            .filter_map(|i| match i.payload {
                Some(Payload::Document(d)) => Some(d.document_id),
                _ => None,
            })
            .collect();
        if ids.len() >= n || tokio::time::Instant::now() > deadline {
            ids.sort();
            return ids;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn attachment(client: &mut ExchangeServiceClient<TracedChannel>, id: &str) -> Vec<u8> {
    let mut stream = client
        .fetch_document(FetchDocumentRequest {
            document_id: id.into(),
            include_content: true,
        })
        .await
        .expect("fetch")
        .into_inner();
    let mut bytes = Vec::new();
    while let Some(msg) = stream.next().await {
        if let Some(fetch_document_response::Part::Chunk(c)) = msg.expect("chunk").part {
            bytes.extend_from_slice(&c.data);
        }
    }
    bytes
}

pub async fn national_hub_killed_while_documents_are_sent(backend: Backend) {
    let mut axis = Axis::start(backend).await;
    axis.kill(NATIONAL);
    let mut binh_son = axis.agency(PROV_H48, BINH_SON).await;
    let mut sent = Vec::new();
    for n in 1..=3 {
        sent.push(send(&mut binh_son, document(n, &[NGHE_AN, G22], b""), b"").await);
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
        sent.push(send(&mut binh_son, document(n, &[NGHE_AN], &content), &content).await);
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
