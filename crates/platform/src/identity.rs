//! Caller identity, taken from the URI SAN of the verified peer certificate, never from a
//! request field.
//!
//! `spiffe://<trust-domain>/agency/<code>`, `/service/<name>`, `/hub/<id>`, `/admin/<name>`.
use std::fmt;

use lienthong_axis::AgencyCode;
use rustls_pki_types::CertificateDer;
use thiserror::Error;
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

/// Who is calling, as the certificate says.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Identity {
    /// An agency's document-management software or clerk, by agency code (checked when the
    /// certificate is read: a malformed code is no identity at all).
    Agency(AgencyCode),
    /// Another lienthong service (`tasks`, `reporting`, ...).
    Service(String),
    /// An exchange hub: a level-1 unit such as `H48`, or `national`.
    Hub(String),
    /// An axis operator.
    Admin(String),
}

impl Identity {
    /// The kind, as it appears in the SPIFFE path.
    pub fn kind(&self) -> &'static str {
        match self {
            Identity::Agency(_) => "agency",
            Identity::Service(_) => "service",
            Identity::Hub(_) => "hub",
            Identity::Admin(_) => "admin",
        }
    }

    /// The name within the kind (agency code, service name, hub id, admin name).
    pub fn name(&self) -> &str {
        match self {
            Identity::Agency(code) => code.as_str(),
            Identity::Service(n) | Identity::Hub(n) | Identity::Admin(n) => n,
        }
    }

    /// The SPIFFE URI of this identity in a trust domain.
    pub fn spiffe_uri(&self, trust_domain: &str) -> String {
        format!("spiffe://{trust_domain}/{}/{}", self.kind(), self.name())
    }

    /// The agency code, when the caller is an agency.
    pub fn agency_code(&self) -> Option<&AgencyCode> {
        match self {
            Identity::Agency(code) => Some(code),
            _ => None,
        }
    }

    /// An agency identity from a code, checked.
    pub fn agency(code: &str) -> Result<Identity, lienthong_axis::FieldError> {
        AgencyCode::parse("agency code", code).map(Identity::Agency)
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind(), self.name())
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum IdentityError {
    #[error("no client certificate was presented")]
    NoCertificate,
    #[error("the client certificate cannot be parsed: {0}")]
    Unparsable(String),
    #[error("the client certificate has no spiffe:// URI SAN of trust domain {0}")]
    NoSpiffeId(String),
    #[error("the certificate's SPIFFE id {0} is not agency/, service/, hub/ or admin/<name>")]
    UnknownKind(String),
    #[error(
        "the certificate carries {0} spiffe:// URI SANs; an identity certificate carries exactly one"
    )]
    SeveralSpiffeIds(usize),
    #[error("the certificate's SPIFFE id {0} names a malformed agency code: {1}")]
    BadAgencyCode(String, String),
}

/// Parses `spiffe://<trust_domain>/<kind>/<name>`.
pub fn parse_spiffe_uri(uri: &str, trust_domain: &str) -> Result<Identity, IdentityError> {
    let prefix = format!("spiffe://{trust_domain}/");
    let path = uri
        .strip_prefix(&prefix)
        .ok_or_else(|| IdentityError::NoSpiffeId(trust_domain.to_string()))?;
    let (kind, name) = path
        .split_once('/')
        .ok_or_else(|| IdentityError::UnknownKind(uri.to_string()))?;
    if name.is_empty() || name.contains('/') {
        return Err(IdentityError::UnknownKind(uri.to_string()));
    }
    let name = name.to_string();
    match kind {
        "agency" => AgencyCode::parse("agency code", &name)
            .map(Identity::Agency)
            .map_err(|e| IdentityError::BadAgencyCode(uri.to_string(), e.rule)),
        "service" => Ok(Identity::Service(name)),
        "hub" => Ok(Identity::Hub(name)),
        "admin" => Ok(Identity::Admin(name)),
        _ => Err(IdentityError::UnknownKind(uri.to_string())),
    }
}

/// The identity in a (verified) end-entity certificate: its one SPIFFE URI SAN, in the trust
/// domain. A certificate with several `spiffe://` URIs names several identities and is no
/// identity at all: which one would win is not a choice to leave to the order of its SANs.
pub fn identity_from_certificate(
    cert: &CertificateDer<'_>,
    trust_domain: &str,
) -> Result<Identity, IdentityError> {
    let (_, parsed) = X509Certificate::from_der(cert.as_ref())
        .map_err(|e| IdentityError::Unparsable(e.to_string()))?;
    let san = parsed
        .subject_alternative_name()
        .map_err(|e| IdentityError::Unparsable(e.to_string()))?
        .ok_or_else(|| IdentityError::NoSpiffeId(trust_domain.to_string()))?;
    let spiffe: Vec<&str> = san
        .value
        .general_names
        .iter()
        .filter_map(|name| match name {
            GeneralName::URI(uri) if uri.to_ascii_lowercase().starts_with("spiffe://") => {
                Some(*uri)
            }
            _ => None,
        })
        .collect();
    match spiffe.as_slice() {
        [] => Err(IdentityError::NoSpiffeId(trust_domain.to_string())),
        [uri] => parse_spiffe_uri(uri, trust_domain),
        several => Err(IdentityError::SeveralSpiffeIds(several.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind() {
        let td = "lienthong.test";
        assert_eq!(
            parse_spiffe_uri("spiffe://lienthong.test/agency/000.00.00.H48", td),
            Identity::agency("000.00.00.H48").map_err(|_| IdentityError::NoCertificate)
        );
        assert_eq!(
            parse_spiffe_uri("spiffe://lienthong.test/hub/national", td),
            Ok(Identity::Hub("national".into()))
        );
        assert_eq!(
            parse_spiffe_uri("spiffe://lienthong.test/service/tasks", td),
            Ok(Identity::Service("tasks".into()))
        );
        assert_eq!(
            parse_spiffe_uri("spiffe://lienthong.test/admin/ops", td),
            Ok(Identity::Admin("ops".into()))
        );
    }

    fn certificate_with_uris(uris: &[&str]) -> CertificateDer<'static> {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.subject_alt_names = uris
            .iter()
            .map(|u| rcgen::SanType::URI((*u).try_into().unwrap()))
            .collect();
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().der().clone()
    }

    #[test]
    fn a_certificate_names_exactly_one_identity() {
        let td = "lienthong.test";
        let one = certificate_with_uris(&["spiffe://lienthong.test/agency/000.00.00.H48"]);
        assert_eq!(
            identity_from_certificate(&one, td),
            Ok(Identity::agency("000.00.00.H48").unwrap())
        );
        let two = certificate_with_uris(&[
            "spiffe://lienthong.test/agency/000.00.00.H48",
            "spiffe://lienthong.test/admin/root",
        ]);
        assert_eq!(
            identity_from_certificate(&two, td),
            Err(IdentityError::SeveralSpiffeIds(2))
        );
        // A second SPIFFE id of another trust domain still makes the certificate ambiguous.
        let foreign = certificate_with_uris(&[
            "spiffe://lienthong.test/agency/000.00.00.H48",
            "spiffe://evil.test/hub/national",
        ]);
        assert!(identity_from_certificate(&foreign, td).is_err());
        let none = certificate_with_uris(&["https://example.org"]);
        assert!(matches!(
            identity_from_certificate(&none, td),
            Err(IdentityError::NoSpiffeId(_))
        ));
    }

    #[test]
    fn refuses_other_domains_and_kinds() {
        let td = "lienthong.test";
        assert!(matches!(
            parse_spiffe_uri("spiffe://evil.test/agency/000.00.00.H48", td),
            Err(IdentityError::NoSpiffeId(_))
        ));
        assert!(matches!(
            parse_spiffe_uri("spiffe://lienthong.test/root/x", td),
            Err(IdentityError::UnknownKind(_))
        ));
        assert!(matches!(
            parse_spiffe_uri("spiffe://lienthong.test/agency/a/b", td),
            Err(IdentityError::UnknownKind(_))
        ));
        assert!(matches!(
            parse_spiffe_uri("spiffe://lienthong.test/agency/", td),
            Err(IdentityError::UnknownKind(_))
        ));
        assert!(matches!(
            parse_spiffe_uri("spiffe://lienthong.test/agency/H48", td),
            Err(IdentityError::BadAgencyCode(..))
        ));
    }
}
