//! What the CLI does to protect the client it runs on (issue 10): `fetch` never follows a link
//! planted in its directory nor overwrites a file without `--force`, and keeps its header apart
//! from the attachments; `status` sends a request id, so that a retried report is recorded once;
//! `tasks table --format csv` writes no cell a spreadsheet would run as a formula.
use std::path::Path;

use serde_json::Value;

use super::harness::{Axis, Cli, Out, file};
use crate::{G22, H48, STTTT};

/// The names in a directory, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A failed `--json` run: its exit status and reason.
fn refused(out: &Out, exit: i32, reason: &str) -> Value {
    assert_eq!(out.code, exit, "{out:?}");
    let e = out.error();
    assert_eq!(e["reason"], reason, "{e}");
    assert_eq!(e["exit_code"], exit, "{e}");
    e
}

/// H48 sends G22 a document with one attachment: its DocumentId.
async fn send(cli: &Cli, dir: &Path, content: &[u8]) -> String {
    let attachment = file(dir, "cong-van.txt", content);
    let sent = cli
        .json(
            H48,
            &[
                "send",
                "--to",
                G22,
                "--subject",
                "V/v thử",
                "--attach",
                attachment.to_str().expect("utf-8"),
            ],
        )
        .await;
    sent["document_id"].as_str().expect("document_id").into()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_never_follows_a_planted_link_nor_overwrites() {
    let axis = Axis::hub(&[]).await;
    axis.certs(&[H48, G22]);
    let cli = axis.cli();
    let tmp = tempfile::tempdir().expect("tmp");
    let id = send(&cli, tmp.path(), "Nội dung công văn".as_bytes()).await;
    planted_links_are_not_followed(&cli, tmp.path(), &id).await;
    nothing_is_overwritten_without_force(&cli, tmp.path(), &id).await;
}

/// Links planted where the header and the attachment would go, pointing outside: refused with
/// and without --force, and what they point to is unchanged.
async fn planted_links_are_not_followed(cli: &Cli, tmp: &Path, id: &str) {
    let outside = tmp.join("outside");
    std::fs::create_dir(&outside).expect("mkdir");
    let target = file(&outside, "bashrc", b"precious");
    let dir = tmp.join("nhan");
    std::fs::create_dir_all(dir.join("files")).expect("mkdir");
    std::os::unix::fs::symlink(&target, dir.join("header.json")).expect("symlink");
    std::os::unix::fs::symlink(&target, dir.join("files/cong-van.txt")).expect("symlink");
    let d = dir.to_str().expect("utf-8");
    for force in [false, true] {
        let mut args = vec!["--json", "fetch", id, "--out", d];
        if force {
            args.push("--force");
        }
        let e = refused(&cli.run(G22, &args).await, 6, "SYMLINK_REFUSED");
        assert!(
            e["message"]
                .as_str()
                .is_some_and(|m| m.contains("is a symbolic link")),
            "{e}"
        );
        let text = cli.run(G22, &args[1..]).await;
        assert_eq!(text.code, 6, "{text:?}");
        assert!(
            text.stderr
                .starts_with("error: FAILED_PRECONDITION (SYMLINK_REFUSED): "),
            "{}",
            text.stderr
        );
    }
    assert_eq!(std::fs::read(&target).expect("target"), b"precious");
    assert_eq!(listing(&outside), ["bashrc"]);
    assert_eq!(
        listing(&dir),
        ["files", "header.json"],
        "no file left behind"
    );
}

/// A directory of its own: header.json, and the attachment in files/; fetched again, nothing
/// is overwritten without --force.
async fn nothing_is_overwritten_without_force(cli: &Cli, tmp: &Path, id: &str) {
    let dir = tmp.join("nhan-2");
    let d = dir.to_str().expect("utf-8");
    let fetched = cli.json(G22, &["fetch", id, "--out", d]).await;
    let attachment = dir.join("files/cong-van.txt");
    assert_eq!(
        fetched["attachments"][0]["path"],
        attachment.to_str().expect("utf-8")
    );
    assert_eq!(
        fetched["header_file"],
        dir.join("header.json").to_str().expect("utf-8")
    );
    assert_eq!(listing(&dir), ["files", "header.json"]);
    assert_eq!(
        std::fs::read(&attachment).expect("attachment"),
        "Nội dung công văn".as_bytes()
    );

    std::fs::write(&attachment, b"edited by the clerk").expect("edit");
    let e = refused(
        &cli.run(G22, &["--json", "fetch", id, "--out", d]).await,
        6,
        "FILE_EXISTS",
    );
    assert_eq!(e["code"], "ALREADY_EXISTS", "{e}");
    assert!(
        e["hints"][0]
            .as_str()
            .is_some_and(|h| h.contains("--force")),
        "{e}"
    );
    assert_eq!(
        std::fs::read(&attachment).expect("attachment"),
        b"edited by the clerk"
    );
    cli.json(G22, &["fetch", id, "--out", d, "--force"]).await;
    assert_eq!(
        std::fs::read(&attachment).expect("attachment"),
        "Nội dung công văn".as_bytes()
    );
    assert_eq!(
        listing(&dir),
        ["files", "header.json"],
        "no temporary file left"
    );
}

/// The business statuses of G22's leg of a sent document, as the sender sees them.
async fn statuses(cli: &Cli, id: &str) -> Vec<String> {
    let view = cli.json(H48, &["sent", id]).await;
    let g22 = view["document"]["recipients"]
        .as_array()
        .expect("recipients")
        .iter()
        .find(|r| r["agency_code"] == G22)
        .cloned()
        .expect("G22");
    g22["statuses"]
        .as_array()
        .expect("statuses")
        .iter()
        .map(|s| s["status"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_retried_with_its_request_id_is_recorded_once() {
    let axis = Axis::hub(&[]).await;
    axis.certs(&[H48, G22]);
    let cli = axis.cli();
    let tmp = tempfile::tempdir().expect("tmp");
    let id = send(&cli, tmp.path(), b"x").await;
    cli.json(G22, &["ack", &id]).await;
    cli.json(G22, &["status", &id, "--code", "03"]).await;

    let processing = ["status", &id, "--code", "05", "--description", "Đang xử lý"];
    let with_id = [&processing[..], &["--request-id", "retry-of-05"]].concat();
    let first = cli.json(G22, &with_id).await;
    let again = cli.json(G22, &with_id).await;
    assert_eq!(first, again, "the retry answers the first result");
    // Without --request-id, each run is a new report (a fresh id each time).
    cli.json(G22, &processing).await;
    cli.json(G22, &processing).await;
    let got = statuses(&cli, &id).await;
    let count = |name: &str| got.iter().filter(|s| *s == name).count();
    assert_eq!(count("BUSINESS_STATUS_PROCESSING"), 3, "{got:?}");
    assert_eq!(count("BUSINESS_STATUS_ACCEPTED"), 1, "{got:?}");

    let bad = cli
        .run(G22, &[&processing[..], &["--request-id", "a b"]].concat())
        .await;
    assert_eq!(bad.code, 4, "{bad:?}");
    assert!(bad.stderr.contains("--request-id"), "{}", bad.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_table_csv_neutralises_formulas() {
    let axis = Axis::full().await;
    axis.certs(&[H48, STTTT]);
    let cli = axis.cli();
    let formula = "=HYPERLINK(\"http://x\")";
    for content in [formula, "+1+1", "-2", "@SUM(A1)", "Bình thường"] {
        // `--content=-2`: a value starting with `-` is not an option.
        let content = format!("--content={content}");
        cli.json(H48, &["tasks", "create", &content, "--lead", STTTT])
            .await;
    }
    let out = cli.run(H48, &["tasks", "table", "--format", "csv"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let records: Vec<&str> = out.stdout.split("\r\n").skip(1).collect();
    // The task is the second cell: after "STT,".
    let task_cell = |cell: &str| {
        records.iter().any(|r| {
            r.split_once(',')
                .is_some_and(|(_, rest)| rest.starts_with(cell))
        })
    };
    for cell in [
        "\"'=HYPERLINK(\"\"http://x\"\")\",",
        "'+1+1,",
        "'-2,",
        "'@SUM(A1),",
        "Bình thường,",
    ] {
        assert!(task_cell(cell), "no task cell {cell}:\n{}", out.stdout);
    }
    // The JSON keeps the values as they are.
    let json = cli.json(H48, &["tasks", "table"]).await;
    assert!(
        json["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .any(|r| r[1] == formula),
        "{json}"
    );
}
