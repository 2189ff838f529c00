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
        let response = self
            .client
            .clone()
            .create_task_from_document(request)
            .await?;
        let r = response.into_inner();
        tracing::info!(task_id = %r.task_id, created = r.created, "task created from steering document");
        Ok(())
    }
}
