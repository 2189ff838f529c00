//! Mutual TLS with rustls: the server requires a client certificate from the axis CA and checks
//! it against the CRL; certificate, key, CA and CRL are reloaded from disk without a restart.
//!
//! tonic's own `ServerTlsConfig` cannot take a CRL, so the server does the TLS accept itself and
//! hands the streams to tonic (see [`crate::server`]).
use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    sync::{Arc, RwLock},
};

use rustls::{
    RootCertStore, ServerConfig, client::WebPkiServerVerifier, crypto::CryptoProvider,
    server::WebPkiClientVerifier,
};
use rustls_pki_types::{
    CertificateDer, CertificateRevocationListDer, PrivateKeyDer, pem::PemObject,
};
use sha2::{Digest, Sha256};
use thiserror::Error;
use tonic::transport::{ClientTlsConfig, Identity as TonicIdentity};

/// The PEM files of one identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    /// Certificate chain (leaf first).
    pub cert: PathBuf,
    /// Private key.
    pub key: PathBuf,
    /// The axis CA that peers' certificates must chain to.
    pub ca: PathBuf,
    /// The CA's certificate revocation list; `None` checks no revocation (not recommended).
    pub crl: Option<PathBuf>,
}

#[derive(Debug, Error)]
pub enum TlsError {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("TLS configuration: {0}")]
    Config(String),
}

fn file_err(path: &Path, e: impl std::fmt::Display) -> TlsError {
    TlsError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Installs ring as the process-wide rustls provider. Call once at the top of `main` (and in
/// tests); safe to call again.
///
/// WARNING: if a dependency enables aws-lc-rs as well, rustls cannot pick a provider on its own
/// and panics at start-up; keep every rustls user on ring.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|e| file_err(path, e))
}

fn certs(path: &Path, pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file_err(path, e))?;
    if certs.is_empty() {
        return Err(file_err(path, "no PEM certificate found"));
    }
    Ok(certs)
}

fn roots(path: &Path, pem: &[u8]) -> Result<Arc<RootCertStore>, TlsError> {
    let mut roots = RootCertStore::empty();
    for cert in certs(path, pem)? {
        roots.add(cert).map_err(|e| file_err(path, e))?;
    }
    Ok(Arc::new(roots))
}

fn crls(path: &Path, pem: &[u8]) -> Result<Vec<CertificateRevocationListDer<'static>>, TlsError> {
    CertificateRevocationListDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file_err(path, e))
}

/// The raw contents of a TLS file set, read once, so that a reload can tell whether anything
/// changed before rebuilding.
struct Material {
    cert: Vec<u8>,
    key: Vec<u8>,
    ca: Vec<u8>,
    crl: Vec<u8>,
}

impl Material {
    fn read(files: &TlsFiles) -> Result<Self, TlsError> {
        Ok(Material {
            cert: read(&files.cert)?,
            key: read(&files.key)?,
            ca: read(&files.ca)?,
            crl: match &files.crl {
                Some(p) => read(p)?,
                None => Vec::new(),
            },
        })
    }

    fn digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        for part in [&self.cert, &self.key, &self.ca, &self.crl] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part);
        }
        h.finalize().into()
    }
}

fn server_config(files: &TlsFiles, m: &Material) -> Result<Arc<ServerConfig>, TlsError> {
    let roots = roots(&files.ca, &m.ca)?;
    let mut verifier = WebPkiClientVerifier::builder_with_provider(roots, provider());
    if let Some(crl_path) = &files.crl {
        verifier = verifier.with_crls(crls(crl_path, &m.crl)?);
    }
    let verifier = verifier
        .build()
        .map_err(|e| TlsError::Config(format!("client verifier: {e}")))?;
    let key = PrivateKeyDer::from_pem_slice(&m.key).map_err(|e| file_err(&files.key, e))?;
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs(&files.cert, &m.cert)?, key)
        .map_err(|e| TlsError::Config(format!("{}: {e}", files.cert.display())))?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(config))
}

/// The serial numbers a CRL (PEM) revokes.
fn revoked_serials(pem: &[u8]) -> HashSet<Vec<u8>> {
    use x509_parser::prelude::FromDer;
    CertificateRevocationListDer::pem_slice_iter(pem)
        .filter_map(Result::ok)
        .filter_map(|der| {
            x509_parser::revocation_list::CertificateRevocationList::from_der(der.as_ref())
                .ok()
                .map(|(_, crl)| {
                    crl.iter_revoked_certificates()
                        .map(|r| r.raw_serial().to_vec())
                        .collect::<Vec<_>>()
                })
        })
        .flatten()
        .collect()
}

/// A server TLS configuration that can be swapped while the server runs.
pub struct ReloadableServerConfig {
    files: TlsFiles,
    current: RwLock<(Arc<ServerConfig>, [u8; 32])>,
    /// The serials the current CRL revokes (to cut connections made before it was loaded).
    revoked: RwLock<Arc<HashSet<Vec<u8>>>>,
}

impl ReloadableServerConfig {
    /// Loads the files; an error names the file at fault.
    pub fn load(files: TlsFiles) -> Result<Arc<Self>, TlsError> {
        let material = Material::read(&files)?;
        let config = server_config(&files, &material)?;
        Ok(Arc::new(ReloadableServerConfig {
            files,
            current: RwLock::new((config, material.digest())),
            revoked: RwLock::new(Arc::new(revoked_serials(&material.crl))),
        }))
    }

    /// The files it reads.
    pub fn files(&self) -> &TlsFiles {
        &self.files
    }

    /// The configuration to use for the next handshake.
    pub fn current(&self) -> Arc<ServerConfig> {
        match self.current.read() {
            Ok(guard) => guard.0.clone(),
            Err(poisoned) => poisoned.into_inner().0.clone(),
        }
    }

    /// Re-reads the files; swaps the configuration when they changed. Returns whether it did.
    /// On error the previous configuration stays in force.
    pub fn reload(&self) -> Result<bool, TlsError> {
        let material = Material::read(&self.files)?;
        let digest = material.digest();
        let unchanged = match self.current.read() {
            Ok(guard) => guard.1 == digest,
            Err(poisoned) => poisoned.into_inner().1 == digest,
        };
        if unchanged {
            return Ok(false);
        }
        let config = server_config(&self.files, &material)?;
        match self.current.write() {
            Ok(mut guard) => *guard = (config, digest),
            Err(poisoned) => *poisoned.into_inner() = (config, digest),
        }
        let revoked = Arc::new(revoked_serials(&material.crl));
        match self.revoked.write() {
            Ok(mut guard) => *guard = revoked,
            Err(poisoned) => *poisoned.into_inner() = revoked,
        }
        Ok(true)
    }

    /// The serial numbers the CRL in force revokes.
    pub fn revoked(&self) -> Arc<HashSet<Vec<u8>>> {
        match self.revoked.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

/// Client-side TLS for a tonic `Endpoint`: presents the identity's certificate and verifies the
/// server against the CA and its CRL.
pub fn client_tls(
    files: &TlsFiles,
) -> Result<(ClientTlsConfig, Arc<WebPkiServerVerifier>), TlsError> {
    let m = Material::read(files)?;
    let roots = roots(&files.ca, &m.ca)?;
    let mut verifier = WebPkiServerVerifier::builder_with_provider(roots, provider());
    if let Some(crl_path) = &files.crl {
        verifier = verifier.with_crls(crls(crl_path, &m.crl)?);
    }
    let verifier = verifier
        .build()
        .map_err(|e| TlsError::Config(format!("server verifier: {e}")))?;
    // Check that the pair parses now, so a bad file is named here and not at the first call.
    certs(&files.cert, &m.cert)?;
    PrivateKeyDer::from_pem_slice(&m.key).map_err(|e| file_err(&files.key, e))?;
    // The verifier carries the CA (tonic refuses a CA certificate beside a custom verifier).
    let config = ClientTlsConfig::new().identity(TonicIdentity::from_pem(&m.cert, &m.key));
    Ok((config, verifier))
}
