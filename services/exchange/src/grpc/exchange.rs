//! `ExchangeService`: agencies send, receive and track documents.
use std::sync::Arc;

use lienthong_api::exchange::v1::{
    AcknowledgeDocumentRequest, AcknowledgeDocumentResponse, AcknowledgeDocumentsRequest,
    AcknowledgeDocumentsResponse, AcknowledgeOutcome, AcknowledgeResult, AttachmentChunk,
    ConfirmStatusMessagesRequest, ConfirmStatusMessagesResponse, FetchDocumentRequest,
    FetchDocumentResponse, GetSentDocumentRequest, GetSentDocumentResponse, ListPendingRequest,
    ListPendingResponse, ListSentDocumentsRequest, ListSentDocumentsResponse, ReportStatusRequest,
    ReportStatusResponse, RevokeDocumentRequest, RevokeDocumentResponse, SendDocumentRequest,
    SendDocumentResponse, SubscribeRequest, SubscribeResponse, TrackDocumentRequest,
    TrackDocumentResponse, WatchSentDocumentRequest, WatchSentDocumentResponse,
    exchange_service_server::ExchangeService, send_document_request::Part,
};
use lienthong_platform::{
    Identity,
    authz::{caller, caller_agency},
    error::ApiError,
    notify::ServerStream,
};
use tonic::{Request, Response, Status, Streaming};

use super::{invalid, limits::next_message};
use crate::{
    app::{AckOutcome, Exchange, Limited, Report, SendStart},
    observe,
};

#[derive(Clone)]
pub struct ExchangeApi {
    app: Arc<Exchange>,
}

impl ExchangeApi {
    pub fn new(app: Arc<Exchange>) -> Self {
        ExchangeApi { app }
    }

    /// The axis's attributes of a call about one document on the RPC's span.
    fn axis(&self, agency: &str, document_id: &str) {
        observe::record(&[
            ("lienthong.agency", observe::text(agency)),
            ("lienthong.document_id", observe::text(document_id)),
            ("lienthong.hub.id", observe::text(self.app.hub_id())),
        ]);
    }
}

#[tonic::async_trait]
impl ExchangeService for ExchangeApi {
    async fn send_document(
        &self,
        req: Request<Streaming<SendDocumentRequest>>,
    ) -> Result<Response<SendDocumentResponse>, Status> {
        let sender = caller_agency(&req)?;
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
        self.axis(sender.as_str(), &header.document_id);
        let bytes: u64 = header.attachments.iter().map(|a| a.size).sum();
        observe::record(&[
            (
                "lienthong.attachment.count",
                (header.attachments.len() as i64).into(),
            ),
            ("lienthong.attachment.bytes", (bytes as i64).into()),
        ]);
        let mut pending = match self.app.begin_send(&sender, header).await? {
            SendStart::Duplicate(receipt) => return Ok(Response::new(receipt)),
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
                Some(Part::Header(_)) => {
                    return Err(invalid(
                        "header",
                        "only the first message may carry the header",
                    ));
                }
                None => {
                    return Err(invalid(
                        "part",
                        "a message carries neither header nor chunk",
                    ));
                }
            }
        }
        let receipt = self.app.finish_send(*pending).await?;
        observe::succeeded();
        Ok(Response::new(receipt))
    }

    type SubscribeStream = Limited<ServerStream<SubscribeResponse>>;

    async fn subscribe(
        &self,
        req: Request<SubscribeRequest>,
    ) -> Result<Response<Self::SubscribeStream>, Status> {
        let agency = caller_agency(&req)?;
        let permit = self.app.stream_permit(agency.as_str())?;
        let stream = self
            .app
            .subscribe(agency, req.get_ref().after_item_id)
            .await?;
        Ok(Response::new(Limited::new(stream, permit)))
    }

    async fn list_pending(
        &self,
        req: Request<ListPendingRequest>,
    ) -> Result<Response<ListPendingResponse>, Status> {
        let agency = caller_agency(&req)?;
        let r = req.into_inner();
        let page = self
            .app
            .list_pending(&agency, r.after_item_id, r.page_size, &r.page_token)
            .await?;
        Ok(Response::new(ListPendingResponse {
            items: page.items,
            next_page_token: page.next_page_token,
        }))
    }

    type FetchDocumentStream = ServerStream<FetchDocumentResponse>;

    async fn fetch_document(
        &self,
        req: Request<FetchDocumentRequest>,
    ) -> Result<Response<Self::FetchDocumentStream>, Status> {
        let agency = caller_agency(&req)?;
        let r = req.into_inner();
        self.axis(agency.as_str(), &r.document_id);
        let stream = self
            .app
            .fetch_document(&agency, &r.document_id, r.include_content)
            .await?;
        observe::succeeded();
        Ok(Response::new(stream))
    }

    async fn acknowledge_document(
        &self,
        req: Request<AcknowledgeDocumentRequest>,
    ) -> Result<Response<AcknowledgeDocumentResponse>, Status> {
        let agency = caller_agency(&req)?;
        self.axis(agency.as_str(), &req.get_ref().document_id);
        let newly = self
            .app
            .acknowledge(&agency, &req.get_ref().document_id)
            .await?;
        observe::succeeded();
        Ok(Response::new(AcknowledgeDocumentResponse {
            newly_acknowledged: newly,
        }))
    }

    async fn acknowledge_documents(
        &self,
        req: Request<AcknowledgeDocumentsRequest>,
    ) -> Result<Response<AcknowledgeDocumentsResponse>, Status> {
        let agency = caller_agency(&req)?;
        observe::record(&[
            ("lienthong.agency", observe::text(agency.as_str())),
            ("lienthong.hub.id", observe::text(self.app.hub_id())),
        ]);
        let ids = req.into_inner().document_ids;
        let outcomes = self.app.acknowledge_many(&agency, &ids).await?;
        let results = ids
            .into_iter()
            .zip(outcomes)
            .map(|(document_id, outcome)| ack_result(document_id, outcome))
            .collect();
        observe::succeeded();
        Ok(Response::new(AcknowledgeDocumentsResponse { results }))
    }

    async fn confirm_status_messages(
        &self,
        req: Request<ConfirmStatusMessagesRequest>,
    ) -> Result<Response<ConfirmStatusMessagesResponse>, Status> {
        let agency = caller_agency(&req)?;
        let confirmed = self
            .app
            .confirm_status_messages(&agency, &req.get_ref().item_ids)
            .await?;
        Ok(Response::new(ConfirmStatusMessagesResponse { confirmed }))
    }

    async fn report_status(
        &self,
        req: Request<ReportStatusRequest>,
    ) -> Result<Response<ReportStatusResponse>, Status> {
        let agency = caller_agency(&req)?;
        let r = req.into_inner();
        self.axis(agency.as_str(), &r.document_id);
        if let Ok(code) = lienthong_axis::BusinessStatus::from_field("status", r.status) {
            observe::record(&[("lienthong.status_code", observe::text(code.code()))]);
        }
        let report = Report {
            document_id: &r.document_id,
            status: r.status,
            description: &r.description,
            staff_info: &r.staff_info,
            request_id: &r.request_id,
        };
        let status = self.app.report_status(&agency, &report).await?;
        observe::succeeded();
        Ok(Response::new(ReportStatusResponse {
            status: Some(status),
        }))
    }

    async fn revoke_document(
        &self,
        req: Request<RevokeDocumentRequest>,
    ) -> Result<Response<RevokeDocumentResponse>, Status> {
        let agency = caller_agency(&req)?;
        let r = req.into_inner();
        self.axis(agency.as_str(), &r.document_id);
        let recipients = self.app.revoke(&agency, &r.document_id, &r.reason).await?;
        observe::succeeded();
        Ok(Response::new(RevokeDocumentResponse { recipients }))
    }

    async fn get_sent_document(
        &self,
        req: Request<GetSentDocumentRequest>,
    ) -> Result<Response<GetSentDocumentResponse>, Status> {
        let agency = caller_agency(&req)?;
        self.axis(agency.as_str(), &req.get_ref().document_id);
        let view = self
            .app
            .sent_view(&agency, &req.get_ref().document_id)
            .await?;
        observe::succeeded();
        Ok(Response::new(GetSentDocumentResponse {
            document: Some(view),
        }))
    }

    async fn list_sent_documents(
        &self,
        req: Request<ListSentDocumentsRequest>,
    ) -> Result<Response<ListSentDocumentsResponse>, Status> {
        let agency = caller_agency(&req)?;
        let r = req.into_inner();
        let page = self
            .app
            .list_sent(&agency, r.page_size, &r.page_token)
            .await?;
        Ok(Response::new(ListSentDocumentsResponse {
            documents: page.documents,
            next_page_token: page.next_page_token,
        }))
    }

    type WatchSentDocumentStream = Limited<ServerStream<WatchSentDocumentResponse>>;

    async fn watch_sent_document(
        &self,
        req: Request<WatchSentDocumentRequest>,
    ) -> Result<Response<Self::WatchSentDocumentStream>, Status> {
        let agency = caller_agency(&req)?;
        let permit = self.app.stream_permit(agency.as_str())?;
        let document_id = req.into_inner().document_id;
        let stream = self.app.watch_sent_document(agency, document_id).await?;
        Ok(Response::new(Limited::new(stream, permit)))
    }

    async fn track_document(
        &self,
        req: Request<TrackDocumentRequest>,
    ) -> Result<Response<TrackDocumentResponse>, Status> {
        let who = caller(&req)?;
        let document_id = req.into_inner().document_id;
        if let Identity::Agency(code) = &who {
            self.axis(code.as_str(), &document_id);
        }
        let tracked = self.app.track_document(&who, &document_id).await?;
        observe::succeeded();
        Ok(Response::new(TrackDocumentResponse {
            document_id,
            trace_id: tracked.trace_id,
            events: tracked.events,
            unreachable_hubs: tracked.unreachable,
        }))
    }
}

/// One document's result of `AcknowledgeDocuments`; a refusal carries the reason and message the
/// single `AcknowledgeDocument` would have answered with.
fn ack_result(document_id: String, outcome: AckOutcome) -> AcknowledgeResult {
    let (outcome, reason, message) = match outcome {
        AckOutcome::Acknowledged => (AcknowledgeOutcome::Acknowledged, "", String::new()),
        AckOutcome::Already => (AcknowledgeOutcome::AlreadyAcknowledged, "", String::new()),
        AckOutcome::Refused(e) => {
            let outcome = if e.kind() == lienthong_platform::error::Kind::NotFound {
                AcknowledgeOutcome::NotFound
            } else {
                AcknowledgeOutcome::Refused
            };
            (outcome, e.reason(), e.to_string())
        }
    };
    AcknowledgeResult {
        document_id,
        outcome: outcome as i32,
        reason: reason.to_string(),
        message,
    }
}
