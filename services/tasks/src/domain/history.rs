//! What a history entry records: the API's `TaskAction`, stored as a name (`created`,
//! `result_submitted`, …). This is the one mapping between the two.
use lienthong_api::tasks::v1::TaskAction;

/// One kind of change of a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryAction {
    Created,
    /// The lead's progress report, with a percentage.
    Progress,
    /// A coordinating agency's note.
    Note,
    ResultSubmitted,
    ResultConfirmed,
    ResultReturned,
    Paused,
    Resumed,
    Refused,
    ExtensionRequested,
    ExtensionApproved,
    ExtensionRefused,
    /// Recorded by the service when the deadline comes near.
    NearDeadline,
    /// Recorded by the service when the deadline day has passed.
    Overdue,
}

impl HistoryAction {
    pub const ALL: [HistoryAction; 14] = [
        HistoryAction::Created,
        HistoryAction::Progress,
        HistoryAction::Note,
        HistoryAction::ResultSubmitted,
        HistoryAction::ResultConfirmed,
        HistoryAction::ResultReturned,
        HistoryAction::Paused,
        HistoryAction::Resumed,
        HistoryAction::Refused,
        HistoryAction::ExtensionRequested,
        HistoryAction::ExtensionApproved,
        HistoryAction::ExtensionRefused,
        HistoryAction::NearDeadline,
        HistoryAction::Overdue,
    ];

    /// The name the store keeps (and the logs print).
    pub const fn stored(self) -> &'static str {
        match self {
            HistoryAction::Created => "created",
            HistoryAction::Progress => "progress",
            HistoryAction::Note => "note",
            HistoryAction::ResultSubmitted => "result_submitted",
            HistoryAction::ResultConfirmed => "result_confirmed",
            HistoryAction::ResultReturned => "result_returned",
            HistoryAction::Paused => "paused",
            HistoryAction::Resumed => "resumed",
            HistoryAction::Refused => "refused",
            HistoryAction::ExtensionRequested => "extension_requested",
            HistoryAction::ExtensionApproved => "extension_approved",
            HistoryAction::ExtensionRefused => "extension_refused",
            HistoryAction::NearDeadline => "near_deadline",
            HistoryAction::Overdue => "overdue",
        }
    }

    /// The action of a stored name, `None` for any other.
    pub fn from_stored(name: &str) -> Option<HistoryAction> {
        Self::ALL.into_iter().find(|a| a.stored() == name)
    }

    /// The proto enum.
    pub const fn proto(self) -> TaskAction {
        match self {
            HistoryAction::Created => TaskAction::Created,
            HistoryAction::Progress => TaskAction::Progress,
            HistoryAction::Note => TaskAction::Note,
            HistoryAction::ResultSubmitted => TaskAction::ResultSubmitted,
            HistoryAction::ResultConfirmed => TaskAction::ResultConfirmed,
            HistoryAction::ResultReturned => TaskAction::ResultReturned,
            HistoryAction::Paused => TaskAction::Paused,
            HistoryAction::Resumed => TaskAction::Resumed,
            HistoryAction::Refused => TaskAction::Refused,
            HistoryAction::ExtensionRequested => TaskAction::ExtensionRequested,
            HistoryAction::ExtensionApproved => TaskAction::ExtensionApproved,
            HistoryAction::ExtensionRefused => TaskAction::ExtensionRefused,
            HistoryAction::NearDeadline => TaskAction::NearDeadline,
            HistoryAction::Overdue => TaskAction::Overdue,
        }
    }
}

impl std::fmt::Display for HistoryAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.stored())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_one_name_and_one_proto_value() {
        for a in HistoryAction::ALL {
            assert_eq!(HistoryAction::from_stored(a.stored()), Some(a));
            assert_ne!(a.proto(), TaskAction::Unspecified, "{a}");
            // The proto's names are the stored names, upper-cased and prefixed.
            assert_eq!(
                a.proto().as_str_name(),
                format!("TASK_ACTION_{}", a.stored().to_uppercase())
            );
        }
        assert_eq!(HistoryAction::from_stored("system"), None);
        assert_eq!(HistoryAction::from_stored(""), None);
    }
}
