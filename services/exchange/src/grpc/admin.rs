//! `HubAdminService`: what operators see of the hub.
use std::sync::Arc;

use lienthong_api::exchange::v1::{
    GetHubStatusRequest, GetHubStatusResponse, hub_admin_service_server::HubAdminService,
};
use tonic::{Request, Response, Status};

use crate::app::Exchange;

#[derive(Clone)]
pub struct HubAdminApi {
    app: Arc<Exchange>,
}

impl HubAdminApi {
    pub fn new(app: Arc<Exchange>) -> Self {
        HubAdminApi { app }
    }
}

#[tonic::async_trait]
impl HubAdminService for HubAdminApi {
    async fn get_hub_status(
        &self,
        _req: Request<GetHubStatusRequest>,
    ) -> Result<Response<GetHubStatusResponse>, Status> {
        Ok(Response::new(self.app.hub_status().await?))
    }
}
