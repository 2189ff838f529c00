//! A development certificate authority on disk: the CA, its CRL, and leaf certificates whose
//! URI SAN carries the SPIFFE identity. Used by `lienthong pki` and by the tests, which make a
//! fresh one at run time.
//!
//! WARNING: the CA key sits unencrypted in the directory. This is for development and tests;
//! a production axis issues certificates from its own CA and only hands lienthong the PEM files.
//!
//! Layout of a PKI directory:
//! ```text
//! ca.pem  ca-key.pem  crl.pem  index.json
//! <label>/cert.pem  <label>/key.pem        label = agency-<code> | hub-<id> | service-<name> | admin-<name>
//! ```
use std::{
    collections::BTreeMap,
    fs,
    io::Write,
    net::{IpAddr, Ipv4Addr, Ipv6Addr},
    path::{Path, PathBuf},
};

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, RevocationReason,
    RevokedCertParams, SanType, SerialNumber,
};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::{Duration, OffsetDateTime};

use crate::{identity::Identity, tls::TlsFiles};

#[derive(Debug, Error)]
pub enum PkiError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("certificate generation failed: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error("{0}: the PKI index is corrupt: {1}")]
    Index(PathBuf, serde_json::Error),
    #[error("{0} is not a lienthong PKI directory (no index.json); run `lienthong pki init` first")]
    NotInitialised(PathBuf),
    #[error("no certificate named {0} was issued by this PKI")]
    UnknownLabel(String),
    #[error("invalid name {0:?}: use letters, digits, '.', '-' and '_'")]
    InvalidName(String),
    #[error("{0}: not a readable PEM certificate: {1}")]
    Certificate(PathBuf, String),
}

/// Who may read the leaf private keys a CA writes. The CA's own key is always owner-only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyAccess {
    /// Mode 0600: the user who ran `pki init` (development on one machine).
    #[default]
    Owner,
    /// Mode 0640: the owner and the file's group, so that a container whose user is in that
    /// group (the image's gid 10001) reads a key mounted from the host. Never world-readable.
    Group,
}

impl KeyAccess {
    /// The file mode of a key written with this access.
    pub fn mode(self) -> u32 {
        match self {
            KeyAccess::Owner => 0o600,
            KeyAccess::Group => 0o640,
        }
    }
}

/// What the CA remembers between runs.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Index {
    trust_domain: String,
    next_serial: u64,
    crl_number: u64,
    /// label -> issued certificate
    issued: BTreeMap<String, IssuedEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct IssuedEntry {
    serial: u64,
    spiffe_id: String,
    revoked_at: Option<i64>,
}

/// A development CA stored in a directory.
pub struct DevCa {
    dir: PathBuf,
    index: Index,
    key_access: KeyAccess,
}

/// The directory label of an identity's certificate.
pub fn label_of(id: &Identity) -> String {
    format!("{}-{}", id.kind(), id.name())
}

impl DevCa {
    /// Creates the CA and an empty CRL, or opens the existing ones.
    pub fn init(dir: &Path, trust_domain: &str) -> Result<Self, PkiError> {
        if dir.join("index.json").exists() {
            return Self::open(dir);
        }
        fs::create_dir_all(dir).map_err(|source| io_err(dir, source))?;
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        params
            .distinguished_name
            .push(DnType::CommonName, "lienthong development CA");
        params
            .distinguished_name
            .push(DnType::OrganizationName, trust_domain);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::days(1);
        params.not_after = now + Duration::days(3650);
        let cert = params.self_signed(&key)?;
        write_atomic(&dir.join("ca.pem"), cert.pem().as_bytes(), None)?;
        write_atomic(
            &dir.join("ca-key.pem"),
            key.serialize_pem().as_bytes(),
            Some(KeyAccess::Owner.mode()),
        )?;
        let mut ca = DevCa {
            dir: dir.to_path_buf(),
            key_access: KeyAccess::default(),
            index: Index {
                trust_domain: trust_domain.to_string(),
                next_serial: 1000,
                crl_number: 0,
                issued: BTreeMap::new(),
            },
        };
        ca.write_crl()?;
        ca.save_index()?;
        Ok(ca)
    }

    /// Opens an existing PKI directory.
    pub fn open(dir: &Path) -> Result<Self, PkiError> {
        let path = dir.join("index.json");
        if !path.exists() {
            return Err(PkiError::NotInitialised(dir.to_path_buf()));
        }
        let bytes = fs::read(&path).map_err(|source| io_err(&path, source))?;
        let index = serde_json::from_slice(&bytes).map_err(|e| PkiError::Index(path, e))?;
        Ok(DevCa {
            dir: dir.to_path_buf(),
            index,
            key_access: KeyAccess::default(),
        })
    }

    /// Leaf keys written from now on get `access` (owner-only by default).
    pub fn set_key_access(&mut self, access: KeyAccess) {
        self.key_access = access;
    }

    /// Gives the existing key of `id` the mode of the CA's key access (a directory made for
    /// development, 0600, reused for containers).
    pub fn apply_key_access(&self, id: &Identity) -> Result<(), PkiError> {
        let key = self.files_for(id).key;
        set_mode(&key, self.key_access.mode()).map_err(|source| io_err(&key, source))
    }

    /// The DNS names in the subject alternative names of the certificate issued to `id`.
    pub fn dns_names(&self, id: &Identity) -> Result<Vec<String>, PkiError> {
        let path = self.files_for(id).cert;
        let pem = fs::read(&path).map_err(|source| io_err(&path, source))?;
        let bad = |e: String| PkiError::Certificate(path.clone(), e);
        let (_, pem) = x509_parser::pem::parse_x509_pem(&pem).map_err(|e| bad(e.to_string()))?;
        let cert = pem.parse_x509().map_err(|e| bad(e.to_string()))?;
        let san = cert
            .subject_alternative_name()
            .map_err(|e| bad(e.to_string()))?;
        Ok(san
            .map(|san| {
                san.value
                    .general_names
                    .iter()
                    .filter_map(|name| match name {
                        x509_parser::extensions::GeneralName::DNSName(dns) => {
                            Some((*dns).to_string())
                        }
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn trust_domain(&self) -> &str {
        &self.index.trust_domain
    }

    pub fn ca_path(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    pub fn crl_path(&self) -> PathBuf {
        self.dir.join("crl.pem")
    }

    /// The files of an identity issued earlier (they may not exist).
    pub fn files_for(&self, id: &Identity) -> TlsFiles {
        self.files_for_label(&label_of(id))
    }

    fn files_for_label(&self, label: &str) -> TlsFiles {
        TlsFiles {
            cert: self.dir.join(label).join("cert.pem"),
            key: self.dir.join(label).join("key.pem"),
            ca: self.ca_path(),
            crl: Some(self.crl_path()),
        }
    }

    /// Issues (or re-issues) a certificate for `id`, usable as client and server certificate,
    /// valid for localhost and the given extra DNS names.
    pub fn issue(&mut self, id: &Identity, dns_names: &[String]) -> Result<TlsFiles, PkiError> {
        if id.name().is_empty()
            || !id
                .name()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            return Err(PkiError::InvalidName(id.name().to_string()));
        }
        let issuer = self.issuer()?;
        let label = label_of(id);
        let spiffe_id = id.spiffe_uri(&self.index.trust_domain);
        let serial = self.index.next_serial;
        self.index.next_serial += 1;

        let key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::CommonName, label.as_str());
        params.serial_number = Some(SerialNumber::from(serial));
        let mut sans = vec![
            SanType::URI(spiffe_id.as_str().try_into()?),
            SanType::DnsName("localhost".try_into()?),
            SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)),
        ];
        for name in dns_names {
            sans.push(SanType::DnsName(name.as_str().try_into()?));
        }
        params.subject_alt_names = sans;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        params.use_authority_key_identifier_extension = true;
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::hours(1);
        params.not_after = now + Duration::days(397);
        let cert = params.signed_by(&key, &issuer)?;

        let files = self.files_for_label(&label);
        let leaf_dir = self.dir.join(&label);
        fs::create_dir_all(&leaf_dir).map_err(|source| io_err(&leaf_dir, source))?;
        write_atomic(
            &files.key,
            key.serialize_pem().as_bytes(),
            Some(self.key_access.mode()),
        )?;
        write_atomic(&files.cert, cert.pem().as_bytes(), None)?;
        self.index.issued.insert(
            label,
            IssuedEntry {
                serial,
                spiffe_id,
                revoked_at: None,
            },
        );
        self.save_index()?;
        Ok(files)
    }

    /// Revokes the certificate issued under `label` (e.g. `agency-000.00.00.H48`) and rewrites
    /// the CRL. Servers pick the new CRL up on their next reload.
    pub fn revoke(&mut self, label: &str) -> Result<(), PkiError> {
        let entry = self
            .index
            .issued
            .get_mut(label)
            .ok_or_else(|| PkiError::UnknownLabel(label.to_string()))?;
        if entry.revoked_at.is_none() {
            entry.revoked_at = Some(OffsetDateTime::now_utc().unix_timestamp());
        }
        self.write_crl()?;
        self.save_index()
    }

    /// Labels of every issued certificate, with its SPIFFE id and whether it is revoked.
    pub fn issued(&self) -> Vec<(String, String, bool)> {
        self.index
            .issued
            .iter()
            .map(|(l, e)| (l.clone(), e.spiffe_id.clone(), e.revoked_at.is_some()))
            .collect()
    }

    fn issuer(&self) -> Result<Issuer<'static, KeyPair>, PkiError> {
        let ca_pem = read_string(&self.dir.join("ca.pem"))?;
        let key = KeyPair::from_pem(&read_string(&self.dir.join("ca-key.pem"))?)?;
        Ok(Issuer::from_ca_cert_pem(&ca_pem, key)?)
    }

    fn write_crl(&mut self) -> Result<(), PkiError> {
        let issuer = self.issuer()?;
        self.index.crl_number += 1;
        let now = OffsetDateTime::now_utc();
        let revoked_certs = self
            .index
            .issued
            .values()
            .filter_map(|e| {
                e.revoked_at.map(|at| RevokedCertParams {
                    serial_number: SerialNumber::from(e.serial),
                    revocation_time: OffsetDateTime::from_unix_timestamp(at).unwrap_or(now),
                    reason_code: Some(RevocationReason::Unspecified),
                    invalidity_date: None,
                })
            })
            .collect();
        let params = CertificateRevocationListParams {
            this_update: now - Duration::minutes(1),
            next_update: now + Duration::days(30),
            crl_number: SerialNumber::from(self.index.crl_number),
            issuing_distribution_point: None,
            revoked_certs,
            key_identifier_method: KeyIdMethod::Sha256,
        };
        let crl = params.signed_by(&issuer)?;
        write_atomic(&self.crl_path(), crl.pem()?.as_bytes(), None)
    }

    fn save_index(&self) -> Result<(), PkiError> {
        let bytes = serde_json::to_vec_pretty(&self.index)
            .map_err(|e| PkiError::Index(self.dir.join("index.json"), e))?;
        write_atomic(&self.dir.join("index.json"), &bytes, None)
    }
}

fn io_err(path: &Path, source: std::io::Error) -> PkiError {
    PkiError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn read_string(path: &Path) -> Result<String, PkiError> {
    fs::read_to_string(path).map_err(|source| io_err(path, source))
}

/// Writes through a temporary file and a rename, so that a server reloading the file never
/// reads half of it. A secret gets exactly `mode`: it is set after creation, because the mode
/// given at creation is narrowed by the umask and ignored for a left-over temporary file.
fn write_atomic(path: &Path, bytes: &[u8], mode: Option<u32>) -> Result<(), PkiError> {
    let tmp = path.with_extension("tmp");
    let result = (|| {
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        if mode.is_some() {
            use std::os::unix::fs::OpenOptionsExt;
            // Created owner-only, so the secret is never readable by others before set_mode.
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        if let Some(mode) = mode {
            set_mode(&tmp, mode)?;
        }
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    result.map_err(|source| io_err(path, source))
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).expect("metadata").permissions().mode() & 0o777
    }

    #[test]
    fn group_access_writes_leaf_keys_0640_and_keeps_the_ca_key_0600() {
        let dir = tempfile::tempdir().unwrap();
        let mut ca = DevCa::init(dir.path(), "pki.test").unwrap();
        let dev = ca.issue(&Identity::Hub("H41".into()), &[]).unwrap();
        assert_eq!(mode(&dev.key), 0o600);
        ca.set_key_access(KeyAccess::Group);
        let hub = Identity::Hub("H48".into());
        let files = ca.issue(&hub, &["h48".to_string()]).unwrap();
        assert_eq!(mode(&files.key), 0o640);
        assert_eq!(mode(&dir.path().join("ca-key.pem")), 0o600);
        assert_eq!(ca.dns_names(&hub).unwrap(), ["localhost", "h48"]);
        ca.apply_key_access(&Identity::Hub("H41".into())).unwrap();
        assert_eq!(mode(&dev.key), 0o640);
    }
}
