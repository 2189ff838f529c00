use std::os::unix::fs::symlink;

use super::*;
use crate::error::Failure;

fn info(name: &str, data: &[u8]) -> AttachmentInfo {
    AttachmentInfo {
        name: name.into(),
        size: data.len() as u64,
        sha256: hex::encode(Sha256::digest(data)),
        ..Default::default()
    }
}

fn chunk(i: u32, data: &[u8]) -> AttachmentChunk {
    AttachmentChunk {
        attachment_index: i,
        data: data.to_vec(),
    }
}

/// The reason and exit status of a failure.
fn refusal(e: &anyhow::Error) -> (String, u8) {
    let f = Failure::of(e);
    (f.reason.clone().unwrap_or_default(), f.exit_code())
}

/// The names in a directory, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Receives `declared` with `data` (one chunk each) into `dir`, as `run` does.
async fn fetch_into(
    dir: &Path,
    force: bool,
    declared: &[AttachmentInfo],
    data: &[&[u8]],
) -> Result<Vec<PathBuf>> {
    check_names(declared)?;
    let out = OutDir::prepare(dir, force)?;
    out.check_free(declared)?;
    let mut files = Attachments::new(&out, declared);
    for (i, d) in data.iter().enumerate() {
        if !d.is_empty() {
            files.write(&chunk(u32::try_from(i)?, d)).await?;
        }
    }
    files.finish_until(declared.len()).await?;
    let written = files.place()?;
    write_header(&out, &DocumentHeader::default())?;
    Ok(written)
}

#[test]
fn unsafe_attachment_names_are_refused() {
    let long = "a".repeat(256);
    for bad in [
        "",
        ".",
        "..",
        "a/b",
        "a\\b",
        "a\0b",
        "a\nb",
        "\u{1b}[2J",
        &long,
    ] {
        let e = check_names(&[info(bad, b"")]).unwrap_err();
        assert_eq!(refusal(&e), ("UNSAFE_ATTACHMENT_NAME".into(), 1), "{bad:?}");
    }
    for good in [
        "Quyết định.pdf",
        "header.json",
        "files",
        "..a",
        ".lienthong-x.part",
        &"a".repeat(255),
    ] {
        check_names(&[info(good, b"")]).unwrap();
    }
}

#[test]
fn two_attachments_with_one_name_are_refused() {
    let e = check_names(&[info("a.pdf", b"1"), info("b", b""), info("a.pdf", b"2")]).unwrap_err();
    assert_eq!(refusal(&e), ("DUPLICATE_ATTACHMENT_NAME".into(), 1));
    assert!(
        e.to_string().contains("two attachments named \"a.pdf\""),
        "{e}"
    );
    check_names(&[info("a.pdf", b""), info("A.pdf", b"")]).unwrap();
}

#[test]
fn fetched_text_lists_sizes_for_people() {
    let header = DocumentHeader {
        document_id: "000.00.00.H48,2026/01/02,1/X".into(),
        attachments: vec![
            AttachmentInfo {
                name: "a.txt".into(),
                size: 12,
                ..Default::default()
            },
            AttachmentInfo {
                name: "b.pdf".into(),
                size: 5_000_000,
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    assert_eq!(
        fetched_text(&header, Path::new("/tmp/in")),
        "fetched 000.00.00.H48,2026/01/02,1/X into /tmp/in\n  header.json\n  \
         files/a.txt  (12 B, SHA-256 verified)\n  \
         files/b.pdf  (4.77 MiB, SHA-256 verified)\n"
    );
}

#[tokio::test]
async fn attachments_arrive_in_order_and_empty_ones_are_written() {
    let tmp = tempfile::tempdir().unwrap();
    let out = OutDir::prepare(tmp.path(), false).unwrap();
    let declared = [info("a", b"abc"), info("empty", b""), info("c", b"xyz")];
    let mut files = Attachments::new(&out, &declared);
    files.write(&chunk(0, b"ab")).await.unwrap();
    files.write(&chunk(0, b"c")).await.unwrap();
    files.write(&chunk(2, b"xyz")).await.unwrap();
    files.finish_until(declared.len()).await.unwrap();
    let written = files.place().unwrap();
    assert_eq!(written.len(), 3);
    let files_dir = tmp.path().join("files");
    assert_eq!(std::fs::read(files_dir.join("a")).unwrap(), b"abc");
    assert_eq!(std::fs::read(files_dir.join("empty")).unwrap(), b"");
    assert_eq!(std::fs::read(files_dir.join("c")).unwrap(), b"xyz");
    assert_eq!(listing(tmp.path()), ["files"], "no temporary file left");

    let out = OutDir::prepare(tmp.path(), true).unwrap();
    let mut files = Attachments::new(&out, &declared);
    files.write(&chunk(0, b"abc")).await.unwrap();
    files.write(&chunk(2, b"xyz")).await.unwrap();
    let e = files.write(&chunk(1, b"a")).await.unwrap_err();
    assert_eq!(e.to_string(), "the hub sent attachment 1 out of order");
    let e = files.write(&chunk(3, b"a")).await.unwrap_err();
    assert!(
        e.to_string()
            .contains("attachment 3, which the header does not declare")
    );
    drop(files);
    let mut files = Attachments::new(&out, &declared);
    files.write(&chunk(0, b"abd")).await.unwrap();
    let e = files.finish_until(declared.len()).await.unwrap_err();
    assert!(
        e.to_string().starts_with("attachment \"a\" is corrupt"),
        "{e}"
    );
    drop(files);
    assert_eq!(
        listing(tmp.path()),
        ["files"],
        "failed fetches leave no temporary file"
    );
    assert_eq!(std::fs::read(files_dir.join("a")).unwrap(), b"abc");
}

#[tokio::test]
async fn an_attachment_named_header_json_does_not_clash() {
    let tmp = tempfile::tempdir().unwrap();
    let declared = [info("header.json", b"not the header"), info("files", b"f")];
    let written = fetch_into(tmp.path(), false, &declared, &[b"not the header", b"f"])
        .await
        .unwrap();
    assert_eq!(
        written,
        [
            tmp.path().join("files/header.json"),
            tmp.path().join("files/files")
        ]
    );
    assert_eq!(listing(tmp.path()), ["files", "header.json"]);
    assert_eq!(
        std::fs::read(tmp.path().join("files/header.json")).unwrap(),
        b"not the header"
    );
    let header: Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("header.json")).unwrap()).unwrap();
    assert!(header.is_object(), "{header}");
}

#[tokio::test]
async fn existing_files_are_replaced_only_with_force() {
    let tmp = tempfile::tempdir().unwrap();
    let declared = [info("a.txt", b"new")];
    std::fs::create_dir(tmp.path().join("files")).unwrap();
    std::fs::write(tmp.path().join("files/a.txt"), b"old").unwrap();

    let e = fetch_into(tmp.path(), false, &declared, &[b"new"])
        .await
        .unwrap_err();
    assert_eq!(refusal(&e), ("FILE_EXISTS".into(), 6));
    assert!(e.to_string().contains("files/a.txt exists"), "{e}");
    assert!(Failure::of(&e).hints[0].contains("--force"));
    assert_eq!(
        std::fs::read(tmp.path().join("files/a.txt")).unwrap(),
        b"old"
    );
    assert!(!tmp.path().join("header.json").exists());

    fetch_into(tmp.path(), true, &declared, &[b"new"])
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(tmp.path().join("files/a.txt")).unwrap(),
        b"new"
    );
    // The header of the earlier fetch is a file the next one does not overwrite either.
    std::fs::remove_file(tmp.path().join("files/a.txt")).unwrap();
    let e = fetch_into(tmp.path(), false, &declared, &[b"new"])
        .await
        .unwrap_err();
    assert_eq!(refusal(&e), ("FILE_EXISTS".into(), 6));
    assert!(e.to_string().contains("header.json exists"), "{e}");
    assert_eq!(listing(tmp.path()), ["files", "header.json"]);
}

#[tokio::test]
async fn links_planted_in_the_directory_are_never_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    let target = outside.join("target");
    std::fs::write(&target, b"precious").unwrap();
    let dir = tmp.path().join("in");
    std::fs::create_dir_all(dir.join("files")).unwrap();
    let declared = [info("a.txt", b"evil")];

    // A link in place of an attachment, of the header, of files/ itself; with and without
    // --force.
    for (link, plant) in [
        ("files/a.txt", target.clone()),
        ("header.json", target.clone()),
    ] {
        symlink(&plant, dir.join(link)).unwrap();
        for force in [false, true] {
            let e = fetch_into(&dir, force, &declared, &[b"evil"])
                .await
                .unwrap_err();
            assert_eq!(refusal(&e), ("SYMLINK_REFUSED".into(), 6), "{link}");
            assert!(e.to_string().contains("is a symbolic link"), "{e}");
        }
        std::fs::remove_file(dir.join(link)).unwrap();
        std::fs::remove_file(dir.join("files/a.txt")).ok();
    }
    std::fs::remove_dir(dir.join("files")).unwrap();
    symlink(&outside, dir.join("files")).unwrap();
    for force in [false, true] {
        let e = fetch_into(&dir, force, &declared, &[b"evil"])
            .await
            .unwrap_err();
        assert_eq!(refusal(&e), ("SYMLINK_REFUSED".into(), 6));
    }
    assert_eq!(std::fs::read(&target).unwrap(), b"precious");
    assert_eq!(listing(&outside), ["target"]);
    assert_eq!(listing(&dir), ["files"], "only the planted link");
}

#[test]
fn a_link_planted_after_the_check_is_not_written_through() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("target");
    std::fs::write(&target, b"precious").unwrap();
    let dir = tmp.path().join("in");
    let out = OutDir::prepare(&dir, false).unwrap();
    out.check_free(&[info("a", b"x")]).unwrap();
    let dest = out.attachment_path("a");
    symlink(&target, &dest).unwrap();
    let (_, part) = out.temp().unwrap();
    let e = out.place(part, &dest).unwrap_err();
    assert_eq!(refusal(&e), ("SYMLINK_REFUSED".into(), 6));
    assert_eq!(std::fs::read(&target).unwrap(), b"precious");
    assert_eq!(listing(&dir), ["files"], "the temporary file is gone");

    // files/ replaced by a link after the start: nothing is moved into it.
    std::fs::remove_file(&dest).unwrap();
    std::fs::remove_dir(dir.join("files")).unwrap();
    symlink(tmp.path(), dir.join("files")).unwrap();
    let (_, part) = out.temp().unwrap();
    let e = out.place(part, &out.attachment_path("b")).unwrap_err();
    assert_eq!(refusal(&e), ("SYMLINK_REFUSED".into(), 6));
    assert!(!tmp.path().join("b").exists());
}

#[test]
fn a_directory_in_the_way_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("files"), b"").unwrap();
    let e = OutDir::prepare(tmp.path(), true).unwrap_err();
    assert_eq!(refusal(&e), ("PATH_OCCUPIED".into(), 6));
    std::fs::remove_file(tmp.path().join("files")).unwrap();
    let out = OutDir::prepare(tmp.path(), true).unwrap();
    std::fs::create_dir(tmp.path().join("files/a")).unwrap();
    let e = out.check_free(&[info("a", b"")]).unwrap_err();
    assert_eq!(refusal(&e), ("PATH_OCCUPIED".into(), 6));
}
