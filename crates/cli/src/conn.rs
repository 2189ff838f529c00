//! Choosing the caller's certificate and connecting to a server: the endpoint must be
//! `https://`, the certificate and its key must belong together and be valid, and a connection
//! that cannot be made says why (see `error::transport`).
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
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
use rustls_pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use tonic::Code;

use crate::{
    Global,
    error::{Failure, Target, connect_failure, invalid, key_mismatch, set_target},
};

/// Largest message the CLI accepts from the hub (inbox pages of many headers) and from the
/// reporting service (exports).
pub const MAX_MESSAGE: usize = 64 * 1024 * 1024;

/// Parses `--as`: an agency code, or a label `<kind>-<name>`.
pub fn parse_as(value: &str) -> Result<Identity> {
    let agency = |code: &str| {
        Identity::agency(code)
            .map_err(|e| anyhow::Error::new(Failure::invalid(format!("--as {value}: {e}"))))
    };
    if let Some((kind, name)) = value.split_once('-')
        && matches!(kind, "agency" | "service" | "hub" | "admin")
    {
        if name.is_empty() {
            invalid!("--as {value}: the name after {kind}- is missing");
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
    invalid!(
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
        (None, Some(_)) => {
            invalid!("--as needs --pki DIR (or LIENTHONG_PKI) to find the certificate")
        }
        _ => None,
    };
    let pick = |explicit: &Option<PathBuf>, derived: Option<PathBuf>, what: &str| {
        explicit.clone().or(derived).ok_or_else(|| {
            anyhow::Error::new(Failure::invalid(format!(
                "no client {what}: pass --cert, --key and --ca (or LIENTHONG_CERT/KEY/CA), \
                 or --pki DIR --as IDENTITY"
            )))
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
    let ca = DevCa::open(dir).map_err(|e| {
        Failure::local("PKI_UNREADABLE", format!("--pki {}: {e}", dir.display()))
            .hint("create one with `lienthong pki init --dir DIR`")
    })?;
    let files = ca.files_for(id);
    if !files.cert.exists() || !files.key.exists() {
        invalid!(
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

/// Refuses an endpoint the CLI cannot talk to, before connecting.
pub fn check_endpoint(endpoint: &str, flag: &str) -> Result<()> {
    let lower = endpoint.to_ascii_lowercase();
    if lower.starts_with("http://") {
        let rest = &endpoint["http://".len()..];
        return Err(Failure::cli(
            Code::InvalidArgument,
            "ENDPOINT_NOT_HTTPS",
            format!("{flag} {endpoint}: lienthong speaks mTLS only: use https://{rest}"),
        )
        .into());
    }
    if let Some((scheme, _)) = lower.split_once("://")
        && scheme != "https"
    {
        return Err(Failure::cli(
            Code::InvalidArgument,
            "ENDPOINT_NOT_HTTPS",
            format!("{flag} {endpoint}: {scheme}:// is not supported: use https://"),
        )
        .into());
    }
    Ok(())
}

fn read_tls_file(path: &Path, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        let reason = if e.kind() == std::io::ErrorKind::NotFound {
            "TLS_FILE_NOT_FOUND"
        } else {
            "TLS_FILE_UNREADABLE"
        };
        Failure::local(reason, format!("{what} {}: {e}", path.display())).into()
    })
}

/// The certificate and key belong together, and the certificate is valid now.
fn check_identity_files(files: &TlsFiles, t: &Target) -> Result<()> {
    let invalid_file = |path: &Path, e: &dyn std::fmt::Display| {
        Failure::local("TLS_FILE_INVALID", format!("{}: {e}", path.display()))
    };
    let cert_pem = read_tls_file(&files.cert, "certificate")?;
    let key_pem = read_tls_file(&files.key, "key")?;
    read_tls_file(&files.ca, "CA")?;
    if let Some(crl) = &files.crl {
        read_tls_file(crl, "CRL")?;
    }
    let certs = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid_file(&files.cert, &e))?;
    let Some(leaf) = certs.first() else {
        return Err(invalid_file(&files.cert, &"no PEM certificate found").into());
    };
    if let Ok((_, x509)) = x509_parser::parse_x509_certificate(leaf)
        && !x509.validity().is_valid()
    {
        let v = x509.validity();
        return Err(Failure::cli(
            Code::Unauthenticated,
            "CLIENT_CERTIFICATE_EXPIRED",
            format!(
                "your certificate {} is not valid now (valid from {} to {})",
                files.cert.display(),
                v.not_before,
                v.not_after
            ),
        )
        .hint("issue a new one: `lienthong pki issue …`; check this machine's clock")
        .into());
    }
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| invalid_file(&files.key, &e))?;
    let provider = rustls::crypto::ring::default_provider();
    match rustls::sign::CertifiedKey::from_der(certs, key, &provider) {
        Ok(_) => Ok(()),
        Err(rustls::Error::InconsistentKeys(_)) => Err(key_mismatch(t).into()),
        Err(e) => Err(invalid_file(&files.key, &e).into()),
    }
}

/// Connects to the server at `endpoint` (set by `flag`) with the chosen identity.
pub async fn channel_to(
    global: &Global,
    endpoint: &str,
    flag: &'static str,
) -> Result<TracedChannel> {
    check_endpoint(endpoint, flag)?;
    let files = tls_files(global)?;
    let target = Target {
        endpoint: endpoint.to_string(),
        flag,
        cert: Some(files.cert.clone()),
        key: Some(files.key.clone()),
        ca: Some(files.ca.clone()),
        crl: files.crl.clone(),
    };
    set_target(target.clone());
    check_identity_files(&files, &target)?;
    connect(endpoint, &files).await.map_err(|e| {
        anyhow::Error::new(match e {
            ClientError::Endpoint(_, e) => connect_failure(&e, &target),
            ClientError::Tls(e) => Failure::local("TLS_FILE_INVALID", e.to_string()),
        })
    })
}

/// Connects to the hub (`--endpoint`).
pub async fn channel(global: &Global) -> Result<TracedChannel> {
    channel_to(global, &global.endpoint, "--endpoint").await
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

/// The identity of the certificate the command uses: `--as`, otherwise the SPIFFE URI in the
/// certificate.
pub fn caller(global: &Global) -> Result<Identity> {
    if let Some(id) = as_identity(global)? {
        return Ok(id);
    }
    let files = tls_files(global)?;
    let pem = std::fs::read(&files.cert).with_context(|| files.cert.display().to_string())?;
    let der = CertificateDer::pem_slice_iter(&pem)
        .next()
        .ok_or_else(|| {
            Failure::local(
                "TLS_FILE_INVALID",
                format!("{}: no PEM certificate found", files.cert.display()),
            )
        })?
        .with_context(|| files.cert.display().to_string())?;
    let td = trust_domain(global);
    lienthong_platform::identity::identity_from_certificate(&der, &td)
        .with_context(|| files.cert.display().to_string())
}

/// The agency the caller's certificate belongs to.
pub fn caller_agency(global: &Global) -> Result<AgencyCode> {
    match caller(global)? {
        Identity::Agency(code) => Ok(code),
        other => invalid!("you act as {other}, not an agency; only agencies send documents"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::failure_text;

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
        let e = parse_as("agency-H48").unwrap_err();
        assert_eq!(
            e.to_string(),
            "--as agency-H48: agency code: \"H48\" is not an agency code of the form DDD.CC.BB.Axx (e.g. 000.00.00.H48)"
        );
        assert_eq!(Failure::of(&e).exit_code(), 4);
        assert!(parse_as("000.00.00.h48").is_err());
        assert_eq!(
            Failure::of(&parse_as("agency-").unwrap_err()).message,
            "--as agency-: the name after agency- is missing"
        );
    }

    #[test]
    fn plain_http_is_refused_before_connecting() {
        let e = check_endpoint("http://127.0.0.1:7443", "--endpoint").unwrap_err();
        let f = Failure::of(&e);
        assert_eq!(f.exit_code(), 4);
        assert_eq!(
            failure_text(&f),
            "error: INVALID_ARGUMENT (ENDPOINT_NOT_HTTPS): --endpoint http://127.0.0.1:7443: \
             lienthong speaks mTLS only: use https://127.0.0.1:7443\n"
        );
        assert!(check_endpoint("grpc://h:1", "--tasks-endpoint").is_err());
        assert!(check_endpoint("https://127.0.0.1:7443", "--endpoint").is_ok());
        assert!(check_endpoint("127.0.0.1:7443", "--endpoint").is_ok());
    }

    #[test]
    fn a_key_of_another_certificate_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let mut ca = DevCa::init(&tmp.path().join("pki"), "lienthong.test").unwrap();
        let a = ca
            .issue(&Identity::agency("000.00.00.H48").unwrap(), &[])
            .unwrap();
        let b = ca.issue(&Identity::Admin("ops".into()), &[]).unwrap();
        let mixed = TlsFiles {
            key: b.key.clone(),
            ..a.clone()
        };
        let t = Target {
            cert: Some(a.cert.clone()),
            key: Some(b.key.clone()),
            ..Target::default()
        };
        let f = Failure::of(&check_identity_files(&mixed, &t).unwrap_err());
        assert_eq!(f.reason.as_deref(), Some("KEY_MISMATCH"));
        assert_eq!(
            f.message,
            format!(
                "the key {} does not belong to the certificate {} (their public keys differ)",
                b.key.display(),
                a.cert.display()
            )
        );
        assert!(check_identity_files(&a, &t).is_ok());
        let gone = TlsFiles {
            cert: tmp.path().join("missing.pem"),
            ..a
        };
        let f = Failure::of(&check_identity_files(&gone, &t).unwrap_err());
        assert_eq!(f.reason.as_deref(), Some("TLS_FILE_NOT_FOUND"));
        assert_eq!(f.exit_code(), 1);
    }
}
