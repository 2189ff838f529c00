//! `DirectoryService`: the agencies on the axis.
use std::sync::Arc;

use lienthong_api::exchange::v1::{
    GetAgencyRequest, GetAgencyResponse, ListAgenciesRequest, ListAgenciesResponse,
    RegisterAgencyRequest, RegisterAgencyResponse, RemoveAgencyRequest, RemoveAgencyResponse,
    directory_service_server::DirectoryService,
};
use lienthong_platform::authz::caller;
use tonic::{Request, Response, Status};

use crate::app::Exchange;

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
        req: Request<ListAgenciesRequest>,
    ) -> Result<Response<ListAgenciesResponse>, Status> {
        let r = req.into_inner();
        let page = self.app.list_agencies(r.page_size, &r.page_token).await?;
        Ok(Response::new(ListAgenciesResponse {
            agencies: page.agencies,
            next_page_token: page.next_page_token,
        }))
    }

    async fn get_agency(
        &self,
        req: Request<GetAgencyRequest>,
    ) -> Result<Response<GetAgencyResponse>, Status> {
        let hops = super::limits::lookup_hops(&req);
        let agency = self.app.get_agency(&req.get_ref().code, hops).await?;
        Ok(Response::new(GetAgencyResponse {
            agency: Some(agency),
        }))
    }

    async fn register_agency(
        &self,
        req: Request<RegisterAgencyRequest>,
    ) -> Result<Response<RegisterAgencyResponse>, Status> {
        let admin = caller(&req)?;
        let agency = req.into_inner().agency;
        Ok(Response::new(
            self.app.register_agency(&admin, agency).await?,
        ))
    }

    async fn remove_agency(
        &self,
        req: Request<RemoveAgencyRequest>,
    ) -> Result<Response<RemoveAgencyResponse>, Status> {
        let admin = caller(&req)?;
        self.app.remove_agency(&admin, &req.get_ref().code).await?;
        Ok(Response::new(RemoveAgencyResponse {}))
    }
}
