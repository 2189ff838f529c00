//! Authorization: the one place where a service says which identities may call which RPCs.
//!
//! [`AuthLayer`] runs in front of every service of a server. It takes the identity from the
//! verified client certificate of the connection, checks it against the service's [`Policy`]
//! (deny by default), and puts the [`Identity`] into the request extensions for the handlers,
//! which then apply record-level rules (e.g. "only the sender may revoke").
use std::{
    sync::Arc,
    task::{Context, Poll},
};

use futures_util::future::BoxFuture;
use tonic::{
    Status,
    transport::server::{TcpConnectInfo, TlsConnectInfo},
};
use tower::{Layer, Service};

use crate::{
    error::{Details, Kind, status_with_details},
    identity::{Identity, identity_from_certificate},
};
use lienthong_axis::AgencyCode;

/// Decides whether an identity may call an RPC.
pub type Rule = fn(&Identity) -> bool;

/// Any verified identity.
pub fn anyone(_: &Identity) -> bool {
    true
}
/// Agencies only.
pub fn agency(id: &Identity) -> bool {
    matches!(id, Identity::Agency(_))
}
/// Admins only.
pub fn admin(id: &Identity) -> bool {
    matches!(id, Identity::Admin(_))
}
/// Hubs only.
pub fn hub(id: &Identity) -> bool {
    matches!(id, Identity::Hub(_))
}
/// Services only.
pub fn service(id: &Identity) -> bool {
    matches!(id, Identity::Service(_))
}

/// Rules by gRPC path: an exact method (`/pkg.Service/Method`) or a whole service
/// (`/pkg.Service/`). The most specific entry wins; a path with no entry is refused.
#[derive(Clone)]
pub struct Policy {
    trust_domain: String,
    rules: Vec<(&'static str, Rule, &'static str)>,
    /// The services this server serves (`pkg.Service`); a call to any other is UNIMPLEMENTED.
    /// Empty until [`Policy::serving`] (then every path is checked against the rules only).
    served: Vec<String>,
}

impl Policy {
    pub fn new(trust_domain: impl Into<String>) -> Self {
        Policy {
            trust_domain: trust_domain.into(),
            rules: Vec::new(),
            served: Vec::new(),
        }
    }

    /// Allows `rule` on a method or a service prefix; `who` names the rule in errors.
    pub fn allow(mut self, path: &'static str, rule: Rule, who: &'static str) -> Self {
        self.rules.push((path, rule, who));
        self
    }

    /// Health checks and reflection, for every verified identity.
    pub fn with_standard_services(self) -> Self {
        self.allow("/grpc.health.v1.Health/", anyone, "any identity")
            .allow(
                "/grpc.reflection.v1.ServerReflection/",
                anyone,
                "any identity",
            )
            .allow(
                "/grpc.reflection.v1alpha.ServerReflection/",
                anyone,
                "any identity",
            )
    }

    /// The services this server serves, besides health and reflection: a call to another
    /// service is answered UNIMPLEMENTED (it is not here), not PERMISSION_DENIED.
    pub fn serving(mut self, services: &[&str]) -> Self {
        self.served = services
            .iter()
            .map(|s| s.to_string())
            .chain(
                [
                    "grpc.health.v1.Health",
                    "grpc.reflection.v1.ServerReflection",
                    "grpc.reflection.v1alpha.ServerReflection",
                ]
                .map(String::from),
            )
            .collect();
        self
    }

    pub fn trust_domain(&self) -> &str {
        &self.trust_domain
    }

    /// Checks one call.
    pub fn check(&self, path: &str, id: &Identity) -> Result<(), Status> {
        let service = path.trim_start_matches('/').split('/').next().unwrap_or("");
        if !self.served.is_empty() && !self.served.iter().any(|s| s == service) {
            return Err(refusal(
                Kind::Unimplemented,
                "SERVICE_NOT_SERVED",
                format!(
                    "{service} is not served here; this server serves {}",
                    self.served.join(", ")
                ),
            ));
        }
        let entry = self.rules.iter().find(|(p, _, _)| *p == path).or_else(|| {
            self.rules
                .iter()
                .filter(|(p, _, _)| p.ends_with('/') && path.starts_with(p))
                .max_by_key(|(p, _, _)| p.len())
        });
        match entry {
            Some((_, rule, _)) if rule(id) => Ok(()),
            Some((_, _, who)) => Err(refusal(
                Kind::PermissionDenied,
                "IDENTITY_NOT_ALLOWED",
                format!("{id} may not call {path}: it is reserved to {who}"),
            )),
            None => Err(refusal(
                Kind::PermissionDenied,
                "IDENTITY_NOT_ALLOWED",
                format!("{id} may not call {path}: no identity may"),
            )),
        }
    }

    /// Authenticates the request's connection and authorizes the call.
    fn authorize<B>(&self, req: &http::Request<B>) -> Result<Identity, Status> {
        let no_certificate = || {
            refusal(
                Kind::Unauthenticated,
                "NO_CLIENT_CERTIFICATE",
                "a client certificate is required".into(),
            )
        };
        let certs = req
            .extensions()
            .get::<TlsConnectInfo<TcpConnectInfo>>()
            .and_then(|info| info.peer_certs())
            .ok_or_else(no_certificate)?;
        let leaf = certs.first().ok_or_else(no_certificate)?;
        let id = identity_from_certificate(leaf, &self.trust_domain)
            .map_err(|e| refusal(Kind::Unauthenticated, "NO_IDENTITY", e.to_string()))?;
        self.check(req.uri().path(), &id)?;
        Ok(id)
    }
}

/// A refusal of the platform itself (before any service code runs), with its details.
fn refusal(kind: Kind, reason: &'static str, message: String) -> Status {
    status_with_details(
        kind,
        message,
        &Details {
            reason,
            domain: "lienthong",
            violations: &[],
            subject: String::new(),
            retry_after: None,
        },
    )
}

/// The identity the [`AuthLayer`] established for a request.
pub fn caller<T>(req: &tonic::Request<T>) -> Result<Identity, Status> {
    req.extensions()
        .get::<Identity>()
        .cloned()
        .ok_or_else(|| Status::unauthenticated("no verified identity on this call"))
}

/// The calling agency's code, or PERMISSION_DENIED for any other kind of identity.
pub fn caller_agency<T>(req: &tonic::Request<T>) -> Result<AgencyCode, Status> {
    match caller(req)? {
        Identity::Agency(code) => Ok(code),
        other => Err(refusal(
            Kind::PermissionDenied,
            "IDENTITY_NOT_ALLOWED",
            format!("{other} is not an agency"),
        )),
    }
}

/// The calling hub's id, or PERMISSION_DENIED for any other kind of identity.
pub fn caller_hub<T>(req: &tonic::Request<T>) -> Result<String, Status> {
    match caller(req)? {
        Identity::Hub(id) => Ok(id),
        other => Err(refusal(
            Kind::PermissionDenied,
            "IDENTITY_NOT_ALLOWED",
            format!("{other} is not a hub"),
        )),
    }
}

/// Tower layer applying a [`Policy`].
#[derive(Clone)]
pub struct AuthLayer {
    policy: Arc<Policy>,
}

impl AuthLayer {
    pub fn new(policy: Policy) -> Self {
        AuthLayer {
            policy: Arc::new(policy),
        }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            policy: self.policy.clone(),
        }
    }
}

#[derive(Clone)]
pub struct AuthService<S> {
    inner: S,
    policy: Arc<Policy>,
}

impl<S, B, R> Service<http::Request<B>> for AuthService<S>
where
    S: Service<http::Request<B>, Response = http::Response<R>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
    R: Default,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        match self.policy.authorize(&req) {
            Ok(id) => {
                tracing::Span::current().record("peer", tracing::field::display(&id));
                req.extensions_mut().insert(id);
                // The clone that was polled ready is the one that must be called.
                let clone = self.inner.clone();
                let mut inner = std::mem::replace(&mut self.inner, clone);
                Box::pin(inner.call(req))
            }
            Err(status) => {
                tracing::info!(path = req.uri().path(), code = ?status.code(), message = status.message(), "call refused");
                Box::pin(async move { Ok(status.into_http()) })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_specific_rule_wins_and_default_denies() {
        let policy = Policy::new("t").allow("/p.S/", agency, "agencies").allow(
            "/p.S/Admin",
            admin,
            "admins",
        );
        let a = Identity::agency("000.00.00.H48").unwrap();
        let ad = Identity::Admin("ops".into());
        assert!(policy.check("/p.S/Send", &a).is_ok());
        assert!(policy.check("/p.S/Send", &ad).is_err());
        assert!(policy.check("/p.S/Admin", &ad).is_ok());
        let err = policy.check("/p.S/Admin", &a).unwrap_err();
        assert_eq!(err.code(), tonic::Code::PermissionDenied);
        assert!(err.message().contains("admins"), "{}", err.message());
        assert!(policy.check("/q.T/X", &ad).is_err());
        assert_eq!(
            crate::error::reason_of(&err).as_deref(),
            Some("IDENTITY_NOT_ALLOWED")
        );
    }

    #[test]
    fn unserved_services_are_unimplemented() {
        let policy = Policy::new("t")
            .with_standard_services()
            .allow("/p.S/", anyone, "anyone")
            .serving(&["p.S"]);
        let a = Identity::agency("000.00.00.H48").unwrap();
        assert!(policy.check("/p.S/Send", &a).is_ok());
        assert!(policy.check("/grpc.health.v1.Health/Check", &a).is_ok());
        let err = policy.check("/q.Other/Call", &a).unwrap_err();
        assert_eq!(err.code(), tonic::Code::Unimplemented);
        assert!(err.message().contains("p.S"), "{}", err.message());
    }
}
