//! The hub's agency directory: `lienthong agencies` (read) and `lienthong agency` (admin).
use anyhow::{Result, bail};
use clap::Subcommand;
use lienthong_api::exchange::v1::{
    Agency, GetAgencyRequest, ListAgenciesRequest, RegisterAgencyRequest, RemoveAgencyRequest,
};
use serde_json::json;

use crate::{Global, conn, render};

#[derive(Subcommand, Debug)]
pub enum AgencyCommand {
    /// Register an agency, or update it if the code exists.
    Register {
        /// Agency code DDD.CC.BB.Axx.
        #[arg(long)]
        code: String,
        /// Official name.
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long, default_value = "")]
        phone: String,
        #[arg(long, default_value = "")]
        address: String,
        #[arg(long, default_value = "")]
        website: String,
    },
    /// Remove an agency (documents already stored are kept).
    Remove {
        /// Agency code.
        code: String,
    },
}

/// `lienthong agencies [CODE]`.
pub async fn agencies(g: &Global, code: Option<String>) -> Result<()> {
    match code {
        Some(code) => show(g, code).await,
        None => list(g).await,
    }
}

async fn show(g: &Global, code: String) -> Result<()> {
    let mut client = conn::directory(g).await?;
    let r = client
        .get_agency(GetAgencyRequest { code })
        .await?
        .into_inner();
    let Some(a) = r.agency else {
        bail!("the hub answered without the agency");
    };
    if g.json {
        println!("{}", render::agency_json(&a));
    } else {
        print!("{}", detail_text(&a));
    }
    Ok(())
}

/// The code and name, then each contact field that is filled in.
pub fn detail_text(a: &Agency) -> String {
    let mut out = format!("{}  {}\n", a.code, a.name);
    for (label, value) in [
        ("email", &a.email),
        ("phone", &a.phone),
        ("address", &a.address),
        ("website", &a.website),
    ] {
        if !value.is_empty() {
            out.push_str(&format!("  {label:<8} {value}\n"));
        }
    }
    out
}

async fn list(g: &Global) -> Result<()> {
    let mut client = conn::directory(g).await?;
    let r = client
        .list_agencies(ListAgenciesRequest {})
        .await?
        .into_inner();
    if g.json {
        println!(
            "{}",
            json!({"agencies": r.agencies.iter().map(render::agency_json).collect::<Vec<_>>()})
        );
    } else {
        for a in &r.agencies {
            println!("{:<15} {}", a.code, a.name);
        }
    }
    Ok(())
}

/// `lienthong agency register|remove`.
pub async fn agency(g: &Global, command: AgencyCommand) -> Result<()> {
    match command {
        AgencyCommand::Register {
            code,
            name,
            email,
            phone,
            address,
            website,
        } => {
            let agency = Agency {
                code,
                name,
                email,
                phone,
                address,
                website,
            };
            register(g, agency).await
        }
        AgencyCommand::Remove { code } => remove(g, code).await,
    }
}

async fn register(g: &Global, agency: Agency) -> Result<()> {
    let mut client = conn::directory(g).await?;
    let r = client
        .register_agency(RegisterAgencyRequest {
            agency: Some(agency),
        })
        .await?
        .into_inner();
    let a = r.agency.unwrap_or_default();
    if g.json {
        println!(
            "{}",
            json!({"agency": render::agency_json(&a), "created": r.created})
        );
    } else {
        println!(
            "{} {}",
            if r.created { "registered" } else { "updated" },
            render::agency_text(&a)
        );
    }
    Ok(())
}

async fn remove(g: &Global, code: String) -> Result<()> {
    let mut client = conn::directory(g).await?;
    client
        .remove_agency(RemoveAgencyRequest { code: code.clone() })
        .await?;
    if g.json {
        println!("{}", json!({"removed": code}));
    } else {
        println!("removed {code}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_text_shows_only_filled_fields() {
        let a = Agency {
            code: "000.00.00.H48".into(),
            name: "UBND tỉnh Quảng Ngãi".into(),
            phone: "0255".into(),
            website: "https://quangngai.gov.vn".into(),
            ..Default::default()
        };
        assert_eq!(
            detail_text(&a),
            "000.00.00.H48  UBND tỉnh Quảng Ngãi\n  phone    0255\n  website  https://quangngai.gov.vn\n"
        );
    }
}
