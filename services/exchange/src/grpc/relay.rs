//! `RelayService`: documents and status updates handed over by other hubs.
use std::sync::Arc;

use lienthong_api::exchange::v1::{
    AttachmentChunk, GetDocumentEventsRequest, GetDocumentEventsResponse, RelayDocumentRequest,
    RelayDocumentResponse, RelayStatusRequest, RelayStatusResponse, relay_document_request::Part,
    relay_service_server::RelayService,
};
use lienthong_platform::authz::caller;
use tonic::{Request, Response, Status, Streaming};

use super::{
    invalid,
    limits::{next_message, track_hops},
};
use crate::{
    app::{Exchange, SendStart},
    observe,
};

#[derive(Clone)]
pub struct RelayApi {
    app: Arc<Exchange>,
}

impl RelayApi {
    pub fn new(app: Arc<Exchange>) -> Self {
        RelayApi { app }
    }
}

#[tonic::async_trait]
impl RelayService for RelayApi {
    async fn relay_document(
        &self,
        req: Request<Streaming<RelayDocumentRequest>>,
    ) -> Result<Response<RelayDocumentResponse>, Status> {
        let hub = caller(&req)?;
        let mut stream = req.into_inner();
        let stall = self.app.upload_stall();
        let first = next_message(&mut stream, stall).await?.ok_or_else(|| {
            invalid(
                "header",
                "the stream is empty; the first message must carry the header",
            )
        })?;
        let Some(Part::Header(header)) = first.part else {
            return Err(invalid("header", "the first message must carry the header"));
        };
        if let (Some(doc), lienthong_platform::Identity::Hub(peer)) = (&header.document, &hub) {
            let bytes: u64 = doc.attachments.iter().map(|a| a.size).sum();
            observe::record(&[
                ("lienthong.document_id", observe::text(&doc.document_id)),
                ("lienthong.peer_hub", observe::text(peer)),
                ("lienthong.hub.id", observe::text(self.app.hub_id())),
                (
                    "lienthong.attachment.count",
                    (doc.attachments.len() as i64).into(),
                ),
                ("lienthong.attachment.bytes", (bytes as i64).into()),
            ]);
        }
        let mut pending = match self.app.begin_relay(&hub, header).await? {
            SendStart::Duplicate(_) => {
                return Ok(Response::new(RelayDocumentResponse { accepted: false }));
            }
            SendStart::New(pending) => pending,
        };
        while let Some(msg) = next_message(&mut stream, stall).await? {
            match msg.part {
                Some(Part::Chunk(AttachmentChunk {
                    attachment_index,
                    data,
                })) => {
                    self.app
                        .send_chunk(&mut pending, attachment_index, &data)
                        .await?
                }
                _ => {
                    return Err(invalid(
                        "part",
                        "after the header only attachment chunks may follow",
                    ));
                }
            }
        }
        self.app.finish_send(*pending).await?;
        observe::succeeded();
        Ok(Response::new(RelayDocumentResponse { accepted: true }))
    }

    async fn relay_status(
        &self,
        req: Request<RelayStatusRequest>,
    ) -> Result<Response<RelayStatusResponse>, Status> {
        let hub = caller(&req)?;
        let update = req.into_inner().update;
        if let (Some(u), lienthong_platform::Identity::Hub(peer)) = (&update, &hub) {
            let code = lienthong_axis::BusinessStatus::from_field("status", u.status)
                .map_or("", |s| s.code());
            observe::record(&[
                ("lienthong.document_id", observe::text(&u.document_id)),
                ("lienthong.agency", observe::text(&u.reporter)),
                ("lienthong.peer_hub", observe::text(peer)),
                ("lienthong.hub.id", observe::text(self.app.hub_id())),
                ("lienthong.status_code", observe::text(code)),
            ]);
        }
        let applied = self.app.apply_relayed_status(&hub, update).await?;
        Ok(Response::new(RelayStatusResponse { applied }))
    }

    async fn get_document_events(
        &self,
        req: Request<GetDocumentEventsRequest>,
    ) -> Result<Response<GetDocumentEventsResponse>, Status> {
        let hub = caller(&req)?;
        let hops = track_hops(&req);
        let document_id = req.into_inner().document_id;
        let tracked = self.app.document_events(&hub, &document_id, hops).await?;
        Ok(Response::new(GetDocumentEventsResponse {
            events: tracked.events,
            unreachable_hubs: tracked.unreachable,
            trace_id: tracked.trace_id,
        }))
    }
}
