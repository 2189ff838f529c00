//! The parties of a task and the role a caller plays in it.
use lienthong_axis::AgencyCode;

/// A caller's part in a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Assigner,
    Lead,
    Coordinator,
    /// An admin reading.
    Admin,
}

impl Role {
    /// How refusals name the role.
    pub const fn name(self) -> &'static str {
        match self {
            Role::Assigner => "the assigner",
            Role::Lead => "the lead agency",
            Role::Coordinator => "a coordinating agency",
            Role::Admin => "an admin",
        }
    }
}

/// Who reads tasks: an agency (the tasks it takes part in) or an admin (every task).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Viewer {
    Agency(AgencyCode),
    Admin,
}

/// The agencies of a task.
#[derive(Clone, Copy, Debug)]
pub struct Parties<'a> {
    pub assigner: &'a AgencyCode,
    pub lead: &'a AgencyCode,
    pub coordinators: &'a [AgencyCode],
}

impl Parties<'_> {
    /// Everyone taking part, each once: assigner, lead, then coordinators.
    pub fn all(&self) -> Vec<AgencyCode> {
        let mut out = vec![self.assigner.clone(), self.lead.clone()];
        for c in self.coordinators {
            if !out.contains(c) {
                out.push(c.clone());
            }
        }
        out
    }
}

impl Viewer {
    /// The viewer's role in a task, or `None` when it takes no part.
    pub fn role_in(&self, parties: &Parties<'_>) -> Option<Role> {
        match self {
            Viewer::Admin => Some(Role::Admin),
            Viewer::Agency(a) => role_of(a, parties),
        }
    }
}

/// An agency's role in a task, or `None` when it takes no part.
pub fn role_of(agency: &AgencyCode, parties: &Parties<'_>) -> Option<Role> {
    if agency == parties.assigner {
        Some(Role::Assigner)
    } else if agency == parties.lead {
        Some(Role::Lead)
    } else if parties.coordinators.contains(agency) {
        Some(Role::Coordinator)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> AgencyCode {
        AgencyCode::parse("f", s).unwrap()
    }

    #[test]
    fn roles_of_the_parties() {
        let (a, l, c, x) = (
            code("000.00.00.H48"),
            code("000.00.09.H48"),
            code("000.00.12.H48"),
            code("000.00.00.G22"),
        );
        let coordinators = [c.clone(), a.clone()];
        let p = Parties {
            assigner: &a,
            lead: &l,
            coordinators: &coordinators,
        };
        assert_eq!(role_of(&a, &p), Some(Role::Assigner));
        assert_eq!(role_of(&l, &p), Some(Role::Lead));
        assert_eq!(role_of(&c, &p), Some(Role::Coordinator));
        assert_eq!(role_of(&x, &p), None);
        assert_eq!(Viewer::Admin.role_in(&p), Some(Role::Admin));
        assert_eq!(Viewer::Agency(x).role_in(&p), None);
        assert_eq!(p.all(), vec![a, l, c]);
    }
}
