//! Exports: a period's aggregates and compliance as a CSV or Markdown file.
use lienthong_api::reporting::v1::{ExportFormat, ExportPeriodResponse};
use lienthong_platform::Identity;

use super::Reporting;
use crate::{
    domain::{
        PeriodRef,
        export::{check_format, render},
    },
    error::Result,
};

impl Reporting {
    /// The file of a period, for the owner and admins.
    pub async fn export(
        &self,
        caller: &Identity,
        at: &PeriodRef,
        scope: &str,
        format: ExportFormat,
    ) -> Result<ExportPeriodResponse> {
        let format = check_format(format)?;
        let view = self.period_view(caller, at, scope).await?;
        render(&view, format)
    }
}
