//! Who did something, written as the kind and name of its identity: `agency/000.00.12.H48` for
//! an agency, `service/exchange` for the hub's intake, `service/tasks` for the events this
//! service raises itself (near deadline, overdue). History entries, events and extension
//! requests keep their actor so.
use lienthong_axis::AgencyCode;
use lienthong_platform::Identity;

/// The name this service's own identity carries (`spiffe://<td>/service/tasks`).
pub const THIS_SERVICE: &str = "tasks";

/// An identity as an actor.
pub fn of(identity: &Identity) -> String {
    identity.to_string()
}

/// An agency as an actor.
pub fn agency(code: &AgencyCode) -> String {
    of(&Identity::Agency(code.clone()))
}

/// A service as an actor.
pub fn service(name: &str) -> String {
    of(&Identity::Service(name.to_string()))
}

/// This service, raising events as time passes.
pub fn this_service() -> String {
    service(THIS_SERVICE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_are_identities() {
        let code = AgencyCode::parse("f", "000.00.12.H48").unwrap();
        assert_eq!(agency(&code), "agency/000.00.12.H48");
        assert_eq!(service("exchange"), "service/exchange");
        assert_eq!(this_service(), "service/tasks");
    }
}
