//! `inbox --follow` outlives the hub, `tasks watch` the tasks service: killed with SIGKILL and
//! restarted, the follower resubscribes from the last item (event) it printed and prints every
//! one exactly once.
use std::collections::BTreeSet;

use serde_json::Value;

use super::harness::{Axis, Cli, Stream};
use crate::{G22, H48, STTTT};

/// Sends `n` documents from H48 to G22 through the CLI (default DocumentIds): their ids.
async fn send(axis: &Axis, from: usize, n: usize) -> Vec<String> {
    let cli = axis.cli();
    let mut ids = Vec::new();
    for i in from..from + n {
        let subject = format!("Công văn số {i}");
        let receipt = cli
            .json(H48, &["send", "--to", G22, "--subject", &subject])
            .await;
        ids.push(receipt["document_id"].as_str().expect("id").to_string());
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbox_follow_survives_a_hub_restart() {
    let mut axis = Axis::hub(&[]).await;
    axis.certs(&[H48, G22]);
    let cli = axis.cli();
    let mut follower = Stream::start(&cli, G22, &["--json", "inbox", "--follow"]);
    let mut sent = send(&axis, 1, 3).await;
    follower.wait_lines(3, "the first three items").await;

    // The hub dies without a chance to say goodbye; the follower keeps trying.
    axis.kill_hub();
    follower.wait_error("resubscribing after item").await;
    axis.restart_hub().await;
    sent.extend(send(&axis, 4, 3).await);
    follower
        .wait_lines(6, "the items sent after the restart")
        .await;
    // A little longer: nothing printed twice arrives late.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;

    let (code, lines, errors) = follower.interrupt().await;
    assert_eq!(
        code,
        0,
        "Ctrl-C ends the follower with success; stderr:\n{}",
        errors.join("\n")
    );
    let items: Vec<Value> = lines
        .iter()
        .map(|l| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("one JSON document per line ({e}): {l}"))
        })
        .collect();
    let item_ids: Vec<u64> = items
        .iter()
        .map(|i| {
            i["item_id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .expect("item_id")
        })
        .collect();
    assert_eq!(item_ids.len(), 6, "every item once, none twice: {lines:?}");
    assert!(
        item_ids.windows(2).all(|w| w[0] < w[1]),
        "in order, no repeat: {item_ids:?}"
    );
    let printed: BTreeSet<&str> = items
        .iter()
        .map(|i| i["document"]["document_id"].as_str().expect("a document"))
        .collect();
    let expected: BTreeSet<&str> = sent.iter().map(String::as_str).collect();
    assert_eq!(printed, expected, "no item lost");

    // The notices are JSON objects on stderr; the last says where to resume.
    let notices: Vec<Value> = errors
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("a JSON notice ({e}): {l}")))
        .collect();
    assert!(
        notices.iter().any(|n| n["error"]["code"] == "UNAVAILABLE"),
        "the broken subscription was reported: {errors:?}"
    );
    let last = notices.last().expect("a notice");
    assert_eq!(last["after_item_id"], item_ids[5], "{last}");
    assert!(
        last["notice"]
            .as_str()
            .is_some_and(|n| n.contains("resume with --after")),
        "{last}"
    );
}

/// The event ids of `tasks watch --json` lines.
fn event_ids(lines: &[String]) -> Vec<u64> {
    lines
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            v["event_id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .expect("event_id")
        })
        .collect()
}

/// A task led by STTTT, assigned by H48.
async fn create_task(cli: &Cli, name: &str) {
    let content = format!("Nhiệm vụ {name}");
    cli.json(
        H48,
        &["tasks", "create", "--content", &content, "--lead", STTTT],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_watch_survives_a_tasks_restart() {
    let mut axis = Axis::full().await;
    axis.certs(&[H48, STTTT]);
    let mut watch = Stream::start(&axis.cli(), STTTT, &["--json", "tasks", "watch"]);
    create_task(&axis.cli(), "một").await;
    let before = watch.wait_lines(1, "the first event").await.len();
    axis.restart_tasks(std::time::Duration::from_millis(500))
        .await;
    watch.wait_error("resubscribing after event").await;
    create_task(&axis.cli(), "hai").await;
    watch
        .wait_lines(before + 1, "the event after the restart")
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let (code, lines, _) = watch.interrupt().await;
    assert_eq!(code, 0);
    let ids = event_ids(&lines);
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "no event twice: {ids:?}"
    );
    assert_eq!(ids.len(), before + 1, "{lines:?}");
}
