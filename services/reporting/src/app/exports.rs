//! Exports: a period's aggregates and compliance as a CSV or Markdown file.
use lienthong_api::reporting::v1::ExportPeriodResponse;
use lienthong_platform::{Identity, error::Violations};

use super::Reporting;
use crate::{
    domain::{
        PeriodRef,
        export::{check_format, render},
    },
    error::{ReportingError, Result},
};

impl Reporting {
    /// The file of a period, for the owner and admins; `format` as the request gives it.
    pub async fn export(
        &self,
        caller: &Identity,
        at: &PeriodRef,
        scope: &str,
        format: i32,
    ) -> Result<ExportPeriodResponse> {
        let mut v = Violations::new();
        let format = v.check(check_format(format));
        let view = self.period_view(caller, at, scope, v).await?;
        let Some(format) = format else {
            return Err(ReportingError::invalid(
                "format",
                "required: CSV or MARKDOWN",
            ));
        };
        render(&view, format)
    }
}
