//! Progress: the lead agency reports what was done with a percentage; a coordinating agency
//! adds notes without one.
use lienthong_api::tasks::v1::{ReportProgressRequest, Task};
use lienthong_axis::AgencyCode;

use super::{
    Tasks,
    change::{Change, Op},
};
use crate::{
    domain::{text, workflow},
    error::Result,
};

impl Tasks {
    pub async fn report_progress(
        &self,
        agency: &AgencyCode,
        r: ReportProgressRequest,
    ) -> Result<Task> {
        text::required("text", &r.text, "what was done")?;
        let (text, percent) = (r.text, r.percent);
        self.change(agency, &r.task_id, move |l| {
            match workflow::progress(l.role, l.row.state, percent, l.row.id)? {
                workflow::Progress::Report { percent } => Ok((
                    Change::quiet("progress", text.clone(), Some(percent)),
                    Op::Progress { percent, text },
                )),
                workflow::Progress::Note => Ok((Change::quiet("note", text, None), Op::None)),
            }
        })
        .await
    }
}
