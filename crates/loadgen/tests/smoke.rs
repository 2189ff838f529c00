//! Runs `lienthong-bench` with tiny sizes so that the table code cannot rot: every row of
//! issue 12 is present and every measured figure is positive. Not a speed test: nothing here
//! looks at how fast anything was.
use std::process::Command;

use serde_json::Value;

const ROWS: &[&str] = &[
    "sqlite_peak",
    "sqlite_p99_half_rate",
    "postgres_peak",
    "federation_peak",
    "big_attachment",
    "hub_peak_memory",
    "preloaded_peak",
];

#[test]
fn the_table_has_every_row_and_positive_figures() {
    let cache = tempfile::tempdir().expect("a temporary cache directory");
    let out = Command::new(env!("CARGO_BIN_EXE_lienthong-bench"))
        .args([
            "--agencies",
            "2",
            "--documents",
            "20",
            "--concurrency",
            "4",
            "--echo-requests",
            "50",
            "--big-attachment-mib",
            "2",
            "--preload",
            "30",
            "--timeout-secs",
            "60",
            "--json",
            // Whatever lienthong-exchange binary may sit in target/ was not necessarily built
            // from this tree: the attachment row's hub runs in this process.
            "--in-process-hub",
        ])
        .arg("--cache-dir")
        .arg(cache.path())
        // The test machines run PostgreSQL on 127.0.0.1:5432 (trust auth), as every API test
        // of the workspace assumes.
        .env(
            "LIENTHONG_BENCH_POSTGRES_URL",
            "postgres://postgres@127.0.0.1:5432/postgres",
        )
        .output()
        .expect("lienthong-bench runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "lienthong-bench failed:\n{stderr}");
    let table: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("the JSON table does not parse: {e}\n{stderr}"));
    assert!(table["cores"].as_u64().is_some_and(|c| c > 0));
    assert!(!table["date_utc"].as_str().unwrap_or_default().is_empty());
    let rows = table["rows"].as_array().expect("rows");
    for id in ROWS {
        let row = rows
            .iter()
            .find(|r| r["id"] == *id)
            .unwrap_or_else(|| panic!("row {id} missing:\n{stderr}"));
        let value = row["value"].as_f64();
        assert!(
            value.is_some_and(|v| v > 0.0),
            "row {id} has no positive figure: {row}\n{stderr}"
        );
        let note = row["note"].as_str().unwrap_or_default();
        for trouble in [
            "failed",
            "timed out",
            "never acknowledged",
            "skipped",
            "ended early",
        ] {
            assert!(!note.contains(trouble), "row {id}: {row}\n{stderr}");
        }
        if *id != "sqlite_p99_half_rate" && *id != "hub_peak_memory" {
            assert!(
                row["baseline"].as_f64().is_some_and(|b| b > 0.0),
                "row {id} has no baseline: {row}"
            );
            assert!(
                row["ratio"].as_f64().is_some_and(|r| r > 0.0),
                "row {id} has no ratio: {row}"
            );
        }
        assert!(row["met"].is_boolean(), "row {id} is judged: {row}");
    }
    let cached = std::fs::read_dir(cache.path())
        .expect("the cache directory")
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().starts_with("preload-30-2-"));
    assert!(cached, "the preloaded store is cached");
}
