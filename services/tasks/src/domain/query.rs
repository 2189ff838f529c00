//! Reading requests, checked: the list filter and its page, the statistics period, the event
//! cursor.
use lienthong_api::tasks::v1::{GetTaskStatisticsRequest, ListTasksRequest, TaskBucket};
use lienthong_axis::{
    AgencyCode, DocumentId, FieldError,
    local::{parse_date, parse_optional_date},
};
use lienthong_platform::{error::Violations, paging::page_size};
use time::Date;

use super::{
    bucket::Bucket,
    role::Viewer,
    text::{document_id, parsed},
};

/// The page size when the request names none, and the largest one.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 500;

/// A `ListTasks` request, checked. Empty fields filter nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub lead_agency: Option<AgencyCode>,
    pub assigner: Option<AgencyCode>,
    pub coordinating_agency: Option<AgencyCode>,
    /// A DocumentId (checked: a malformed one is refused).
    pub source_document_id: Option<DocumentId>,
    pub deadline_from: Option<Date>,
    pub deadline_to: Option<Date>,
    pub bucket: Option<Bucket>,
    /// Where the page starts: tasks with a smaller sequence number than this (the cursor of
    /// the page token); `None` for the first page.
    pub before_seq: Option<i64>,
    pub page_size: i64,
}

/// The list a `ListTasks` page token belongs to: the method, who lists (an agency sees the
/// tasks it takes part in, an admin every task) and every filter as given. A token is honoured
/// only for the same list; the page size may change from page to page.
pub fn list_scope(viewer: &Viewer, r: &ListTasksRequest) -> String {
    let viewer = match viewer {
        Viewer::Agency(a) => a.as_str(),
        Viewer::Admin => "*admin",
    };
    // Debug formatting quotes and escapes each value, so that no value can pose as another.
    format!(
        "ListTasks|viewer={viewer:?}|lead={:?}|coordinating={:?}|assigner={:?}|bucket={}\
         |from={:?}|to={:?}|source={:?}",
        r.lead_agency,
        r.coordinating_agency,
        r.assigner,
        r.bucket,
        r.deadline_from,
        r.deadline_to,
        r.source_document_id,
    )
}

/// Checks every field of a list request; `cursor` is what the page token read to (the
/// platform checks its signature, list and age against [`list_scope`]).
pub fn list_query(
    r: &ListTasksRequest,
    cursor: Result<Option<i64>, FieldError>,
) -> Result<ListQuery, Violations> {
    let mut v = Violations::new();
    let lead_agency = optional_agency(&mut v, "lead_agency", &r.lead_agency);
    let assigner = optional_agency(&mut v, "assigner", &r.assigner);
    let coordinating_agency =
        optional_agency(&mut v, "coordinating_agency", &r.coordinating_agency);
    let deadline_from = v
        .check(parsed(
            "deadline_from",
            &r.deadline_from,
            parse_optional_date,
        ))
        .flatten();
    let deadline_to = v
        .check(parsed("deadline_to", &r.deadline_to, parse_optional_date))
        .flatten();
    if let (Some(a), Some(b)) = (deadline_from, deadline_to)
        && b < a
    {
        v.push("deadline_to", "is before deadline_from");
    }
    let bucket = match TaskBucket::try_from(r.bucket) {
        Ok(b) => Bucket::from_proto(b),
        Err(_) => {
            v.push(
                "bucket",
                format!(
                    "{} is not a TaskBucket (TASK_BUCKET_COMPLETED_ON_TIME = 1 … \
                     TASK_BUCKET_REFUSED = 6, or unspecified for every bucket)",
                    r.bucket
                ),
            );
            None
        }
    };
    let source_document_id = if r.source_document_id.is_empty() {
        None
    } else {
        v.check(document_id("source_document_id", &r.source_document_id))
    };
    let before_seq = v.check(cursor).flatten();
    let page_size = page_size(r.page_size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
    v.into_result()?;
    Ok(ListQuery {
        lead_agency,
        assigner,
        coordinating_agency,
        source_document_id,
        deadline_from,
        deadline_to,
        bucket,
        before_seq,
        page_size: i64::try_from(page_size).unwrap_or(i64::from(MAX_PAGE_SIZE)),
    })
}

fn optional_agency(v: &mut Violations, field: &str, code: &str) -> Option<AgencyCode> {
    if code.is_empty() {
        None
    } else {
        v.check(parsed(field, code, AgencyCode::parse))
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
    let from = v.check(parsed("from_day", &r.from_day, parse_date));
    let to = v.check(parsed("to_day", &r.to_day, parse_date));
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
        let q = list_query(&ListTasksRequest::default(), Ok(None)).unwrap();
        assert_eq!(q.page_size, i64::from(DEFAULT_PAGE_SIZE));
        assert_eq!((q.bucket, q.before_seq), (None, None));
        let q = list_query(
            &ListTasksRequest {
                lead_agency: "000.00.09.H48".into(),
                deadline_from: "2026-11-15".into(),
                deadline_to: "2026-11-30".into(),
                bucket: TaskBucket::Overdue as i32,
                page_size: 9999,
                source_document_id: "000.00.00.H48,2026/11/02,125/UBND-TH".into(),
                ..Default::default()
            },
            Ok(Some(12)),
        )
        .unwrap();
        assert_eq!(
            q.lead_agency.map(String::from).as_deref(),
            Some("000.00.09.H48")
        );
        assert_eq!(q.deadline_to, Some(date!(2026 - 11 - 30)));
        assert_eq!(q.bucket, Some(Bucket::Overdue));
        assert_eq!(
            (q.before_seq, q.page_size),
            (Some(12), i64::from(MAX_PAGE_SIZE))
        );
        assert_eq!(
            q.source_document_id.as_ref().map(|d| d.as_str()),
            Some("000.00.00.H48,2026/11/02,125/UBND-TH")
        );
        let v = list_query(
            &ListTasksRequest {
                assigner: "H48".into(),
                deadline_from: "2026-13-01".into(),
                bucket: 42,
                source_document_id: "125/UBND\0".into(),
                page_token: "abc".into(),
                ..Default::default()
            },
            Err(FieldError::new(
                "page_token",
                "is not a token this service issued",
            )),
        )
        .unwrap_err();
        assert_eq!(
            fields(&v),
            [
                "assigner",
                "deadline_from",
                "bucket",
                "source_document_id",
                "page_token"
            ]
        );
        let v = list_query(
            &ListTasksRequest {
                deadline_from: "2026-11-30".into(),
                deadline_to: "2026-11-01".into(),
                ..Default::default()
            },
            Ok(None),
        )
        .unwrap_err();
        assert_eq!(v.to_string(), "deadline_to: is before deadline_from");
    }

    #[test]
    fn scopes_name_the_list_not_the_page() {
        let agency = Viewer::Agency(AgencyCode::parse("f", "000.00.09.H48").unwrap());
        let r = ListTasksRequest {
            lead_agency: "000.00.09.H48".into(),
            bucket: TaskBucket::Overdue as i32,
            ..Default::default()
        };
        let scope = list_scope(&agency, &r);
        let next_page = ListTasksRequest {
            page_size: 7,
            page_token: "t".into(),
            ..r.clone()
        };
        assert_eq!(list_scope(&agency, &next_page), scope);
        assert_ne!(list_scope(&Viewer::Admin, &r), scope, "another viewer");
        let other_filter = ListTasksRequest {
            deadline_to: "2026-11-30".into(),
            ..r.clone()
        };
        assert_ne!(list_scope(&agency, &other_filter), scope);
        // A value cannot pose as two filters.
        let a = ListTasksRequest {
            deadline_from: "x\"|to=\"y".into(),
            ..Default::default()
        };
        let b = ListTasksRequest {
            deadline_from: "x".into(),
            deadline_to: "y".into(),
            ..Default::default()
        };
        assert_ne!(list_scope(&agency, &a), list_scope(&agency, &b));
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
