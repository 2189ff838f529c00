//! `lienthong pki`: a development CA on disk (see `lienthong_platform::pki`).
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use lienthong_axis::AgencyCode;
use lienthong_platform::{
    Identity,
    pki::{DevCa, KeyAccess, label_of},
};
use serde_json::{Value, json};

use crate::Global;

/// The hub's built-in seed agencies; `pki init` issues a certificate to each.
const SEED_AGENCIES: &str = include_str!("../../../services/exchange/seed/agencies.json");

#[derive(Subcommand, Debug)]
pub enum PkiCommand {
    /// Create the CA and CRL, and certificates for the hubs, the services, an admin and every
    /// seed agency. Issues only what is missing when the directory already exists.
    Init {
        #[command(flatten)]
        dir: DirArg,
        /// The hubs' ids (their certificates are hub-<ID>); repeat for several.
        #[arg(long = "hub-id", value_name = "ID", default_values_t = ["national".to_string(), "H48".to_string(), "H41".to_string()])]
        hub_ids: Vec<String>,
        /// Certificates for a deployment: `compose` adds each server's compose service name
        /// (hub id in lower case, tasks, reporting) as a DNS name and writes the keys
        /// group-readable (0640) for the containers' group, gid 10001.
        #[arg(long, value_name = "TARGET")]
        deploy: Option<Deploy>,
    },
    /// Issue (or re-issue) a certificate.
    Issue(IssueArgs),
    /// Revoke a certificate by label (e.g. agency-000.00.00.H48) and rewrite the CRL.
    Revoke {
        #[command(flatten)]
        dir: DirArg,
        /// The certificate's label.
        label: String,
    },
    /// List the certificates issued by the CA.
    List {
        #[command(flatten)]
        dir: DirArg,
    },
}

/// Where the certificates of `pki init --deploy` are used.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deploy {
    /// deploy/compose.yaml: services reached as https://national:7443, https://h48:7443, ...
    Compose,
}

/// The group id of the user the image runs as (deploy/Dockerfile).
pub const CONTAINER_GID: u32 = 10001;

/// The DNS names (besides localhost and the loopback addresses) a certificate needs in
/// `deploy`: the compose service name under which the others call that server.
fn deploy_names(deploy: Option<Deploy>, id: &Identity) -> Vec<String> {
    match (deploy, id) {
        (Some(Deploy::Compose), Identity::Hub(hub)) => vec![hub.to_lowercase()],
        (Some(Deploy::Compose), Identity::Service(s)) if s == "tasks" || s == "reporting" => {
            vec![s.clone()]
        }
        _ => Vec::new(),
    }
}

#[derive(Args, Debug)]
pub struct DirArg {
    /// The PKI directory; default: --pki (LIENTHONG_PKI).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

impl DirArg {
    fn resolve(&self, global: &Global) -> Result<PathBuf> {
        self.dir
            .clone()
            .or_else(|| global.pki.clone())
            .ok_or_else(|| anyhow!("which PKI directory? pass --dir DIR (or --pki DIR)"))
    }
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("identity").required(true).args(["agency", "service", "hub", "admin"])))]
pub struct IssueArgs {
    #[command(flatten)]
    pub dir: DirArg,
    /// An agency, by code (000.00.00.H48).
    #[arg(long, value_name = "CODE")]
    pub agency: Option<String>,
    /// A service (tasks, reporting, ...).
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
    /// A hub, by id (H48, national).
    #[arg(long, value_name = "ID")]
    pub hub: Option<String>,
    /// An operator.
    #[arg(long, value_name = "NAME")]
    pub admin: Option<String>,
    /// Extra DNS name for the certificate (besides localhost, 127.0.0.1 and ::1); repeatable.
    #[arg(long = "dns", value_name = "NAME")]
    pub dns: Vec<String>,
}

impl IssueArgs {
    fn identity(&self) -> Result<Identity> {
        if let Some(c) = &self.agency {
            Ok(Identity::Agency(AgencyCode::parse("--agency", c)?))
        } else if let Some(s) = &self.service {
            Ok(Identity::Service(s.clone()))
        } else if let Some(h) = &self.hub {
            Ok(Identity::Hub(h.clone()))
        } else if let Some(a) = &self.admin {
            Ok(Identity::Admin(a.clone()))
        } else {
            Err(anyhow!("pass one of --agency, --service, --hub or --admin"))
        }
    }
}

fn seed_agency_codes() -> Result<Vec<AgencyCode>> {
    let seed: Value =
        serde_json::from_str(SEED_AGENCIES).context("the built-in seed agencies are not JSON")?;
    let list = seed
        .as_array()
        .ok_or_else(|| anyhow!("the built-in seed agencies are not a JSON array"))?;
    list.iter()
        .map(|a| {
            a.get("code")
                .and_then(Value::as_str)
                .ok_or_else(|| anyhow!("a built-in seed agency has no code"))
                .and_then(|code| {
                    AgencyCode::parse("seed agency code", code)
                        .context("the built-in seed agencies")
                })
        })
        .collect()
}

fn cert_line(ca: &DevCa, id: &Identity) -> Value {
    let files = ca.files_for(id);
    json!({
        "label": label_of(id),
        "spiffe_id": id.spiffe_uri(ca.trust_domain()),
        "cert": files.cert.display().to_string(),
        "key": files.key.display().to_string(),
    })
}

/// Issues what is missing; in a deployment, also re-issues a certificate that lacks its
/// service name and gives an existing key the deployment's mode. Returns (issued, kept labels).
fn issue_missing(
    ca: &mut DevCa,
    wanted: &[Identity],
    deploy: Option<Deploy>,
) -> Result<(Vec<Value>, Vec<String>)> {
    let mut issued = Vec::new();
    let mut kept = Vec::new();
    for id in wanted {
        let names = deploy_names(deploy, id);
        let files = ca.files_for(id);
        let complete = files.cert.exists()
            && files.key.exists()
            && (names.is_empty() || {
                let has = ca.dns_names(id)?;
                names.iter().all(|n| has.contains(n))
            });
        if complete {
            if deploy.is_some() {
                ca.apply_key_access(id)?;
            }
            kept.push(label_of(id));
        } else {
            ca.issue(id, &names)?;
            issued.push(cert_line(ca, id));
        }
    }
    Ok((issued, kept))
}

fn init(global: &Global, dir: &Path, hub_ids: &[String], deploy: Option<Deploy>) -> Result<()> {
    let existed = dir.join("index.json").exists();
    let mut ca = DevCa::init(dir, &global.trust_domain)?;
    let access = match deploy {
        Some(_) => KeyAccess::Group,
        None => KeyAccess::Owner,
    };
    ca.set_key_access(access);
    let mut wanted: Vec<Identity> = hub_ids.iter().map(|h| Identity::Hub(h.clone())).collect();
    wanted.extend([
        Identity::Service("exchange".into()),
        Identity::Service("tasks".into()),
        Identity::Service("reporting".into()),
        Identity::Admin("operator".into()),
    ]);
    wanted.extend(seed_agency_codes()?.into_iter().map(Identity::Agency));
    let (issued, kept) = issue_missing(&mut ca, &wanted, deploy)?;
    let group_hint = deploy.map(|_| {
        format!(
            "keys are 0640 (the CA key stays 0600): give the containers' group read access with \
             `chgrp -R {CONTAINER_GID} {dir}`, or run them with `--group-add $(id -g)`",
            dir = dir.display()
        )
    });
    if global.json {
        println!(
            "{}",
            json!({
                "dir": dir.display().to_string(),
                "trust_domain": ca.trust_domain(),
                "ca_created": !existed,
                "ca": ca.ca_path().display().to_string(),
                "crl": ca.crl_path().display().to_string(),
                "issued": issued,
                "kept": kept,
                "deploy": deploy.map(|d| format!("{d:?}").to_lowercase()),
                "key_mode": format!("{:o}", access.mode()),
                "hint": group_hint,
            })
        );
        return Ok(());
    }
    if existed {
        println!(
            "PKI {} already initialised (trust domain {})",
            dir.display(),
            ca.trust_domain()
        );
    } else {
        println!(
            "created CA {} and CRL {} (trust domain {})",
            ca.ca_path().display(),
            ca.crl_path().display(),
            ca.trust_domain()
        );
    }
    for line in &issued {
        println!(
            "issued {:<28} {}",
            line["label"].as_str().unwrap_or_default(),
            line["spiffe_id"].as_str().unwrap_or_default()
        );
    }
    if issued.is_empty() {
        println!("nothing to issue: all {} certificates exist", kept.len());
    } else if !kept.is_empty() {
        println!("kept {} existing certificates", kept.len());
    }
    if let Some(hint) = group_hint {
        println!("{hint}");
    }
    Ok(())
}

pub fn run(global: &Global, command: PkiCommand) -> Result<()> {
    match command {
        PkiCommand::Init {
            dir,
            hub_ids,
            deploy,
        } => init(global, &dir.resolve(global)?, &hub_ids, deploy),
        PkiCommand::Issue(args) => issue(global, &args),
        PkiCommand::Revoke { dir, label } => revoke(global, &dir.resolve(global)?, &label),
        PkiCommand::List { dir } => list(global, &dir.resolve(global)?),
    }
}

fn issue(global: &Global, args: &IssueArgs) -> Result<()> {
    let dir = args.dir.resolve(global)?;
    let id = args.identity()?;
    let mut ca = DevCa::open(&dir)?;
    let files = ca.issue(&id, &args.dns)?;
    if global.json {
        let mut line = cert_line(&ca, &id);
        line["ca"] = json!(files.ca.display().to_string());
        line["crl"] = json!(files.crl.map(|p| p.display().to_string()));
        println!("{line}");
    } else {
        println!(
            "issued {} ({})",
            label_of(&id),
            id.spiffe_uri(ca.trust_domain())
        );
        println!("  cert: {}", files.cert.display());
        println!("  key:  {}", files.key.display());
        println!("  ca:   {}", files.ca.display());
        if let Some(crl) = files.crl {
            println!("  crl:  {}", crl.display());
        }
    }
    Ok(())
}

fn revoke(global: &Global, dir: &Path, label: &str) -> Result<()> {
    let mut ca = DevCa::open(dir)?;
    ca.revoke(label)?;
    if global.json {
        println!(
            "{}",
            json!({"revoked": label, "crl": ca.crl_path().display().to_string()})
        );
    } else {
        println!(
            "revoked {label}; CRL rewritten at {} (servers reload it within seconds)",
            ca.crl_path().display()
        );
    }
    Ok(())
}

fn list(global: &Global, dir: &Path) -> Result<()> {
    let ca = DevCa::open(dir)?;
    let issued = ca.issued();
    if global.json {
        println!(
            "{}",
            json!({
                "dir": dir.display().to_string(),
                "trust_domain": ca.trust_domain(),
                "certificates": issued.iter().map(|(label, spiffe, revoked)| json!({
                    "label": label,
                    "spiffe_id": spiffe,
                    "revoked": revoked,
                })).collect::<Vec<_>>(),
            })
        );
    } else {
        println!(
            "PKI {} (trust domain {}): {} certificates",
            dir.display(),
            ca.trust_domain(),
            issued.len()
        );
        for (label, spiffe, revoked) in issued {
            println!(
                "  {label:<28} {spiffe}{}",
                if revoked { "  REVOKED" } else { "" }
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_agencies_have_agency_codes() {
        let codes = seed_agency_codes().unwrap();
        assert!(codes.len() > 3, "{codes:?}");
        assert!(codes.iter().any(|c| c == "000.00.00.H48"), "{codes:?}");
    }

    #[test]
    fn compose_names_the_servers_by_their_service_names() {
        let names = |id: Identity| deploy_names(Some(Deploy::Compose), &id);
        assert_eq!(names(Identity::Hub("H48".into())), ["h48"]);
        assert_eq!(names(Identity::Hub("national".into())), ["national"]);
        assert_eq!(names(Identity::Service("tasks".into())), ["tasks"]);
        assert_eq!(names(Identity::Service("reporting".into())), ["reporting"]);
        assert!(names(Identity::Service("exchange".into())).is_empty());
        assert!(names(Identity::Admin("operator".into())).is_empty());
        assert!(deploy_names(None, &Identity::Hub("H48".into())).is_empty());
    }

    #[test]
    fn issue_names_one_identity() {
        let args = |agency: Option<&str>, admin: Option<&str>| IssueArgs {
            dir: DirArg { dir: None },
            agency: agency.map(str::to_string),
            service: None,
            hub: None,
            admin: admin.map(str::to_string),
            dns: vec![],
        };
        assert!(matches!(
            args(Some("000.00.12.H48"), None).identity(),
            Ok(Identity::Agency(c)) if c == "000.00.12.H48"
        ));
        assert!(matches!(
            args(None, Some("operator")).identity(),
            Ok(Identity::Admin(n)) if n == "operator"
        ));
        let e = args(Some("H48"), None).identity().unwrap_err();
        assert_eq!(
            e.to_string(),
            "--agency: \"H48\" is not an agency code of the form DDD.CC.BB.Axx \
             (e.g. 000.00.00.H48)"
        );
        assert!(args(None, None).identity().is_err());
    }
}
