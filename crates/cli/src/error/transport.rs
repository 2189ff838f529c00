//! Connections that cannot be made and TLS handshakes that fail, read from their error chains
//! (rustls errors and alerts, refused connections, names that do not resolve) and said in a
//! sentence with what to do about them.
use std::{
    error::Error,
    path::PathBuf,
    sync::{Mutex, PoisonError},
};

use rustls::{AlertDescription, CertificateError};
use tonic::{Code, Status};
use tonic_types::StatusExt;

use super::Failure;

/// Where the command connects and with which files, for the sentences that name them.
#[derive(Clone, Debug, Default)]
pub struct Target {
    pub endpoint: String,
    /// The option that sets the endpoint (`--endpoint`, `--tasks-endpoint`, …).
    pub flag: &'static str,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub ca: Option<PathBuf>,
    pub crl: Option<PathBuf>,
}

/// The target of the last connection (a command talks to one server at a time).
static TARGET: Mutex<Option<Target>> = Mutex::new(None);

/// Remembers where the command connects, for the failures that follow.
pub fn set_target(target: Target) {
    *TARGET.lock().unwrap_or_else(PoisonError::into_inner) = Some(target);
}

pub fn target() -> Target {
    TARGET
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
        .unwrap_or_default()
}

fn shown(path: Option<&PathBuf>, what: &str) -> String {
    path.map_or_else(|| what.to_string(), |p| format!("{what} {}", p.display()))
}

/// Every error of a chain, looking inside I/O errors (whose `source` skips the error they wrap,
/// e.g. the rustls error of a failed handshake).
fn causes<'a>(e: &'a (dyn Error + 'static)) -> Vec<&'a (dyn Error + 'static)> {
    let mut out = Vec::new();
    let mut next = Some(e);
    while let Some(cur) = next {
        out.push(cur);
        if let Some(inner) = cur
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            out.extend(causes(inner));
        }
        next = cur.source();
    }
    out
}

/// The chain as one line, skipping repeated causes.
fn chain_text(e: &(dyn Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// A TLS failure: which side refused which certificate, and what to do.
fn tls_failure(e: &rustls::Error, t: &Target) -> Failure {
    let unauth =
        |reason: &str, message: String| Failure::cli(Code::Unauthenticated, reason, message);
    let server = format!("the server's certificate at {}", t.endpoint);
    let ca = shown(t.ca.as_ref(), "the CA");
    let cert = shown(t.cert.as_ref(), "your certificate");
    match e {
        rustls::Error::InvalidCertificate(ce) => match ce {
            CertificateError::UnknownIssuer | CertificateError::BadSignature => unauth(
                "SERVER_CERTIFICATE_UNTRUSTED",
                format!("{server} was not issued by {ca} (unknown CA)"),
            )
            .hint("use the axis CA the server's certificate comes from: --ca, or --pki DIR"),
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. } => unauth(
                "SERVER_CERTIFICATE_EXPIRED",
                format!("{server} has expired or is not valid yet ({ce})"),
            )
            .hint("the server's operator must renew its certificate; check this machine's clock"),
            CertificateError::Revoked => unauth(
                "SERVER_CERTIFICATE_REVOKED",
                format!(
                    "{server} is revoked by {}",
                    shown(t.crl.as_ref(), "the CRL")
                ),
            ),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                unauth(
                    "SERVER_NAME_MISMATCH",
                    format!("{server} is not valid for that host name ({ce})"),
                )
                .hint("connect by a name the certificate carries (localhost, 127.0.0.1, or a --dns name given to `pki issue`)")
            }
            other => unauth(
                "SERVER_CERTIFICATE_UNTRUSTED",
                format!("{server} was refused: {other}"),
            ),
        },
        rustls::Error::AlertReceived(alert) => match alert {
            AlertDescription::CertificateRevoked => unauth(
                "CLIENT_CERTIFICATE_REVOKED",
                format!("the server refused {cert}: it is revoked"),
            )
            .hint("issue a new one: `lienthong pki issue --agency CODE` (or --admin, --service, --hub)"),
            AlertDescription::CertificateExpired => unauth(
                "CLIENT_CERTIFICATE_EXPIRED",
                format!("the server refused {cert}: it has expired"),
            )
            .hint("issue a new one: `lienthong pki issue …`"),
            AlertDescription::CertificateRequired => unauth(
                "CLIENT_CERTIFICATE_REQUIRED",
                "the server requires a client certificate and got none".to_string(),
            ),
            AlertDescription::UnknownCA
            | AlertDescription::BadCertificate
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::DecryptError
            | AlertDescription::AccessDenied => unauth(
                "CLIENT_CERTIFICATE_REFUSED",
                format!("the server does not accept {cert} ({alert:?}): it was not issued by the server's CA"),
            )
            .hint("use a certificate of the server's axis CA: --cert/--key, or --pki DIR --as IDENTITY"),
            other => Failure::cli(
                Code::Unknown,
                "TLS_HANDSHAKE_FAILED",
                format!("the TLS handshake with {} failed: the server sent {other:?}", t.endpoint),
            ),
        },
        rustls::Error::InconsistentKeys(_) => key_mismatch(t),
        other => Failure::cli(
            Code::Unknown,
            "TLS_HANDSHAKE_FAILED",
            format!("the TLS handshake with {} failed: {other}", t.endpoint),
        )
        .hint(format!("is {} a lienthong server speaking TLS?", t.endpoint)),
    }
}

/// The key does not belong to the certificate.
pub fn key_mismatch(t: &Target) -> Failure {
    Failure::local(
        "KEY_MISMATCH",
        format!(
            "{} does not belong to {} (their public keys differ)",
            shown(t.key.as_ref(), "the key"),
            shown(t.cert.as_ref(), "the certificate")
        ),
    )
    .hint("pass the key issued with that certificate (--key), or use --pki DIR --as IDENTITY")
}

/// A failure to connect to `t.endpoint`.
pub fn connect_failure(e: &(dyn Error + 'static), t: &Target) -> Failure {
    classify(e, t).unwrap_or_else(|| {
        Failure::cli(
            Code::Unavailable,
            "CONNECT_FAILED",
            format!("cannot connect to {}: {}", t.endpoint, chain_text(e)),
        )
    })
}

/// The TLS error a chain names only in its text (h2 and hyper keep the error itself out of
/// reach): `received fatal alert: CertificateRevoked`, `invalid peer certificate: Revoked`.
fn tls_in_text(text: &str) -> Option<rustls::Error> {
    let word = |marker: &str| {
        text.split_once(marker).map(|(_, rest)| {
            rest.split(|c: char| !c.is_ascii_alphanumeric())
                .next()
                .unwrap_or_default()
                .to_string()
        })
    };
    if let Some(alert) = word("received fatal alert: ") {
        let alert = match alert.as_str() {
            "CertificateRevoked" => AlertDescription::CertificateRevoked,
            "CertificateExpired" => AlertDescription::CertificateExpired,
            "CertificateRequired" => AlertDescription::CertificateRequired,
            "UnknownCA" => AlertDescription::UnknownCA,
            "BadCertificate" => AlertDescription::BadCertificate,
            "CertificateUnknown" => AlertDescription::CertificateUnknown,
            "UnsupportedCertificate" => AlertDescription::UnsupportedCertificate,
            "DecryptError" => AlertDescription::DecryptError,
            "AccessDenied" => AlertDescription::AccessDenied,
            _ => AlertDescription::HandshakeFailure,
        };
        return Some(rustls::Error::AlertReceived(alert));
    }
    let cert = word("invalid peer certificate: ")?;
    let error = match cert.as_str() {
        "UnknownIssuer" => CertificateError::UnknownIssuer,
        "BadSignature" => CertificateError::BadSignature,
        "Revoked" => CertificateError::Revoked,
        "Expired" => CertificateError::Expired,
        "NotValidYet" => CertificateError::NotValidYet,
        "NotValidForName" => CertificateError::NotValidForName,
        _ => CertificateError::ApplicationVerificationFailure,
    };
    Some(rustls::Error::InvalidCertificate(error))
}

/// What a chain says about the connection, if it says something known.
fn classify(e: &(dyn Error + 'static), t: &Target) -> Option<Failure> {
    let all = causes(e);
    if let Some(tls) = all.iter().find_map(|c| c.downcast_ref::<rustls::Error>()) {
        return Some(tls_failure(tls, t));
    }
    if let Some(tls) = tls_in_text(&chain_text(e)) {
        return Some(tls_failure(&tls, t));
    }
    let io_kind = |kind| {
        all.iter()
            .filter_map(|c| c.downcast_ref::<std::io::Error>())
            .any(|io| io.kind() == kind)
    };
    let text = chain_text(e);
    if io_kind(std::io::ErrorKind::ConnectionRefused) {
        return Some(
            Failure::cli(
                Code::Unavailable,
                "CONNECTION_REFUSED",
                format!("cannot connect to {}: connection refused", t.endpoint),
            )
            .hint(format!(
                "is the server running at {}? (`make run` starts one; {} sets where to connect)",
                t.endpoint, t.flag
            )),
        );
    }
    if text.contains("dns error") || text.contains("failed to lookup address") {
        return Some(
            Failure::cli(
                Code::Unavailable,
                "NAME_NOT_RESOLVED",
                format!(
                    "cannot connect to {}: the host name does not resolve",
                    t.endpoint
                ),
            )
            .hint(format!("check the host name in {} ({text})", t.flag)),
        );
    }
    if io_kind(std::io::ErrorKind::TimedOut) || text.contains("timed out") {
        return Some(
            Failure::cli(
                Code::Unavailable,
                "CONNECT_TIMEOUT",
                format!("cannot connect to {}: no answer in time", t.endpoint),
            )
            .hint(format!("is {} reachable from here?", t.endpoint)),
        );
    }
    None
}

/// A status the transport made rather than a service: a failed handshake or a connection that
/// broke (no `ErrorInfo`, a source error underneath).
pub fn status_transport_failure(status: &Status) -> Option<Failure> {
    if status.get_error_details().error_info().is_some() {
        return None;
    }
    let source = status.source()?;
    let t = target();
    if let Some(f) = classify(source, &t) {
        return Some(f);
    }
    match status.code() {
        Code::Unknown | Code::Internal | Code::Cancelled | Code::Unavailable => Some(Failure::cli(
            Code::Unavailable,
            "CONNECTION_LOST",
            format!(
                "the connection to {} broke: {}",
                t.endpoint,
                chain_text(source)
            ),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Target {
        Target {
            endpoint: "https://127.0.0.1:7443".into(),
            flag: "--endpoint",
            cert: Some("c.pem".into()),
            key: Some("k.pem".into()),
            ca: Some("ca.pem".into()),
            crl: None,
        }
    }

    #[test]
    fn refused_connections_ask_whether_the_server_runs() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let f = connect_failure(&io, &t());
        assert_eq!(f.code, Code::Unavailable);
        assert_eq!(f.reason.as_deref(), Some("CONNECTION_REFUSED"));
        assert_eq!(
            f.hints,
            [
                "is the server running at https://127.0.0.1:7443? (`make run` starts one; \
              --endpoint sets where to connect)"
            ]
        );
        assert!(f.is_retryable());
    }

    #[test]
    fn tls_errors_inside_io_errors_are_found() {
        let tls = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, tls);
        let f = connect_failure(&io, &t());
        assert_eq!(f.reason.as_deref(), Some("SERVER_CERTIFICATE_UNTRUSTED"));
        assert_eq!(f.code, Code::Unauthenticated);
        assert!(
            f.message.contains("not issued by the CA ca.pem"),
            "{}",
            f.message
        );

        let alert = rustls::Error::AlertReceived(AlertDescription::CertificateRevoked);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, alert);
        let f = connect_failure(&io, &t());
        assert_eq!(f.reason.as_deref(), Some("CLIENT_CERTIFICATE_REVOKED"));
        assert_eq!(
            f.message,
            "the server refused your certificate c.pem: it is revoked"
        );
        let f = connect_failure(
            &rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch),
            &t(),
        );
        assert_eq!(f.reason.as_deref(), Some("KEY_MISMATCH"));
        assert_eq!(
            f.message,
            "the key k.pem does not belong to the certificate c.pem (their public keys differ)"
        );
        assert_eq!(f.exit_code(), 1);
    }

    #[test]
    fn tls_errors_named_only_in_the_text_are_read() {
        let io = std::io::Error::other(
            "transport error: connection error: received fatal alert: CertificateRevoked",
        );
        let f = connect_failure(&io, &t());
        assert_eq!(f.reason.as_deref(), Some("CLIENT_CERTIFICATE_REVOKED"));
        let io = std::io::Error::other("received fatal alert: DecryptError");
        assert_eq!(
            connect_failure(&io, &t()).reason.as_deref(),
            Some("CLIENT_CERTIFICATE_REFUSED")
        );
        let io = std::io::Error::other("invalid peer certificate: Revoked");
        assert_eq!(
            connect_failure(&io, &t()).reason.as_deref(),
            Some("SERVER_CERTIFICATE_REVOKED")
        );
    }

    #[test]
    fn unknown_failures_keep_their_text() {
        let io = std::io::Error::other("something odd");
        let f = connect_failure(&io, &t());
        assert_eq!(f.reason.as_deref(), Some("CONNECT_FAILED"));
        assert_eq!(
            f.message,
            "cannot connect to https://127.0.0.1:7443: something odd"
        );
        let dns = std::io::Error::other("dns error: failed to lookup address information");
        assert_eq!(
            connect_failure(&dns, &t()).reason.as_deref(),
            Some("NAME_NOT_RESOLVED")
        );
    }
}
