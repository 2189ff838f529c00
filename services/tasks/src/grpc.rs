//! The gRPC adapter: turns calls into use cases of [`crate::app`] and results into messages.
//! Authorization by identity kind happened before any of this (see [`crate::service::policy`]);
//! record-level rules (assigner, lead, coordinating agency) live in the use cases.
use std::{sync::Arc, time::Duration};

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
    Identity,
    authz::{caller, caller_agency},
    shutdown::Shutdown,
};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};
use tracing::Instrument;

use crate::{
    app::{Caller, Tasks},
    error::TasksError,
    notify::events_key,
};

/// An event stream re-reads the events at least this often, even without a wake-up.
const POLL: Duration = Duration::from_secs(15);

/// An agency or an admin (readers).
fn reader_of<T>(req: &Request<T>) -> Result<Caller, Status> {
    match caller(req)? {
        Identity::Agency(code) => Ok(Caller::Agency(code)),
        Identity::Admin(name) => Ok(Caller::Admin(name)),
        other => Err(Status::permission_denied(format!(
            "{other} is neither an agency nor an admin"
        ))),
    }
}

fn task(t: lienthong_api::tasks::v1::Task) -> Option<lienthong_api::tasks::v1::Task> {
    Some(t)
}

#[derive(Clone)]
pub struct TaskApi {
    app: Arc<Tasks>,
    shutdown: Shutdown,
}

impl TaskApi {
    pub fn new(app: Arc<Tasks>, shutdown: Shutdown) -> Self {
        TaskApi { app, shutdown }
    }
}

type ServerStream<T> = ReceiverStream<Result<T, Status>>;

#[tonic::async_trait]
impl TaskService for TaskApi {
    async fn create_task(
        &self,
        req: Request<CreateTaskRequest>,
    ) -> Result<Response<CreateTaskResponse>, Status> {
        let assigner = caller_agency(&req)?;
        let t = self.app.create_task(&assigner, req.into_inner()).await?;
        Ok(Response::new(CreateTaskResponse { task: task(t) }))
    }

    async fn get_task(
        &self,
        req: Request<GetTaskRequest>,
    ) -> Result<Response<GetTaskResponse>, Status> {
        let who = reader_of(&req)?;
        let t = self.app.get_task(&who, &req.get_ref().task_id).await?;
        Ok(Response::new(GetTaskResponse { task: task(t) }))
    }

    async fn list_tasks(
        &self,
        req: Request<ListTasksRequest>,
    ) -> Result<Response<ListTasksResponse>, Status> {
        let who = reader_of(&req)?;
        let (tasks, next_page_token) = self.app.list_tasks(&who, req.get_ref()).await?;
        Ok(Response::new(ListTasksResponse {
            tasks,
            next_page_token,
        }))
    }

    async fn report_progress(
        &self,
        req: Request<ReportProgressRequest>,
    ) -> Result<Response<ReportProgressResponse>, Status> {
        let agency = caller_agency(&req)?;
        let r = req.into_inner();
        let t = self
            .app
            .report_progress(&agency, &r.task_id, &r.text, r.percent)
            .await?;
        Ok(Response::new(ReportProgressResponse { task: task(t) }))
    }

    async fn submit_result(
        &self,
        req: Request<SubmitResultRequest>,
    ) -> Result<Response<SubmitResultResponse>, Status> {
        let agency = caller_agency(&req)?;
        let r = req.into_inner();
        let t = self
            .app
            .submit_result(&agency, &r.task_id, &r.result)
            .await?;
        Ok(Response::new(SubmitResultResponse { task: task(t) }))
    }

    async fn confirm_result(
        &self,
        req: Request<ConfirmResultRequest>,
    ) -> Result<Response<ConfirmResultResponse>, Status> {
        let agency = caller_agency(&req)?;
        let r = req.into_inner();
        let t = self
            .app
            .confirm_result(&agency, &r.task_id, &r.comment)
            .await?;
        Ok(Response::new(ConfirmResultResponse { task: task(t) }))
    }

    async fn return_result(
        &self,
        req: Request<ReturnResultRequest>,
    ) -> Result<Response<ReturnResultResponse>, Status> {
        let agency = caller_agency(&req)?;
        let r = req.into_inner();
        let t = self
            .app
            .return_result(&agency, &r.task_id, &r.reason)
            .await?;
        Ok(Response::new(ReturnResultResponse { task: task(t) }))
    }

    async fn pause_task(
        &self,
        req: Request<PauseTaskRequest>,
    ) -> Result<Response<PauseTaskResponse>, Status> {
        let agency = caller_agency(&req)?;
        let r = req.into_inner();
        let t = self.app.pause(&agency, &r.task_id, &r.reason).await?;
        Ok(Response::new(PauseTaskResponse { task: task(t) }))
    }

    async fn resume_task(
        &self,
        req: Request<ResumeTaskRequest>,
    ) -> Result<Response<ResumeTaskResponse>, Status> {
        let agency = caller_agency(&req)?;
        let r = req.into_inner();
        let t = self.app.resume(&agency, &r.task_id, &r.comment).await?;
        Ok(Response::new(ResumeTaskResponse { task: task(t) }))
    }

    async fn refuse_task(
        &self,
        req: Request<RefuseTaskRequest>,
    ) -> Result<Response<RefuseTaskResponse>, Status> {
        let agency = caller_agency(&req)?;
        let r = req.into_inner();
        let t = self.app.refuse(&agency, &r.task_id, &r.reason).await?;
        Ok(Response::new(RefuseTaskResponse { task: task(t) }))
    }

    async fn request_extension(
        &self,
        req: Request<RequestExtensionRequest>,
    ) -> Result<Response<RequestExtensionResponse>, Status> {
        let agency = caller_agency(&req)?;
        let r = req.into_inner();
        let t = self
            .app
            .request_extension(&agency, &r.task_id, &r.new_deadline, &r.reason)
            .await?;
        Ok(Response::new(RequestExtensionResponse { task: task(t) }))
    }

    async fn decide_extension(
        &self,
        req: Request<DecideExtensionRequest>,
    ) -> Result<Response<DecideExtensionResponse>, Status> {
        let agency = caller_agency(&req)?;
        let r = req.into_inner();
        let t = self
            .app
            .decide_extension(&agency, &r.task_id, r.approve, &r.comment)
            .await?;
        Ok(Response::new(DecideExtensionResponse { task: task(t) }))
    }

    type WatchTaskEventsStream = ServerStream<WatchTaskEventsResponse>;

    async fn watch_task_events(
        &self,
        req: Request<WatchTaskEventsRequest>,
    ) -> Result<Response<Self::WatchTaskEventsStream>, Status> {
        let agency = caller_agency(&req)?;
        let mut last = i64::try_from(req.get_ref().after_event_id)
            .map_err(|_| Status::from(TasksError::invalid("after_event_id", "out of range")))?;
        let (tx, rx) = mpsc::channel(32);
        let app = self.app.clone();
        let shutdown = self.shutdown.clone();
        tokio::spawn(
            async move {
                let mut wake = app.notifier.watch(&events_key(&agency));
                loop {
                    wake.borrow_and_update();
                    let events = match app.events_after(&agency, last, 100).await {
                        Ok(e) => e,
                        Err(e) => {
                            let _ = tx.send(Err(e.into())).await;
                            return;
                        }
                    };
                    let full = events.len() == 100;
                    for event in events {
                        last = event.event_id as i64;
                        if tx
                            .send(Ok(WatchTaskEventsResponse { event: Some(event) }))
                            .await
                            .is_err()
                        {
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
                                "the tasks service is shutting down; watch again after the last event you processed",
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
}

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
        let service = match caller(&req)? {
            Identity::Service(name) => name,
            other => {
                return Err(Status::permission_denied(format!(
                    "{other} is not a service"
                )));
            }
        };
        let (task_id, created) = self
            .app
            .create_from_document(&service, req.into_inner())
            .await?;
        Ok(Response::new(CreateTaskFromDocumentResponse {
            task_id,
            created,
        }))
    }
}

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
        let r = req.into_inner();
        let agencies = self
            .app
            .statistics(&r.from_day, &r.to_day, &r.lead_agency)
            .await?;
        Ok(Response::new(GetTaskStatisticsResponse { agencies }))
    }
}
