//! The gRPC adapter: turns calls into use cases of [`crate::app`] and results into messages.
//! Authorization by identity kind happened before any of this (see [`crate::service::policy`]);
//! record-level rules (submitter only, owner only) live in the use cases.
use std::sync::Arc;

use lienthong_api::reporting::v1::{
    AcceptReportRequest, AcceptReportResponse, CreateRegimeRequest, CreateRegimeResponse,
    ExportFormat, ExportPeriodRequest, ExportPeriodResponse, GetComplianceRequest,
    GetComplianceResponse, GetRegimeRequest, GetRegimeResponse, GetReportRequest,
    GetReportResponse, ListPeriodsRequest, ListPeriodsResponse, ListRegimesRequest,
    ListRegimesResponse, ListReportsRequest, ListReportsResponse, PushStatisticsRequest,
    PushStatisticsResponse, ReturnReportRequest, ReturnReportResponse, SaveDraftRequest,
    SaveDraftResponse, SubmitReportRequest, SubmitReportResponse,
    intake_service_server::IntakeService, reporting_service_server::ReportingService,
};
use lienthong_platform::{
    Identity,
    authz::{caller, caller_agency},
};
use tonic::{Request, Response, Status};

use crate::{app::Reporting, domain, error::ReportingError};

#[derive(Clone)]
pub struct ReportingApi {
    app: Arc<Reporting>,
}

impl ReportingApi {
    pub fn new(app: Arc<Reporting>) -> Self {
        ReportingApi { app }
    }
}

fn required(field: &str, value: &str) -> Result<(), Status> {
    if value.trim().is_empty() {
        Err(ReportingError::invalid(field, "required").into())
    } else {
        Ok(())
    }
}

#[tonic::async_trait]
impl ReportingService for ReportingApi {
    async fn create_regime(
        &self,
        req: Request<CreateRegimeRequest>,
    ) -> Result<Response<CreateRegimeResponse>, Status> {
        let who = caller(&req)?;
        let regime = req
            .into_inner()
            .regime
            .ok_or_else(|| Status::from(ReportingError::invalid("regime", "required")))?;
        let regime = self.app.create_regime(&who, regime).await?;
        Ok(Response::new(CreateRegimeResponse {
            regime: Some(regime),
        }))
    }

    async fn get_regime(
        &self,
        req: Request<GetRegimeRequest>,
    ) -> Result<Response<GetRegimeResponse>, Status> {
        let r = req.into_inner();
        required("code", &r.code)?;
        let regime = self.app.get_regime(&r.code).await?;
        Ok(Response::new(GetRegimeResponse {
            regime: Some(regime),
        }))
    }

    async fn list_regimes(
        &self,
        _req: Request<ListRegimesRequest>,
    ) -> Result<Response<ListRegimesResponse>, Status> {
        let regimes = self.app.list_regimes().await?;
        Ok(Response::new(ListRegimesResponse { regimes }))
    }

    async fn list_periods(
        &self,
        req: Request<ListPeriodsRequest>,
    ) -> Result<Response<ListPeriodsResponse>, Status> {
        let who = caller(&req)?;
        let r = req.into_inner();
        required("regime_code", &r.regime_code)?;
        let (periods, today) = self.app.list_periods(&who, &r.regime_code, r.year).await?;
        Ok(Response::new(ListPeriodsResponse {
            periods,
            today: domain::format_date(today),
        }))
    }

    async fn save_draft(
        &self,
        req: Request<SaveDraftRequest>,
    ) -> Result<Response<SaveDraftResponse>, Status> {
        let agency = caller_agency(&req)?;
        let r = req.into_inner();
        required("regime_code", &r.regime_code)?;
        required("period", &r.period)?;
        let changes: Vec<(String, String)> = r
            .values
            .into_iter()
            .map(|v| (v.indicator_code, v.value))
            .collect();
        let report = self
            .app
            .save_draft(&agency, &r.regime_code, &r.period, &changes)
            .await?;
        Ok(Response::new(SaveDraftResponse {
            report: Some(report),
        }))
    }

    async fn submit_report(
        &self,
        req: Request<SubmitReportRequest>,
    ) -> Result<Response<SubmitReportResponse>, Status> {
        let agency = caller_agency(&req)?;
        let r = req.into_inner();
        required("regime_code", &r.regime_code)?;
        required("period", &r.period)?;
        let report = self.app.submit(&agency, &r.regime_code, &r.period).await?;
        Ok(Response::new(SubmitReportResponse {
            report: Some(report),
        }))
    }

    async fn accept_report(
        &self,
        req: Request<AcceptReportRequest>,
    ) -> Result<Response<AcceptReportResponse>, Status> {
        let owner = caller_agency(&req)?;
        let r = req.into_inner();
        required("regime_code", &r.regime_code)?;
        required("period", &r.period)?;
        let report = self
            .app
            .review(&owner, &r.regime_code, &r.period, &r.agency_code, true, "")
            .await?;
        Ok(Response::new(AcceptReportResponse {
            report: Some(report),
        }))
    }

    async fn return_report(
        &self,
        req: Request<ReturnReportRequest>,
    ) -> Result<Response<ReturnReportResponse>, Status> {
        let owner = caller_agency(&req)?;
        let r = req.into_inner();
        required("regime_code", &r.regime_code)?;
        required("period", &r.period)?;
        let report = self
            .app
            .review(
                &owner,
                &r.regime_code,
                &r.period,
                &r.agency_code,
                false,
                &r.reason,
            )
            .await?;
        Ok(Response::new(ReturnReportResponse {
            report: Some(report),
        }))
    }

    async fn get_report(
        &self,
        req: Request<GetReportRequest>,
    ) -> Result<Response<GetReportResponse>, Status> {
        let who = caller(&req)?;
        let r = req.into_inner();
        required("regime_code", &r.regime_code)?;
        required("period", &r.period)?;
        let report = self
            .app
            .get_report(&who, &r.regime_code, &r.period, &r.agency_code)
            .await?;
        Ok(Response::new(GetReportResponse {
            report: Some(report),
        }))
    }

    async fn list_reports(
        &self,
        req: Request<ListReportsRequest>,
    ) -> Result<Response<ListReportsResponse>, Status> {
        let who = caller(&req)?;
        let r = req.into_inner();
        required("regime_code", &r.regime_code)?;
        required("period", &r.period)?;
        let reports = self
            .app
            .list_reports(&who, &r.regime_code, &r.period)
            .await?;
        Ok(Response::new(ListReportsResponse { reports }))
    }

    async fn get_compliance(
        &self,
        req: Request<GetComplianceRequest>,
    ) -> Result<Response<GetComplianceResponse>, Status> {
        let who = caller(&req)?;
        let r = req.into_inner();
        required("regime_code", &r.regime_code)?;
        required("period", &r.period)?;
        let response = self
            .app
            .compliance(&who, &r.regime_code, &r.period, &r.scope)
            .await?;
        Ok(Response::new(response))
    }

    async fn export_period(
        &self,
        req: Request<ExportPeriodRequest>,
    ) -> Result<Response<ExportPeriodResponse>, Status> {
        let who = caller(&req)?;
        let r = req.into_inner();
        required("regime_code", &r.regime_code)?;
        required("period", &r.period)?;
        let format = ExportFormat::try_from(r.format).unwrap_or_default();
        let response = self
            .app
            .export(&who, &r.regime_code, &r.period, &r.scope, format)
            .await?;
        Ok(Response::new(response))
    }
}

#[derive(Clone)]
pub struct IntakeApi {
    app: Arc<Reporting>,
}

impl IntakeApi {
    pub fn new(app: Arc<Reporting>) -> Self {
        IntakeApi { app }
    }
}

#[tonic::async_trait]
impl IntakeService for IntakeApi {
    async fn push_statistics(
        &self,
        req: Request<PushStatisticsRequest>,
    ) -> Result<Response<PushStatisticsResponse>, Status> {
        // The source is the caller's service name, from its certificate.
        let source = match caller(&req)? {
            Identity::Service(name) => name,
            other => {
                return Err(Status::permission_denied(format!(
                    "{other} is not a service; only services push statistics"
                )));
            }
        };
        let r = req.into_inner();
        let recorded = self.app.push_statistics(&source, &r.values).await?;
        Ok(Response::new(PushStatisticsResponse { recorded }))
    }
}
