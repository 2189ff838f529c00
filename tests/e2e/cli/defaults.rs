//! Two sends of one agency in the same second, without `--document-id`, both succeed: the
//! default Number cannot collide.
use serde_json::Value;

use super::harness::Axis;
use crate::{G22, H48};

/// The second of an RFC 3339 time (`2026-03-07T05:12:09.123+00:00` → `2026-03-07T05:12:09`).
fn second(v: &Value) -> String {
    v.as_str().expect("a time")[..19].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_default_id_sends_in_the_same_second_both_succeed() {
    let axis = Axis::hub(&[]).await;
    axis.certs(&[H48, G22]);
    let cli = axis.cli();
    let mut ids = Vec::new();
    let mut same_second = false;
    // Two processes at once; until the hub accepted a pair within one second (the first try,
    // unless the machine is very busy).
    for _ in 0..5 {
        let args = ["--json", "send", "--to", G22, "--subject", "Cùng một giây"];
        let (a, b) = tokio::join!(cli.run(H48, &args), cli.run(H48, &args));
        let (a, b) = (a.ok_json(), b.ok_json());
        assert_ne!(a["document_id"], b["document_id"], "{a} {b}");
        assert_eq!(a["duplicate"], false);
        assert_eq!(b["duplicate"], false);
        ids.extend([a["document_id"].clone(), b["document_id"].clone()]);
        if second(&a["accept_time"]) == second(&b["accept_time"]) {
            same_second = true;
            break;
        }
    }
    assert!(
        same_second,
        "no pair was accepted within one second: {ids:?}"
    );

    // The date is today's in Vietnam; both documents arrived.
    let now = lienthong_axis::clock::now_micros();
    let today = lienthong_axis::local::format_slash_date(lienthong_axis::local::local_date(now));
    let id = ids[0].as_str().expect("id");
    assert!(
        id.starts_with(&format!("{H48},{today},")),
        "{id} is dated {today}"
    );
    let inbox = cli.json(G22, &["inbox"]).await;
    let received: Vec<&Value> = inbox["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| &i["document"]["document_id"])
        .collect();
    for id in &ids {
        assert!(received.contains(&id), "{id} in {received:?}");
    }
}
