//! Progress: the lead agency reports what was done with a percentage; a coordinating agency
//! adds notes without one.
use lienthong_api::tasks::v1::{ReportProgressRequest, Task};
use lienthong_axis::AgencyCode;

use super::{
    Tasks,
    change::{Change, Op},
};
use crate::{
    domain::{HistoryAction, text, workflow},
    error::Result,
};

impl Tasks {
    pub async fn report_progress(
        &self,
        agency: &AgencyCode,
        r: ReportProgressRequest,
    ) -> Result<Task> {
        let id = text::task_request(&r.task_id, |v| {
            v.check(text::required(
                "text",
                &r.text,
                "what was done",
                text::MAX_TEXT_CHARS,
            ));
            if let Some(p) = r.percent {
                v.check(text::percent("percent", p));
            }
        })?;
        let (text, percent) = (r.text, r.percent);
        self.change(agency, id, move |l| {
            match workflow::progress(l.role, l.row.state, percent, l.row.id)? {
                workflow::Progress::Report { percent } => Ok((
                    Change::quiet(HistoryAction::Progress, text.clone(), Some(percent)),
                    Op::Progress { percent, text },
                )),
                workflow::Progress::Note => {
                    Ok((Change::quiet(HistoryAction::Note, text, None), Op::None))
                }
            }
        })
        .await
    }
}
