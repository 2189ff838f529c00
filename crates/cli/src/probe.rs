//! A second look at a connection that broke at once: the server may have refused the client's
//! certificate (revoked, expired, another CA) with a TLS alert that the first call, already
//! writing its request, saw only as a closed connection. A bare handshake with the same files,
//! then a short read, catches the alert.
use std::{sync::Arc, time::Duration};

use rustls::{RootCertStore, client::WebPkiServerVerifier};
use rustls_pki_types::{
    CertificateDer, CertificateRevocationListDer, PrivateKeyDer, ServerName, pem::PemObject,
};
use tokio::io::AsyncReadExt;
use tonic::codegen::http::Uri;

use crate::error::{Failure, Target, connect_failure};

fn config(t: &Target) -> Option<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let read = |p: &Option<std::path::PathBuf>| p.as_ref().and_then(|p| std::fs::read(p).ok());
    let (cert, key, ca) = (read(&t.cert)?, read(&t.key)?, read(&t.ca)?);
    let mut roots = RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(&ca) {
        roots.add(c.ok()?).ok()?;
    }
    let mut verifier =
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone());
    if let Some(crl) = read(&t.crl) {
        let crls: Vec<_> = CertificateRevocationListDer::pem_slice_iter(&crl)
            .collect::<Result<_, _>>()
            .ok()?;
        verifier = verifier.with_crls(crls);
    }
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&cert)
        .collect::<Result<_, _>>()
        .ok()?;
    let key = PrivateKeyDer::from_pem_slice(&key).ok()?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .with_webpki_verifier(verifier.build().ok()?)
        .with_client_auth_cert(certs, key)
        .ok()?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Some(config)
}

/// Handshakes with `t.endpoint` and waits briefly for what the server says: the failure it
/// shows, or `None` when the handshake holds (or cannot be tried).
pub async fn tls_probe(t: &Target) -> Option<Failure> {
    let url = if t.endpoint.contains("://") {
        t.endpoint.clone()
    } else {
        format!("https://{}", t.endpoint)
    };
    let uri: Uri = url.parse().ok()?;
    let host = uri
        .host()?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = uri.port_u16().unwrap_or(443);
    let name = ServerName::try_from(host.clone()).ok()?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config(t)?));
    let probe = async {
        let tcp = tokio::net::TcpStream::connect((host.as_str(), port)).await?;
        let mut tls = connector.connect(name, tcp).await?;
        let mut byte = [0u8; 1];
        match tokio::time::timeout(Duration::from_secs(2), tls.read(&mut byte)).await {
            Ok(Err(e)) => Err(e),
            _ => Ok(()),
        }
    };
    match tokio::time::timeout(Duration::from_secs(5), probe).await {
        Ok(Err(e)) => {
            Some(connect_failure(&e, t)).filter(|f| f.reason.as_deref() != Some("CONNECT_FAILED"))
        }
        _ => None,
    }
}
