//! The appendix table of a report on tasks: STT, task, lead, coordinating, result and
//! progress, notes — as Markdown or CSV (RFC 4180, written by the `csv` crate; a cell a
//! spreadsheet would read as a formula is neutralised, see [`cell`]).
use anyhow::Result;
use clap::ValueEnum;
use lienthong_api::tasks::v1::{Task, TaskBucket};

#[derive(Clone, Copy, Debug, ValueEnum, Default)]
pub enum TableFormat {
    /// A Markdown table.
    #[default]
    Md,
    /// CSV (RFC 4180).
    Csv,
}

/// The column heads, as the appendix tables word them.
const HEAD: [&str; 6] = [
    "STT",
    "Nhiệm vụ",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Kết quả, tiến độ thực hiện",
    "Ghi chú",
];

/// The bucket as the appendix tables word it.
fn bucket_vi(b: TaskBucket) -> &'static str {
    match b {
        TaskBucket::CompletedOnTime => "Đã hoàn thành đúng hạn",
        TaskBucket::CompletedLate => "Đã hoàn thành quá hạn",
        TaskBucket::InProgress => "Đang thực hiện trong hạn",
        TaskBucket::NearDeadline => "Đang thực hiện, sắp đến hạn",
        TaskBucket::Overdue => "Chưa hoàn thành, quá hạn",
        TaskBucket::Refused => "Từ chối",
        TaskBucket::Unspecified => "",
    }
}

/// One appendix row: STT, task, lead, coordinating, result and progress, notes.
fn row(n: usize, t: &Task) -> [String; 6] {
    let mut result = bucket_vi(t.bucket()).to_string();
    if !t.result.is_empty() {
        result.push_str(&format!(": {}", t.result));
    } else if t.progress_percent > 0 || !t.latest_progress.is_empty() {
        result.push_str(&format!(" ({}%)", t.progress_percent));
        if !t.latest_progress.is_empty() {
            result.push_str(&format!(": {}", t.latest_progress));
        }
    }
    let mut notes = Vec::new();
    if !t.deadline.is_empty() {
        notes.push(format!("Thời hạn: {}", t.deadline));
    }
    if t.original_deadline != t.deadline && !t.original_deadline.is_empty() {
        notes.push(format!("gia hạn từ {}", t.original_deadline));
    }
    if !t.notes.is_empty() {
        notes.push(t.notes.clone());
    }
    [
        n.to_string(),
        t.content.clone(),
        t.lead_agency.clone(),
        t.coordinating_agencies.join(", "),
        result,
        notes.join("; "),
    ]
}

/// The table of `tasks`, numbered from 1 in the order given.
pub fn table(tasks: &[Task], format: TableFormat) -> Result<String> {
    let rows = tasks.iter().enumerate().map(|(i, t)| row(i + 1, t));
    match format {
        TableFormat::Md => Ok(markdown(rows)),
        TableFormat::Csv => csv(rows),
    }
}

/// `{"columns": [the heads], "rows": [[STT, task, lead, coordinating, result, notes], ...]}`.
pub fn table_json(tasks: &[Task]) -> serde_json::Value {
    let rows: Vec<[String; 6]> = tasks
        .iter()
        .enumerate()
        .map(|(i, t)| row(i + 1, t))
        .collect();
    serde_json::json!({"columns": HEAD, "rows": rows})
}

/// Markdown cell: no pipes or line breaks.
fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', "<br>")
}

fn markdown(rows: impl Iterator<Item = [String; 6]>) -> String {
    let mut out = format!("| {} |\n|---|---|---|---|---|---|\n", HEAD.join(" | "));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| md(c)).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out
}

/// A CSV cell that a spreadsheet would not run: a value starting with `=`, `+`, `-`, `@`, a
/// tab or a carriage return (the characters that start a formula or hide one) gets a leading
/// `'` (OWASP's "CSV injection" advice); any other value is as is.
fn cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// Fields quoted only when they must be, records ended by CRLF (RFC 4180), every cell
/// neutralised ([`cell`]).
fn csv(rows: impl Iterator<Item = [String; 6]>) -> Result<String> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(HEAD)?;
    for row in rows {
        w.write_record(row.iter().map(|c| cell(c).into_owned()))?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task() -> Task {
        Task {
            task_id: "NV-1".into(),
            content: "Triển khai | chữ ký số, \"đợt 1\"".into(),
            lead_agency: "000.00.12.H48".into(),
            coordinating_agencies: vec!["000.00.09.H48".into(), "000.00.53.H48".into()],
            deadline: "2026-12-31".into(),
            original_deadline: "2026-12-15".into(),
            bucket: TaskBucket::InProgress as i32,
            progress_percent: 40,
            latest_progress: "Đã khảo sát".into(),
            ..Default::default()
        }
    }

    #[test]
    fn table_escapes_cells() {
        let t = task();
        let md = table(std::slice::from_ref(&t), TableFormat::Md).unwrap();
        assert!(md.contains("| 1 | Triển khai \\| chữ ký số"), "{md}");
        assert!(
            md.contains("Đang thực hiện trong hạn (40%): Đã khảo sát"),
            "{md}"
        );
        assert!(
            md.contains("Thời hạn: 2026-12-31; gia hạn từ 2026-12-15"),
            "{md}"
        );
        let csv = table(&[t], TableFormat::Csv).unwrap();
        assert!(
            csv.contains("\"Triển khai | chữ ký số, \"\"đợt 1\"\"\""),
            "{csv}"
        );
        assert!(csv.contains("\"000.00.09.H48, 000.00.53.H48\""), "{csv}");
        assert!(csv.starts_with("STT,Nhiệm vụ,Cơ quan chủ trì,Cơ quan phối hợp,\"Kết quả, tiến độ thực hiện\",Ghi chú\r\n"), "{csv}");
    }

    /// The CSV the CLI wrote by hand before the `csv` crate: quotes only around fields with a
    /// comma, a quote or a line break, doubled quotes, CRLF after every record.
    fn hand_written_csv(rows: &[[String; 6]]) -> String {
        let field = |s: &str| {
            if s.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        let mut out = String::new();
        let head: Vec<String> = HEAD.iter().map(|h| field(h)).collect();
        out.push_str(&head.join(","));
        out.push_str("\r\n");
        for row in rows {
            let cells: Vec<String> = row.iter().map(|c| field(c)).collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
        out
    }

    #[test]
    fn csv_is_byte_for_byte_what_it_was() {
        let mut tasks = vec![task()];
        for (i, content) in [
            "",
            "dòng\nmới",
            "về\rđầu",
            "#1 ghi chú",
            " cách ",
            "\"",
            "a;b\tc",
        ]
        .into_iter()
        .enumerate()
        {
            tasks.push(Task {
                content: content.into(),
                notes: content.into(),
                bucket: i32::try_from(i).unwrap(),
                result: if i % 2 == 0 {
                    String::new()
                } else {
                    "x, y".into()
                },
                ..Default::default()
            });
        }
        let rows: Vec<[String; 6]> = tasks
            .iter()
            .enumerate()
            .map(|(i, t)| row(i + 1, t))
            .collect();
        assert_eq!(
            table(&tasks, TableFormat::Csv).unwrap(),
            hand_written_csv(&rows)
        );
        assert_eq!(table(&[], TableFormat::Csv).unwrap(), hand_written_csv(&[]));
    }

    #[test]
    fn csv_cells_that_would_be_formulas_are_neutralised() {
        for (value, cell_written) in [
            (
                "=HYPERLINK(\"http://x\")",
                "\"'=HYPERLINK(\"\"http://x\"\")\"",
            ),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "\"'\r=1\""),
        ] {
            let t = Task {
                content: value.into(),
                notes: value.into(),
                lead_agency: value.into(),
                ..Default::default()
            };
            let csv = table(&[t], TableFormat::Csv).unwrap();
            let record = csv.split("\r\n").nth(1).unwrap();
            assert_eq!(
                record,
                format!("1,{cell_written},{cell_written},,,{cell_written}"),
                "{value:?}"
            );
            // The JSON and Markdown keep the value.
            let t = Task {
                content: value.into(),
                ..Default::default()
            };
            assert_eq!(table_json(std::slice::from_ref(&t))["rows"][0][1], value);
        }
        for kept in ["1-2", "a=b", "Đã xong", " =1", "'x", ""] {
            assert_eq!(cell(kept), kept);
        }
    }

    #[test]
    fn rows_tell_result_progress_and_deadlines() {
        let done = Task {
            bucket: TaskBucket::CompletedLate as i32,
            result: "Đã xong".into(),
            deadline: "2026-01-01".into(),
            original_deadline: "2026-01-01".into(),
            notes: "n".into(),
            ..task()
        };
        let r = row(3, &done);
        assert_eq!(r[0], "3");
        assert_eq!(r[4], "Đã hoàn thành quá hạn: Đã xong");
        assert_eq!(r[5], "Thời hạn: 2026-01-01; n");
        let fresh = Task {
            bucket: TaskBucket::Unspecified as i32,
            progress_percent: 0,
            latest_progress: String::new(),
            deadline: String::new(),
            original_deadline: String::new(),
            ..task()
        };
        let r = row(1, &fresh);
        assert_eq!(r[4], "");
        assert_eq!(r[5], "");
        let json = table_json(&[done]);
        assert_eq!(json["columns"][1], "Nhiệm vụ");
        assert_eq!(json["rows"][0][4], "Đã hoàn thành quá hạn: Đã xong");
        let md = table(&[], TableFormat::Md).unwrap();
        assert_eq!(
            md,
            "| STT | Nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Kết quả, tiến độ thực hiện | Ghi chú |\n|---|---|---|---|---|---|\n"
        );
    }
}
