//! The temporary file a download writes, beside its target, renamed into place when complete.
//!
//! Plain blocking `std::fs` calls: the transfer engine drives a [`PartFile`] from a blocking
//! task, which measured faster than `tokio::fs` (one thread hop per chunk instead of per call).

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// An open temporary download file and how many bytes it holds.
///
/// ```
/// use session_downloads::part::{PartFile, discard};
///
/// let dir = tempfile::tempdir().unwrap();
/// let temp = dir.path().join("new/app.zip.part"); // missing directories are created
/// let mut part = PartFile::create(&temp).unwrap();
/// assert!(part.is_empty());
/// part.write_all(b"hello ").unwrap();
/// part.write_all(b"wor").unwrap();
/// assert_eq!(part.sync().unwrap(), 9); // durable up to here: what the journal records
/// drop(part);
///
/// // After a restart: continue at the journaled offset; later bytes are cut off.
/// let mut part = PartFile::resume_at(&temp, 6).unwrap();
/// assert_eq!(part.len(), 6);
/// part.write_all(b"world").unwrap();
/// let _fsync_handle = part.try_clone_file().unwrap();
/// let target = dir.path().join("new/app.zip");
/// part.finish(&target, true).unwrap();
/// assert_eq!(std::fs::read(&target).unwrap(), b"hello world");
/// assert!(!temp.exists());
///
/// assert!(PartFile::resume_at(&target, 100).is_err()); // shorter than the offset
/// discard(&temp).unwrap(); // already gone: fine
/// ```
#[derive(Debug)]
pub struct PartFile {
    file: File,
    path: PathBuf,
    len: u64,
}

impl PartFile {
    /// Creates (or empties) the temporary file at `path`, creating missing parent directories
    /// (Electron's `setSavePath` does too).
    ///
    /// Example: see [`PartFile`].
    pub fn create(path: &Path) -> io::Result<Self> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)?;
        Ok(PartFile {
            file,
            path: path.to_owned(),
            len: 0,
        })
    }

    /// Opens the existing temporary file to continue at `offset`: bytes past `offset` (written
    /// but never journaled) are cut off. Fails with `UnexpectedEof` when the file is shorter.
    ///
    /// Example: see [`PartFile`].
    pub fn resume_at(path: &Path, offset: u64) -> io::Result<Self> {
        let mut file = OpenOptions::new().write(true).open(path)?;
        let on_disk = file.metadata()?.len();
        if on_disk < offset {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "{} holds {on_disk} bytes, expected at least {offset}",
                    path.display()
                ),
            ));
        }
        file.set_len(offset)?;
        file.seek(SeekFrom::Start(offset))?;
        Ok(PartFile {
            file,
            path: path.to_owned(),
            len: offset,
        })
    }

    /// Appends `bytes`.
    ///
    /// Example: see [`PartFile`].
    pub fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.write_all(bytes)?;
        self.len += bytes.len() as u64;
        Ok(())
    }

    /// A second handle on the file, to fsync it from another thread while writing goes on.
    ///
    /// Example: see [`PartFile`].
    pub fn try_clone_file(&self) -> io::Result<File> {
        self.file.try_clone()
    }

    /// Bytes in the file.
    ///
    /// Example: see [`PartFile`].
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is empty.
    ///
    /// Example: see [`PartFile`].
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forces the bytes to disk and returns how many are durable.
    ///
    /// Example: see [`PartFile`].
    pub fn sync(&mut self) -> io::Result<u64> {
        self.file.sync_data()?;
        Ok(self.len)
    }

    /// Renames the file to `target`. With `sync`, the file is fsynced first and the directory
    /// after, so `target` appears complete or not at all even across a power loss; without, only
    /// a process crash is covered (the rename still happens after the last write).
    ///
    /// Example: see [`PartFile`].
    pub fn finish(self, target: &Path, sync: bool) -> io::Result<()> {
        if sync {
            self.file.sync_all()?;
        }
        drop(self.file);
        std::fs::rename(&self.path, target)?;
        if sync {
            session_base::fs::sync_parent(target)?;
        }
        Ok(())
    }
}

/// Deletes a temporary file; a file that is already gone is fine.
///
/// Example: see [`PartFile`].
pub fn discard(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_cuts_unjournaled_tail_and_finish_renames() {
        let dir = tempfile::tempdir().expect("tempdir");
        let temp = dir.path().join("sub").join("f.bin.part");
        let mut part = PartFile::create(&temp).expect("create");
        part.write_all(b"hello world").expect("write");
        assert_eq!(part.sync().expect("sync"), 11);
        drop(part);
        let mut part = PartFile::resume_at(&temp, 5).expect("resume");
        part.write_all(b", you").expect("write");
        let target = dir.path().join("sub").join("f.bin");
        part.finish(&target, true).expect("finish");
        assert_eq!(std::fs::read(&target).expect("read"), b"hello, you");
        assert!(!temp.exists());
        assert_eq!(
            PartFile::resume_at(&temp, 1).expect_err("gone").kind(),
            io::ErrorKind::NotFound
        );
        discard(&temp).expect("discard missing");
    }

    #[test]
    fn resume_past_end_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let temp = dir.path().join("f.part");
        std::fs::write(&temp, b"abc").expect("write");
        let err = PartFile::resume_at(&temp, 10).expect_err("short");
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }
}
