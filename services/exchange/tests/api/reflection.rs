//! What the hub says it serves: reflection (v1 and v1alpha) lists exactly the hub's four
//! services and health, and a method of another lienthong service is UNIMPLEMENTED here, not
//! PERMISSION_DENIED.
use lienthong_api::{
    reporting::v1::{GetReportRequest, reporting_service_client::ReportingServiceClient},
    tasks::v1::{GetTaskRequest, task_service_client::TaskServiceClient},
};
use lienthong_platform::{Identity, client::TracedChannel, db::Backend};
use tokio_stream::StreamExt;
use tonic::Code;
use tonic_reflection::pb::{v1, v1alpha};

use crate::support::*;

/// What the hub serves, sorted: its own services and health. The reflection service answers
/// but, as the gRPC reference servers do not either, does not list itself.
const SERVED: [&str; 5] = [
    "grpc.health.v1.Health",
    "lienthong.exchange.v1.DirectoryService",
    "lienthong.exchange.v1.ExchangeService",
    "lienthong.exchange.v1.HubAdminService",
    "lienthong.exchange.v1.RelayService",
];

async fn listed_v1(channel: TracedChannel) -> Vec<String> {
    use v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut answers = ServerReflectionClient::new(channel)
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("reflection v1")
        .into_inner();
    let answer = answers.next().await.expect("an answer").expect("ok");
    let Some(MessageResponse::ListServicesResponse(list)) = answer.message_response else {
        panic!("a list of services: {answer:?}");
    };
    let mut names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    names.sort();
    names
}

async fn listed_v1alpha(channel: TracedChannel) -> Vec<String> {
    use v1alpha::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut answers = ServerReflectionClient::new(channel)
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("reflection v1alpha")
        .into_inner();
    let answer = answers.next().await.expect("an answer").expect("ok");
    let Some(MessageResponse::ListServicesResponse(list)) = answer.message_response else {
        panic!("a list of services: {answer:?}");
    };
    let mut names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    names.sort();
    names
}

/// Whether reflection v1 finds the file that defines `symbol`.
async fn knows_symbol(channel: TracedChannel, symbol: &str) -> bool {
    use v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::FileContainingSymbol(symbol.into())),
    };
    let mut answers = ServerReflectionClient::new(channel)
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("reflection v1")
        .into_inner();
    match answers.next().await.expect("an answer") {
        Ok(answer) => matches!(
            answer.message_response,
            Some(MessageResponse::FileDescriptorResponse(_))
        ),
        Err(status) if status.code() == Code::NotFound => false,
        Err(status) => panic!("reflection: {status:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflection_lists_what_the_hub_serves_and_nothing_else() {
    let hub = spawn_hub(Backend::Sqlite).await;
    let channel = hub.channel(&agency_id(H48)).await;
    assert_eq!(listed_v1(channel.clone()).await, SERVED);
    assert_eq!(listed_v1alpha(channel.clone()).await, SERVED);
    // Nor does it describe other services' symbols.
    assert!(knows_symbol(channel.clone(), "lienthong.exchange.v1.ExchangeService").await);
    assert!(!knows_symbol(channel.clone(), "lienthong.tasks.v1.TaskService").await);

    // The tasks and reporting services are not served here: UNIMPLEMENTED, whoever asks.
    for id in [agency_id(H48), Identity::Admin("ops".into())] {
        let channel = hub.channel(&id).await;
        let e = refused(
            TaskServiceClient::new(channel.clone())
                .get_task(GetTaskRequest {
                    task_id: "NV-1".into(),
                })
                .await,
            Code::Unimplemented,
            "SERVICE_NOT_SERVED",
        );
        assert!(
            e.message().contains("lienthong.tasks.v1.TaskService"),
            "{}",
            e.message()
        );
        refused(
            ReportingServiceClient::new(channel)
                .get_report(GetReportRequest::default())
                .await,
            Code::Unimplemented,
            "SERVICE_NOT_SERVED",
        );
    }
    hub.stop().await;
}
