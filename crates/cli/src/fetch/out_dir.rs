//! The directory a document is fetched into, and how files get there safely.
//!
//! ```text
//! DIR/header.json       the DocumentHeader, written last (its presence means the fetch completed)
//! DIR/files/<name>      each attachment, under the name the header declares
//! DIR/.lienthong-*.part a file being received (removed on failure, renamed once verified)
//! ```
//!
//! The CLI's own files never share a directory with the attachments, so no attachment name
//! (`header.json` included) can clash with them. `DIR` itself is the path the user gave and is
//! resolved as any path is (it may be, or go through, a symbolic link). Inside it, nothing is
//! ever followed: every file is created new (`O_CREAT|O_EXCL`, which refuses a link) under a
//! random name and moved into place with a rename that does not replace an existing name
//! (`RENAME_NOREPLACE`, or link-and-unlink) — with `--force`, a plain rename, which replaces a
//! file and never writes through a link. A symbolic link where the CLI would write
//! (`header.json`, `files`, an attachment) is refused, with or without `--force`.
use std::{
    collections::HashSet,
    fs::Permissions,
    io,
    os::unix::fs::{MetadataExt, PermissionsExt},
    path::{Path, PathBuf},
};

use anyhow::{Context, Result};
use lienthong_api::exchange::v1::AttachmentInfo;
use tempfile::TempPath;
use tonic::Code;

use crate::error::Failure;

/// The header's file, in `DIR`.
pub const HEADER_FILE: &str = "header.json";
/// The attachments' directory, in `DIR`.
pub const FILES_DIR: &str = "files";
/// The longest file name most filesystems take, in bytes.
const NAME_MAX: usize = 255;

/// Refuses attachment names that could not be written as one file of `files/` (empty, `.`,
/// `..`, a path separator, NUL or another control character, longer than 255 bytes) and two
/// attachments with the same name — whatever the hub let through.
pub fn check_names(declared: &[AttachmentInfo]) -> Result<()> {
    let mut seen = HashSet::with_capacity(declared.len());
    for (i, a) in declared.iter().enumerate() {
        let name = a.name.as_str();
        let why = if name.is_empty() {
            Some("is empty")
        } else if name == "." || name == ".." {
            Some("names a directory")
        } else if name.contains(['/', '\\']) {
            Some("holds a path separator")
        } else if name.chars().any(char::is_control) {
            Some("holds a control character")
        } else if name.len() > NAME_MAX {
            Some("is longer than 255 bytes")
        } else {
            None
        };
        if let Some(why) = why {
            return Err(Failure::local(
                "UNSAFE_ATTACHMENT_NAME",
                format!(
                    "the hub declared attachment {i} named {name:?}, which {why}: it cannot be \
                     written as a file"
                ),
            )
            .into());
        }
        if !seen.insert(name) {
            return Err(Failure::local(
                "DUPLICATE_ATTACHMENT_NAME",
                format!(
                    "the hub declared two attachments named {name:?}: the second would replace \
                     the first"
                ),
            )
            .into());
        }
    }
    Ok(())
}

/// A link where the CLI would write: never followed, never replaced.
fn symlink_refused(path: &Path) -> anyhow::Error {
    Failure::cli(
        Code::FailedPrecondition,
        "SYMLINK_REFUSED",
        format!(
            "{} is a symbolic link: fetch never writes through a link nor replaces one",
            path.display()
        ),
    )
    .hint("remove the link, or fetch into another --out directory")
    .into()
}

/// Something that is not a file where a file goes (or not a directory where `files` goes).
fn occupied(path: &Path, what: &str) -> anyhow::Error {
    Failure::cli(
        Code::FailedPrecondition,
        "PATH_OCCUPIED",
        format!("{} exists and is not {what}", path.display()),
    )
    .hint("fetch into another --out directory")
    .into()
}

fn exists(path: &Path) -> anyhow::Error {
    Failure::cli(
        Code::AlreadyExists,
        "FILE_EXISTS",
        format!("{} exists: fetch does not overwrite files", path.display()),
    )
    .hint("pass --force to replace the files of an earlier fetch, or choose another --out")
    .into()
}

/// The fetch's directory, `files/` made and checked.
#[derive(Debug)]
pub struct OutDir {
    root: PathBuf,
    files: PathBuf,
    /// The device and inode of `files/`, checked again before each file is moved into it.
    files_id: (u64, u64),
    force: bool,
}

impl OutDir {
    /// Creates `DIR` (and its parents) and `DIR/files`; a `files` that is a link or not a
    /// directory is refused.
    pub fn prepare(root: &Path, force: bool) -> Result<OutDir> {
        std::fs::create_dir_all(root).with_context(|| root.display().to_string())?;
        let files = root.join(FILES_DIR);
        if let Err(e) = std::fs::create_dir(&files)
            && e.kind() != io::ErrorKind::AlreadyExists
        {
            return Err(anyhow::Error::new(e).context(files.display().to_string()));
        }
        let files_id = directory_id(&files)?;
        Ok(OutDir {
            root: root.to_path_buf(),
            files,
            files_id,
            force,
        })
    }

    /// Where the header goes.
    pub fn header_path(&self) -> PathBuf {
        self.root.join(HEADER_FILE)
    }

    /// Where an attachment goes (its name checked by [`check_names`]).
    pub fn attachment_path(&self, name: &str) -> PathBuf {
        self.files.join(name)
    }

    /// Refuses, before anything is received, what would be overwritten without `--force`, and
    /// any link or directory in the way of the header or an attachment.
    pub fn check_free(&self, declared: &[AttachmentInfo]) -> Result<()> {
        check_free(&self.header_path(), self.force)?;
        for a in declared {
            check_free(&self.attachment_path(&a.name), self.force)?;
        }
        Ok(())
    }

    /// A new file in `DIR` under a random name (created, never opened: a link is refused),
    /// removed when the [`TempPath`] is dropped before it is placed.
    pub fn temp(&self) -> Result<(std::fs::File, TempPath)> {
        let file = tempfile::Builder::new()
            .prefix(".lienthong-")
            .suffix(".part")
            // Subject to the umask, as any file the user creates.
            .permissions(Permissions::from_mode(0o666))
            .tempfile_in(&self.root)
            .with_context(|| format!("creating a file in {}", self.root.display()))?;
        Ok(file.into_parts())
    }

    /// Moves a verified file to `dest`: never over a link or a directory; over an existing file
    /// only with `--force`; into `files/` only if it is still the directory checked at the start.
    pub fn place(&self, tmp: TempPath, dest: &Path) -> Result<()> {
        if directory_id(&self.files)? != self.files_id {
            return Err(occupied(
                &self.files,
                "the directory the fetch started with",
            ));
        }
        check_free(dest, self.force)?;
        let moved = if self.force {
            tmp.persist(dest)
        } else {
            tmp.persist_noclobber(dest)
        };
        moved.map_err(|e| match e.error.kind() {
            io::ErrorKind::AlreadyExists => exists(dest),
            _ => anyhow::Error::new(e.error).context(dest.display().to_string()),
        })
    }
}

/// The device and inode of a directory that is not a link.
fn directory_id(path: &Path) -> Result<(u64, u64)> {
    let m = std::fs::symlink_metadata(path).with_context(|| path.display().to_string())?;
    if m.file_type().is_symlink() {
        return Err(symlink_refused(path));
    }
    if !m.is_dir() {
        return Err(occupied(path, "a directory"));
    }
    Ok((m.dev(), m.ino()))
}

/// Nothing at `path`, or (with `force`) a regular file.
fn check_free(path: &Path, force: bool) -> Result<()> {
    let m = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(anyhow::Error::new(e).context(path.display().to_string())),
    };
    if m.file_type().is_symlink() {
        Err(symlink_refused(path))
    } else if !m.is_file() {
        Err(occupied(path, "a file"))
    } else if !force {
        Err(exists(path))
    } else {
        Ok(())
    }
}
