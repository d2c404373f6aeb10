//! Chromium's `Custom Dictionary.txt`: the words a user added, durable across crashes.
//!
//! The file holds the words sorted and unique, one per line (`\n`), followed by
//! `checksum_v1 = <md5 hex of everything before it>`. A copy is kept beside it as
//! `Custom Dictionary.txt.backup`; when the checksum does not match, the backup is used.
//!
//! ```
//! use session_spellcheck::custom::*;
//!
//! let partition = tempfile::tempdir().unwrap();
//! let mut words = CustomDictionary::load(partition.path()).unwrap();
//! assert_eq!(words.outcome(), LoadOutcome::Missing);
//! assert!(words.add("rustacean").unwrap());
//! assert!(words.add("Ferris").unwrap());
//! assert!(!words.add("rustacean").unwrap(), "already there");
//! assert!(!words.add(" padded").unwrap() && !is_valid_word(" padded"));
//! assert!(!is_valid_word(&"x".repeat(MAX_WORD_BYTES + 1)));
//! assert!(words.remove("Ferris").unwrap());
//! assert!(words.contains("rustacean") && !words.is_in_memory());
//!
//! // The file: sorted words and an MD5 checksum, with a backup beside it.
//! let file = partition.path().join(FILE_NAME);
//! let bytes = std::fs::read(&file).unwrap();
//! assert!(String::from_utf8_lossy(&bytes).starts_with("rustacean\nchecksum_v1 = "));
//! assert_eq!(parse(&bytes).unwrap(), ["rustacean".to_owned()].into());
//! assert_eq!(serialize(&parse(&bytes).unwrap()), bytes);
//!
//! // A damaged file is restored from its backup.
//! std::fs::write(&file, b"rustacean\nchecksum_v1 = 0000\n").unwrap();
//! assert!(parse(&std::fs::read(&file).unwrap()).is_err());
//! let mut backup = file.clone().into_os_string();
//! backup.push(BACKUP_SUFFIX);
//! assert!(std::path::Path::new(&backup).exists());
//! let reloaded = CustomDictionary::load(partition.path()).unwrap();
//! assert_eq!(reloaded.outcome(), LoadOutcome::RecoveredFromBackup);
//! assert_eq!(reloaded.words().collect::<Vec<_>>(), ["rustacean"]);
//!
//! // In-memory sessions refuse changes, as Electron's do.
//! assert!(!CustomDictionary::in_memory().add("word").unwrap());
//! ```

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

use md5::{Digest, Md5};
use session_base::fs::atomic_write;

use crate::error::{Error, ErrorKind, Result};

/// The file name Chromium uses, inside the partition's directory.
///
/// Example: see [the module's example](self).
pub const FILE_NAME: &str = "Custom Dictionary.txt";
/// Appended to the file name for the backup copy.
///
/// Example: see [the module's example](self).
pub const BACKUP_SUFFIX: &str = ".backup";
/// The longest word accepted, in bytes of UTF-8.
///
/// Example: see [the module's example](self).
pub const MAX_WORD_BYTES: usize = 99;
const CHECKSUM_PREFIX: &str = "checksum_v1 = ";

/// Whether `word` may be stored: non-empty, at most [`MAX_WORD_BYTES`] bytes, no leading or
/// trailing ASCII whitespace (Chromium's rule), and no line break or other control character,
/// which the one-word-per-line file could not hold.
///
/// Example: see [the module's example](self).
pub fn is_valid_word(word: &str) -> bool {
    !word.is_empty()
        && word.len() <= MAX_WORD_BYTES
        && word.trim_matches(|c: char| c.is_ascii_whitespace()) == word
        && !word.chars().any(char::is_control)
}

/// How the words were found on disk.
///
/// Example: see [the module's example](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadOutcome {
    /// No file yet: an empty dictionary.
    Missing,
    /// The file was read and its checksum (if any) matched.
    Loaded,
    /// The file's checksum did not match; the backup was used and the file restored from it.
    RecoveredFromBackup,
    /// Neither the file nor its backup could be trusted; the dictionary starts empty.
    Discarded,
}

/// A custom dictionary: in memory for in-memory sessions (which refuse changes, as Electron's
/// do), or backed by `Custom Dictionary.txt` in a partition directory.
///
/// Example: see [the module's example](self).
#[derive(Debug)]
pub struct CustomDictionary {
    path: Option<PathBuf>,
    words: BTreeSet<String>,
    outcome: LoadOutcome,
}

impl CustomDictionary {
    /// The dictionary of an in-memory session: always empty; adding and removing return false
    /// (SPELL-06).
    ///
    /// Example: see [the module's example](self).
    pub fn in_memory() -> Self {
        Self {
            path: None,
            words: BTreeSet::new(),
            outcome: LoadOutcome::Missing,
        }
    }

    /// Loads `<dir>/Custom Dictionary.txt`, falling back to the backup when the checksum fails.
    /// Invalid and duplicate words in the file are dropped.
    ///
    /// Example: see [the module's example](self).
    pub fn load(dir: &Path) -> Result<Self> {
        let path = dir.join(FILE_NAME);
        let backup = backup_path(&path);
        let (words, outcome) = match read_checked(&path)? {
            Some(Ok(words)) => (words, LoadOutcome::Loaded),
            None => (BTreeSet::new(), LoadOutcome::Missing),
            Some(Err(reason)) => {
                tracing::warn!("{}: {reason}; trying the backup", path.display());
                match read_checked(&backup)? {
                    Some(Ok(words)) => {
                        write_file(&path, &words)?;
                        (words, LoadOutcome::RecoveredFromBackup)
                    }
                    _ => (BTreeSet::new(), LoadOutcome::Discarded),
                }
            }
        };
        Ok(Self {
            path: Some(path),
            words,
            outcome,
        })
    }

    /// How the words were found on disk.
    ///
    /// Example: see [the module's example](self).
    pub fn outcome(&self) -> LoadOutcome {
        self.outcome
    }

    /// Whether changes are refused (in-memory session).
    ///
    /// Example: see [the module's example](self).
    pub fn is_in_memory(&self) -> bool {
        self.path.is_none()
    }

    /// The words, sorted.
    ///
    /// Example: see [the module's example](self).
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.words.iter().map(String::as_str)
    }

    /// Whether `word` is in the dictionary (exactly).
    ///
    /// Example: see [the module's example](self).
    pub fn contains(&self, word: &str) -> bool {
        self.words.contains(word)
    }

    /// Adds `word` and writes the file. `Ok(false)` for an in-memory session, an invalid word
    /// or one already present (SPELL-02, 04, 05, 06).
    ///
    /// Example: see [the module's example](self).
    pub fn add(&mut self, word: &str) -> Result<bool> {
        let Some(path) = &self.path else {
            return Ok(false);
        };
        if !is_valid_word(word) || self.words.contains(word) {
            return Ok(false);
        }
        let mut next = self.words.clone();
        next.insert(word.to_owned());
        write_file(path, &next)?;
        self.words = next;
        Ok(true)
    }

    /// Removes `word` and writes the file. `Ok(false)` for an in-memory session or a word not
    /// present (SPELL-06, 10, 11).
    ///
    /// Example: see [the module's example](self).
    pub fn remove(&mut self, word: &str) -> Result<bool> {
        let Some(path) = &self.path else {
            return Ok(false);
        };
        if !self.words.contains(word) {
            return Ok(false);
        }
        let mut next = self.words.clone();
        next.remove(word);
        write_file(path, &next)?;
        self.words = next;
        Ok(true)
    }
}

fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(BACKUP_SUFFIX);
    path.with_file_name(name)
}

/// The file's bytes for `words`.
///
/// Example: see [the module's example](self).
pub fn serialize(words: &BTreeSet<String>) -> Vec<u8> {
    let mut content = String::new();
    for word in words {
        content.push_str(word);
        content.push('\n');
    }
    let checksum = hex::encode(Md5::digest(content.as_bytes()));
    content.push_str(CHECKSUM_PREFIX);
    content.push_str(&checksum);
    content.into_bytes()
}

/// Parses the file's bytes: `Err(reason)` when the checksum does not match or the text is not
/// UTF-8. A file without a checksum line (an older format) is accepted.
///
/// Example: see [the module's example](self).
pub fn parse(bytes: &[u8]) -> std::result::Result<BTreeSet<String>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not valid UTF-8: {e}"))?;
    let body = match text.rfind(CHECKSUM_PREFIX) {
        Some(pos) => {
            let (body, line) = text.split_at(pos);
            let stored = line[CHECKSUM_PREFIX.len()..].trim();
            let actual = hex::encode(Md5::digest(body.as_bytes()));
            if !stored.eq_ignore_ascii_case(&actual) {
                return Err(format!(
                    "checksum mismatch: stored {stored}, computed {actual}"
                ));
            }
            body
        }
        None => text,
    };
    Ok(body
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|w| is_valid_word(w))
        .map(str::to_owned)
        .collect())
}

fn read_checked(path: &Path) -> Result<Option<std::result::Result<BTreeSet<String>, String>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(parse(&bytes))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::with_source(
            ErrorKind::Io,
            format!("cannot read {}", path.display()),
            e,
        )),
    }
}

fn write_file(path: &Path, words: &BTreeSet<String>) -> Result<()> {
    let bytes = serialize(words);
    let io_err = |p: &Path, e: io::Error| {
        Error::with_source(ErrorKind::Io, format!("cannot write {}", p.display()), e)
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    }
    atomic_write(path, &bytes).map_err(|e| io_err(path, e))?;
    let backup = backup_path(path);
    atomic_write(&backup, &bytes).map_err(|e| io_err(&backup, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_validity() {
        assert!(is_valid_word("foo"));
        assert!(is_valid_word("ice cream"));
        assert!(is_valid_word(&"a".repeat(99)));
        assert!(!is_valid_word(&"a".repeat(100)));
        // 33 three-byte characters = 99 bytes; 34 = 102.
        assert!(is_valid_word(&"€".repeat(33)));
        assert!(!is_valid_word(&"€".repeat(34)));
        assert!(!is_valid_word(""));
        assert!(!is_valid_word(" foo"));
        assert!(!is_valid_word("foo\t"));
        assert!(!is_valid_word("a\nb"));
    }

    #[test]
    fn format_matches_chromium() {
        let words: BTreeSet<String> = ["zeta", "alpha"].iter().map(|s| s.to_string()).collect();
        let bytes = serialize(&words);
        let text = String::from_utf8(bytes.clone()).expect("utf-8");
        let expected_sum = hex::encode(Md5::digest(b"alpha\nzeta\n"));
        assert_eq!(text, format!("alpha\nzeta\nchecksum_v1 = {expected_sum}"));
        assert_eq!(parse(&bytes).expect("parse"), words);
    }

    #[test]
    fn bad_checksum_is_rejected_and_no_checksum_is_accepted() {
        let err = parse(b"alpha\nchecksum_v1 = 00000000000000000000000000000000").expect_err("bad");
        assert!(err.contains("checksum"), "{err}");
        let words = parse(b"b\na\n\n  x\n").expect("old format");
        assert_eq!(words.into_iter().collect::<Vec<_>>(), vec!["a", "b"]);
    }
}
