//! Reading requests, checked: the list filter, the statistics period, the event cursor.
use lienthong_api::tasks::v1::{GetTaskStatisticsRequest, ListTasksRequest, TaskBucket};
use lienthong_axis::{
    AgencyCode,
    local::{parse_date, parse_optional_date},
};
use lienthong_platform::error::Violations;
use time::Date;

use super::bucket::Bucket;

/// The page size when the request names none, and the largest one.
pub const DEFAULT_PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 500;

/// A `ListTasks` request, checked. Empty fields filter nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub lead_agency: Option<AgencyCode>,
    pub assigner: Option<AgencyCode>,
    pub coordinating_agency: Option<AgencyCode>,
    /// Compared as given (a malformed id matches nothing).
    pub source_document_id: Option<String>,
    pub deadline_from: Option<Date>,
    pub deadline_to: Option<Date>,
    pub bucket: Option<Bucket>,
    /// The page token: tasks with a smaller sequence number than this.
    pub before_seq: Option<i64>,
    pub page_size: i64,
}

/// Checks every field of a list request.
pub fn list_query(r: &ListTasksRequest) -> Result<ListQuery, Violations> {
    let mut v = Violations::new();
    let lead_agency = optional_agency(&mut v, "lead_agency", &r.lead_agency);
    let assigner = optional_agency(&mut v, "assigner", &r.assigner);
    let coordinating_agency =
        optional_agency(&mut v, "coordinating_agency", &r.coordinating_agency);
    let deadline_from = v
        .check(parse_optional_date("deadline_from", &r.deadline_from))
        .flatten();
    let deadline_to = v
        .check(parse_optional_date("deadline_to", &r.deadline_to))
        .flatten();
    if let (Some(a), Some(b)) = (deadline_from, deadline_to)
        && b < a
    {
        v.push("deadline_to", "is before deadline_from");
    }
    let bucket = match TaskBucket::try_from(r.bucket) {
        Ok(b) => Bucket::from_proto(b),
        Err(_) => {
            v.push("bucket", format!("{} is not a TaskBucket", r.bucket));
            None
        }
    };
    let before_seq = if r.page_token.is_empty() {
        None
    } else {
        let seq = r.page_token.parse::<i64>().ok();
        if seq.is_none() {
            v.push("page_token", "is not a token this service issued");
        }
        seq
    };
    let page_size = match i64::from(r.page_size) {
        0 => DEFAULT_PAGE_SIZE,
        n => n.min(MAX_PAGE_SIZE),
    };
    v.into_result()?;
    Ok(ListQuery {
        lead_agency,
        assigner,
        coordinating_agency,
        source_document_id: Some(r.source_document_id.clone()).filter(|s| !s.is_empty()),
        deadline_from,
        deadline_to,
        bucket,
        before_seq,
        page_size,
    })
}

fn optional_agency(v: &mut Violations, field: &str, code: &str) -> Option<AgencyCode> {
    if code.is_empty() {
        None
    } else {
        v.check(AgencyCode::parse(field, code))
    }
}

/// A `GetTaskStatistics` period `[from, to]` (local days), optionally of one lead agency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: Date,
    pub to: Date,
    pub lead_agency: Option<AgencyCode>,
}

/// Checks every field of a statistics request.
pub fn period(r: &GetTaskStatisticsRequest) -> Result<Period, Violations> {
    let mut v = Violations::new();
    let from = v.check(parse_date("from_day", &r.from_day));
    let to = v.check(parse_date("to_day", &r.to_day));
    if let (Some(a), Some(b)) = (from, to)
        && b < a
    {
        v.push("to_day", "is before from_day");
    }
    let lead_agency = optional_agency(&mut v, "lead_agency", &r.lead_agency);
    match (from, to, v.is_empty()) {
        (Some(from), Some(to), true) => Ok(Period {
            from,
            to,
            lead_agency,
        }),
        _ => Err(v),
    }
}

/// The event id a watch resumes after, as stored.
pub fn event_cursor(after_event_id: u64) -> Result<i64, Violations> {
    i64::try_from(after_event_id).map_err(|_| {
        let mut v = Violations::new();
        v.push("after_event_id", "out of range");
        v
    })
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn fields(v: &Violations) -> Vec<&str> {
        v.as_slice().iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn list_requests() {
        let q = list_query(&ListTasksRequest::default()).unwrap();
        assert_eq!(q.page_size, DEFAULT_PAGE_SIZE);
        assert_eq!(q.bucket, None);
        let q = list_query(&ListTasksRequest {
            lead_agency: "000.00.09.H48".into(),
            deadline_from: "2026-11-15".into(),
            deadline_to: "2026-11-30".into(),
            bucket: TaskBucket::Overdue as i32,
            page_token: "12".into(),
            page_size: 9999,
            source_document_id: "x".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            q.lead_agency.map(String::from).as_deref(),
            Some("000.00.09.H48")
        );
        assert_eq!(q.deadline_to, Some(date!(2026 - 11 - 30)));
        assert_eq!(q.bucket, Some(Bucket::Overdue));
        assert_eq!((q.before_seq, q.page_size), (Some(12), MAX_PAGE_SIZE));
        assert_eq!(q.source_document_id.as_deref(), Some("x"));
        let v = list_query(&ListTasksRequest {
            assigner: "H48".into(),
            deadline_from: "2026-13-01".into(),
            bucket: 42,
            page_token: "abc".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(
            fields(&v),
            ["assigner", "deadline_from", "bucket", "page_token"]
        );
        let v = list_query(&ListTasksRequest {
            deadline_from: "2026-11-30".into(),
            deadline_to: "2026-11-01".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(v.to_string(), "deadline_to: is before deadline_from");
    }

    #[test]
    fn periods() {
        let p = period(&GetTaskStatisticsRequest {
            from_day: "2026-11-01".into(),
            to_day: "2026-11-30".into(),
            lead_agency: String::new(),
        })
        .unwrap();
        assert_eq!(
            (p.from, p.to, p.lead_agency),
            (date!(2026 - 11 - 01), date!(2026 - 11 - 30), None)
        );
        let v = period(&GetTaskStatisticsRequest::default()).unwrap_err();
        assert_eq!(
            v.to_string(),
            "from_day: is required (yyyy-MM-dd); to_day: is required (yyyy-MM-dd)"
        );
        let v = period(&GetTaskStatisticsRequest {
            from_day: "2026-11-30".into(),
            to_day: "2026-11-01".into(),
            lead_agency: "x".into(),
        })
        .unwrap_err();
        assert_eq!(fields(&v), ["to_day", "lead_agency"]);
    }

    #[test]
    fn cursors() {
        assert_eq!(event_cursor(7).unwrap(), 7);
        assert_eq!(
            event_cursor(u64::MAX).unwrap_err().to_string(),
            "after_event_id: out of range"
        );
    }
}
