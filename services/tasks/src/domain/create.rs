//! A new task, checked: by an agency (`CreateTask`, the caller is the assigner) or from a
//! steering document delivered by the hub (`CreateTaskFromDocument`). Every malformed field of
//! the request is reported at once.
use lienthong_api::tasks::v1::{CreateTaskFromDocumentRequest, CreateTaskRequest};
use lienthong_axis::{
    AgencyCode, DocumentId, FieldError,
    local::{format_date, parse_optional_date},
};
use lienthong_platform::error::Violations;
use time::Date;

use super::{actor, text};

/// The most coordinating agencies of one task.
pub const MAX_COORDINATORS: usize = 200;

/// What happens when the (source document, lead agency) pair already has a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnDuplicate {
    /// An agency assigning the same document twice: ALREADY_EXISTS.
    Refuse,
    /// The hub repeating a delivery: the existing task is the answer (intake is idempotent).
    ReturnExisting,
}

/// A task to create, every field checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTask {
    pub content: String,
    pub source_document_id: Option<DocumentId>,
    pub assigner: AgencyCode,
    pub lead_agency: AgencyCode,
    /// Deduplicated, in the order given; neither the lead nor (intake) the assigner.
    pub coordinators: Vec<AgencyCode>,
    pub deadline: Option<Date>,
    pub notes: String,
    /// The actor of the history entry: `agency/<assigner>`, or `service/<name>` for the intake.
    pub created_by: String,
    pub on_duplicate: OnDuplicate,
}

/// An agency's `CreateTask`, on local day `today`: a deadline may not be in the past, nor the
/// source document dated after tomorrow.
pub fn from_request(
    assigner: &AgencyCode,
    r: CreateTaskRequest,
    today: Date,
) -> Result<NewTask, Violations> {
    let mut v = Violations::new();
    v.check(text::required(
        "content",
        &r.content,
        "what is to be done",
        text::MAX_TEXT_CHARS,
    ));
    let (lead, coordinators) = parties(
        &mut v,
        assigner.as_str(),
        &r.lead_agency,
        &r.coordinating_agencies,
    );
    let deadline = v
        .check(text::parsed("deadline", &r.deadline, parse_optional_date))
        .flatten();
    if let Some(d) = deadline
        && d < today
    {
        v.push(
            "deadline",
            format!(
                "{} is before the task's creation ({}, Vietnam time)",
                r.deadline,
                format_date(today)
            ),
        );
    }
    let source = optional_document(&mut v, &r.source_document_id, today);
    v.check(text::optional("notes", &r.notes, text::MAX_TEXT_CHARS));
    match (lead, v.is_empty()) {
        (Some(lead_agency), true) => Ok(NewTask {
            content: r.content,
            source_document_id: source,
            assigner: assigner.clone(),
            lead_agency,
            coordinators,
            deadline,
            notes: r.notes,
            created_by: actor::agency(assigner),
            on_duplicate: OnDuplicate::Refuse,
        }),
        _ => Err(v),
    }
}

/// A steering document delivered by the hub, as the service `service` says it, on local day
/// `today`. Coordinating agencies that are the lead or the assigner are dropped; a blank
/// content becomes "Thực hiện văn bản <document>".
pub fn from_document(
    service: &str,
    r: CreateTaskFromDocumentRequest,
    today: Date,
) -> Result<NewTask, Violations> {
    let mut v = Violations::new();
    let source = v.check(document(&r.source_document_id, today));
    let coordinating: Vec<String> = r
        .coordinating_agencies
        .iter()
        .filter(|c| **c != r.lead_agency && **c != r.assigner)
        .cloned()
        .collect();
    let assigner = v.check(text::parsed("assigner", &r.assigner, AgencyCode::parse));
    let (lead, coordinators) = parties(&mut v, &r.assigner, &r.lead_agency, &coordinating);
    let deadline = v
        .check(text::parsed("deadline", &r.deadline, parse_optional_date))
        .flatten();
    v.check(text::optional("content", &r.content, text::MAX_TEXT_CHARS));
    let content = if r.content.trim().is_empty() {
        format!("Thực hiện văn bản {}", r.source_document_id)
    } else {
        r.content
    };
    match (source, assigner, lead, v.is_empty()) {
        (Some(source), Some(assigner), Some(lead_agency), true) => Ok(NewTask {
            content,
            source_document_id: Some(source),
            assigner,
            lead_agency,
            coordinators,
            deadline,
            notes: String::new(),
            created_by: actor::service(service),
            on_duplicate: OnDuplicate::ReturnExisting,
        }),
        _ => Err(v),
    }
}

/// The source document: a DocumentId (the axis's rule, its character set included) dated no
/// later than tomorrow, Vietnam time (a document is not promulgated in the future).
fn document(id: &str, today: Date) -> Result<DocumentId, FieldError> {
    const FIELD: &str = "source_document_id";
    let id = text::document_id(FIELD, id)?;
    id.check_date_not_after(FIELD, today.next_day().unwrap_or(today))?;
    Ok(id)
}

fn optional_document(v: &mut Violations, id: &str, today: Date) -> Option<DocumentId> {
    if id.is_empty() {
        None
    } else {
        v.check(document(id, today))
    }
}

/// The lead agency and the coordinating agencies (deduplicated in order) of a task assigned by
/// `assigner`: nobody assigns a task to itself, the lead does not also coordinate.
fn parties(
    v: &mut Violations,
    assigner: &str,
    lead: &str,
    coordinating: &[String],
) -> (Option<AgencyCode>, Vec<AgencyCode>) {
    let lead_code = v.check(text::parsed("lead_agency", lead, AgencyCode::parse));
    if lead_code.is_some() && lead == assigner {
        v.push("lead_agency", "an agency cannot assign a task to itself");
    }
    let mut out: Vec<AgencyCode> = Vec::new();
    if coordinating.len() > MAX_COORDINATORS {
        // Not read one by one: a list this long is refused whole, with one violation.
        v.push(
            "coordinating_agencies",
            format!(
                "{} agencies given, at most {MAX_COORDINATORS} are allowed",
                coordinating.len()
            ),
        );
        return (lead_code, out);
    }
    for (i, c) in coordinating.iter().enumerate() {
        let field = format!("coordinating_agencies[{i}]");
        let Some(code) = v.check(text::parsed(&field, c, AgencyCode::parse)) else {
            continue;
        };
        if c == lead {
            v.add(FieldError::new(
                field,
                "the lead agency cannot also coordinate",
            ));
        } else if !out.contains(&code) {
            out.push(code);
        }
    }
    (lead_code, out)
}

#[cfg(test)]
mod tests;
