//! The gRPC adapter: each call takes the caller from the request, runs one use case of
//! [`crate::app`] and wraps its answer. Authorization by identity kind happened before (see
//! [`crate::service::policy`]); record-level rules (assigner, lead, coordinating agency) are in
//! the use cases.
use std::sync::Arc;

use lienthong_api::tasks::v1::{
    ConfirmResultRequest, ConfirmResultResponse, CreateTaskFromDocumentRequest,
    CreateTaskFromDocumentResponse, CreateTaskRequest, CreateTaskResponse, DecideExtensionRequest,
    DecideExtensionResponse, GetTaskRequest, GetTaskResponse, GetTaskStatisticsRequest,
    GetTaskStatisticsResponse, ListTasksRequest, ListTasksResponse, PauseTaskRequest,
    PauseTaskResponse, RefuseTaskRequest, RefuseTaskResponse, ReportProgressRequest,
    ReportProgressResponse, RequestExtensionRequest, RequestExtensionResponse, ResumeTaskRequest,
    ResumeTaskResponse, ReturnResultRequest, ReturnResultResponse, SubmitResultRequest,
    SubmitResultResponse, WatchTaskEventsRequest, WatchTaskEventsResponse,
    task_intake_service_server::TaskIntakeService, task_service_server::TaskService,
    task_statistics_service_server::TaskStatisticsService,
};
use lienthong_platform::{
    authz::{caller, caller_agency},
    notify::ServerStream,
};
use tonic::{Request, Response, Status};

use crate::app::{Outcome, Tasks};

/// The axis's attributes of a call about one task, on the RPC's span (the current one).
fn record(agency: &str, task_id: &str) {
    record_attributes(&[
        ("lienthong.agency", agency.to_string()),
        ("lienthong.task_id", task_id.to_string()),
    ]);
}

fn record_attributes(attributes: &[(&'static str, String)]) {
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;
    let span = tracing::Span::current();
    for (key, value) in attributes {
        span.set_attribute(*key, value.clone());
    }
}

/// `TaskService`: agencies (and, to read, admins).
#[derive(Clone)]
pub struct TaskApi {
    app: Arc<Tasks>,
}

impl TaskApi {
    pub fn new(app: Arc<Tasks>) -> Self {
        TaskApi { app }
    }
}

#[tonic::async_trait]
impl TaskService for TaskApi {
    async fn create_task(
        &self,
        req: Request<CreateTaskRequest>,
    ) -> Result<Response<CreateTaskResponse>, Status> {
        let assigner = caller_agency(&req)?;
        let task = self.app.create_task(&assigner, req.into_inner()).await?;
        record(assigner.as_str(), &task.task_id);
        Ok(Response::new(CreateTaskResponse { task: Some(task) }))
    }

    async fn get_task(
        &self,
        req: Request<GetTaskRequest>,
    ) -> Result<Response<GetTaskResponse>, Status> {
        let who = caller(&req)?;
        let task = self.app.get_task(&who, &req.get_ref().task_id).await?;
        Ok(Response::new(GetTaskResponse { task: Some(task) }))
    }

    async fn list_tasks(
        &self,
        req: Request<ListTasksRequest>,
    ) -> Result<Response<ListTasksResponse>, Status> {
        let who = caller(&req)?;
        let page = self.app.list_tasks(&who, req.get_ref()).await?;
        Ok(Response::new(ListTasksResponse {
            tasks: page.tasks,
            next_page_token: page.next_page_token,
        }))
    }

    async fn report_progress(
        &self,
        req: Request<ReportProgressRequest>,
    ) -> Result<Response<ReportProgressResponse>, Status> {
        let agency = caller_agency(&req)?;
        let task = self.app.report_progress(&agency, req.into_inner()).await?;
        record(agency.as_str(), &task.task_id);
        Ok(Response::new(ReportProgressResponse { task: Some(task) }))
    }

    async fn submit_result(
        &self,
        req: Request<SubmitResultRequest>,
    ) -> Result<Response<SubmitResultResponse>, Status> {
        let agency = caller_agency(&req)?;
        let task = self.app.submit_result(&agency, req.into_inner()).await?;
        record(agency.as_str(), &task.task_id);
        Ok(Response::new(SubmitResultResponse { task: Some(task) }))
    }

    async fn confirm_result(
        &self,
        req: Request<ConfirmResultRequest>,
    ) -> Result<Response<ConfirmResultResponse>, Status> {
        let agency = caller_agency(&req)?;
        let task = self.app.confirm_result(&agency, req.into_inner()).await?;
        record(agency.as_str(), &task.task_id);
        Ok(Response::new(ConfirmResultResponse { task: Some(task) }))
    }

    async fn return_result(
        &self,
        req: Request<ReturnResultRequest>,
    ) -> Result<Response<ReturnResultResponse>, Status> {
        let agency = caller_agency(&req)?;
        let task = self.app.return_result(&agency, req.into_inner()).await?;
        record(agency.as_str(), &task.task_id);
        Ok(Response::new(ReturnResultResponse { task: Some(task) }))
    }

    async fn pause_task(
        &self,
        req: Request<PauseTaskRequest>,
    ) -> Result<Response<PauseTaskResponse>, Status> {
        let agency = caller_agency(&req)?;
        let task = self.app.pause(&agency, req.into_inner()).await?;
        record(agency.as_str(), &task.task_id);
        Ok(Response::new(PauseTaskResponse { task: Some(task) }))
    }

    async fn resume_task(
        &self,
        req: Request<ResumeTaskRequest>,
    ) -> Result<Response<ResumeTaskResponse>, Status> {
        let agency = caller_agency(&req)?;
        let task = self.app.resume(&agency, req.into_inner()).await?;
        record(agency.as_str(), &task.task_id);
        Ok(Response::new(ResumeTaskResponse { task: Some(task) }))
    }

    async fn refuse_task(
        &self,
        req: Request<RefuseTaskRequest>,
    ) -> Result<Response<RefuseTaskResponse>, Status> {
        let agency = caller_agency(&req)?;
        let task = self.app.refuse(&agency, req.into_inner()).await?;
        record(agency.as_str(), &task.task_id);
        Ok(Response::new(RefuseTaskResponse { task: Some(task) }))
    }

    async fn request_extension(
        &self,
        req: Request<RequestExtensionRequest>,
    ) -> Result<Response<RequestExtensionResponse>, Status> {
        let agency = caller_agency(&req)?;
        let task = self
            .app
            .request_extension(&agency, req.into_inner())
            .await?;
        Ok(Response::new(RequestExtensionResponse { task: Some(task) }))
    }

    async fn decide_extension(
        &self,
        req: Request<DecideExtensionRequest>,
    ) -> Result<Response<DecideExtensionResponse>, Status> {
        let agency = caller_agency(&req)?;
        let task = self.app.decide_extension(&agency, req.into_inner()).await?;
        record(agency.as_str(), &task.task_id);
        Ok(Response::new(DecideExtensionResponse { task: Some(task) }))
    }

    type WatchTaskEventsStream = ServerStream<WatchTaskEventsResponse>;

    async fn watch_task_events(
        &self,
        req: Request<WatchTaskEventsRequest>,
    ) -> Result<Response<Self::WatchTaskEventsStream>, Status> {
        let agency = caller_agency(&req)?;
        let stream = self
            .app
            .watch_events(&agency, req.get_ref().after_event_id)?;
        Ok(Response::new(stream))
    }
}

/// `TaskIntakeService`: service identities (the hub).
#[derive(Clone)]
pub struct IntakeApi {
    app: Arc<Tasks>,
}

impl IntakeApi {
    pub fn new(app: Arc<Tasks>) -> Self {
        IntakeApi { app }
    }
}

#[tonic::async_trait]
impl TaskIntakeService for IntakeApi {
    async fn create_task_from_document(
        &self,
        req: Request<CreateTaskFromDocumentRequest>,
    ) -> Result<Response<CreateTaskFromDocumentResponse>, Status> {
        let who = caller(&req)?;
        let document_id = req.get_ref().source_document_id.clone();
        let (task_id, outcome) = self
            .app
            .create_from_document(&who, req.into_inner())
            .await?;
        record_attributes(&[
            ("lienthong.task_id", task_id.to_string()),
            ("lienthong.document_id", document_id),
        ]);
        Ok(Response::new(CreateTaskFromDocumentResponse {
            task_id: task_id.to_string(),
            created: outcome == Outcome::Created,
        }))
    }
}

/// `TaskStatisticsService`: service identities (reporting) and admins.
#[derive(Clone)]
pub struct StatisticsApi {
    app: Arc<Tasks>,
}

impl StatisticsApi {
    pub fn new(app: Arc<Tasks>) -> Self {
        StatisticsApi { app }
    }
}

#[tonic::async_trait]
impl TaskStatisticsService for StatisticsApi {
    async fn get_task_statistics(
        &self,
        req: Request<GetTaskStatisticsRequest>,
    ) -> Result<Response<GetTaskStatisticsResponse>, Status> {
        let agencies = self.app.statistics(req.get_ref()).await?;
        Ok(Response::new(GetTaskStatisticsResponse { agencies }))
    }
}
