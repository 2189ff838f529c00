//! Complete help (every command listed, global options never shown as required), shell
//! completions and manual pages (`make completions`).
use std::path::Path;

use super::harness::Axis;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_lists_every_command_and_usage_lines_show_no_globals() {
    let axis = Axis::hub(&[]).await;
    let cli = axis.cli();
    let out = cli.run("", &["--help"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    for command in [
        "pki", "send", "inbox", "fetch", "ack", "status", "revoke", "sent", "agencies", "agency",
        "health", "hub", "report", "tasks", "generate",
    ] {
        assert!(
            out.stdout
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("{command} "))),
            "`{command}` is listed with its description:\n{}",
            out.stdout
        );
    }
    assert!(out.stdout.contains("Examples:"), "{}", out.stdout);
    // LIENTHONG_PKI and LIENTHONG_ENDPOINT are set (and --as given): still not in the usage line.
    let out = cli.run("000.00.00.H48", &["send", "--subject", "x"]).await;
    assert_eq!(out.code, 2, "{out:?}");
    let usage = out
        .stderr
        .lines()
        .find(|l| l.starts_with("Usage:"))
        .expect("a usage line");
    assert_eq!(
        usage,
        "Usage: lienthong send [OPTIONS] --to <CODE> --subject <SUBJECT>"
    );
    let out = cli.run("", &["send", "--help"]).await;
    assert!(out.stdout.contains("Examples:"), "{}", out.stdout);
}

fn non_empty_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .flatten()
        .filter(|e| e.metadata().is_ok_and(|m| m.len() > 0))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completions_and_manual_pages_are_generated() {
    let axis = Axis::hub(&[]).await;
    let cli = axis.cli();
    let tmp = tempfile::tempdir().expect("tmp");
    let completions = tmp.path().join("completions");
    let out = cli
        .json(
            "",
            &[
                "generate",
                "completions",
                "--out",
                completions.to_str().expect("utf-8"),
            ],
        )
        .await;
    assert_eq!(out["files"].as_array().map(Vec::len), Some(5), "{out}");
    assert_eq!(
        non_empty_files(&completions),
        [
            "_lienthong",
            "_lienthong.ps1",
            "lienthong.bash",
            "lienthong.elv",
            "lienthong.fish"
        ]
    );
    let bash = std::fs::read_to_string(completions.join("lienthong.bash")).expect("bash");
    assert!(
        bash.contains("inbox") && bash.contains("--follow"),
        "every command completes"
    );

    let man = tmp.path().join("man");
    let text = cli
        .run(
            "",
            &["generate", "man", "--out", man.to_str().expect("utf-8")],
        )
        .await;
    assert_eq!(text.code, 0, "{text:?}");
    let pages = non_empty_files(&man);
    for page in [
        "lienthong.1",
        "lienthong-send.1",
        "lienthong-tasks-watch.1",
        "lienthong-generate-man.1",
    ] {
        assert!(pages.iter().any(|p| p == page), "{page} in {pages:?}");
    }
    assert!(
        !pages.iter().any(|p| p.contains("-help")),
        "no page for clap's help subcommands: {pages:?}"
    );
    for page in &pages {
        let roff = std::fs::read_to_string(man.join(page)).expect("page");
        let first_macro = roff
            .lines()
            .find(|l| l.starts_with('.') && !l.starts_with(".ie") && !l.starts_with(".el"))
            .unwrap_or_default();
        assert!(
            first_macro.starts_with(".TH "),
            "{page} begins with .TH: {first_macro:?}"
        );
        assert!(roff.contains("\n.SH NAME\n"), "{page}");
    }
}
