//! Federation between hubs: which hub serves which level-1 unit (the `Axx` of an agency code),
//! where a recipient's next hop is, and who may relay what. Checked once, at start.
//!
//! - standalone: one hub serves every agency in its directory (no peers);
//! - provincial: serves its own units (hub `H48` serves `H48` and `K48`) and passes everything
//!   else to the national hub;
//! - national: routes each provincial hub's units to it and serves all the others.
//!
//! Routes that would loop are refused at start where they can be seen: a route or a national
//! endpoint that leads back to the hub itself, two provinces routed to one endpoint. What cannot
//! be seen at start (two hubs each routing a unit to the other) is caught at run time: lookups
//! carry a hop count and are refused beyond two hops.
use std::{
    collections::{BTreeMap, BTreeSet},
    net::{IpAddr, SocketAddr},
};

use lienthong_axis::agency::is_unit;
use thiserror::Error;

/// The national hub's id (its certificate is `spiffe://<td>/hub/national`).
pub const NATIONAL: &str = "national";

/// The request metadata that carries how many hubs a lookup has been passed on to.
pub const HOPS_METADATA: &str = "lienthong-hops";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    Standalone,
    Provincial,
    National,
}

impl Role {
    pub fn name(&self) -> &'static str {
        match self {
            Role::Standalone => "standalone",
            Role::Provincial => "provincial",
            Role::National => "national",
        }
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("LIENTHONG_HUB_ROLE: {0:?} is not standalone, provincial or national")]
    Role(String),
    #[error("LIENTHONG_NATIONAL_ENDPOINT is required for a provincial hub")]
    NoNational,
    #[error("LIENTHONG_HUB_ID: a national hub's id is {NATIONAL:?}, not {0:?}")]
    NationalId(String),
    #[error("{0}: {1:?} is not a level-1 unit (a capital letter and two digits, e.g. H48)")]
    Unit(&'static str, String),
    #[error("level-1 unit {0} is served twice (by {1} and {2})")]
    ServedTwice(String, String, String),
    #[error(
        "LIENTHONG_HUB_ROUTES: the route for {0} leads nowhere ({1:?} is not an https:// endpoint)"
    )]
    Nowhere(String, String),
    #[error("LIENTHONG_HUB_ROUTES: {0:?} is not HUB=https://host:port")]
    RouteSyntax(String),
    #[error(
        "LIENTHONG_HUB_ROUTES is only for the national hub, LIENTHONG_NATIONAL_ENDPOINT only for a provincial hub"
    )]
    Misplaced,
    #[error(
        "{setting}: {endpoint} (for {hub}) leads back to this hub, which listens on {listen}: \
         documents and lookups for it would loop; give the other hub's address"
    )]
    LeadsToItself {
        setting: &'static str,
        hub: String,
        endpoint: String,
        listen: SocketAddr,
    },
    #[error(
        "LIENTHONG_HUB_ROUTES: {0} and {1} are both routed to {2}; one hub serves one province, \
         and the other province's documents would be relayed back and forth"
    )]
    SharedEndpoint(String, String, String),
}

/// The host and port of an `https://host[:port][/…]` endpoint (port 443 by default).
fn host_port(endpoint: &str) -> Option<(String, u16)> {
    let rest = endpoint.strip_prefix("https://")?;
    let authority = rest.split('/').next()?;
    let authority = authority.rsplit('@').next()?;
    if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None => 443,
        };
        return Some((host.to_string(), port));
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => Some((host.to_string(), port.parse().ok()?)),
        None => Some((authority.to_string(), 443)),
    }
}

/// Whether `endpoint` is the address this hub listens on (as far as can be told without
/// resolving names: an IP address, or `localhost`, on the same port).
pub fn leads_to(endpoint: &str, listen: SocketAddr) -> bool {
    let Some((host, port)) = host_port(endpoint) else {
        return false;
    };
    if port != listen.port() {
        return false;
    }
    let ip = if host.eq_ignore_ascii_case("localhost") {
        None
    } else {
        match host.parse::<IpAddr>() {
            Ok(ip) => Some(ip),
            // A name: cannot be told here.
            Err(_) => return false,
        }
    };
    let own = listen.ip();
    match ip {
        Some(ip) => {
            ip == own || (own.is_unspecified() && (ip.is_loopback() || ip.is_unspecified()))
        }
        None => own.is_loopback() || own.is_unspecified(),
    }
}

/// Whether two endpoints name the same host and port (letter case and a trailing `/` aside).
fn same_endpoint(a: &str, b: &str) -> bool {
    let norm = |e: &str| host_port(e).map(|(h, p)| (h.to_ascii_lowercase(), p));
    match (norm(a), norm(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a.trim_end_matches('/') == b.trim_end_matches('/'),
    }
}

/// The level-1 unit of an agency code (`000.00.53.H48` → `H48`).
pub fn unit_of(code: &str) -> &str {
    code.rsplit('.').next().unwrap_or(code)
}

/// The units a provincial hub serves by convention: its own `Hxx` and the council `Kxx`.
pub fn default_units(hub_id: &str) -> Vec<String> {
    match hub_id.strip_prefix('H') {
        Some(n) if is_unit(hub_id) => vec![hub_id.to_string(), format!("K{n}")],
        _ => vec![hub_id.to_string()],
    }
}

/// Where a recipient is reached from this hub.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hop {
    Local,
    Peer(String),
}

/// The routing of one hub, checked at start.
#[derive(Clone, Debug)]
pub struct Routing {
    pub hub_id: String,
    pub role: Role,
    /// Provincial: the units served here.
    pub serves: BTreeSet<String>,
    /// Provincial: the national hub's endpoint. National: each provincial hub's endpoint.
    pub peers: BTreeMap<String, String>,
    /// National: unit → provincial hub id.
    pub routes: BTreeMap<String, String>,
}

impl Routing {
    /// Builds and checks the routing from the configuration strings.
    pub fn new(
        hub_id: &str,
        role: &str,
        serves: Option<&str>,
        national_endpoint: Option<&str>,
        routes: Option<&str>,
    ) -> Result<Self, ConfigError> {
        let role = match role {
            "standalone" => Role::Standalone,
            "provincial" => Role::Provincial,
            "national" => Role::National,
            other => return Err(ConfigError::Role(other.to_string())),
        };
        let mut routing = Routing {
            hub_id: hub_id.to_string(),
            role: role.clone(),
            serves: BTreeSet::new(),
            peers: BTreeMap::new(),
            routes: BTreeMap::new(),
        };
        match role {
            Role::Standalone => {
                if national_endpoint.is_some() || routes.is_some() {
                    return Err(ConfigError::Misplaced);
                }
            }
            Role::Provincial => {
                if routes.is_some() {
                    return Err(ConfigError::Misplaced);
                }
                let national = national_endpoint.ok_or(ConfigError::NoNational)?;
                routing.provincial(serves, national)?;
            }
            Role::National => {
                if national_endpoint.is_some() {
                    return Err(ConfigError::Misplaced);
                }
                if hub_id != NATIONAL {
                    return Err(ConfigError::NationalId(hub_id.into()));
                }
                routing.national(routes.unwrap_or(""))?;
            }
        }
        Ok(routing)
    }

    /// A provincial hub: the units it serves (default: its own Hxx and Kxx) and the national
    /// hub beyond.
    fn provincial(&mut self, serves: Option<&str>, national: &str) -> Result<(), ConfigError> {
        if !national.starts_with("https://") {
            return Err(ConfigError::Nowhere(NATIONAL.into(), national.into()));
        }
        let units: Vec<String> = match serves {
            Some(list) => list
                .split(',')
                .map(|u| u.trim().to_string())
                .filter(|u| !u.is_empty())
                .collect(),
            None => default_units(&self.hub_id),
        };
        for unit in units {
            if !is_unit(&unit) {
                return Err(ConfigError::Unit("LIENTHONG_HUB_SERVES", unit));
            }
            if !self.serves.insert(unit.clone()) {
                return Err(ConfigError::ServedTwice(
                    unit,
                    self.hub_id.clone(),
                    self.hub_id.clone(),
                ));
            }
        }
        self.peers.insert(NATIONAL.into(), national.into());
        Ok(())
    }

    /// The national hub: `HUB=https://…` per provincial hub, each serving its Hxx and Kxx.
    fn national(&mut self, routes: &str) -> Result<(), ConfigError> {
        for entry in routes.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (hub, endpoint) = entry
                .split_once('=')
                .ok_or_else(|| ConfigError::RouteSyntax(entry.into()))?;
            let (hub, endpoint) = (hub.trim(), endpoint.trim());
            if !is_unit(hub) {
                return Err(ConfigError::Unit("LIENTHONG_HUB_ROUTES", hub.into()));
            }
            if !endpoint.starts_with("https://") || endpoint.len() <= "https://".len() {
                return Err(ConfigError::Nowhere(hub.into(), endpoint.into()));
            }
            for unit in default_units(hub) {
                if let Some(other) = self.routes.insert(unit.clone(), hub.into()) {
                    return Err(ConfigError::ServedTwice(unit, other, hub.into()));
                }
            }
            if let Some((other, _)) = self.peers.iter().find(|(_, e)| same_endpoint(e, endpoint)) {
                return Err(ConfigError::SharedEndpoint(
                    other.clone(),
                    hub.into(),
                    endpoint.into(),
                ));
            }
            self.peers.insert(hub.into(), endpoint.into());
        }
        Ok(())
    }

    /// Refuses a route or national endpoint that leads back to this hub, listening on `listen`.
    pub fn check_not_itself(&self, listen: SocketAddr) -> Result<(), ConfigError> {
        let setting = match self.role {
            Role::National => "LIENTHONG_HUB_ROUTES",
            _ => "LIENTHONG_NATIONAL_ENDPOINT",
        };
        match self.peers.iter().find(|(_, e)| leads_to(e, listen)) {
            Some((hub, endpoint)) => Err(ConfigError::LeadsToItself {
                setting,
                hub: hub.clone(),
                endpoint: endpoint.clone(),
                listen,
            }),
            None => Ok(()),
        }
    }

    /// Where an agency is reached from here.
    pub fn hop(&self, code: &str) -> Hop {
        let unit = unit_of(code);
        match self.role {
            Role::Standalone => Hop::Local,
            Role::Provincial if self.serves.contains(unit) => Hop::Local,
            Role::Provincial => Hop::Peer(NATIONAL.into()),
            Role::National => match self.routes.get(unit) {
                Some(hub) => Hop::Peer(hub.clone()),
                None => Hop::Local,
            },
        }
    }

    /// The hub id of a leg's recipient as shown to senders.
    pub fn hub_of(&self, code: &str) -> String {
        match self.hop(code) {
            Hop::Local => self.hub_id.clone(),
            Hop::Peer(p) => p,
        }
    }

    /// Whether hub `caller` may hand this hub documents and statuses of `sender`'s documents.
    /// The national hub takes from a provincial hub only what its agencies sent; a provincial
    /// hub takes only from the national hub.
    pub fn may_relay(&self, caller: &str, sender: &str) -> bool {
        match self.role {
            Role::Standalone => false,
            Role::Provincial => caller == NATIONAL,
            Role::National => self
                .routes
                .get(unit_of(sender))
                .is_some_and(|hub| hub == caller),
        }
    }

    /// Whether a status update from hub `caller` about a leg may be applied here: it must come
    /// from the side of the recipient (for statuses going to the sender) or of the sender (for
    /// a revoke request going to the recipient).
    pub fn may_relay_status(
        &self,
        caller: &str,
        sender: &str,
        recipient: &str,
        to_agency: &str,
    ) -> bool {
        let from_side = if to_agency == recipient {
            sender
        } else {
            recipient
        };
        match self.role {
            Role::Standalone => false,
            Role::Provincial => caller == NATIONAL,
            Role::National => self
                .routes
                .get(unit_of(from_side))
                .is_some_and(|hub| hub == caller),
        }
    }

    /// The units this hub serves, for the operator (national: "every unit but" the routed ones).
    pub fn served_units(&self) -> Vec<String> {
        match self.role {
            Role::Standalone => vec!["*".into()],
            Role::Provincial => self.serves.iter().cloned().collect(),
            Role::National => {
                let routed: Vec<&String> = self.routes.keys().collect();
                vec![format!(
                    "* except {}",
                    routed
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provincial_routing() {
        let r = Routing::new(
            "H48",
            "provincial",
            None,
            Some("https://national:7443"),
            None,
        )
        .unwrap();
        assert_eq!(r.hop("000.00.53.H48"), Hop::Local);
        assert_eq!(r.hop("000.00.00.K48"), Hop::Local);
        assert_eq!(r.hop("000.00.00.G22"), Hop::Peer(NATIONAL.into()));
        assert_eq!(r.hop("000.00.00.H41"), Hop::Peer(NATIONAL.into()));
        assert!(r.may_relay(NATIONAL, "000.00.00.H41"));
        assert!(!r.may_relay("H41", "000.00.00.H41"));
    }

    #[test]
    fn national_routing() {
        let r = Routing::new(
            "national",
            "national",
            None,
            None,
            Some("H48=https://a:1, H41=https://b:2"),
        )
        .unwrap();
        assert_eq!(r.hop("000.00.00.G22"), Hop::Local);
        assert_eq!(r.hop("000.00.53.H48"), Hop::Peer("H48".into()));
        assert_eq!(r.hop("000.00.00.K41"), Hop::Peer("H41".into()));
        assert!(r.may_relay("H48", "000.00.53.H48"));
        assert!(
            !r.may_relay("H41", "000.00.53.H48"),
            "H41 relays only for its own agencies"
        );
        assert!(!r.may_relay("H48", "000.00.00.G22"));
    }

    #[test]
    fn routes_that_loop_are_refused_at_start() {
        let listen: SocketAddr = "127.0.0.1:7443".parse().unwrap();
        let national = Routing::new(
            "national",
            "national",
            None,
            None,
            Some("H48=https://127.0.0.1:7443"),
        )
        .unwrap();
        let e = national.check_not_itself(listen).unwrap_err();
        assert!(e.to_string().contains("leads back to this hub"), "{e}");
        let provincial = Routing::new(
            "H48",
            "provincial",
            None,
            Some("https://localhost:7443/"),
            None,
        )
        .unwrap();
        assert!(matches!(
            provincial.check_not_itself(listen),
            Err(ConfigError::LeadsToItself {
                setting: "LIENTHONG_NATIONAL_ENDPOINT",
                ..
            })
        ));
        let any: SocketAddr = "0.0.0.0:7443".parse().unwrap();
        assert!(provincial.check_not_itself(any).is_err());
        // Another port, another host, or a name that cannot be told: not refused here.
        for other in [
            "https://127.0.0.1:7444",
            "https://10.0.0.2:7443",
            "https://n.gov.vn:7443",
        ] {
            let r = Routing::new("H48", "provincial", None, Some(other), None).unwrap();
            assert!(r.check_not_itself(listen).is_ok(), "{other}");
        }
        let shared = Routing::new(
            "national",
            "national",
            None,
            None,
            Some("H48=https://h:1,H41=https://H:1/"),
        )
        .unwrap_err();
        assert_eq!(
            shared,
            ConfigError::SharedEndpoint("H48".into(), "H41".into(), "https://H:1/".into())
        );
        assert!(shared.to_string().contains("both routed to"), "{shared}");
        assert_eq!(host_port("https://[::1]:9"), Some(("::1".into(), 9)));
        assert_eq!(host_port("https://a.b"), Some(("a.b".into(), 443)));
    }

    #[test]
    fn bad_configurations_name_the_problem() {
        let twice = Routing::new(
            "national",
            "national",
            None,
            None,
            Some("H48=https://a:1,H48=https://b:2"),
        )
        .unwrap_err();
        assert_eq!(
            twice,
            ConfigError::ServedTwice("H48".into(), "H48".into(), "H48".into())
        );
        assert!(twice.to_string().contains("H48 is served twice"));
        let nowhere = Routing::new("national", "national", None, None, Some("H41=")).unwrap_err();
        assert!(
            nowhere.to_string().contains("route for H41 leads nowhere"),
            "{nowhere}"
        );
        assert_eq!(
            Routing::new("H48", "provincial", None, None, None).unwrap_err(),
            ConfigError::NoNational
        );
        assert!(matches!(
            Routing::new("H48", "national", None, None, None),
            Err(ConfigError::NationalId(_))
        ));
        assert!(matches!(
            Routing::new("H48", "federal", None, None, None),
            Err(ConfigError::Role(_))
        ));
        assert!(matches!(
            Routing::new(
                "H48",
                "provincial",
                Some("H48,x"),
                Some("https://n:1"),
                None
            ),
            Err(ConfigError::Unit(..))
        ));
    }
}
