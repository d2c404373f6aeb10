//! The exclusive lock a persistent partition holds while it is open.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

/// Name of the lock file inside a partition's directory.
///
/// Example: see [`PartitionLock`].
pub const LOCK_FILE_NAME: &str = "LOCK";

/// An exclusive, advisory lock on a partition directory (`<dir>/LOCK`), held until dropped.
///
/// The operating system releases it when the process dies, so a crash never leaves a stale
/// lock behind. Within one process the session registry hands out one `Session` per partition,
/// so only a second process (or a second registry) ever meets a held lock.
///
/// ```
/// use session_base::lock::{LOCK_FILE_NAME, LockError, PartitionLock};
///
/// let dir = tempfile::tempdir().unwrap();
/// let held = PartitionLock::acquire(dir.path()).unwrap();
/// assert_eq!(held.path(), dir.path().join(LOCK_FILE_NAME));
/// assert!(matches!(PartitionLock::acquire(dir.path()), Err(LockError::InUse { .. })));
/// drop(held);
/// assert!(PartitionLock::acquire(dir.path()).is_ok());
/// ```
#[derive(Debug)]
pub struct PartitionLock {
    _file: File,
    path: PathBuf,
}

/// Why a partition lock could not be taken.
///
/// Example: see [`PartitionLock`].
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process (or another registry in this one) holds the partition open.
    #[error("partition directory {dir} is in use by another process (lock file {lock})")]
    InUse {
        /// The partition directory.
        dir: PathBuf,
        /// The lock file.
        lock: PathBuf,
    },
    /// The directory or lock file could not be created or opened.
    #[error("cannot lock partition directory {dir}: {source}")]
    Io {
        /// The partition directory.
        dir: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

impl PartitionLock {
    /// Creates `dir` if needed and takes the exclusive lock on `dir/LOCK` without waiting.
    ///
    /// Example: see [`PartitionLock`].
    pub fn acquire(dir: &Path) -> Result<Self, LockError> {
        let io_err = |source| LockError::Io {
            dir: dir.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io_err)?;
        let path = dir.join(LOCK_FILE_NAME);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_err)?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(LockError::InUse {
                dir: dir.to_path_buf(),
                lock: path,
            }),
            Err(TryLockError::Error(e)) => Err(io_err(e)),
        }
    }

    /// The lock file's path.
    ///
    /// Example: see [`PartitionLock`].
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_on_same_dir_is_refused_until_first_drops() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = PartitionLock::acquire(dir.path()).expect("first lock");
        let err = PartitionLock::acquire(dir.path()).expect_err("second lock must fail");
        assert!(matches!(err, LockError::InUse { .. }), "{err}");
        assert!(err.to_string().contains("in use by another process"));
        drop(first);
        PartitionLock::acquire(dir.path()).expect("lock after release");
    }
}
