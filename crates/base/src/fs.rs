//! Crash-safe file writes.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Replaces the contents of `path` with `bytes` so that a crash at any moment leaves either the
/// old file or the new one, never a mix: the bytes go to a temporary file in the same directory,
/// which is fsynced, renamed over `path`, and then the directory is fsynced.
///
/// The parent directory must exist. On error the target is untouched and the temporary file is
/// removed.
///
/// ```
/// use session_base::fs::atomic_write;
///
/// let dir = tempfile::tempdir().unwrap();
/// let prefs = dir.path().join("Preferences");
/// atomic_write(&prefs, b"{}").unwrap();
/// atomic_write(&prefs, br#"{"spellcheck":true}"#).unwrap();
/// assert_eq!(std::fs::read(&prefs).unwrap(), br#"{"spellcheck":true}"#);
/// assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
/// ```
pub fn atomic_write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = temp_sibling(path)?;
    let result = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        sync_parent(path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Fsyncs the directory holding `path`, so that a rename or create in it is durable.
///
/// A no-op on platforms where directories cannot be opened for syncing.
///
/// ```
/// use std::io::Write;
///
/// use session_base::fs::{sync_parent, temp_sibling};
///
/// // What `atomic_write` does, for a file written in several steps.
/// let dir = tempfile::tempdir().unwrap();
/// let target = dir.path().join("journal.json");
/// let tmp = temp_sibling(&target).unwrap();
/// assert_eq!(tmp.parent(), target.parent());
/// assert!(tmp.file_name().unwrap().to_str().unwrap().starts_with(".journal.json.tmp-"));
/// let mut file = std::fs::File::create(&tmp).unwrap();
/// file.write_all(b"[]").unwrap();
/// file.sync_all().unwrap();
/// std::fs::rename(&tmp, &target).unwrap();
/// sync_parent(&target).unwrap(); // the rename is durable now
/// assert!(temp_sibling(std::path::Path::new("/")).is_err()); // not a file path
/// ```
pub fn sync_parent(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        File::open(parent)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// A fresh, unused name beside `path` for a temporary file: `.<name>.tmp-<pid>-<n>`.
///
/// Example: see [`sync_parent`].
pub fn temp_sibling(path: &Path) -> io::Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a file path: {}", path.display()),
        )
    })?;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp_name = format!(
        ".{}.tmp-{}-{}",
        name.to_string_lossy(),
        std::process::id(),
        n
    );
    Ok(path.with_file_name(tmp_name))
}

/// Moves an unusable file aside as `<name>.corrupt-<unix seconds>` (with `-<n>` added when that
/// name is taken) and returns where it went, so that a store can start empty without losing the
/// bytes: the way every store of a partition treats a file it cannot read.
///
/// ```
/// use session_base::fs::move_aside;
///
/// let dir = tempfile::tempdir().unwrap();
/// let file = dir.path().join("TransportSecurity");
/// std::fs::write(&file, b"not json").unwrap();
/// let aside = move_aside(&file).unwrap();
/// assert!(!file.exists());
/// assert!(aside.file_name().unwrap().to_string_lossy().starts_with("TransportSecurity.corrupt-"));
/// assert_eq!(std::fs::read(&aside).unwrap(), b"not json");
/// ```
pub fn move_aside(path: &Path) -> io::Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a file path: {}", path.display()),
        )
    })?;
    let name = name.to_string_lossy();
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut target = path.with_file_name(format!("{name}.corrupt-{secs}"));
    let mut n = 1;
    while target.exists() {
        target = path.with_file_name(format!("{name}.corrupt-{secs}-{n}"));
        n += 1;
    }
    fs::rename(path, &target)?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("Preferences");
        atomic_write(&path, b"one").expect("first write");
        atomic_write(&path, b"two").expect("second write");
        assert_eq!(fs::read(&path).expect("read"), b"two");
        let names: Vec<_> = fs::read_dir(dir.path())
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("Preferences")]);
    }

    #[test]
    fn atomic_write_into_missing_dir_fails_cleanly() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("missing").join("file");
        assert!(atomic_write(&path, b"x").is_err());
        assert!(!path.exists());
    }

    #[test]
    fn move_aside_never_overwrites_an_earlier_copy() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("Store");
        fs::write(&path, b"one").expect("write");
        let first = move_aside(&path).expect("first");
        fs::write(&path, b"two").expect("write");
        let second = move_aside(&path).expect("second");
        assert_ne!(first, second);
        assert_eq!(fs::read(&first).expect("first"), b"one");
        assert_eq!(fs::read(&second).expect("second"), b"two");
        assert!(move_aside(&dir.path().join("missing")).is_err());
    }
}
