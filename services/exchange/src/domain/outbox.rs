//! What the hub hands to other services through its durable outbox: documents and status
//! updates for the next hub (one topic per peer, delivered in order), tasks for the tasks
//! service. The keys make each entry unique, so that a retried change never enqueues twice.
use lienthong_api::{
    exchange::v1::{StatusUpdate, SteeringType},
    tasks::v1::CreateTaskFromDocumentRequest,
};
use lienthong_axis::AgencyCode;

/// The outbox topic of the tasks service.
pub const TASKS_TOPIC: &str = "tasks";

/// The outbox topic of a peer hub.
pub fn relay_topic(peer: &str) -> String {
    format!("relay:{peer}")
}

/// One entry of a peer's relay outbox: a document (loaded from the store when delivered, so
/// the outbox holds no attachment bytes) or a status update.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RelayEntry {
    #[prost(string, tag = "1")]
    pub document_id: String,
    /// For a document: the recipients reached through the peer.
    #[prost(string, repeated, tag = "2")]
    pub recipients: Vec<String>,
    #[prost(message, optional, tag = "3")]
    pub status: Option<StatusUpdate>,
}

impl RelayEntry {
    /// A document for the recipients reached through one peer.
    pub fn document(document_id: &str, recipients: &[AgencyCode]) -> Self {
        RelayEntry {
            document_id: document_id.to_string(),
            recipients: recipients.iter().map(ToString::to_string).collect(),
            status: None,
        }
    }

    /// A status update of a leg.
    pub fn update(update: &StatusUpdate) -> Self {
        RelayEntry {
            document_id: update.document_id.clone(),
            recipients: Vec::new(),
            status: Some(update.clone()),
        }
    }
}

/// The key of a document's relay to `peer`.
pub fn document_key(document_id: &str, peer: &str) -> String {
    format!("doc:{document_id}:{peer}")
}

/// The key of a status update's relay.
pub fn update_key(update_id: &str) -> String {
    format!("upd:{update_id}")
}

/// The key of the task of one recipient of a steering document.
pub fn task_key(document_id: &str, recipient: &AgencyCode) -> String {
    format!("task:{document_id}:{recipient}")
}

/// The id of the update carrying status number `seq` of this hub.
pub fn status_update_id(hub_id: &str, seq: i64) -> String {
    format!("{hub_id}:status:{seq}")
}

/// The id of the update telling that a leg was delivered.
pub fn delivered_update_id(hub_id: &str, document_id: &str, recipient: &str) -> String {
    format!("{hub_id}:delivered:{document_id}:{recipient}")
}

/// The id of the update telling that a leg was acknowledged without a status (after the
/// recipient accepted its revocation, 15, no 01 is recorded).
pub fn acknowledged_update_id(hub_id: &str, document_id: &str, recipient: &str) -> String {
    format!("{hub_id}:acknowledged:{document_id}:{recipient}")
}

/// Whether a document becomes tasks: a steering document (`STEERING_TYPE_STEERING`) with a due
/// date. `steering_type` is the raw value of the header's field.
pub fn makes_tasks(steering_type: i32, due_date: &str) -> bool {
    SteeringType::try_from(steering_type) == Ok(SteeringType::Steering) && !due_date.is_empty()
}

/// The task-creation request for one recipient of a steering document: it leads, the other
/// recipients coordinate.
pub struct TaskOf<'a> {
    pub document_id: &'a str,
    pub sender: &'a AgencyCode,
    pub recipient: &'a AgencyCode,
    /// Every recipient of the document (`recipients`), the lead among them.
    pub recipients: &'a [String],
    pub subject: &'a str,
    pub due_date: &'a str,
}

pub fn task_request(t: &TaskOf<'_>) -> CreateTaskFromDocumentRequest {
    CreateTaskFromDocumentRequest {
        source_document_id: t.document_id.to_string(),
        assigner: t.sender.to_string(),
        lead_agency: t.recipient.to_string(),
        coordinating_agencies: t
            .recipients
            .iter()
            .filter(|r| *r != t.recipient.as_str())
            .cloned()
            .collect(),
        content: t.subject.to_string(),
        deadline: t.due_date.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;

    #[test]
    fn entries_round_trip_and_keys_are_stable() {
        let code = |s: &str| AgencyCode::parse("f", s).unwrap();
        let e = RelayEntry::document("D", &[code("000.00.00.H41")]);
        assert_eq!(RelayEntry::decode(e.encode_to_vec().as_slice()).unwrap(), e);
        assert_eq!(relay_topic("national"), "relay:national");
        assert_eq!(document_key("D", "H41"), "doc:D:H41");
        assert_eq!(update_key("H48:status:7"), "upd:H48:status:7");
        assert_eq!(status_update_id("H48", 7), "H48:status:7");
        assert_eq!(
            task_key("D", &code("000.00.00.G22")),
            "task:D:000.00.00.G22"
        );
    }

    #[test]
    fn the_lead_is_not_among_the_coordinators() {
        let sender = AgencyCode::parse("f", "000.00.00.G22").unwrap();
        let lead = AgencyCode::parse("f", "000.00.00.H48").unwrap();
        let all = ["000.00.00.H48".to_string(), "000.00.00.H41".to_string()];
        let r = task_request(&TaskOf {
            document_id: "D",
            sender: &sender,
            recipient: &lead,
            recipients: &all,
            subject: "S",
            due_date: "2026-12-01",
        });
        assert_eq!(r.lead_agency, "000.00.00.H48");
        assert_eq!(r.coordinating_agencies, ["000.00.00.H41"]);
        let steering = SteeringType::Steering as i32;
        assert!(makes_tasks(steering, "2026-12-01"));
        assert!(!makes_tasks(steering, ""));
        for other in [
            SteeringType::Unspecified,
            SteeringType::Ordinary,
            SteeringType::SteeringReport,
        ] {
            assert!(!makes_tasks(other as i32, "2026-12-01"), "{other:?}");
        }
    }
}
