//! Delivers the tasks outbox: a steering document with a due date becomes a task for each
//! recipient at the tasks service (the service being down delays the task, never loses it or
//! blocks sending).
use lienthong_api::tasks::v1::{
    CreateTaskFromDocumentRequest, task_intake_service_client::TaskIntakeServiceClient,
};
use lienthong_platform::{
    client::TracedChannel,
    outbox::{Deliver, DeliveryError},
};
use prost::Message;

/// How long creating a task may take.
pub const TASKS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub struct TasksDelivery {
    client: TaskIntakeServiceClient<TracedChannel>,
}

impl TasksDelivery {
    pub fn new(channel: TracedChannel) -> Self {
        TasksDelivery {
            client: TaskIntakeServiceClient::new(channel),
        }
    }
}

impl Deliver for TasksDelivery {
    async fn deliver(&self, payload: Vec<u8>) -> Result<(), DeliveryError> {
        let request = CreateTaskFromDocumentRequest::decode(payload.as_slice())
            .map_err(|e| DeliveryError(format!("undecodable outbox entry: {e}")))?;
        let mut request = tonic::Request::new(request);
        request.set_timeout(TASKS_TIMEOUT);
        let mut client = self.client.clone();
        let call = client.create_task_from_document(request);
        let response = super::relay::within(TASKS_TIMEOUT, call).await?;
        let r = response.into_inner();
        tracing::info!(task_id = %r.task_id, created = r.created, "task created from steering document");
        Ok(())
    }
}
