//! `lienthong ack ID ID …`: several DocumentIds go in one `AcknowledgeDocuments` call; each is
//! printed with its own result, and the run fails (exit 1, `NOT_ALL_ACKNOWLEDGED`) when any was
//! not acknowledged, the others being recorded.
use serde_json::Value;

use super::harness::{Axis, Cli};
use crate::{G22, H48};

async fn sent(cli: &Cli, subject: &str) -> String {
    let r = cli
        .json(H48, &["send", "--to", G22, "--subject", subject])
        .await;
    r["document_id"].as_str().expect("document_id").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ack_with_several_ids_reports_each() {
    let axis = Axis::hub(&[]).await;
    axis.certs(&[H48, G22]);
    let cli = axis.cli();
    let first = sent(&cli, "Văn bản một").await;
    let second = sent(&cli, "Văn bản hai").await;
    // Same agency and date as the others, a number never sent: unknown to the hub.
    let (prefix, _) = first.rsplit_once(',').expect("a DocumentId");
    let unknown = format!("{prefix},99999999/LT");

    let out = cli.run(G22, &["ack", &first, &unknown, &second]).await;
    assert_eq!(out.code, 1, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{out:?}");
    assert_eq!(
        lines[0],
        format!("acknowledged {first} (status 01 ARRIVED recorded)")
    );
    assert!(
        lines[1].starts_with(&format!("not acknowledged {unknown}: ")),
        "{}",
        lines[1]
    );
    assert!(lines[1].ends_with("(NO_DOCUMENT)"), "{}", lines[1]);
    assert_eq!(
        lines[2],
        format!("acknowledged {second} (status 01 ARRIVED recorded)")
    );
    assert!(
        out.stderr.contains("NOT_ALL_ACKNOWLEDGED"),
        "{}",
        out.stderr
    );

    // Recorded despite the unknown one: again, both are already acknowledged.
    let again = cli.json(G22, &["ack", &first, &second]).await;
    let results = again["results"].as_array().expect("results");
    let outcomes: Vec<&Value> = results.iter().map(|r| &r["outcome"]).collect();
    assert_eq!(
        outcomes,
        [
            "ACKNOWLEDGE_OUTCOME_ALREADY_ACKNOWLEDGED",
            "ACKNOWLEDGE_OUTCOME_ALREADY_ACKNOWLEDGED"
        ],
        "{again}"
    );
    assert_eq!(results[0]["document_id"], first.as_str());
    let inbox = cli.json(G22, &["inbox"]).await;
    assert!(
        inbox["items"].as_array().is_none_or(Vec::is_empty),
        "{inbox}"
    );
}
