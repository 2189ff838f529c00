//! The gRPC adapter: turns calls into use cases of [`crate::app`] and results into messages.
//! Authorization by identity kind happened before any of this (see [`crate::hub::policy`]);
//! record-level rules (sender only, recipient only) live in the use cases.
use std::{sync::Arc, time::Duration};

use lienthong_api::exchange::v1::{
    AcknowledgeDocumentRequest, AcknowledgeDocumentResponse, AttachmentChunk,
    ConfirmStatusMessagesRequest, ConfirmStatusMessagesResponse, FetchDocumentRequest,
    FetchDocumentResponse, GetAgencyRequest, GetAgencyResponse, GetHubStatusRequest,
    GetHubStatusResponse, GetSentDocumentRequest, GetSentDocumentResponse, ListAgenciesRequest,
    ListAgenciesResponse, ListPendingRequest, ListPendingResponse, ListSentDocumentsRequest,
    ListSentDocumentsResponse, PeerStatus, RegisterAgencyRequest, RegisterAgencyResponse,
    RelayDocumentRequest, RelayDocumentResponse, RelayStatusRequest, RelayStatusResponse,
    RemoveAgencyRequest, RemoveAgencyResponse, ReportStatusRequest, ReportStatusResponse,
    RevokeDocumentRequest, RevokeDocumentResponse, SendDocumentRequest, SendDocumentResponse,
    SubscribeRequest, SubscribeResponse, WatchSentDocumentRequest, WatchSentDocumentResponse,
    directory_service_server::DirectoryService, exchange_service_server::ExchangeService,
    fetch_document_response, hub_admin_service_server::HubAdminService, relay_document_request,
    relay_service_server::RelayService, send_document_request,
};
use lienthong_platform::{
    authz::{caller, caller_agency, caller_hub},
    shutdown::Shutdown,
};
use prost::Message;
use tokio::{io::AsyncReadExt, sync::mpsc};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};
use tracing::Instrument;

use crate::{
    app::{Exchange, SendStart},
    error::ExchangeError,
    notify::{document_key, inbox_key},
};

/// Size of the attachment chunks the hub streams out.
const CHUNK: usize = 64 * 1024;
/// A subscription re-reads the inbox at least this often, even without a wake-up.
const POLL: Duration = Duration::from_secs(15);

#[derive(Clone)]
pub struct ExchangeApi {
    app: Arc<Exchange>,
    shutdown: Shutdown,
}

impl ExchangeApi {
    pub fn new(app: Arc<Exchange>, shutdown: Shutdown) -> Self {
        ExchangeApi { app, shutdown }
    }
}

fn invalid(field: &str, rule: &str) -> Status {
    ExchangeError::invalid(field, rule).into()
}

fn cursor(after: u64) -> Result<i64, Status> {
    i64::try_from(after).map_err(|_| invalid("after_item_id", "out of range"))
}

type ServerStream<T> = ReceiverStream<Result<T, Status>>;

#[tonic::async_trait]
impl ExchangeService for ExchangeApi {
    async fn send_document(
        &self,
        req: Request<Streaming<SendDocumentRequest>>,
    ) -> Result<Response<SendDocumentResponse>, Status> {
        let sender = caller_agency(&req)?;
        let mut stream = req.into_inner();
        let first = stream.message().await?.ok_or_else(|| {
            invalid(
                "header",
                "the stream is empty; the first message must carry the header",
            )
        })?;
        let Some(send_document_request::Part::Header(header)) = first.part else {
            return Err(invalid("header", "the first message must carry the header"));
        };
        let mut pending = match self.app.begin_send(&sender, header).await? {
            SendStart::Duplicate(receipt) => return Ok(Response::new(receipt)),
            SendStart::New(pending) => pending,
        };
        while let Some(msg) = stream.message().await? {
            match msg.part {
                Some(send_document_request::Part::Chunk(AttachmentChunk {
                    attachment_index,
                    data,
                })) => {
                    self.app
                        .send_chunk(&mut pending, attachment_index, &data)
                        .await?
                }
                Some(send_document_request::Part::Header(_)) => {
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

    type SubscribeStream = ServerStream<SubscribeResponse>;

    async fn subscribe(
        &self,
        req: Request<SubscribeRequest>,
    ) -> Result<Response<Self::SubscribeStream>, Status> {
        let agency = caller_agency(&req)?;
        let mut last = cursor(req.get_ref().after_item_id)?;
        let (tx, rx) = mpsc::channel(32);
        let app = self.app.clone();
        let shutdown = self.shutdown.clone();
        tokio::spawn(
            async move {
                let mut wake = app.notifier.watch(&inbox_key(&agency));
                loop {
                    wake.borrow_and_update();
                    let items = match app.pending(&agency, last, 100, true).await {
                        Ok(items) => items,
                        Err(e) => {
                            let _ = tx.send(Err(e.into())).await;
                            return;
                        }
                    };
                    let full = items.len() == 100;
                    for item in items {
                        last = item.item_id as i64;
                        if tx.send(Ok(SubscribeResponse { item: Some(item) })).await.is_err() {
                            return;
                        }
                    }
                    if full {
                        continue;
                    }
                    tokio::select! {
                        _ = wake.changed() => {}
                        _ = tokio::time::sleep(POLL) => {}
                        _ = tx.closed() => return,
                        _ = shutdown.wait() => {
                            let _ = tx.send(Err(Status::unavailable(
                                "the hub is shutting down; subscribe again after the last item you processed",
                            ))).await;
                            return;
                        }
                    }
                }
            }
            .in_current_span(),
        );
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    async fn list_pending(
        &self,
        req: Request<ListPendingRequest>,
    ) -> Result<Response<ListPendingResponse>, Status> {
        let agency = caller_agency(&req)?;
        let r = req.into_inner();
        let limit = if r.limit == 0 { 100 } else { r.limit.min(1000) };
        let items = self
            .app
            .pending(&agency, cursor(r.after_item_id)?, limit as i64, false)
            .await?;
        Ok(Response::new(ListPendingResponse { items }))
    }

    type FetchDocumentStream = ServerStream<FetchDocumentResponse>;

    async fn fetch_document(
        &self,
        req: Request<FetchDocumentRequest>,
    ) -> Result<Response<Self::FetchDocumentStream>, Status> {
        let agency = caller_agency(&req)?;
        let r = req.into_inner();
        let header = self.app.fetch(&agency, &r.document_id).await?;
        let (tx, rx) = mpsc::channel(8);
        let app = self.app.clone();
        tokio::spawn(
            async move {
                let attachments = header.attachments.clone();
                let part = fetch_document_response::Part::Header(header);
                if tx
                    .send(Ok(FetchDocumentResponse { part: Some(part) }))
                    .await
                    .is_err()
                    || !r.include_content
                {
                    return;
                }
                for (i, info) in attachments.iter().enumerate() {
                    let mut file = match app.open_attachment(info).await {
                        Ok(f) => f,
                        Err(e) => {
                            let _ = tx.send(Err(e.into())).await;
                            return;
                        }
                    };
                    loop {
                        let mut buf = vec![0u8; CHUNK];
                        let n = match file.read(&mut buf).await {
                            Ok(0) => break,
                            Ok(n) => n,
                            Err(e) => {
                                let _ = tx
                                    .send(Err(Status::unavailable(format!(
                                        "reading attachment {i}: {e}"
                                    ))))
                                    .await;
                                return;
                            }
                        };
                        buf.truncate(n);
                        let chunk = AttachmentChunk {
                            attachment_index: i as u32,
                            data: buf,
                        };
                        let part = fetch_document_response::Part::Chunk(chunk);
                        if tx
                            .send(Ok(FetchDocumentResponse { part: Some(part) }))
                            .await
                            .is_err()
                        {
                            return;
                        }
                    }
                }
            }
            .in_current_span(),
        );
        Ok(Response::new(ReceiverStream::new(rx)))
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
        let status = self
            .app
            .report_status(
                &agency,
                &r.document_id,
                &r.code,
                &r.description,
                &r.staff_info,
            )
            .await?;
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
        let (documents, next_page_token) =
            self.app.list_sent(&agency, r.limit, &r.page_token).await?;
        Ok(Response::new(ListSentDocumentsResponse {
            documents,
            next_page_token,
        }))
    }

    type WatchSentDocumentStream = ServerStream<WatchSentDocumentResponse>;

    async fn watch_sent_document(
        &self,
        req: Request<WatchSentDocumentRequest>,
    ) -> Result<Response<Self::WatchSentDocumentStream>, Status> {
        let agency = caller_agency(&req)?;
        let document_id = req.into_inner().document_id;
        // Refuse at once (not inside the stream) when the caller may not watch.
        let first = self.app.sent_view(&agency, &document_id).await?;
        let (tx, rx) = mpsc::channel(8);
        let app = self.app.clone();
        let shutdown = self.shutdown.clone();
        tokio::spawn(
            async move {
                let mut wake = app.notifier.watch(&document_key(&document_id));
                let mut last = first.encode_to_vec();
                if tx.send(Ok(WatchSentDocumentResponse { document: Some(first) })).await.is_err() {
                    return;
                }
                loop {
                    tokio::select! {
                        _ = wake.changed() => {}
                        _ = tokio::time::sleep(POLL) => {}
                        _ = tx.closed() => return,
                        _ = shutdown.wait() => {
                            let _ = tx.send(Err(Status::unavailable("the hub is shutting down; watch again"))).await;
                            return;
                        }
                    }
                    wake.borrow_and_update();
                    match app.sent_view(&agency, &document_id).await {
                        Ok(view) => {
                            let bytes = view.encode_to_vec();
                            if bytes != last {
                                last = bytes;
                                if tx.send(Ok(WatchSentDocumentResponse { document: Some(view) })).await.is_err() {
                                    return;
                                }
                            }
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e.into())).await;
                            return;
                        }
                    }
                }
            }
            .in_current_span(),
        );
        Ok(Response::new(ReceiverStream::new(rx)))
    }
}

#[derive(Clone)]
pub struct DirectoryApi {
    app: Arc<Exchange>,
}

impl DirectoryApi {
    pub fn new(app: Arc<Exchange>) -> Self {
        DirectoryApi { app }
    }
}

#[tonic::async_trait]
impl DirectoryService for DirectoryApi {
    async fn list_agencies(
        &self,
        _req: Request<ListAgenciesRequest>,
    ) -> Result<Response<ListAgenciesResponse>, Status> {
        let agencies = self.app.list_agencies().await?;
        Ok(Response::new(ListAgenciesResponse { agencies }))
    }

    async fn get_agency(
        &self,
        req: Request<GetAgencyRequest>,
    ) -> Result<Response<GetAgencyResponse>, Status> {
        let agency = self.app.get_agency(&req.get_ref().code).await?;
        Ok(Response::new(GetAgencyResponse {
            agency: Some(agency),
        }))
    }

    async fn register_agency(
        &self,
        req: Request<RegisterAgencyRequest>,
    ) -> Result<Response<RegisterAgencyResponse>, Status> {
        let admin = caller(&req)?;
        let agency = req
            .into_inner()
            .agency
            .ok_or_else(|| invalid("agency", "is required"))?;
        let created = self.app.register_agency(agency.clone()).await?;
        tracing::info!(%admin, code = %agency.code, created, "agency registered");
        Ok(Response::new(RegisterAgencyResponse {
            agency: Some(agency),
            created,
        }))
    }

    async fn remove_agency(
        &self,
        req: Request<RemoveAgencyRequest>,
    ) -> Result<Response<RemoveAgencyResponse>, Status> {
        let admin = caller(&req)?;
        let code = req.into_inner().code;
        self.app.remove_agency(&code).await?;
        tracing::info!(%admin, %code, "agency removed");
        Ok(Response::new(RemoveAgencyResponse {}))
    }
}

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
        let hub = caller_hub(&req)?;
        let mut stream = req.into_inner();
        let first = stream.message().await?.ok_or_else(|| {
            invalid(
                "header",
                "the stream is empty; the first message must carry the header",
            )
        })?;
        let Some(relay_document_request::Part::Header(header)) = first.part else {
            return Err(invalid("header", "the first message must carry the header"));
        };
        let mut pending = match self.app.begin_relay(&hub, header).await? {
            SendStart::Duplicate(_) => {
                return Ok(Response::new(RelayDocumentResponse { accepted: false }));
            }
            SendStart::New(pending) => pending,
        };
        while let Some(msg) = stream.message().await? {
            match msg.part {
                Some(relay_document_request::Part::Chunk(AttachmentChunk {
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
        Ok(Response::new(RelayDocumentResponse { accepted: true }))
    }

    async fn relay_status(
        &self,
        req: Request<RelayStatusRequest>,
    ) -> Result<Response<RelayStatusResponse>, Status> {
        let hub = caller_hub(&req)?;
        let update = req
            .into_inner()
            .update
            .ok_or_else(|| invalid("update", "is required"))?;
        let applied = self.app.apply_relayed_status(&hub, update).await?;
        Ok(Response::new(RelayStatusResponse { applied }))
    }
}

#[derive(Clone)]
pub struct HubAdminApi {
    app: Arc<Exchange>,
    tasks_endpoint: Option<String>,
}

impl HubAdminApi {
    pub fn new(app: Arc<Exchange>, tasks_endpoint: Option<String>) -> Self {
        HubAdminApi {
            app,
            tasks_endpoint,
        }
    }
}

#[tonic::async_trait]
impl HubAdminService for HubAdminApi {
    async fn get_hub_status(
        &self,
        _req: Request<GetHubStatusRequest>,
    ) -> Result<Response<GetHubStatusResponse>, Status> {
        let routing = &self.app.routing;
        let mut targets: Vec<(String, String, String)> = routing
            .peers
            .iter()
            .map(|(peer, endpoint)| (peer.clone(), endpoint.clone(), crate::relay::topic(peer)))
            .collect();
        if let Some(endpoint) = &self.tasks_endpoint {
            targets.push((
                "tasks".into(),
                endpoint.clone(),
                crate::integrations::TASKS_TOPIC.into(),
            ));
        }
        let now = lienthong_platform::db::now_micros();
        let mut peers = Vec::new();
        for (peer, endpoint, topic) in targets {
            let stats = lienthong_platform::outbox::stats(&self.app.pool, &topic)
                .await
                .map_err(ExchangeError::from)?;
            peers.push(PeerStatus {
                peer,
                endpoint,
                outbox_depth: stats.depth,
                oldest_pending_age_seconds: stats
                    .oldest_created_at
                    .map(|t| (now - t).max(0) as f64 / 1e6)
                    .unwrap_or(0.0),
                last_error: stats.last_error,
            });
        }
        Ok(Response::new(GetHubStatusResponse {
            hub_id: routing.hub_id.clone(),
            role: routing.role.name().into(),
            serves: routing.served_units(),
            peers,
        }))
    }
}
