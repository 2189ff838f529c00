//! The agencies a hub registers: those it serves, each with a valid code and a name, its
//! free text within the text policy.
use lienthong_api::exchange::v1::Agency;
use lienthong_axis::AgencyCode;
use lienthong_platform::error::Violations;

use crate::{
    domain::{
        content,
        routing::{Hop, Routing},
    },
    error::{ExchangeError, Result},
};

/// Checks an agency to register here: one served by another hub is registered there
/// (refused first), then its code and name are checked together.
pub fn check_registration(agency: Option<&Agency>, routing: &Routing) -> Result<AgencyCode> {
    let agency = agency.ok_or_else(|| ExchangeError::invalid("agency", "is required"))?;
    if let Ok(code) = AgencyCode::parse("agency.code", &agency.code)
        && let Hop::Peer(hub) = routing.hop(code.as_str())
    {
        return Err(ExchangeError::RegisterElsewhere { code, hub });
    }
    let mut v = Violations::new();
    let code = v.check(AgencyCode::parse("agency.code", &agency.code));
    if agency.name.trim().is_empty() {
        v.push("agency.name", "is required");
    }
    content::agency_text(&mut v, "agency", agency);
    v.into_result()?;
    code.ok_or_else(|| ExchangeError::internal("a checked agency code is missing"))
}

#[cfg(test)]
mod tests {
    use lienthong_platform::error::ApiError;

    use super::*;

    #[test]
    fn registrations() {
        let routing = Routing::new(
            "H48",
            "provincial",
            None,
            Some("https://national:7443"),
            None,
        )
        .unwrap();
        let agency = |code: &str, name: &str| Agency {
            code: code.into(),
            name: name.into(),
            ..Default::default()
        };
        assert!(check_registration(Some(&agency("000.00.21.H48", "Sở Y tế")), &routing).is_ok());
        let e = check_registration(Some(&agency("000.00.00.H41", "x")), &routing).unwrap_err();
        assert_eq!(
            e.to_string(),
            "agency.code: 000.00.00.H41 is served by hub national; register it there"
        );
        let e = check_registration(Some(&agency("SYT", " ")), &routing).unwrap_err();
        assert_eq!(
            e.to_string(),
            "agency.code: \"SYT\" is not an agency code of the form DDD.CC.BB.Axx \
             (e.g. 000.00.00.H48); agency.name: is required"
        );
        assert!(check_registration(None, &routing).is_err());
        let e = check_registration(
            Some(&Agency {
                email: "a@b\r\nBcc: c@d".into(),
                website: "x".repeat(501),
                ..agency("000.00.21.H48", "Sở\u{202e}Y tế")
            }),
            &routing,
        )
        .unwrap_err();
        let fields: Vec<&str> = e.violations().iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["agency.name", "agency.email", "agency.website"]);
    }
}
