//! The directory: the agencies this hub serves (registered by operators, seeded at start), and
//! lookups of agencies served by other hubs, so that a clerk can address any agency.
use std::{future::Future, pin::Pin};

use lienthong_api::exchange::v1::{Agency, RegisterAgencyResponse};
use lienthong_axis::AgencyCode;
use lienthong_platform::{Identity, paging::page_size};

use super::Exchange;
use crate::{
    domain::{
        self,
        directory::check_registration,
        paging::{AGENCIES_PAGE, AGENCIES_SCOPE, MAX_PAGE_BYTES},
        routing::Hop,
    },
    error::{ExchangeError, Result},
    store,
};

/// A page of the directory.
pub struct AgenciesPage {
    pub agencies: Vec<Agency>,
    /// "" on the last page.
    pub next_page_token: String,
}

/// What another hub answered about an agency.
#[derive(Clone, Debug)]
pub enum Lookup {
    Found(Agency),
    /// The hub does not know it.
    Unknown,
}

/// The most hubs a lookup is passed on to: an agency's hub asks the national hub, which asks
/// the recipient's provincial hub. A lookup that would go further loops (misconfigured routes)
/// and is refused (`LOOKUP_LOOP`) instead of recursing between hubs.
pub const MAX_LOOKUP_HOPS: u32 = 2;

/// Asks other hubs about the agencies they serve (implemented in `outbound`). An unreachable
/// hub is [`ExchangeError::PeerUnavailable`], a loop [`ExchangeError::LookupLoop`]. `hops`
/// tells the peer how many hubs the lookup has been passed on to, this one included (sent as
/// the `lienthong-hops` metadata).
pub trait AgencyLookup: Send + Sync {
    fn lookup<'a>(
        &'a self,
        peer: &'a str,
        code: &'a AgencyCode,
        hops: u32,
    ) -> Pin<Box<dyn Future<Output = Result<Lookup>> + Send + 'a>>;
}

impl Exchange {
    /// Passes a lookup on to `peer`; `hops` is how many times it was passed on before it
    /// reached this hub (0: a client asked here). Refused beyond [`MAX_LOOKUP_HOPS`].
    pub(super) async fn lookup_remote(
        &self,
        field: &str,
        peer: &str,
        code: &AgencyCode,
        hops: u32,
    ) -> Result<Lookup> {
        let directory = self
            .remote_directory
            .as_ref()
            .ok_or_else(|| ExchangeError::internal("no remote directory"))?;
        let next = hops.saturating_add(1);
        if next > MAX_LOOKUP_HOPS {
            tracing::warn!(%code, hops, %peer, "lookup refused: it loops between hubs");
            return Err(ExchangeError::LookupLoop {
                field: field.to_string(),
                code: code.to_string(),
                detail: format!(
                    "hub {} would pass it on to hub {peer} as hop {next}, beyond the limit of \
                     {MAX_LOOKUP_HOPS}",
                    self.hub_id()
                ),
            });
        }
        match directory.lookup(peer, code, next).await {
            Err(ExchangeError::LookupLoop { detail, .. }) => Err(ExchangeError::LookupLoop {
                field: field.to_string(),
                code: code.to_string(),
                detail,
            }),
            other => other,
        }
    }

    /// The agencies this hub serves, by code; the next pages after the cursor of `page_token`
    /// (the last code listed).
    pub async fn list_agencies(
        &self,
        requested_size: u32,
        page_token: &str,
    ) -> Result<AgenciesPage> {
        let now = self.now();
        let after = self
            .page_cursor::<String>(page_token, AGENCIES_SCOPE, now)?
            .unwrap_or_default();
        let size = page_size(requested_size, AGENCIES_PAGE.0, AGENCIES_PAGE.1);
        // One more than asked tells whether another page follows.
        let mut agencies =
            store::list_agencies(&mut *self.conn().await?, &after, size as i64 + 1).await?;
        let mut more = agencies.len() > size;
        agencies.truncate(size);
        more |= super::limits::trim_to_bytes(&mut agencies, MAX_PAGE_BYTES);
        let next_page_token = match agencies.last() {
            Some(last) if more => self.tokens.issue(AGENCIES_SCOPE, &last.code, now),
            _ => String::new(),
        };
        Ok(AgenciesPage {
            agencies,
            next_page_token,
        })
    }

    /// An agency of this hub, or of another hub through the national hub (cached), so that a
    /// clerk can address any agency in the country. `hops`: how many hubs passed the lookup
    /// on before it reached this one (0 when a client asks).
    pub async fn get_agency(&self, code: &str, hops: u32) -> Result<Agency> {
        let code = domain::agency_code("code", code)?;
        if let (Hop::Peer(peer), Some(_)) =
            (self.routing().hop(code.as_str()), &self.remote_directory)
        {
            return match self.lookup_remote("code", &peer, &code, hops).await? {
                Lookup::Found(agency) => Ok(agency),
                Lookup::Unknown => Err(ExchangeError::UnknownOnAxis {
                    field: "code".into(),
                    code: code.to_string(),
                }),
            };
        }
        store::get_agency(&mut *self.conn().await?, code.as_str())
            .await?
            .ok_or_else(|| ExchangeError::AgencyNotRegistered {
                field: "code".into(),
                code: code.to_string(),
            })
    }

    /// An operator registers (or updates) an agency this hub serves; the answer tells whether
    /// it is new.
    pub async fn register_agency(
        &self,
        admin: &Identity,
        agency: Option<Agency>,
    ) -> Result<RegisterAgencyResponse> {
        let code = check_registration(agency.as_ref(), self.routing())?;
        let agency =
            agency.ok_or_else(|| ExchangeError::internal("a checked agency is missing"))?;
        let created = store::upsert_agency(&mut *self.conn().await?, &agency, self.now()).await?;
        tracing::info!(%admin, %code, created, "agency registered");
        Ok(RegisterAgencyResponse {
            agency: Some(agency),
            created,
        })
    }

    /// An operator removes an agency.
    pub async fn remove_agency(&self, admin: &Identity, code: &str) -> Result<()> {
        let code = domain::agency_code("code", code)?;
        if !store::remove_agency(&mut *self.conn().await?, code.as_str()).await? {
            return Err(ExchangeError::AgencyNotRegistered {
                field: "code".into(),
                code: code.to_string(),
            });
        }
        tracing::info!(%admin, %code, "agency removed");
        Ok(())
    }

    /// Registers the seed agencies this hub serves that are not registered yet (an operator's
    /// changes stay). Returns how many were added.
    pub async fn seed_agencies(&self, agencies: &[Agency]) -> Result<usize> {
        let mut tx = self.transaction().await?;
        let mut added = 0;
        for (i, a) in agencies.iter().enumerate() {
            let code = domain::agency_code(&format!("seed[{i}].code"), &a.code)?;
            if self.routing().hop(code.as_str()) != Hop::Local {
                continue;
            }
            if store::insert_agency_if_absent(&mut tx, a, self.now()).await? {
                added += 1;
            }
        }
        store::commit(tx).await?;
        Ok(added)
    }
}
