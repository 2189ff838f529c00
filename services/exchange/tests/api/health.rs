//! Health follows the database.
use std::time::Duration;

use lienthong_platform::{Identity, client::TracedChannel, db::Backend};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

use crate::support::*;

/// Waits until `service` (or the whole server, "") reports `wanted`.
async fn until_status(health: &HealthClient<TracedChannel>, service: &str, wanted: ServingStatus) {
    eventually(
        &format!("{service:?} to be {wanted:?}"),
        Duration::from_secs(10),
        || {
            let mut health = health.clone();
            async move {
                let status = health
                    .check(HealthCheckRequest {
                        service: service.into(),
                    })
                    .await
                    .expect("health")
                    .into_inner()
                    .status();
                (status == wanted).then_some(())
            }
        },
    )
    .await;
}

pub async fn health_reflects_the_database(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let health = HealthClient::new(hub.channel(&Identity::Admin("ops".into())).await);
    for service in ["", "lienthong.exchange.v1.ExchangeService"] {
        until_status(&health, service, ServingStatus::Serving).await;
    }
    // The database going away turns the hub NOT_SERVING.
    hub.app().close_database().await;
    until_status(&health, "", ServingStatus::NotServing).await;
    hub.stop().await;
}
