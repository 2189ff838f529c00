//! Who may call: only clients with a valid certificate of the axis CA (not revoked), and
//! each agency only as itself and on its own documents.
use lienthong_api::exchange::v1::{
    AcknowledgeDocumentRequest, BusinessStatus, GetSentDocumentRequest, ListAgenciesRequest,
    ListPendingRequest, exchange_service_client::ExchangeServiceClient,
};
use lienthong_platform::{Identity, db::Backend, pki::DevCa};
use tonic::{Code, transport::Endpoint};

use crate::support::*;

/// A channel whose TLS setup is given by hand (for clients the hub must refuse).
async fn raw_channel(
    url: &str,
    tls: tonic::transport::ClientTlsConfig,
) -> Option<tonic::transport::Channel> {
    Endpoint::from_shared(url.to_string())
        .expect("url")
        .tls_config(tls)
        .expect("tls")
        .connect()
        .await
        .ok()
}

pub async fn refuses_clients_without_valid_certificates(backend: Backend) {
    let hub = spawn_hub_with(
        backend,
        Options {
            tls_reload_secs: 0.2,
            ..Options::default()
        },
    )
    .await;
    refused_at_the_handshake(&hub).await;
    refused_once_revoked(&hub).await;
    hub.stop().await;
}

/// No client certificate, or one from another CA.
async fn refused_at_the_handshake(hub: &TestHub) {
    let ca = std::fs::read(hub.pki.dir().join("pki").join("ca.pem")).expect("ca");
    let list = |ch: tonic::transport::Channel| async move {
        lienthong_api::exchange::v1::directory_service_client::DirectoryServiceClient::new(ch)
            .list_agencies(ListAgenciesRequest::default())
            .await
    };

    // No client certificate.
    let tls = tonic::transport::ClientTlsConfig::new()
        .ca_certificate(tonic::transport::Certificate::from_pem(&ca));
    if let Some(ch) = raw_channel(&hub.url, tls).await {
        assert!(
            list(ch).await.is_err(),
            "a client without a certificate is refused"
        );
    }

    // A certificate from another CA.
    let other_dir = tempfile::tempdir().expect("tmp");
    let mut other = DevCa::init(other_dir.path(), TRUST_DOMAIN).expect("other ca");
    let rogue = other.issue(&agency_id(H48), &[]).expect("rogue");
    let tls = tonic::transport::ClientTlsConfig::new()
        .ca_certificate(tonic::transport::Certificate::from_pem(&ca))
        .identity(tonic::transport::Identity::from_pem(
            std::fs::read(&rogue.cert).expect("cert"),
            std::fs::read(&rogue.key).expect("key"),
        ));
    if let Some(ch) = raw_channel(&hub.url, tls).await {
        assert!(
            list(ch).await.is_err(),
            "a certificate from another CA is refused"
        );
    }
}

/// A certificate revoked while the hub runs: accepted before, refused after the CRL reload.
async fn refused_once_revoked(hub: &TestHub) {
    let mut before = hub.agency(SCT).await;
    before
        .list_pending(ListPendingRequest::default())
        .await
        .expect("valid before revocation");
    hub.pki.revoke(&agency_id(SCT));
    let files = hub.files(&agency_id(SCT));
    let url = hub.url.clone();
    eventually("the revoked certificate to be refused", PATIENCE, || {
        let files = files.clone();
        let url = url.clone();
        async move {
            let refused = match lienthong_platform::client::connect(&url, &files).await {
                Err(_) => true,
                Ok(ch) => ExchangeServiceClient::new(ch)
                    .list_pending(ListPendingRequest::default())
                    .await
                    .is_err(),
            };
            refused.then_some(())
        }
    })
    .await;
    // Others are unaffected.
    let mut fine = hub.agency(G22).await;
    fine.list_pending(ListPendingRequest::default())
        .await
        .expect("others still served");
}

pub async fn refuses_spoofed_sender_and_foreign_reads(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut h48 = hub.agency(H48).await;
    // H48's certificate claiming to be Văn phòng Chính phủ.
    let spoof = refused(
        send(&mut h48, header(G22, &[STTTT], 1, &[]), &[]).await,
        Code::PermissionDenied,
        "SPOOFED_SENDER",
    );
    assert!(
        spoof.message().contains("sender.code"),
        "{}",
        spoof.message()
    );

    let r = send(&mut h48, header(H48, &[G22], 2, &[]), &[])
        .await
        .expect("send");
    // Another agency hears of the document what it would of an unknown one.
    let mut other = hub.agency(SCT).await;
    refused(
        fetch_all(&mut other, &r.document_id).await,
        Code::NotFound,
        "NO_DOCUMENT",
    );
    refused(
        other
            .get_sent_document(GetSentDocumentRequest {
                document_id: r.document_id.clone(),
            })
            .await,
        Code::NotFound,
        "NO_DOCUMENT",
    );
    refused(
        other
            .acknowledge_document(AcknowledgeDocumentRequest {
                document_id: r.document_id.clone(),
            })
            .await,
        Code::NotFound,
        "NO_DOCUMENT",
    );
    // The sender itself cannot report a recipient's status.
    refused(
        report(&mut h48, &r.document_id, BusinessStatus::Accepted, "").await,
        Code::PermissionDenied,
        "SENDER_IS_NO_RECIPIENT",
    );
    // A hub or admin certificate is no agency: the exchange RPCs are refused.
    let admin_ch = hub.channel(&Identity::Admin("ops".into())).await;
    let mut as_admin = ExchangeServiceClient::new(admin_ch);
    refused(
        as_admin.list_pending(ListPendingRequest::default()).await,
        Code::PermissionDenied,
        "IDENTITY_NOT_ALLOWED",
    );
    hub.stop().await;
}
