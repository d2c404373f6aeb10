//! The `Preferences` JSON file of a persistent partition.

use crate::error::{Error, ErrorKind};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// File name of the preferences inside a partition directory (Chromium's name).
pub(crate) const PREFERENCES_FILE: &str = "Preferences";

/// Preferences of one session: a JSON object with dotted keys (`download.default_directory`),
/// written atomically on every change for persistent sessions and kept in memory otherwise.
#[derive(Debug)]
pub(crate) struct Preferences {
    path: Option<PathBuf>,
    root: Map<String, Value>,
}

impl Preferences {
    /// In-memory preferences (nothing is ever written).
    pub(crate) fn in_memory() -> Self {
        Preferences {
            path: None,
            root: Map::new(),
        }
    }

    /// Loads `<dir>/Preferences`. A file that is not a JSON object is moved aside as
    /// `Preferences.corrupt-<unix seconds>` and the session starts with empty preferences, as
    /// Chromium resets an unreadable pref file; the error says where it went.
    pub(crate) fn load(dir: &Path) -> Result<(Self, Option<String>), Error> {
        let path = dir.join(PREFERENCES_FILE);
        let mut warning = None;
        let root = match std::fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(map)) => map,
                _ => {
                    let aside = session_base::fs::move_aside(&path).map_err(|e| {
                        Error::with_source(
                            ErrorKind::Io,
                            format!("cannot move corrupt {} aside", path.display()),
                            e,
                        )
                    })?;
                    warning = Some(format!(
                        "{} was not a JSON object; moved to {} and started fresh",
                        path.display(),
                        aside.display()
                    ));
                    Map::new()
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Map::new(),
            Err(e) => {
                return Err(Error::with_source(
                    ErrorKind::Io,
                    format!("cannot read {}", path.display()),
                    e,
                ));
            }
        };
        Ok((
            Preferences {
                path: Some(path),
                root,
            },
            warning,
        ))
    }

    /// The value at a dotted key.
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        let mut parts = key.split('.');
        let first = parts.next()?;
        let mut v = self.root.get(first)?;
        for p in parts {
            v = v.as_object()?.get(p)?;
        }
        Some(v)
    }

    /// Sets a dotted key and, for persistent sessions, writes the file atomically before
    /// returning. On a write error the in-memory value is rolled back.
    pub(crate) fn set(&mut self, key: &str, value: Value) -> Result<(), Error> {
        let before = self.root.clone();
        let mut parts: Vec<&str> = key.split('.').collect();
        let last = parts.pop().unwrap_or(key);
        let mut map = &mut self.root;
        for p in parts {
            let entry = map
                .entry(p.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            map = entry.as_object_mut().expect("just made an object");
        }
        map.insert(last.to_owned(), value);
        if let Err(e) = self.save() {
            self.root = before;
            return Err(e);
        }
        Ok(())
    }

    fn save(&self) -> Result<(), Error> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let bytes = serde_json::to_vec_pretty(&self.root)
            .map_err(|e| Error::with_source(ErrorKind::Io, "cannot serialize Preferences", e))?;
        session_base::fs::atomic_write(path, &bytes).map_err(|e| {
            Error::with_source(ErrorKind::Io, format!("cannot write {}", path.display()), e)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_and_reload() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut p, w) = Preferences::load(dir.path()).expect("load");
        assert!(w.is_none());
        p.set("download.default_directory", Value::from("/tmp/x"))
            .expect("set");
        let (p2, _) = Preferences::load(dir.path()).expect("reload");
        assert_eq!(
            p2.get("download.default_directory"),
            Some(&Value::from("/tmp/x"))
        );
    }

    #[test]
    fn corrupt_file_is_moved_aside() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(PREFERENCES_FILE), b"{not json").expect("write");
        let (p, w) = Preferences::load(dir.path()).expect("load");
        assert!(p.get("x").is_none());
        assert!(w.expect("a warning").contains("moved to"));
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().any(|n| n.starts_with("Preferences.corrupt-")));
    }
}
