//! What this server serves: reflection lists exactly the tasks services and health, and a call
//! to a service served elsewhere (the hub's) is UNIMPLEMENTED, not PERMISSION_DENIED.
use lienthong_api::exchange::v1::{
    ListPendingRequest, exchange_service_client::ExchangeServiceClient,
};
use lienthong_platform::{Identity, client::TracedChannel, db::Backend};
use tokio_stream::StreamExt;
use tonic::Code;
use tonic_reflection::pb::{v1, v1alpha};

use crate::{
    calls::assert_code,
    support::{H48, agency_id, spawn},
};

lienthong_platform::on_both_databases!(reflection_lists_what_is_served);

/// What reflection lists on this server: the three tasks services and health. The reflection
/// service does not list itself.
const SERVED: [&str; 4] = [
    "grpc.health.v1.Health",
    "lienthong.tasks.v1.TaskIntakeService",
    "lienthong.tasks.v1.TaskService",
    "lienthong.tasks.v1.TaskStatisticsService",
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
        panic!("not a service list: {answer:?}");
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
        panic!("not a service list: {answer:?}");
    };
    let mut names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    names.sort();
    names
}

async fn reflection_lists_what_is_served(backend: Backend) {
    let svc = spawn(backend).await;
    // Any verified identity may ask.
    for id in [agency_id(H48), Identity::Service("exchange".into())] {
        assert_eq!(listed_v1(svc.channel(&id).await).await, SERVED);
        assert_eq!(listed_v1alpha(svc.channel(&id).await).await, SERVED);
    }

    // The hub's inbox is not here: UNIMPLEMENTED, for an agency that may call it on a hub.
    let mut exchange = ExchangeServiceClient::new(svc.channel(&agency_id(H48)).await);
    assert_code(
        exchange.list_pending(ListPendingRequest::default()).await,
        Code::Unimplemented,
        "SERVICE_NOT_SERVED",
        "lienthong.exchange.v1.ExchangeService is not served here",
    );
    svc.stop().await;
}
