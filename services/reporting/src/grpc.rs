//! The gRPC adapter: each call takes the caller from its certificate, decodes the request into
//! one use case of [`crate::app`] and encodes the result. Authorization by identity kind
//! happened before any of this (see [`crate::service::policy`]); record-level rules (submitter
//! only, owner only) and the checks of the fields live behind the use cases.
use std::sync::Arc;

use lienthong_api::reporting::v1::{
    AcceptReportRequest, AcceptReportResponse, CreateRegimeRequest, CreateRegimeResponse,
    ExportPeriodRequest, ExportPeriodResponse, GetComplianceRequest, GetComplianceResponse,
    GetRegimeRequest, GetRegimeResponse, GetReportRequest, GetReportResponse, ListPeriodsRequest,
    ListPeriodsResponse, ListRegimesRequest, ListRegimesResponse, ListReportsRequest,
    ListReportsResponse, PushStatisticsRequest, PushStatisticsResponse, ReturnReportRequest,
    ReturnReportResponse, SaveDraftRequest, SaveDraftResponse, SubmitReportRequest,
    SubmitReportResponse, intake_service_server::IntakeService,
    reporting_service_server::ReportingService,
};
use lienthong_platform::authz::{caller, caller_agency};

/// The axis's attributes of a call about one report, on the RPC's span (the current one).
fn record(agency: &str, regime: &str, period: &str) {
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;
    let span = tracing::Span::current();
    span.set_attribute("lienthong.agency", agency.to_string());
    span.set_attribute("lienthong.regime", regime.to_string());
    span.set_attribute("lienthong.period", period.to_string());
}
use tonic::{Request, Response, Status};

use crate::app::{Change, PageRequest, PeriodRef, Reporting, Review};

/// `lienthong.reporting.v1.ReportingService`.
#[derive(Clone)]
pub struct ReportingApi {
    app: Arc<Reporting>,
}

impl ReportingApi {
    pub fn new(app: Arc<Reporting>) -> Self {
        ReportingApi { app }
    }
}

#[tonic::async_trait]
impl ReportingService for ReportingApi {
    async fn create_regime(
        &self,
        req: Request<CreateRegimeRequest>,
    ) -> Result<Response<CreateRegimeResponse>, Status> {
        let who = caller(&req)?;
        let regime = self
            .app
            .create_regime(&who, req.into_inner().regime)
            .await?;
        Ok(Response::new(CreateRegimeResponse {
            regime: Some(regime),
        }))
    }

    async fn get_regime(
        &self,
        req: Request<GetRegimeRequest>,
    ) -> Result<Response<GetRegimeResponse>, Status> {
        let regime = self.app.get_regime(&req.into_inner().code).await?;
        Ok(Response::new(GetRegimeResponse {
            regime: Some(regime),
        }))
    }

    async fn list_regimes(
        &self,
        req: Request<ListRegimesRequest>,
    ) -> Result<Response<ListRegimesResponse>, Status> {
        let r = req.into_inner();
        let page = PageRequest::new(r.page_size, r.page_token);
        let page = self.app.list_regimes(&page).await?;
        Ok(Response::new(ListRegimesResponse {
            regimes: page.items,
            next_page_token: page.next_page_token,
        }))
    }

    async fn list_periods(
        &self,
        req: Request<ListPeriodsRequest>,
    ) -> Result<Response<ListPeriodsResponse>, Status> {
        let who = caller(&req)?;
        let r = req.into_inner();
        let periods = self.app.list_periods(&who, &r.regime_code, r.year).await?;
        Ok(Response::new(periods))
    }

    async fn save_draft(
        &self,
        req: Request<SaveDraftRequest>,
    ) -> Result<Response<SaveDraftResponse>, Status> {
        let agency = caller_agency(&req)?;
        let r = req.into_inner();
        let changes: Vec<Change> = r.values.into_iter().map(Change::from).collect();
        record(agency.as_str(), &r.regime_code, &r.period);
        let at = PeriodRef::new(r.regime_code, r.period);
        let report = self.app.save_draft(&agency, &at, &changes).await?;
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
        record(agency.as_str(), &r.regime_code, &r.period);
        let at = PeriodRef::new(r.regime_code, r.period);
        let report = self.app.submit(&agency, &at).await?;
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
        record(owner.as_str(), &r.regime_code, &r.period);
        let at = PeriodRef::new(r.regime_code, r.period);
        let report = self
            .app
            .review(&owner, &at, &r.agency_code, Review::Accept)
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
        record(owner.as_str(), &r.regime_code, &r.period);
        let at = PeriodRef::new(r.regime_code, r.period);
        let review = Review::Return { reason: r.reason };
        let report = self.app.review(&owner, &at, &r.agency_code, review).await?;
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
        let at = PeriodRef::new(r.regime_code, r.period);
        let report = self.app.get_report(&who, &at, &r.agency_code).await?;
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
        let at = PeriodRef::new(r.regime_code, r.period);
        let page = PageRequest::new(r.page_size, r.page_token);
        let page = self.app.list_reports(&who, &at, &page).await?;
        Ok(Response::new(ListReportsResponse {
            reports: page.items,
            next_page_token: page.next_page_token,
        }))
    }

    async fn get_compliance(
        &self,
        req: Request<GetComplianceRequest>,
    ) -> Result<Response<GetComplianceResponse>, Status> {
        let who = caller(&req)?;
        let r = req.into_inner();
        let at = PeriodRef::new(r.regime_code, r.period);
        let response = self.app.compliance(&who, &at, &r.scope).await?;
        Ok(Response::new(response))
    }

    async fn export_period(
        &self,
        req: Request<ExportPeriodRequest>,
    ) -> Result<Response<ExportPeriodResponse>, Status> {
        let who = caller(&req)?;
        let r = req.into_inner();
        let at = PeriodRef::new(r.regime_code, r.period);
        let response = self.app.export(&who, &at, &r.scope, r.format).await?;
        Ok(Response::new(response))
    }
}

/// `lienthong.reporting.v1.IntakeService`: statistics pushed by other services.
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
        let who = caller(&req)?;
        let recorded = self
            .app
            .push_statistics(&who, &req.into_inner().values)
            .await?;
        Ok(Response::new(PushStatisticsResponse { recorded }))
    }
}
