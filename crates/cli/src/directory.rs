//! The hub's agency directory: `lienthong agencies` (read) and `lienthong agency` (admin).
use anyhow::{Result, anyhow};
use clap::{Args, Subcommand};
use lienthong_api::exchange::v1::{
    Agency, GetAgencyRequest, ListAgenciesRequest, ListAgenciesResponse, RegisterAgencyRequest,
    RemoveAgencyRequest,
};
use serde_json::json;

use crate::{Global, conn, error::Failure, output, render};

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
        /// Contact e-mail.
        #[arg(long, default_value = "")]
        email: String,
        /// Contact phone number.
        #[arg(long, default_value = "")]
        phone: String,
        /// Postal address.
        #[arg(long, default_value = "")]
        address: String,
        /// Website.
        #[arg(long, default_value = "")]
        website: String,
    },
    /// Remove an agency (documents already stored are kept).
    Remove {
        /// Agency code.
        code: String,
    },
}

#[derive(Args, Debug)]
pub struct AgenciesArgs {
    /// Show only this agency (here, or through the national hub at the hub that serves it).
    pub code: Option<String>,

    /// At most this many agencies per page (the hub's default applies without it).
    #[arg(long, value_name = "N", conflicts_with = "code")]
    pub page_size: Option<u32>,

    /// The page after this one (a next_page_token printed before).
    #[arg(long, value_name = "TOKEN", conflicts_with = "code")]
    pub page_token: Option<String>,

    /// Every page, not only the first.
    #[arg(long, conflicts_with = "code")]
    pub all: bool,
}

/// `lienthong agencies [CODE]`.
pub async fn agencies(g: &Global, args: AgenciesArgs) -> Result<()> {
    match args.code.clone() {
        Some(code) => show(g, code).await,
        None => list(g, &args).await,
    }
}

async fn show(g: &Global, code: String) -> Result<()> {
    let mut client = conn::directory(g).await?;
    let r = client
        .get_agency(GetAgencyRequest { code })
        .await?
        .into_inner();
    let a = r.agency.clone().ok_or_else(|| {
        anyhow!(Failure::local(
            "UNEXPECTED_ANSWER",
            "the hub answered without the agency"
        ))
    })?;
    output::emit(g, &r, || detail_text(&a))
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

/// One page of the directory (every page with `--all`).
async fn list(g: &Global, args: &AgenciesArgs) -> Result<()> {
    let mut client = conn::directory(g).await?;
    let mut page = ListAgenciesResponse::default();
    let mut req = ListAgenciesRequest {
        page_size: args.page_size.unwrap_or(0),
        page_token: args.page_token.clone().unwrap_or_default(),
    };
    loop {
        let r = client.list_agencies(req.clone()).await?.into_inner();
        page.agencies.extend(r.agencies);
        page.next_page_token = r.next_page_token;
        if !args.all || page.next_page_token.is_empty() {
            break;
        }
        req.page_token = page.next_page_token.clone();
    }
    output::emit(g, &page, || list_text(&page))
}

/// One line per agency, and the next page's token when more remain.
pub fn list_text(page: &ListAgenciesResponse) -> String {
    let mut out = String::new();
    for a in &page.agencies {
        out.push_str(&format!("{:<15} {}\n", a.code, a.name));
    }
    if !page.next_page_token.is_empty() {
        out.push_str(&format!(
            "… more: --page-token {} (or --all)\n",
            page.next_page_token
        ));
    }
    out
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
    output::emit(g, &r, || {
        format!(
            "{} {}\n",
            if r.created { "registered" } else { "updated" },
            render::agency_text(&r.agency.clone().unwrap_or_default())
        )
    })
}

async fn remove(g: &Global, code: String) -> Result<()> {
    let mut client = conn::directory(g).await?;
    let r = client
        .remove_agency(RemoveAgencyRequest { code: code.clone() })
        .await?
        .into_inner();
    if g.json {
        return output::document(&output::with(output::json(&r)?, &[("code", json!(code))]));
    }
    println!("removed {code}");
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
