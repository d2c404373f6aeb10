//! Preload scripts registered on a session (Electron's `registerPreloadScript` family).
//!
//! There is no renderer in this library: the registry records what an embedder (a webview host)
//! must inject, with Electron's validation, and hands the list back.

use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};

/// The context a preload script runs in.
///
/// Example: see [`PreloadScriptRegistration`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PreloadScriptType {
    /// Every frame of web contents using the session.
    Frame,
    /// Service workers of the session.
    ServiceWorker,
}

/// What `register_preload_script` takes (Electron's `PreloadScriptRegistration`).
///
/// ```
/// use session::{PreloadScriptRegistration, PreloadScriptType, SessionOptions, Sessions};
///
/// let user_data = tempfile::tempdir().unwrap();
/// let session = Sessions::new(user_data.path())
///     .from_partition("app", SessionOptions::default())
///     .unwrap();
/// let script = user_data.path().join("preload.js");
/// let id = session
///     .register_preload_script(PreloadScriptRegistration {
///         script_type: PreloadScriptType::Frame,
///         id: Some("main".into()),
///         file_path: script.clone(),
///     })
///     .unwrap();
/// assert_eq!(id, "main");
/// let listed = session.preload_scripts();
/// assert_eq!((listed[0].id.as_str(), &listed[0].file_path), ("main", &script));
/// assert_eq!(session.preloads(), [script.clone()]);
///
/// // Ids are unique and paths absolute, as in Electron.
/// let again = PreloadScriptRegistration {
///     script_type: PreloadScriptType::ServiceWorker,
///     id: Some("main".into()),
///     file_path: script.clone(),
/// };
/// assert!(session.register_preload_script(again).is_err());
/// assert!(session.set_preloads(vec!["relative.js".into()]).is_err());
///
/// session.unregister_preload_script("main").unwrap();
/// assert!(session.preload_scripts().is_empty());
/// assert!(session.unregister_preload_script("main").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreloadScriptRegistration {
    /// Context type.
    #[serde(rename = "type")]
    pub script_type: PreloadScriptType,
    /// Unique id; a random UUID when `None`.
    pub id: Option<String>,
    /// Absolute path of the script.
    pub file_path: PathBuf,
}

/// A registered preload script (Electron's `PreloadScript`).
///
/// Example: see [`PreloadScriptRegistration`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreloadScript {
    /// Context type.
    #[serde(rename = "type")]
    pub script_type: PreloadScriptType,
    /// Unique id.
    pub id: String,
    /// Absolute path of the script.
    pub file_path: PathBuf,
}

/// The registered scripts of one session, in registration order.
#[derive(Debug, Default)]
pub(crate) struct PreloadRegistry {
    scripts: Vec<PreloadScript>,
}

impl PreloadRegistry {
    pub(crate) fn register(&mut self, reg: PreloadScriptRegistration) -> Result<String, Error> {
        check_absolute(&reg.file_path)?;
        let id = reg.id.unwrap_or_else(random_uuid);
        if self.scripts.iter().any(|s| s.id == id) {
            return Err(Error::invalid(format!(
                "Cannot register preload script with existing ID '{id}'"
            )));
        }
        self.scripts.push(PreloadScript {
            script_type: reg.script_type,
            id: id.clone(),
            file_path: reg.file_path,
        });
        Ok(id)
    }

    pub(crate) fn unregister(&mut self, id: &str) -> Result<(), Error> {
        let before = self.scripts.len();
        self.scripts.retain(|s| s.id != id);
        if self.scripts.len() == before {
            return Err(Error::invalid(format!(
                "Cannot unregister preload script with non-existing ID '{id}'"
            )));
        }
        Ok(())
    }

    pub(crate) fn scripts(&self) -> Vec<PreloadScript> {
        self.scripts.clone()
    }

    /// Replaces every frame script with `paths` (the deprecated `setPreloads`); all paths are
    /// checked before anything changes.
    pub(crate) fn set_frame_paths(&mut self, paths: Vec<PathBuf>) -> Result<(), Error> {
        for p in &paths {
            check_absolute(p)?;
        }
        self.scripts
            .retain(|s| s.script_type != PreloadScriptType::Frame);
        for file_path in paths {
            self.scripts.push(PreloadScript {
                script_type: PreloadScriptType::Frame,
                id: random_uuid(),
                file_path,
            });
        }
        Ok(())
    }

    pub(crate) fn frame_paths(&self) -> Vec<PathBuf> {
        self.scripts
            .iter()
            .filter(|s| s.script_type == PreloadScriptType::Frame)
            .map(|s| s.file_path.clone())
            .collect()
    }
}

fn check_absolute(path: &Path) -> Result<(), Error> {
    if path.is_absolute() {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "Preload script must have absolute path: {}",
            path.display()
        )))
    }
}

/// A random version-4 UUID, from the process's randomly keyed hasher.
fn random_uuid() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let state = std::collections::hash_map::RandomState::new();
    let word = |salt: u64| {
        let mut h = state.build_hasher();
        h.write_u64(salt);
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        h.finish()
    };
    let (hi, lo) = (word(1), word(2));
    let hi = (hi & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000;
    let lo = (lo & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_v4_and_distinct() {
        let a = random_uuid();
        let b = random_uuid();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
    }
}
