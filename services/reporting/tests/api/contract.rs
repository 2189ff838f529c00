//! The contract as a client author meets it: reflection lists exactly what this server serves,
//! another service's method is UNIMPLEMENTED here, and a request with several malformed fields
//! hears about every one of them at once, as `BadRequest` field violations.
use lienthong_api::{
    exchange::v1::{ListAgenciesRequest, directory_service_client::DirectoryServiceClient},
    reporting::v1::{GetComplianceRequest, ListReportsRequest, ReturnReportRequest},
    tasks::v1::{GetTaskRequest, task_service_client::TaskServiceClient},
};
use lienthong_platform::{Identity, client::TracedChannel, db::Backend};
use tonic::Code;
use tonic_reflection::pb::{v1, v1alpha};
use tonic_types::StatusExt;

use crate::support::*;

/// The services reflection v1 lists.
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
    let answer = answers.message().await.expect("an answer").expect("one");
    match answer.message_response {
        Some(MessageResponse::ListServicesResponse(list)) => {
            let mut names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
            names.sort();
            names
        }
        other => panic!("not a list of services: {other:?}"),
    }
}

/// The services reflection v1alpha (grpcurl 1.8) lists.
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
    let answer = answers.message().await.expect("an answer").expect("one");
    match answer.message_response {
        Some(MessageResponse::ListServicesResponse(list)) => {
            let mut names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
            names.sort();
            names
        }
        other => panic!("not a list of services: {other:?}"),
    }
}

/// Reflection lists the two reporting services and health — not the reflection service
/// itself, and none of the hub's or the tasks service's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflection_lists_exactly_the_services_served() {
    let svc = spawn_service(Backend::Sqlite).await;
    let served = [
        "grpc.health.v1.Health",
        "lienthong.reporting.v1.IntakeService",
        "lienthong.reporting.v1.ReportingService",
    ];
    let as_agency = Identity::agency(STTTT).expect("agency");
    assert_eq!(listed_v1(svc.channel(&as_agency).await).await, served);
    assert_eq!(listed_v1alpha(svc.channel(&as_agency).await).await, served);
    let as_service = Identity::Service("exchange".into());
    assert_eq!(listed_v1(svc.channel(&as_service).await).await, served);
    svc.stop().await;
}

/// A method of a service this server does not serve is UNIMPLEMENTED, whoever calls it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_services_methods_are_unimplemented() {
    let svc = spawn_service(Backend::Sqlite).await;
    for id in [
        Identity::agency(STTTT).expect("agency"),
        Identity::Admin("operator".into()),
        Identity::Service("exchange".into()),
    ] {
        let e = refused(
            TaskServiceClient::new(svc.channel(&id).await)
                .get_task(GetTaskRequest {
                    task_id: "NV-1".into(),
                })
                .await,
            Code::Unimplemented,
            "SERVICE_NOT_SERVED",
        );
        assert!(
            e.message()
                .starts_with("lienthong.tasks.v1.TaskService is not served here"),
            "{id}: {}",
            e.message()
        );
    }
    let agency = Identity::agency(STTTT).expect("agency");
    refused(
        DirectoryServiceClient::new(svc.channel(&agency).await)
            .list_agencies(ListAgenciesRequest::default())
            .await,
        Code::Unimplemented,
        "SERVICE_NOT_SERVED",
    );
    svc.stop().await;
}

/// Three malformed fields, three violations: every request checks all its fields before it
/// looks anything up.
pub async fn every_malformed_field_is_reported_at_once(backend: Backend) {
    let svc = spawn_service(backend).await;
    let mut owner = svc.agency(OWNER).await;
    let e = refused(
        owner
            .return_report(ReturnReportRequest {
                regime_code: "KH61".into(),
                period: String::new(),
                agency_code: "H48".into(),
                reason: " ".into(),
            })
            .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert_eq!(violated_fields(&e), ["period", "agency_code", "reason"]);
    let details = e.get_error_details();
    assert!(
        details.retry_info().is_none(),
        "no retry for a malformed request"
    );
    assert!(details.precondition_failure().is_none());

    let e = refused(
        owner
            .list_reports(ListReportsRequest {
                regime_code: String::new(),
                period: " ".into(),
                page_size: 10,
                page_token: "not-a-token".into(),
            })
            .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert_eq!(violated_fields(&e), ["regime_code", "period", "page_token"]);

    let e = refused(
        owner
            .get_compliance(GetComplianceRequest {
                regime_code: String::new(),
                period: String::new(),
                scope: "*.h48".into(),
            })
            .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert_eq!(violated_fields(&e), ["regime_code", "period", "scope"]);

    // Once the fields are well formed, the record rules answer, with their own reason.
    let e = refused(
        get_report(&mut owner, "NOPE", "2026", STTTT).await,
        Code::NotFound,
        "REGIME_NOT_FOUND",
    );
    assert!(violated_fields(&e).is_empty());
    svc.stop().await;
}
