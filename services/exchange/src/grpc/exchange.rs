//! `ExchangeService`: agencies send, receive and track documents.
use std::sync::Arc;

use lienthong_api::exchange::v1::{
    AcknowledgeDocumentRequest, AcknowledgeDocumentResponse, AttachmentChunk,
    ConfirmStatusMessagesRequest, ConfirmStatusMessagesResponse, FetchDocumentRequest,
    FetchDocumentResponse, GetSentDocumentRequest, GetSentDocumentResponse, ListPendingRequest,
    ListPendingResponse, ListSentDocumentsRequest, ListSentDocumentsResponse, ReportStatusRequest,
    ReportStatusResponse, RevokeDocumentRequest, RevokeDocumentResponse, SendDocumentRequest,
    SendDocumentResponse, SubscribeRequest, SubscribeResponse, WatchSentDocumentRequest,
    WatchSentDocumentResponse, exchange_service_server::ExchangeService,
    send_document_request::Part,
};
use lienthong_platform::{authz::caller_agency, notify::ServerStream};
use tonic::{Request, Response, Status, Streaming};

use super::{invalid, limits::next_message};
use crate::app::{Exchange, Limited, Report, SendStart};

#[derive(Clone)]
pub struct ExchangeApi {
    app: Arc<Exchange>,
}

impl ExchangeApi {
    pub fn new(app: Arc<Exchange>) -> Self {
        ExchangeApi { app }
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
        Ok(Response::new(self.app.finish_send(*pending).await?))
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
        let stream = self
            .app
            .fetch_document(&agency, &r.document_id, r.include_content)
            .await?;
        Ok(Response::new(stream))
    }

    async fn acknowledge_document(
        &self,
        req: Request<AcknowledgeDocumentRequest>,
    ) -> Result<Response<AcknowledgeDocumentResponse>, Status> {
        let agency = caller_agency(&req)?;
        let newly = self
            .app
            .acknowledge(&agency, &req.get_ref().document_id)
            .await?;
        Ok(Response::new(AcknowledgeDocumentResponse {
            newly_acknowledged: newly,
        }))
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
        let report = Report {
            document_id: &r.document_id,
            status: r.status,
            description: &r.description,
            staff_info: &r.staff_info,
            request_id: &r.request_id,
        };
        let status = self.app.report_status(&agency, &report).await?;
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
        let recipients = self.app.revoke(&agency, &r.document_id, &r.reason).await?;
        Ok(Response::new(RevokeDocumentResponse { recipients }))
    }

    async fn get_sent_document(
        &self,
        req: Request<GetSentDocumentRequest>,
    ) -> Result<Response<GetSentDocumentResponse>, Status> {
        let agency = caller_agency(&req)?;
        let view = self
            .app
            .sent_view(&agency, &req.get_ref().document_id)
            .await?;
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
}
