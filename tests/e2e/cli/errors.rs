//! Exit statuses by class, errors as one JSON object with code and reason, and the hints for
//! the common connection mistakes.
use lienthong_platform::testing::{TestPki, free_port};
use serde_json::Value;

use super::harness::{Axis, Out, file};
use crate::{BINH_SON, G22, H48, STTTT};

/// The failure of a `--json` run: exit status, code and reason as expected.
fn refused(out: &Out, exit: i32, code: &str, reason: &str) -> Value {
    assert_eq!(out.code, exit, "{out:?}");
    assert!(out.stdout.is_empty(), "nothing on stdout: {out:?}");
    let e = out.error();
    assert_eq!(e["code"], code, "{e}");
    assert_eq!(e["reason"], reason, "{e}");
    assert_eq!(e["exit_code"], exit, "{e}");
    assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{e}");
    e
}

fn hints(e: &Value) -> String {
    e["hints"]
        .as_array()
        .map(|h| {
            h.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_class_of_failure_has_its_exit_status() {
    let axis = Axis::hub(&[BINH_SON]).await;
    axis.certs(&[H48, G22, STTTT]);
    let cli = axis.cli();
    let unknown = "000.00.00.H48,2026/11/26,999/UBND-VP";

    // 2: usage, in text and as JSON.
    let out = cli.run(H48, &["send"]).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--to <CODE>"), "{}", out.stderr);
    let e = refused(
        &cli.run(H48, &["--json", "send"]).await,
        2,
        "INVALID_ARGUMENT",
        "USAGE",
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap_or_default()
            .contains("required"),
        "{e}"
    );

    // 3: not found.
    let tmp = tempfile::tempdir().expect("tmp");
    let out_dir = tmp.path().join("in");
    let out_dir = out_dir.to_str().expect("utf-8");
    let out = cli
        .run(G22, &["--json", "fetch", unknown, "--out", out_dir])
        .await;
    refused(&out, 3, "NOT_FOUND", "NO_DOCUMENT");
    let text = cli.run(G22, &["ack", unknown]).await;
    assert_eq!(text.code, 3, "{text:?}");
    assert!(
        text.stderr.starts_with("error: NOT_FOUND (NO_DOCUMENT): "),
        "{}",
        text.stderr
    );

    // 4: invalid argument, with every violation of the request.
    let out = cli.run(G22, &["--json", "ack", "not-a-document-id"]).await;
    let e = refused(&out, 4, "INVALID_ARGUMENT", "INVALID_FIELD");
    assert_eq!(e["violations"][0]["field"], "document_id", "{e}");
    let args = [
        "--json",
        "send",
        "--to",
        H48,
        "--subject",
        " ",
        "--due-date",
        "2026-13-45",
    ];
    let e = refused(
        &cli.run(H48, &args).await,
        4,
        "INVALID_ARGUMENT",
        "INVALID_FIELD",
    );
    let fields: Vec<&str> = e["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .filter_map(|v| v["field"].as_str())
        .collect();
    assert_eq!(fields.len(), 3, "three violations at once: {e}");
    let text = cli.run(H48, &args[1..]).await;
    assert!(
        text.stderr.contains("3 invalid fields\n  "),
        "{}",
        text.stderr
    );

    // 5: denied, with who the caller was.
    let e = refused(
        &cli.run(G22, &["--json", "hub", "status"]).await,
        5,
        "PERMISSION_DENIED",
        "IDENTITY_NOT_ALLOWED",
    );
    assert!(
        hints(&e).contains("you called as agency/000.00.00.G22"),
        "{e}"
    );

    conflicts(&axis, &tmp).await;
    unavailable_and_local(&axis).await;
}

/// 6: a DocumentId taken by another document, a revocation asked twice.
async fn conflicts(axis: &Axis, tmp: &tempfile::TempDir) {
    let cli = axis.cli();
    let id = "000.00.00.H48,2026/11/26,61/UBND-VP";
    let send = |subject: &'static str| {
        [
            "--json",
            "send",
            "--to",
            G22,
            "--document-id",
            id,
            "--number",
            "61",
            "--notation",
            "UBND-VP",
            "--subject",
            subject,
        ]
    };
    cli.run(H48, &send("Công văn 61")).await.ok_json();
    let e = refused(
        &cli.run(H48, &send("Một công văn khác")).await,
        6,
        "ALREADY_EXISTS",
        "CONTENT_CONFLICT",
    );
    assert!(hints(&e).contains("give another --number"), "{e}");
    cli.json(H48, &["revoke", id, "--reason", "Nhầm"]).await;
    let e = refused(
        &cli.run(H48, &["--json", "revoke", id, "--reason", "Nhầm"])
            .await,
        6,
        "FAILED_PRECONDITION",
        "REVOKE_ALREADY_REQUESTED",
    );
    assert_eq!(e["origin"], "server");
    // 1: a local file that is not there.
    let missing = tmp.path().join("missing.pdf");
    let out = cli
        .run(
            H48,
            &[
                "--json",
                "send",
                "--to",
                G22,
                "--subject",
                "S",
                "--attach",
                missing.to_str().expect("utf-8"),
            ],
        )
        .await;
    let e = refused(&out, 1, "UNKNOWN", "FILE_NOT_FOUND");
    assert_eq!(e["origin"], "cli");
}

/// 7: nothing listening; 4: plain HTTP; 5: untrusted or revoked certificates; 1: a key of
/// another certificate, a service the server does not serve.
async fn unavailable_and_local(axis: &Axis) {
    let cli = axis.cli();
    let nowhere = format!("https://127.0.0.1:{}", free_port());
    let out = cli
        .run(G22, &["--json", "--endpoint", &nowhere, "agencies"])
        .await;
    let e = refused(&out, 7, "UNAVAILABLE", "CONNECTION_REFUSED");
    assert!(
        hints(&e).contains(&format!("is the server running at {nowhere}?")),
        "{e}"
    );
    assert!(hints(&e).contains("make run"), "{e}");
    let text = cli.run(G22, &["--endpoint", &nowhere, "agencies"]).await;
    assert!(
        text.stderr.contains("\nhint: is the server running at"),
        "{}",
        text.stderr
    );

    let plain = axis.hub.url.replace("https://", "http://");
    let e = refused(
        &cli.run(G22, &["--json", "--endpoint", &plain, "agencies"])
            .await,
        4,
        "INVALID_ARGUMENT",
        "ENDPOINT_NOT_HTTPS",
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap_or_default()
            .contains("use https://"),
        "{e}"
    );

    let out = cli
        .run(
            G22,
            &[
                "--json",
                "--endpoint",
                "https://no-such-hub.invalid:7443",
                "agencies",
            ],
        )
        .await;
    refused(&out, 7, "UNAVAILABLE", "NAME_NOT_RESOLVED");

    tls_mistakes(axis).await;

    // A service this server does not serve: the hub is no tasks service.
    let out = cli
        .run(
            G22,
            &["--json", "tasks", "--tasks-endpoint", &axis.hub.url, "list"],
        )
        .await;
    let e = refused(&out, 1, "UNIMPLEMENTED", "SERVICE_NOT_SERVED");
    assert!(hints(&e).contains("is --tasks-endpoint right?"), "{e}");
}

async fn tls_mistakes(axis: &Axis) {
    let cli = axis.cli();
    let (h48, g22) = (axis.files(H48), axis.files(G22));
    let path = |p: &std::path::Path| p.to_str().expect("utf-8").to_string();

    // The key of another certificate: said before connecting.
    let (cert, key) = (path(&h48.cert), path(&g22.key));
    let args = ["--json", "--cert", &cert, "--key", &key, "agencies"];
    let e = refused(&cli.run(H48, &args).await, 1, "UNKNOWN", "KEY_MISMATCH");
    assert!(
        e["message"]
            .as_str()
            .unwrap_or_default()
            .contains("does not belong to the certificate"),
        "{e}"
    );

    // A CA the hub's certificate does not come from.
    let other = TestPki::new();
    let other_files = other.agency(G22);
    let ca = path(&other_files.ca);
    let out = cli.run(G22, &["--json", "--ca", &ca, "agencies"]).await;
    refused(&out, 5, "UNAUTHENTICATED", "SERVER_CERTIFICATE_UNTRUSTED");

    // A certificate the hub does not trust (another CA's), and a revoked one.
    let (cert, key) = (path(&other_files.cert), path(&other_files.key));
    let out = cli
        .run(G22, &["--json", "--cert", &cert, "--key", &key, "agencies"])
        .await;
    refused(&out, 5, "UNAUTHENTICATED", "CLIENT_CERTIFICATE_REFUSED");
    let out = cli.run(BINH_SON, &["--json", "agencies"]).await;
    let e = refused(&out, 5, "UNAUTHENTICATED", "CLIENT_CERTIFICATE_REVOKED");
    assert!(hints(&e).contains("pki issue"), "{e}");

    // Files that are not there.
    let tmp = tempfile::tempdir().expect("tmp");
    let gone = path(&tmp.path().join("gone.pem"));
    let out = cli.run(G22, &["--json", "--cert", &gone, "agencies"]).await;
    refused(&out, 1, "UNKNOWN", "TLS_FILE_NOT_FOUND");
    let junk = file(tmp.path(), "junk.pem", b"not a certificate");
    let out = cli
        .run(G22, &["--json", "--cert", &path(&junk), "agencies"])
        .await;
    refused(&out, 1, "UNKNOWN", "TLS_FILE_INVALID");
}
