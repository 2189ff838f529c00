//! Choosing the caller's certificate and connecting to the hub.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use lienthong_api::exchange::v1::{
    directory_service_client::DirectoryServiceClient,
    exchange_service_client::ExchangeServiceClient,
};
use lienthong_axis::AgencyCode;
use lienthong_platform::{
    Identity,
    client::{ClientError, TracedChannel, connect},
    pki::DevCa,
    tls::TlsFiles,
};
use rustls_pki_types::{CertificateDer, pem::PemObject};

use crate::Global;

/// Largest message the CLI accepts from the hub (inbox pages of many headers) and from the
/// reporting service (exports).
pub const MAX_MESSAGE: usize = 64 * 1024 * 1024;

/// Parses `--as`: an agency code, or a label `<kind>-<name>`.
pub fn parse_as(value: &str) -> Result<Identity> {
    let agency = |code: &str| Identity::agency(code).map_err(|e| anyhow!("--as {value}: {e}"));
    if let Some((kind, name)) = value.split_once('-')
        && matches!(kind, "agency" | "service" | "hub" | "admin")
    {
        if name.is_empty() {
            bail!("--as {value}: the name after {kind}- is missing");
        }
        return match kind {
            "agency" => agency(name),
            "service" => Ok(Identity::Service(name.to_string())),
            "hub" => Ok(Identity::Hub(name.to_string())),
            _ => Ok(Identity::Admin(name.to_string())),
        };
    }
    if value.contains('.') && !value.contains('/') {
        return agency(value);
    }
    bail!(
        "--as {value:?}: expected an agency code (000.00.00.H48) or a certificate label \
         (agency-<code>, admin-<name>, service-<name>, hub-<id>)"
    )
}

/// The identity chosen with `--as`, if any.
pub fn as_identity(global: &Global) -> Result<Option<Identity>> {
    global.as_identity.as_deref().map(parse_as).transpose()
}

/// The certificate, key, CA and CRL to use: explicit options win over `--pki`/`--as`.
pub fn tls_files(global: &Global) -> Result<TlsFiles> {
    let from_pki = match (&global.pki, as_identity(global)?) {
        (Some(dir), Some(id)) => Some(pki_files(dir, &id)?),
        (None, Some(_)) => bail!("--as needs --pki DIR (or LIENTHONG_PKI) to find the certificate"),
        _ => None,
    };
    let pick = |explicit: &Option<PathBuf>, derived: Option<PathBuf>, what: &str| {
        explicit.clone().or(derived).ok_or_else(|| {
            anyhow!(
                "no client {what}: pass --cert, --key and --ca (or LIENTHONG_CERT/KEY/CA), \
                 or --pki DIR --as IDENTITY"
            )
        })
    };
    let cert = pick(
        &global.cert,
        from_pki.as_ref().map(|f| f.cert.clone()),
        "certificate",
    )?;
    let key = pick(&global.key, from_pki.as_ref().map(|f| f.key.clone()), "key")?;
    let ca = pick(&global.ca, from_pki.as_ref().map(|f| f.ca.clone()), "CA")?;
    let crl = global
        .crl
        .clone()
        .or_else(|| from_pki.as_ref().and_then(|f| f.crl.clone()));
    Ok(TlsFiles { cert, key, ca, crl })
}

fn pki_files(dir: &Path, id: &Identity) -> Result<TlsFiles> {
    let ca = DevCa::open(dir)?;
    let files = ca.files_for(id);
    if !files.cert.exists() || !files.key.exists() {
        bail!(
            "{}: no certificate for {id} (expected {}); issue one with `lienthong pki issue --dir {} --{} {}`",
            dir.display(),
            files.cert.display(),
            dir.display(),
            id.kind(),
            id.name()
        );
    }
    Ok(files)
}

/// The trust domain to read certificates with: the PKI's when `--pki` is given.
pub fn trust_domain(global: &Global) -> String {
    global
        .pki
        .as_deref()
        .and_then(|dir| DevCa::open(dir).ok())
        .map(|ca| ca.trust_domain().to_string())
        .unwrap_or_else(|| global.trust_domain.clone())
}

/// Connects to the hub with the chosen identity.
pub async fn channel(global: &Global) -> Result<TracedChannel> {
    channel_to(global, &global.endpoint, "").await
}

/// Connects to a service at `endpoint` with the chosen identity; a failure to connect reads
/// `cannot connect to <what><url>: <cause>`.
pub async fn channel_to(global: &Global, endpoint: &str, what: &str) -> Result<TracedChannel> {
    let files = tls_files(global)?;
    connect(endpoint, &files).await.map_err(|e| match e {
        ClientError::Endpoint(url, e) => anyhow!(
            "cannot connect to {what}{url}: {}",
            crate::render::error_chain(&e)
        ),
        other => anyhow::Error::new(other).context("client TLS configuration"),
    })
}

pub async fn exchange(global: &Global) -> Result<ExchangeServiceClient<TracedChannel>> {
    Ok(exchange_on(channel(global).await?))
}

pub fn exchange_on(channel: TracedChannel) -> ExchangeServiceClient<TracedChannel> {
    ExchangeServiceClient::new(channel)
        .max_decoding_message_size(MAX_MESSAGE)
        .max_encoding_message_size(MAX_MESSAGE)
}

pub async fn directory(global: &Global) -> Result<DirectoryServiceClient<TracedChannel>> {
    Ok(directory_on(channel(global).await?))
}

pub fn directory_on(channel: TracedChannel) -> DirectoryServiceClient<TracedChannel> {
    DirectoryServiceClient::new(channel)
        .max_decoding_message_size(MAX_MESSAGE)
        .max_encoding_message_size(MAX_MESSAGE)
}

/// The agency the caller's certificate belongs to: `--as` when it names an agency, otherwise
/// the SPIFFE URI in the certificate.
pub fn caller_agency(global: &Global) -> Result<AgencyCode> {
    if let Some(Identity::Agency(code)) = as_identity(global)? {
        return Ok(code);
    }
    let files = tls_files(global)?;
    let pem = std::fs::read(&files.cert).with_context(|| files.cert.display().to_string())?;
    let der = CertificateDer::pem_slice_iter(&pem)
        .next()
        .ok_or_else(|| anyhow!("{}: no PEM certificate found", files.cert.display()))?
        .with_context(|| files.cert.display().to_string())?;
    let td = trust_domain(global);
    let id = lienthong_platform::identity::identity_from_certificate(&der, &td)
        .with_context(|| files.cert.display().to_string())?;
    match id {
        Identity::Agency(code) => Ok(code),
        other => bail!(
            "the certificate {} is {other}, not an agency; only agencies send documents",
            files.cert.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_takes_codes_and_labels() {
        assert!(
            matches!(parse_as("000.00.00.H48"), Ok(Identity::Agency(c)) if c == "000.00.00.H48")
        );
        assert!(
            matches!(parse_as("agency-000.00.12.H48"), Ok(Identity::Agency(c)) if c == "000.00.12.H48")
        );
        assert!(matches!(parse_as("admin-operator"), Ok(Identity::Admin(n)) if n == "operator"));
        assert!(matches!(parse_as("service-tasks"), Ok(Identity::Service(n)) if n == "tasks"));
        assert!(matches!(parse_as("hub-H48"), Ok(Identity::Hub(n)) if n == "H48"));
        assert!(parse_as("admin-").is_err());
        assert!(parse_as("operator").is_err());
        assert!(parse_as("../etc").is_err());
    }

    #[test]
    fn as_refuses_malformed_agency_codes_naming_the_rule() {
        let e = parse_as("agency-H48").unwrap_err().to_string();
        assert_eq!(
            e,
            "--as agency-H48: agency code: \"H48\" is not an agency code of the form \
             DDD.CC.BB.Axx (e.g. 000.00.00.H48)"
        );
        assert!(parse_as("000.00.00.h48").is_err());
        assert_eq!(
            parse_as("agency-").unwrap_err().to_string(),
            "--as agency-: the name after agency- is missing"
        );
    }
}
