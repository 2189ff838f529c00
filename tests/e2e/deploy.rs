//! The deployment PKI of `deploy/compose.yaml` with the real binaries: `lienthong pki init
//! --deploy compose` issues the certificates, a real hub starts with the `hub-H48` certificate
//! and a 0640 key, and a client that dials 127.0.0.1 with TLS server name `h48` — as the other
//! containers reach it by its compose service name — gets health and a real call through, while
//! a name the certificate does not carry (`h41`) is refused by TLS.
//!
//! When the test runs as root (CI does), the hub runs as another user (uid 65534) whose only
//! access to its key is the group (gid 10001, the image's): the situation of the container that
//! reads a PKI directory mounted from the host after `chgrp -R 10001 DIR`.
use std::{
    os::unix::{
        fs::{MetadataExt, PermissionsExt},
        process::CommandExt,
    },
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use lienthong_api::exchange::v1::{
    ListAgenciesRequest, directory_service_client::DirectoryServiceClient,
};
use lienthong_e2e::bin;
use lienthong_platform::{testing::free_port, tls::TlsFiles};
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

/// The image's group (deploy/Dockerfile), and a user that is not the files' owner.
const CONTAINER_GID: u32 = 10001;
const OTHER_UID: u32 = 65534;

fn files(pki: &Path, label: &str) -> TlsFiles {
    TlsFiles {
        cert: pki.join(label).join("cert.pem"),
        key: pki.join(label).join("key.pem"),
        ca: pki.join("ca.pem"),
        crl: Some(pki.join("crl.pem")),
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

/// A channel to 127.0.0.1:`port` that verifies the server's certificate for `server_name`.
async fn dial_as(port: u16, server_name: &str, files: &TlsFiles) -> Result<Channel, String> {
    let (tls, verifier) = lienthong_platform::tls::client_tls(files).expect("client TLS");
    Endpoint::from_shared(format!("https://127.0.0.1:{port}"))
        .and_then(|e| e.tls_config_with_verifier(tls.domain_name(server_name), verifier))
        .expect("endpoint")
        .connect_timeout(Duration::from_secs(5))
        .connect()
        .await
        .map_err(|e| format!("{e:?}"))
}

async fn health(port: u16, server_name: &str, files: &TlsFiles) -> Result<ServingStatus, String> {
    let channel = dial_as(port, server_name, files).await?;
    HealthClient::new(channel)
        .check(HealthCheckRequest::default())
        .await
        .map(|r| r.into_inner().status())
        .map_err(|s| format!("{s:?}"))
}

/// The hub process; killed when dropped so that a failing test leaves nothing running.
struct Hub(Child);

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `lienthong pki init --deploy compose` and checks what it wrote and said.
fn deployment_pki(pki: &Path) {
    let out = Command::new(bin("lienthong"))
        .args(["pki", "init", "--deploy", "compose", "--dir"])
        .arg(pki)
        .output()
        .expect("run lienthong");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("chgrp -R 10001"),
        "says how to give access: {stdout}"
    );
    assert_eq!(mode(&pki.join("hub-H48/key.pem")), 0o640);
    assert_eq!(
        mode(&pki.join("ca-key.pem")),
        0o600,
        "the CA key stays private"
    );
}

/// As root: the files belong to root and group 10001, the data directory to the other user.
fn hand_to_the_container_group(root: &Path, pki: &Path, data: &Path) {
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let status = Command::new("chgrp")
        .args(["-R", &CONTAINER_GID.to_string()])
        .arg(pki)
        .status()
        .expect("chgrp");
    assert!(status.success());
    std::os::unix::fs::chown(data, Some(OTHER_UID), Some(CONTAINER_GID)).expect("chown data");
    let key = std::fs::metadata(pki.join("hub-H48/key.pem")).expect("key");
    assert_eq!((key.uid(), key.gid()), (0, CONTAINER_GID));
    assert_eq!(
        key.mode() & 0o007,
        0,
        "not world-readable: only the group opens it"
    );
}

/// The hub binary, as a copy under `root` when another user runs it: the build directory may
/// sit under a directory only its owner may enter (a CI checkout in a `mktemp -d`).
fn hub_program(root: &Path, as_other_user: bool) -> std::path::PathBuf {
    let built = bin("lienthong-exchange");
    if !as_other_user {
        return built;
    }
    let copy = root.join("lienthong-exchange");
    std::fs::copy(&built, &copy).expect("copy the hub binary");
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    copy
}

fn start_hub(
    program: &Path,
    pki: &Path,
    data: &Path,
    port: u16,
    log: &Path,
    as_other_user: bool,
) -> Hub {
    let hub = files(pki, "hub-H48");
    let out = std::fs::File::create(log).expect("log");
    let mut command = Command::new(program);
    command
        .env("LIENTHONG_EXCHANGE_LISTEN", format!("127.0.0.1:{port}"))
        .env("LIENTHONG_HUB_ID", "H48")
        .env("LIENTHONG_DATA_DIR", data)
        .env("LIENTHONG_TLS_CERT", &hub.cert)
        .env("LIENTHONG_TLS_KEY", &hub.key)
        .env("LIENTHONG_TLS_CA", &hub.ca)
        .env("LIENTHONG_TLS_CRL", hub.crl.as_ref().expect("crl"))
        .env("LIENTHONG_SHUTDOWN_GRACE_SECS", "2")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(out.try_clone().expect("log"))
        .stderr(out);
    if as_other_user {
        // Setting the uid as root also drops the supplementary groups: the group is the only way in.
        command.uid(OTHER_UID).gid(CONTAINER_GID);
    }
    Hub(command.spawn().expect("spawn the hub"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployment_pki_serves_under_the_compose_service_name() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (pki, data) = (tmp.path().join("pki"), tmp.path().join("data-h48"));
    std::fs::create_dir_all(&data).expect("data dir");
    deployment_pki(&pki);
    let as_root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    if as_root {
        hand_to_the_container_group(tmp.path(), &pki, &data);
    }
    let port = free_port();
    let log = tmp.path().join("hub.log");
    let program = hub_program(tmp.path(), as_root);
    let mut hub = start_hub(&program, &pki, &data, port, &log, as_root);
    let admin = files(&pki, "admin-operator");

    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = hub.0.try_wait().expect("wait") {
            panic!(
                "the hub exited with {status}; log:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        match health(port, "h48", &admin).await {
            Ok(ServingStatus::Serving) => break,
            other => assert!(
                tokio::time::Instant::now() < deadline,
                "not serving as h48 in 30 s: {other:?}; log:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            ),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A real call under the service name, as an agency.
    let agency = files(&pki, "agency-000.00.00.H48");
    let channel = dial_as(port, "h48", &agency).await.expect("dial as h48");
    let agencies = DirectoryServiceClient::new(channel)
        .list_agencies(ListAgenciesRequest::default())
        .await
        .expect("ListAgencies under the name h48")
        .into_inner()
        .agencies;
    assert!(
        agencies.iter().any(|a| a.code == "000.00.00.H48"),
        "{agencies:?}"
    );

    // Names the certificate does not carry are refused by the TLS handshake, so the check above
    // proves the certificate, not a lax client.
    for wrong in ["h41", "national"] {
        let refused = health(port, wrong, &admin)
            .await
            .expect_err("a name outside the certificate is refused");
        assert!(
            refused.contains("NotValidForName") || refused.contains("certificate"),
            "{wrong}: {refused}"
        );
    }
}
