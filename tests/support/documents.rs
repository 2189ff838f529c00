//! Documents as the scenarios send them, and reading them back.
use std::time::Duration;

use lienthong_api::exchange::v1::{
    Agency, AttachmentChunk, AttachmentInfo, DocumentHeader, FetchDocumentRequest,
    ListPendingRequest, SendDocumentRequest, SendDocumentResponse,
    exchange_service_client::ExchangeServiceClient, fetch_document_response, inbox_item::Payload,
    send_document_request::Part,
};
use lienthong_platform::client::TracedChannel;
use sha2::{Digest, Sha256};
use tokio_stream::StreamExt;

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Document `number` of `from` (dated 2026/11/26) to `to`, with one attachment when `content`
/// is not empty.
pub fn document(from: &str, to: &[&str], number: u32, content: &[u8]) -> DocumentHeader {
    DocumentHeader {
        sender: Some(Agency {
            code: from.into(),
            ..Default::default()
        }),
        recipients: to
            .iter()
            .map(|c| Agency {
                code: (*c).into(),
                ..Default::default()
            })
            .collect(),
        document_id: format!("{from},2026/11/26,{number}/UBND-VP"),
        subject: format!("Công văn số {number}"),
        attachments: if content.is_empty() {
            vec![]
        } else {
            vec![AttachmentInfo {
                name: "van-ban.pdf".into(),
                content_type: "application/pdf".into(),
                size: content.len() as u64,
                sha256: sha256_hex(content),
                description: String::new(),
            }]
        },
        ..Default::default()
    }
}

/// Sends a document with its one attachment (`content`, empty for none) in 64 KiB chunks.
pub async fn send(
    client: &mut ExchangeServiceClient<TracedChannel>,
    header: DocumentHeader,
    content: &[u8],
) -> SendDocumentResponse {
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
        .expect("accepted")
        .into_inner()
}

/// The DocumentIds in an agency's inbox, sorted, once `n` have arrived (or 45 s passed).
pub async fn inbox_ids(client: &mut ExchangeServiceClient<TracedChannel>, n: usize) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(45);
    loop {
        let items = client
            .list_pending(ListPendingRequest {
                page_size: 1000,
                ..Default::default()
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

/// The bytes of a document's attachments, fetched.
pub async fn attachment(client: &mut ExchangeServiceClient<TracedChannel>, id: &str) -> Vec<u8> {
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
