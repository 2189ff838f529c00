//! Every command with `--json` prints exactly one JSON document built from the API's messages
//! (enum values by their proto names, timestamps in RFC 3339, 64-bit integers as strings);
//! streams print one document per line. The whole story runs through the CLI: documents,
//! directory, operator views, tasks, reports and the development PKI.
use serde_json::Value;

use super::harness::{Axis, Cli, Stream, file};
use crate::{G22, H48, SCT, STTTT};

/// Văn phòng UBND tỉnh, owner of the reporting service's seed regimes.
const OFFICE: &str = "000.00.01.H48";

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

fn is_rfc3339(v: &Value) -> bool {
    v.as_str().is_some_and(|t| {
        t.len() >= 20 && t.as_bytes()[10] == b'T' && (t.ends_with('Z') || t.ends_with("+00:00"))
    })
}

/// The lines of a stream, each one JSON document.
fn json_lines(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not one JSON document ({e}): {l}"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_prints_one_json_document() {
    let axis = Axis::full().await;
    axis.certs(&[H48, G22, STTTT, SCT, OFFICE]);
    let cli = axis.cli();
    let tmp = tempfile::tempdir().expect("tmp");
    let id = documents(&cli, tmp.path()).await;
    sender_and_directory(&cli, &id).await;
    tasks(&cli).await;
    reports(&cli, tmp.path()).await;
    pki(&cli, tmp.path()).await;
}

/// send, inbox (paged), fetch, ack, status: the DocumentId of the first document.
async fn documents(cli: &Cli, dir: &std::path::Path) -> String {
    let attachment = file(dir, "cong-van.txt", "Nội dung công văn".as_bytes());
    let sent = cli
        .json(
            H48,
            &[
                "send",
                "--to",
                G22,
                "--to",
                STTTT,
                "--subject",
                "V/v thử",
                "--priority",
                "URGENT",
                "--attach",
                attachment.to_str().expect("utf-8"),
            ],
        )
        .await;
    let id = s(&sent["document_id"]).to_string();
    assert!(is_rfc3339(&sent["accept_time"]), "{sent}");
    assert_eq!(sent["duplicate"], false);
    cli.json(H48, &["send", "--to", G22, "--subject", "Văn bản thứ hai"])
        .await;

    let inbox = cli.json(G22, &["inbox"]).await;
    let items = inbox["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{inbox}");
    assert!(
        items[0]["item_id"].is_string(),
        "uint64 as a string: {inbox}"
    );
    assert_eq!(items[0]["document"]["sender"]["code"], H48);
    assert_eq!(
        items[0]["document"]["other_info"]["priority"],
        "PRIORITY_URGENT"
    );
    assert_eq!(inbox["next_page_token"], "");
    assert_eq!(inbox["confirmed"], 0);
    let first = cli.json(G22, &["inbox", "--page-size", "1"]).await;
    assert_eq!(first["items"].as_array().map(Vec::len), Some(1));
    let token = s(&first["next_page_token"]).to_string();
    assert!(!token.is_empty(), "{first}");
    let second = cli
        .json(G22, &["inbox", "--page-size", "1", "--page-token", &token])
        .await;
    assert_ne!(second["items"][0]["item_id"], first["items"][0]["item_id"]);
    let all = cli.json(G22, &["inbox", "--page-size", "1", "--all"]).await;
    assert_eq!(all["items"].as_array().map(Vec::len), Some(2), "{all}");
    assert_eq!(all["next_page_token"], "");

    let out = dir.join("nhan");
    let fetched = cli
        .json(G22, &["fetch", &id, "--out", out.to_str().expect("utf-8")])
        .await;
    assert_eq!(fetched["header"]["document_id"], id.as_str());
    assert_eq!(fetched["attachments"][0]["verified"], true);
    let header: Value =
        serde_json::from_slice(&std::fs::read(out.join("header.json")).expect("header.json"))
            .expect("header.json is JSON");
    assert_eq!(header["document_id"], id.as_str());

    let ack = cli.json(G22, &["ack", &id]).await;
    assert_eq!(ack["newly_acknowledged"], true);
    assert_eq!(ack["document_id"], id.as_str());
    let status = cli
        .json(G22, &["status", &id, "--code", "03", "--staff", "Văn thư"])
        .await;
    assert_eq!(status["status"]["status"], "BUSINESS_STATUS_ACCEPTED");
    assert!(is_rfc3339(&status["status"]["report_time"]), "{status}");
    id
}

/// sent (list, one, watched), revoke, the status messages back, the directory, the operator.
async fn sent_views(cli: &Cli, id: &str) {
    let list = cli.json(H48, &["sent", "--page-size", "1"]).await;
    assert_eq!(
        list["documents"].as_array().map(Vec::len),
        Some(1),
        "{list}"
    );
    assert!(!s(&list["next_page_token"]).is_empty(), "{list}");
    let all = cli.json(H48, &["sent", "--all"]).await;
    assert_eq!(all["documents"].as_array().map(Vec::len), Some(2), "{all}");
    let view = cli.json(H48, &["sent", id]).await;
    let g22 = view["document"]["recipients"]
        .as_array()
        .expect("recipients")
        .iter()
        .find(|r| r["agency_code"] == G22)
        .cloned()
        .expect("G22");
    assert_eq!(g22["current_status"], "BUSINESS_STATUS_ACCEPTED", "{view}");
    assert_eq!(
        g22["transport_state"], "TRANSPORT_STATE_ACKNOWLEDGED",
        "{view}"
    );

    let mut watch = Stream::start(cli, H48, &["--json", "sent", id, "--follow"]);
    watch.wait_lines(1, "the watched view").await;
    let (code, lines, _) = watch.interrupt().await;
    assert_eq!(code, 0, "Ctrl-C ends a watch with success");
    assert_eq!(json_lines(&lines)[0]["document_id"], id);

    let revoked = cli
        .json(H48, &["revoke", id, "--reason", "Ban hành nhầm"])
        .await;
    assert_eq!(revoked["document_id"], id);
    assert!(
        revoked["recipients"]
            .as_array()
            .is_some_and(|r| r.len() == 2),
        "{revoked}"
    );
    let back = cli.json(H48, &["inbox", "--ack-status"]).await;
    assert!(back["confirmed"].as_u64().is_some_and(|n| n >= 1), "{back}");
    let statuses: Vec<&str> = back["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["status"]["status"].as_str())
        .collect();
    assert!(statuses.contains(&"BUSINESS_STATUS_ACCEPTED"), "{back}");
}

async fn sender_and_directory(cli: &Cli, id: &str) {
    sent_views(cli, id).await;
    let agencies = cli.json(G22, &["agencies"]).await;
    assert!(
        agencies["agencies"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        "{agencies}"
    );
    let paged = cli
        .json(G22, &["agencies", "--page-size", "2", "--all"])
        .await;
    assert_eq!(
        paged["agencies"], agencies["agencies"],
        "the pages make the whole list"
    );
    let one = cli.json(G22, &["agencies", H48]).await;
    assert_eq!(one["agency"]["code"], H48);
    let admin = "admin-ops";
    let code = "000.00.21.H48";
    let registered = cli
        .json(
            admin,
            &["agency", "register", "--code", code, "--name", "Sở Y tế"],
        )
        .await;
    assert_eq!(registered["created"], true);
    assert_eq!(registered["agency"]["code"], code);
    let removed = cli.json(admin, &["agency", "remove", code]).await;
    assert_eq!(removed["code"], code);
    assert_eq!(cli.json(admin, &["health"]).await["status"], "SERVING");
    let hub = cli.json(admin, &["hub", "status"]).await;
    assert_eq!(hub["hub_id"], "H48");
    assert!(s(&hub["role"]).starts_with("HUB_ROLE_"), "{hub}");
    assert!(
        hub["peers"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["peer"] == "tasks")),
        "{hub}"
    );
}

/// The task's id in an answer that carries one.
fn task_id(v: &Value) -> String {
    s(&v["task"]["task_id"]).to_string()
}

async fn tasks(cli: &Cli) {
    let created = cli
        .json(
            H48,
            &[
                "tasks",
                "create",
                "--content",
                "Triển khai",
                "--lead",
                STTTT,
                "--deadline",
                "2099-12-31",
            ],
        )
        .await;
    let id = task_id(&created);
    assert_eq!(
        created["task"]["state"], "TASK_STATE_NOT_STARTED",
        "{created}"
    );
    let list = cli.json(STTTT, &["tasks", "list"]).await;
    assert!(
        s(&list["tasks"][0]["bucket"]).starts_with("TASK_BUCKET_"),
        "{list}"
    );
    assert_eq!(list["next_page_token"], "");
    assert_eq!(task_id(&cli.json(STTTT, &["tasks", "show", &id]).await), id);
    let watch = Stream::start(cli, STTTT, &["--json", "tasks", "watch"]);
    task_lifecycle(cli, &id).await;
    let other = task_id(
        &cli.json(
            H48,
            &["tasks", "create", "--content", "Việc khác", "--lead", STTTT],
        )
        .await,
    );
    cli.json(H48, &["tasks", "pause", &other, "--reason", "Tạm dừng"])
        .await;
    cli.json(H48, &["tasks", "resume", &other]).await;
    let refused = cli
        .json(
            STTTT,
            &["tasks", "refuse", &other, "--reason", "Không phải việc"],
        )
        .await;
    assert_eq!(refused["task"]["state"], "TASK_STATE_REFUSED");
    let table = cli.json(H48, &["tasks", "table"]).await;
    assert_eq!(table["rows"].as_array().map(Vec::len), Some(2), "{table}");
    task_events(watch).await;
}

/// Progress, an extension approved, the result returned once and confirmed.
async fn task_lifecycle(cli: &Cli, id: &str) {
    cli.json(
        STTTT,
        &[
            "tasks",
            "progress",
            id,
            "--text",
            "Đã khảo sát",
            "--percent",
            "40",
        ],
    )
    .await;
    cli.json(
        STTTT,
        &[
            "tasks",
            "extend",
            id,
            "--to",
            "2100-01-31",
            "--reason",
            "Chờ",
        ],
    )
    .await;
    cli.json(H48, &["tasks", "decide", id, "--approve"]).await;
    cli.json(STTTT, &["tasks", "submit", id, "--result", "80%"])
        .await;
    cli.json(H48, &["tasks", "return", id, "--reason", "Chưa đủ"])
        .await;
    cli.json(STTTT, &["tasks", "submit", id, "--result", "100%"])
        .await;
    let done = cli.json(H48, &["tasks", "confirm", id]).await;
    assert_eq!(
        done["task"]["bucket"], "TASK_BUCKET_COMPLETED_ON_TIME",
        "{done}"
    );
    let history = done["task"]["history"].as_array().expect("history");
    assert!(
        history
            .iter()
            .all(|h| s(&h["action"]).starts_with("TASK_ACTION_")),
        "{done}"
    );
}

/// `tasks watch --json`: JSON Lines of events; Ctrl-C ends it with a JSON notice.
async fn task_events(mut watch: Stream) {
    let lines = watch.wait_lines(2, "task events").await;
    let events = json_lines(&lines);
    assert!(
        s(&events[0]["kind"]).starts_with("TASK_EVENT_KIND_"),
        "{events:?}"
    );
    let (code, _, errors) = watch.interrupt().await;
    assert_eq!(code, 0);
    let last: Value =
        serde_json::from_str(errors.last().expect("a notice")).expect("a JSON notice");
    assert!(last["after_event_id"].is_u64(), "{last}");
}

/// The AXIS-MONTHLY period whose window holds today (this year's or next year's list).
async fn current_period(cli: &Cli) -> String {
    let first = cli
        .json(STTTT, &["report", "periods", "AXIS-MONTHLY"])
        .await;
    let today = s(&first["today"]).to_string();
    let next = (today[..4].parse::<u32>().expect("year") + 1).to_string();
    let second = cli
        .json(
            STTTT,
            &["report", "periods", "AXIS-MONTHLY", "--year", &next],
        )
        .await;
    [first, second]
        .iter()
        .flat_map(|p| p["periods"].as_array().cloned().unwrap_or_default())
        .find(|p| s(&p["window_start"]) <= today.as_str() && today.as_str() <= s(&p["window_end"]))
        .map(|p| s(&p["key"]).to_string())
        .expect("a period holds today")
}

async fn reports(cli: &Cli, dir: &std::path::Path) {
    let regimes = cli.json(STTTT, &["report", "regimes"]).await;
    assert!(
        regimes["regimes"].as_array().is_some_and(|r| r.len() >= 2),
        "{regimes}"
    );
    let paged = cli
        .json(STTTT, &["report", "regimes", "--page-size", "1", "--all"])
        .await;
    assert_eq!(paged["regimes"], regimes["regimes"]);
    let one = cli
        .json(STTTT, &["report", "regimes", "AXIS-MONTHLY"])
        .await;
    assert!(
        s(&one["regime"]["period_kind"]).starts_with("PERIOD_KIND_"),
        "{one}"
    );
    let period = current_period(cli).await;
    report_workflow(cli, &period).await;
    report_views(cli, &period, dir).await;
}

/// Draft, submit, return, submit again, accept.
async fn report_workflow(cli: &Cli, p: &str) {
    let draft = cli
        .json(
            STTTT,
            &[
                "report",
                "draft",
                "AXIS-MONTHLY",
                p,
                "--value",
                "AXIS.SENT=2",
                "--value",
                "AXIS.RECEIVED=0",
            ],
        )
        .await;
    assert_eq!(draft["report"]["status"], "REPORT_STATUS_DRAFT", "{draft}");
    cli.json(STTTT, &["report", "submit", "AXIS-MONTHLY", p])
        .await;
    let back = cli
        .json(
            OFFICE,
            &[
                "report",
                "return",
                "AXIS-MONTHLY",
                p,
                STTTT,
                "--reason",
                "Thiếu",
            ],
        )
        .await;
    assert_eq!(back["report"]["status"], "REPORT_STATUS_RETURNED");
    cli.json(STTTT, &["report", "submit", "AXIS-MONTHLY", p])
        .await;
    let accepted = cli
        .json(OFFICE, &["report", "accept", "AXIS-MONTHLY", p, STTTT])
        .await;
    assert_eq!(accepted["report"]["status"], "REPORT_STATUS_ACCEPTED");
    assert!(is_rfc3339(&accepted["report"]["accept_time"]), "{accepted}");
}

/// show (one, all), compliance, export (printed, written).
async fn report_views(cli: &Cli, p: &str, dir: &std::path::Path) {
    let mine = cli
        .json(STTTT, &["report", "show", "AXIS-MONTHLY", p])
        .await;
    assert_eq!(mine["report"]["agency_code"], STTTT);
    let all = cli
        .json(OFFICE, &["report", "show", "AXIS-MONTHLY", p, "--all"])
        .await;
    assert!(
        all["reports"].as_array().is_some_and(|r| r.len() == 1),
        "{all}"
    );
    assert_eq!(all["next_page_token"], "");
    let compliance = cli
        .json(
            OFFICE,
            &[
                "report",
                "compliance",
                "AXIS-MONTHLY",
                p,
                "--scope",
                "*.H48",
            ],
        )
        .await;
    assert!(
        compliance["rows"].as_array().is_some_and(|r| !r.is_empty()),
        "{compliance}"
    );
    let csv = cli
        .json(
            OFFICE,
            &["report", "export", "AXIS-MONTHLY", p, "--format", "csv"],
        )
        .await;
    assert!(s(&csv["content"]).contains(STTTT), "{csv}");
    let out = dir.join("report.md");
    let path = out.to_str().expect("utf-8");
    let written = cli
        .json(
            OFFICE,
            &["report", "export", "AXIS-MONTHLY", p, "--out", path],
        )
        .await;
    assert_eq!(written["file"], path);
    assert!(out.exists());
}

async fn pki(cli: &Cli, dir: &std::path::Path) {
    let pki = dir.join("pki2");
    let d = pki.to_str().expect("utf-8");
    let init = cli
        .json("", &["pki", "init", "--dir", d, "--hub-id", "H48"])
        .await;
    assert_eq!(init["ca_created"], true);
    let issued = cli
        .json(
            "",
            &["pki", "issue", "--dir", d, "--agency", "000.00.21.H48"],
        )
        .await;
    assert_eq!(issued["label"], "agency-000.00.21.H48");
    let revoked = cli
        .json("", &["pki", "revoke", "--dir", d, "agency-000.00.21.H48"])
        .await;
    assert_eq!(revoked["revoked"], "agency-000.00.21.H48");
    let list = cli.json("", &["pki", "list", "--dir", d]).await;
    assert!(
        list["certificates"]
            .as_array()
            .expect("certificates")
            .iter()
            .any(|c| c["revoked"] == true),
        "{list}"
    );
}
