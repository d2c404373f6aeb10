//! Unpacked Chrome extensions for a session: manifests, extension IDs, i18n messages, content
//! scripts, `web_accessible_resources` and declarativeNetRequest rules.
//!
//! [`Extensions`] is Electron's `session.extensions`: `load_extension`, `remove_extension`,
//! `get_extension`, `get_all_extensions` and the `extension-loaded` / `-ready` / `-unloaded`
//! events, with Electron's error messages. There is no renderer and no extension runtime here:
//! what a browser would do with a loaded extension's declarations (inject content scripts, serve
//! its files, apply its network rules) is offered to the embedder as functions
//! ([`Extensions::content_scripts_for`], [`Extensions::resource_path`],
//! [`Extensions::evaluate_request`]). Keys and features not acted upon load with warnings.
//!
//! An extension without a manifest `key` gets its ID from its absolute directory path, so the ID
//! changes when the directory moves; a `key` fixes it.
//!
//! ```
//! use session_extensions::{Extensions, ExtensionsConfig, LoadOptions};
//!
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("manifest.json"),
//!     r#"{"manifest_version": 3, "name": "demo", "version": "1.0"}"#).unwrap();
//! let extensions = Extensions::new(ExtensionsConfig::persistent(None));
//! let loaded = extensions.load_extension(dir.path(), LoadOptions::default()).unwrap();
//! assert_eq!(loaded.extension.name, "demo");
//! assert_eq!(extensions.get_all_extensions().len(), 1);
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod dnr;
pub mod i18n;
pub mod id;
pub mod manifest;
mod scripts;

use std::collections::VecDeque;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use serde_json::Value;
use tokio_sync::sync::broadcast;
use url::Url;

pub use manifest::{ContentScript, Manifest, RunAt};
pub use scripts::{Frame, ScriptInjection};

use dnr::index::RuleIndex;
use dnr::rule::Rule;
use dnr::{DnrError, ExtensionRules, MatchedRule, Outcome, Request};

/// Electron's `Extension` structure.
///
/// Example: see [`Extensions::load_extension`].
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Extension {
    /// The extension ID.
    pub id: String,
    /// The manifest as loaded (localized, with `current_locale` when it has locales).
    pub manifest: Value,
    /// `name`, localized.
    pub name: String,
    /// The directory it was loaded from.
    pub path: PathBuf,
    /// `version`.
    pub version: String,
    /// `chrome-extension://<id>/`.
    pub url: String,
}

/// `loadExtension` options.
///
/// Example: see [`Extensions::load_extension`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Let content scripts run on `file://` URLs.
    pub allow_file_access: bool,
}

/// What loading gives: the extension and the warnings Chromium would log.
///
/// Example: see [`Extensions::load_extension`].
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded {
    /// The extension.
    pub extension: Extension,
    /// Accepted-but-unsupported keys, malformed host permissions, skipped rules.
    pub warnings: Vec<String>,
}

/// Lifecycle events (`extension-loaded`, `extension-ready`, `extension-unloaded`).
///
/// Example: see [`Extensions::load_extension`].
#[derive(Clone, Debug, PartialEq)]
pub enum ExtensionEvent {
    /// Loaded.
    Loaded(Extension),
    /// Ready (right after loaded: there is no background context to wait for).
    Ready(Extension),
    /// Removed (or replaced by a reload).
    Unloaded(Extension),
}

/// Why `load_extension` failed. The `Display` forms are Electron's.
///
/// Example: see [`Extensions::load_extension`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The session is in memory.
    #[error("Extensions cannot be loaded in a temporary session")]
    TemporarySession,
    /// The path is relative.
    #[error("The path to the extension in 'loadExtension' must be absolute")]
    RelativePath,
    /// Chromium refused the extension.
    #[error("Loading extension at {} failed with: {source}", path.display())]
    Failed {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: Box<LoadError>,
    },
    /// A manifest problem, in Chromium's words.
    #[error("{0}")]
    Manifest(String),
    /// A broken `messages.json`.
    #[error("{}: {reason}", file.display())]
    Messages {
        /// The catalog.
        file: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A broken ruleset file.
    #[error("{0}")]
    Ruleset(String),
    /// A file could not be read.
    #[error("{}: {reason}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        reason: String,
    },
}

/// How the extensions of one session are set up.
///
/// Example: see [`Extensions::load_extension`].
#[derive(Clone, Debug)]
pub struct ExtensionsConfig {
    /// False for in-memory sessions (loading is refused).
    pub persistent: bool,
    /// Where dynamic rules live (`<partition>/Extension Rules`); `None` keeps them in memory.
    pub storage_dir: Option<PathBuf>,
    /// Preferred languages for i18n (`en-US`, `fr`), best first.
    pub languages: Vec<String>,
    /// The Chromium version `minimum_chrome_version` is checked against.
    pub chrome_version: String,
}

impl ExtensionsConfig {
    /// A persistent session's configuration, English, our Chromium version.
    ///
    /// Example: see [`Extensions::load_extension`].
    pub fn persistent(storage_dir: Option<PathBuf>) -> ExtensionsConfig {
        ExtensionsConfig {
            persistent: true,
            storage_dir,
            languages: vec!["en-US".into()],
            chrome_version: session_base::user_agent::CHROME_VERSION.into(),
        }
    }
}

struct Entry {
    extension: Extension,
    manifest: Manifest,
    options: LoadOptions,
    rules: Arc<ExtensionRules>,
}

#[derive(Default)]
struct State {
    entries: Vec<Arc<Entry>>,
    /// The DNR view the request path reads: (id, rules) in load order.
    rules: Arc<Vec<(String, Arc<ExtensionRules>)>>,
}

impl State {
    fn refresh_rules(&mut self) {
        self.rules = Arc::new(
            self.entries
                .iter()
                .map(|e| (e.extension.id.clone(), e.rules.clone()))
                .collect(),
        );
    }
}

/// Matched rules remembered per session for `get_matched_rules`.
const MATCHED_RULES_KEPT: usize = 10_000;

/// A matched rule with its time, as `getMatchedRules` reports it.
///
/// Example: see [`Extensions::evaluate_request`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchedRuleInfo {
    /// The rule.
    #[serde(flatten)]
    pub rule: MatchedRule,
    /// When it matched.
    #[serde(skip)]
    pub time: SystemTime,
}

/// The extensions of one session (`session.extensions`).
///
/// Example: see [`Extensions::load_extension`], [`Extensions::content_scripts_for`] and
/// [`Extensions::evaluate_request`].
pub struct Extensions {
    config: RwLock<ExtensionsConfig>,
    state: RwLock<State>,
    /// Serializes rule updates (file writes happen under it, never under `state`).
    updates: Mutex<()>,
    events: session_base::events::LazySender<ExtensionEvent>,
    matched: Mutex<VecDeque<MatchedRuleInfo>>,
}

impl std::fmt::Debug for Extensions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extensions")
            .field("loaded", &self.get_all_extensions().len())
            .finish()
    }
}

fn read_state<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write_state<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Extensions {
    /// No extensions yet.
    ///
    /// Example: see [the crate's example](crate).
    pub fn new(config: ExtensionsConfig) -> Extensions {
        Extensions {
            config: RwLock::new(config),
            state: RwLock::new(State::default()),
            updates: Mutex::new(()),
            events: session_base::events::LazySender::new(64),
            matched: Mutex::new(VecDeque::new()),
        }
    }

    /// Sets the preferred languages for extensions loaded from now on.
    ///
    /// Example: see [the crate's example](crate).
    pub fn set_languages(&self, languages: Vec<String>) {
        write_state(&self.config).languages = languages;
    }

    /// Lifecycle events.
    ///
    /// Example: see [`Extensions::load_extension`].
    pub fn subscribe(&self) -> broadcast::Receiver<ExtensionEvent> {
        self.events.subscribe()
    }

    /// Loads the unpacked extension in `path` (absolute). Loading an extension with the ID of a
    /// loaded one replaces it (`extension-unloaded`, then `-loaded`, `-ready`).
    ///
    /// ```
    /// use session_extensions::{ExtensionEvent, Extensions, ExtensionsConfig, LoadError, LoadOptions};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(
    ///     dir.path().join("manifest.json"),
    ///     r#"{"manifest_version": 3, "name": "Blocker", "version": "1.2", "made_up_key": true}"#,
    /// )
    /// .unwrap();
    /// let extensions = Extensions::new(ExtensionsConfig::persistent(None));
    /// let mut events = extensions.subscribe();
    ///
    /// let loaded = extensions.load_extension(dir.path(), LoadOptions::default()).unwrap();
    /// let id = loaded.extension.id.clone();
    /// assert_eq!(id.len(), 32); // from the directory's path: the manifest has no `key`
    /// assert_eq!(loaded.extension.url, format!("chrome-extension://{id}/"));
    /// assert_eq!(loaded.warnings, ["Unrecognized manifest key 'made_up_key'."]);
    /// assert!(matches!(events.try_recv().unwrap(), ExtensionEvent::Loaded(e) if e.id == id));
    /// assert!(matches!(events.try_recv().unwrap(), ExtensionEvent::Ready(_)));
    ///
    /// assert_eq!(extensions.get_extension(&id).unwrap().version, "1.2");
    /// assert_eq!(extensions.manifest(&id).unwrap().name, "Blocker");
    /// extensions.remove_extension(&id);
    /// assert!(matches!(events.try_recv().unwrap(), ExtensionEvent::Unloaded(_)));
    /// assert!(extensions.get_all_extensions().is_empty());
    ///
    /// // Electron's refusals.
    /// let err = extensions.load_extension("relative".as_ref(), LoadOptions::default()).unwrap_err();
    /// assert_eq!(err, LoadError::RelativePath);
    /// let in_memory = Extensions::new(ExtensionsConfig { persistent: false, ..ExtensionsConfig::persistent(None) });
    /// let err = in_memory.load_extension(dir.path(), LoadOptions::default()).unwrap_err();
    /// assert_eq!(err.to_string(), "Extensions cannot be loaded in a temporary session");
    /// std::fs::write(dir.path().join("manifest.json"), "{}").unwrap();
    /// let err = extensions.load_extension(dir.path(), LoadOptions::default()).unwrap_err();
    /// assert!(err.to_string().starts_with("Loading extension at "), "{err}");
    /// ```
    pub fn load_extension(&self, path: &Path, options: LoadOptions) -> Result<Loaded, LoadError> {
        let config = read_state(&self.config).clone();
        if !config.persistent {
            return Err(LoadError::TemporarySession);
        }
        if !path.is_absolute() {
            return Err(LoadError::RelativePath);
        }
        let failed = |e: LoadError| LoadError::Failed {
            path: path.to_path_buf(),
            source: Box::new(e),
        };
        let mut warnings = Vec::new();
        let (extension, manifest, rules) =
            read_extension(path, &config, &mut warnings).map_err(failed)?;
        let entry = Arc::new(Entry {
            extension: extension.clone(),
            manifest,
            options,
            rules: Arc::new(rules),
        });
        let replaced = {
            let mut state = write_state(&self.state);
            let old = state
                .entries
                .iter()
                .position(|e| e.extension.id == extension.id)
                .map(|i| state.entries.remove(i));
            state.entries.push(entry);
            state.refresh_rules();
            old
        };
        if let Some(old) = replaced {
            let _ = self
                .events
                .send(ExtensionEvent::Unloaded(old.extension.clone()));
        }
        let _ = self.events.send(ExtensionEvent::Loaded(extension.clone()));
        let _ = self.events.send(ExtensionEvent::Ready(extension.clone()));
        Ok(Loaded {
            extension,
            warnings,
        })
    }

    /// Unloads an extension; unknown IDs are ignored, as in Electron.
    ///
    /// Example: see [`Extensions::load_extension`].
    pub fn remove_extension(&self, id: &str) {
        let removed = {
            let mut state = write_state(&self.state);
            let i = state.entries.iter().position(|e| e.extension.id == id);
            let removed = i.map(|i| state.entries.remove(i));
            if removed.is_some() {
                state.refresh_rules();
            }
            removed
        };
        if let Some(e) = removed {
            let _ = self
                .events
                .send(ExtensionEvent::Unloaded(e.extension.clone()));
        }
    }

    /// The loaded extension with this ID.
    ///
    /// Example: see [`Extensions::load_extension`].
    pub fn get_extension(&self, id: &str) -> Option<Extension> {
        read_state(&self.state)
            .entries
            .iter()
            .find(|e| e.extension.id == id)
            .map(|e| e.extension.clone())
    }

    /// Every loaded extension, in load order.
    ///
    /// Example: see [the crate's example](crate).
    pub fn get_all_extensions(&self) -> Vec<Extension> {
        read_state(&self.state)
            .entries
            .iter()
            .map(|e| e.extension.clone())
            .collect()
    }

    /// The typed manifest of a loaded extension.
    ///
    /// Example: see [`Extensions::load_extension`].
    pub fn manifest(&self, id: &str) -> Option<Manifest> {
        self.entry(id).map(|e| e.manifest.clone())
    }

    fn entry(&self, id: &str) -> Option<Arc<Entry>> {
        read_state(&self.state)
            .entries
            .iter()
            .find(|e| e.extension.id == id)
            .cloned()
    }

    /// The scripts and styles to inject into a frame showing `url`, in load order and manifest
    /// order (EXT-10: only this session's extensions). For an `about:blank` frame pass its
    /// parent's URL with `frame.about_blank` set.
    ///
    /// ```
    /// use session_extensions::{Extensions, ExtensionsConfig, Frame, LoadOptions};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("manifest.json"), r#"{"manifest_version": 3, "name": "notes",
    ///     "version": "1", "content_scripts": [{"matches": ["https://*.wiki.test/*"], "js": ["notes.js"]}],
    ///     "web_accessible_resources": [{"resources": ["icon.png"], "matches": ["https://*.wiki.test/*"]}]}"#).unwrap();
    /// std::fs::write(dir.path().join("notes.js"), "// notes").unwrap();
    /// std::fs::write(dir.path().join("icon.png"), b"png").unwrap();
    /// let extensions = Extensions::new(ExtensionsConfig::persistent(None));
    /// let id = extensions.load_extension(dir.path(), LoadOptions::default()).unwrap().extension.id;
    ///
    /// let page = url::Url::parse("https://en.wiki.test/Rust").unwrap();
    /// let scripts = extensions.content_scripts_for(&page, Frame::TOP);
    /// assert_eq!(scripts.len(), 1);
    /// assert!(scripts[0].js[0].ends_with("notes.js"));
    /// assert!(extensions.content_scripts_for(&url::Url::parse("https://other.test/").unwrap(), Frame::TOP).is_empty());
    ///
    /// // A page it matches may load the resource; another may not.
    /// assert!(extensions.resource_path(&id, "icon.png", Some(&page)).is_some());
    /// let other = url::Url::parse("https://other.test/").unwrap();
    /// assert!(extensions.resource_path(&id, "icon.png", Some(&other)).is_none());
    /// ```
    pub fn content_scripts_for(&self, url: &Url, frame: Frame) -> Vec<ScriptInjection> {
        let entries = read_state(&self.state).entries.clone();
        let mut out = Vec::new();
        for e in entries {
            scripts::for_extension(
                &e.extension,
                &e.manifest,
                e.options.allow_file_access,
                url,
                frame,
                &mut out,
            );
        }
        out
    }

    /// The file behind `chrome-extension://<id>/<path>` for a request from `initiator`: the
    /// extension itself may load anything inside its directory, a web page only what
    /// `web_accessible_resources` grants its origin, and nothing resolves outside the directory.
    ///
    /// Example: see [`Extensions::content_scripts_for`].
    pub fn resource_path(&self, id: &str, path: &str, initiator: Option<&Url>) -> Option<PathBuf> {
        let e = self.entry(id)?;
        let rel = path.split(['?', '#']).next().unwrap_or("");
        let decoded = percent_encoding::percent_decode_str(rel)
            .decode_utf8()
            .ok()?;
        let rel_path = Path::new(decoded.trim_start_matches('/'));
        if rel_path
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return None;
        }
        let own =
            initiator.is_none_or(|i| i.scheme() == "chrome-extension" && i.host_str() == Some(id));
        if !own
            && !scripts::web_accessible(
                &e.manifest,
                &format!("/{}", decoded.trim_start_matches('/')),
                initiator,
                id,
            )
        {
            return None;
        }
        let full = e.extension.path.join(rel_path);
        let canonical = full.canonicalize().ok()?;
        let root = e.extension.path.canonicalize().ok()?;
        (canonical.starts_with(&root) && canonical.is_file()).then_some(canonical)
    }

    /// Runs the DNR stage's decision for a request across every loaded extension, remembering
    /// the rules that took effect for [`get_matched_rules`](Self::get_matched_rules).
    ///
    /// ```
    /// use session_extensions::dnr::{Decision, Request};
    /// use session_extensions::{Extensions, ExtensionsConfig, LoadOptions};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("manifest.json"), r#"{"manifest_version": 3, "name": "blocker",
    ///     "version": "1", "permissions": ["declarativeNetRequest"],
    ///     "declarative_net_request": {"rule_resources": [{"id": "main", "enabled": true, "path": "rules.json"}]}}"#).unwrap();
    /// std::fs::write(dir.path().join("rules.json"),
    ///     r#"[{"id": 1, "action": {"type": "block"}, "condition": {"urlFilter": "||tracker.test^"}}]"#).unwrap();
    /// let extensions = Extensions::new(ExtensionsConfig::persistent(None));
    /// let id = extensions.load_extension(dir.path(), LoadOptions::default()).unwrap().extension.id;
    ///
    /// let ask = |url: &str| {
    ///     let url = url::Url::parse(url).unwrap();
    ///     extensions.evaluate_request(&Request { url: &url, method: "GET", resource_type: "script", initiator: None })
    /// };
    /// assert_eq!(ask("https://cdn.tracker.test/t.js").decision, Some(Decision::Block));
    /// assert_eq!(ask("https://news.test/app.js").decision, None);
    /// assert_eq!(extensions.rulesets(&id), [("main".to_owned(), true, 1)]);
    /// ```
    pub fn evaluate_request(&self, req: &Request<'_>) -> Outcome {
        let rules = read_state(&self.state).rules.clone();
        if rules.is_empty() {
            return Outcome::default();
        }
        let outcome = dnr::evaluate(&rules, req);
        if !outcome.matched.is_empty() {
            let now = SystemTime::now();
            let mut m = lock(&self.matched);
            for r in &outcome.matched {
                if m.len() == MATCHED_RULES_KEPT {
                    m.pop_front();
                }
                m.push_back(MatchedRuleInfo {
                    rule: r.clone(),
                    time: now,
                });
            }
        }
        outcome
    }

    /// Rules of extension `id` that took effect since `since` (all remembered when `None`).
    ///
    /// Example: see [`Extensions::evaluate_request`].
    pub fn get_matched_rules(&self, id: &str, since: Option<SystemTime>) -> Vec<MatchedRuleInfo> {
        lock(&self.matched)
            .iter()
            .filter(|m| m.rule.extension_id == id && since.is_none_or(|s| m.time >= s))
            .cloned()
            .collect()
    }

    /// `updateDynamicRules`: removes `remove_ids`, adds `add`, persists atomically (per
    /// partition), then applies. Any invalid rule refuses the whole update.
    ///
    /// Example: see [`Extensions::evaluate_request`].
    pub fn update_dynamic_rules(
        &self,
        id: &str,
        remove_ids: &[i64],
        add: &[Rule],
    ) -> Result<(), DnrError> {
        self.update_rules(id, remove_ids, add, true)
    }

    /// `updateSessionRules`: as dynamic rules, in memory only.
    ///
    /// Example: see [`Extensions::evaluate_request`].
    pub fn update_session_rules(
        &self,
        id: &str,
        remove_ids: &[i64],
        add: &[Rule],
    ) -> Result<(), DnrError> {
        self.update_rules(id, remove_ids, add, false)
    }

    fn update_rules(
        &self,
        id: &str,
        remove_ids: &[i64],
        add: &[Rule],
        dynamic: bool,
    ) -> Result<(), DnrError> {
        let _serial = lock(&self.updates);
        let entry = self
            .entry(id)
            .ok_or_else(|| DnrError::NoExtension(id.to_owned()))?;
        let cur = entry.rules.clone();
        let regex_count = |idx: &RuleIndex| idx.regex_rules();
        let (list, compiled) = if dynamic {
            dnr::updated_rules(
                &cur.dynamic_rules,
                remove_ids,
                add,
                dnr::MAX_NUMBER_OF_DYNAMIC_RULES,
                dnr::MAX_NUMBER_OF_UNSAFE_DYNAMIC_RULES,
                regex_count(&cur.session),
                "Dynamic",
            )?
        } else {
            dnr::updated_rules(
                &cur.session_rules,
                remove_ids,
                add,
                dnr::MAX_NUMBER_OF_SESSION_RULES,
                dnr::MAX_NUMBER_OF_UNSAFE_SESSION_RULES,
                regex_count(&cur.dynamic),
                "Session",
            )?
        };
        if dynamic && let Some(file) = self.dynamic_rules_file(id) {
            let bytes = serde_json::to_vec(&list).map_err(|e| DnrError::Io(e.to_string()))?;
            if let Some(dir) = file.parent() {
                std::fs::create_dir_all(dir).map_err(|e| DnrError::Io(e.to_string()))?;
            }
            session_base::fs::atomic_write(&file, &bytes)
                .map_err(|e| DnrError::Io(format!("{}: {e}", file.display())))?;
        }
        let index = Arc::new(RuleIndex::build(compiled));
        let rules = ExtensionRules {
            static_sets: cur.static_sets.clone(),
            dynamic_rules: if dynamic {
                list.clone()
            } else {
                cur.dynamic_rules.clone()
            },
            dynamic: if dynamic {
                index.clone()
            } else {
                cur.dynamic.clone()
            },
            session_rules: if dynamic {
                cur.session_rules.clone()
            } else {
                list
            },
            session: if dynamic { cur.session.clone() } else { index },
        };
        self.replace_rules(id, rules);
        Ok(())
    }

    fn replace_rules(&self, id: &str, rules: ExtensionRules) {
        let mut state = write_state(&self.state);
        if let Some(i) = state.entries.iter().position(|e| e.extension.id == id) {
            let old = &state.entries[i];
            state.entries[i] = Arc::new(Entry {
                extension: old.extension.clone(),
                manifest: old.manifest.clone(),
                options: old.options,
                rules: Arc::new(rules),
            });
            state.refresh_rules();
        }
    }

    /// `getDynamicRules`.
    ///
    /// Example: see [`Extensions::evaluate_request`].
    pub fn get_dynamic_rules(&self, id: &str) -> Vec<Rule> {
        self.entry(id)
            .map(|e| e.rules.dynamic_rules.clone())
            .unwrap_or_default()
    }

    /// `getSessionRules`.
    ///
    /// Example: see [`Extensions::evaluate_request`].
    pub fn get_session_rules(&self, id: &str) -> Vec<Rule> {
        self.entry(id)
            .map(|e| e.rules.session_rules.clone())
            .unwrap_or_default()
    }

    /// `getEnabledRulesets`.
    ///
    /// Example: see [`Extensions::evaluate_request`].
    pub fn get_enabled_rulesets(&self, id: &str) -> Vec<String> {
        self.entry(id)
            .map(|e| {
                e.rules
                    .static_sets
                    .iter()
                    .filter(|(_, on, _)| *on)
                    .map(|(id, _, _)| id.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Static rulesets of an extension: (id, enabled, rule count), in manifest order.
    ///
    /// Example: see [`Extensions::evaluate_request`].
    pub fn rulesets(&self, id: &str) -> Vec<(String, bool, usize)> {
        self.entry(id)
            .map(|e| {
                e.rules
                    .static_sets
                    .iter()
                    .map(|(sid, on, idx)| (sid.clone(), *on, idx.len()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `updateEnabledRulesets`: disables, then enables, by ruleset id.
    ///
    /// Example: see [`Extensions::evaluate_request`].
    pub fn update_enabled_rulesets(
        &self,
        id: &str,
        disable: &[String],
        enable: &[String],
    ) -> Result<(), DnrError> {
        let _serial = lock(&self.updates);
        let entry = self
            .entry(id)
            .ok_or_else(|| DnrError::NoExtension(id.to_owned()))?;
        let cur = &entry.rules;
        for r in disable.iter().chain(enable) {
            if !cur.static_sets.iter().any(|(sid, _, _)| sid == r) {
                return Err(DnrError::Limit(format!("Invalid ruleset id: {r}.")));
            }
        }
        let mut sets = cur.static_sets.clone();
        for (sid, on, _) in sets.iter_mut() {
            if disable.contains(sid) {
                *on = false;
            }
            if enable.contains(sid) {
                *on = true;
            }
        }
        if sets.iter().filter(|(_, on, _)| *on).count() > dnr::MAX_NUMBER_OF_ENABLED_STATIC_RULESETS
        {
            return Err(DnrError::Limit(
                "The number of enabled static rulesets exceeds the limit.".into(),
            ));
        }
        let total: usize = sets
            .iter()
            .filter(|(_, on, _)| *on)
            .map(|(_, _, i)| i.len())
            .sum();
        if total > dnr::GUARANTEED_MINIMUM_STATIC_RULES + dnr::GLOBAL_STATIC_RULE_LIMIT {
            return Err(DnrError::Limit(
                "The number of enabled static rules exceeds the limit.".into(),
            ));
        }
        let rules = ExtensionRules {
            static_sets: sets,
            dynamic_rules: cur.dynamic_rules.clone(),
            dynamic: cur.dynamic.clone(),
            session_rules: cur.session_rules.clone(),
            session: cur.session.clone(),
        };
        self.replace_rules(id, rules);
        Ok(())
    }

    fn dynamic_rules_file(&self, id: &str) -> Option<PathBuf> {
        read_state(&self.config)
            .storage_dir
            .as_ref()
            .map(|d| d.join(id).join("dynamic_rules.json"))
    }
}

/// Reads, validates and localizes an extension directory.
fn read_extension(
    path: &Path,
    config: &ExtensionsConfig,
    warnings: &mut Vec<String>,
) -> Result<(Extension, Manifest, ExtensionRules), LoadError> {
    let manifest_path = path.join("manifest.json");
    let text = std::fs::read_to_string(&manifest_path)
        .map_err(|_| LoadError::Manifest("Manifest file is missing or unreadable".into()))?;
    let mut raw: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| LoadError::Manifest(format!("Manifest is not valid JSON.  {e}")))?;
    let id = match raw.get("key").and_then(Value::as_str) {
        Some(key) => id::id_from_key(key)
            .ok_or_else(|| LoadError::Manifest("Invalid value for 'key'.".into()))?,
        None => id::id_for_path(path),
    };
    let default_locale = raw
        .get("default_locale")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let messages = i18n::Messages::load(path, default_locale.as_deref(), &config.languages, &id)?;
    i18n::localize_manifest(&mut raw, &messages);
    if let (Some(locale), Some(obj)) = (&messages.current_locale, raw.as_object_mut()) {
        obj.insert("current_locale".into(), Value::String(locale.clone()));
    }
    let manifest = Manifest::from_value(&raw, path, &config.chrome_version, warnings)?;
    let mut rules = ExtensionRules::default();
    let mut static_total = 0usize;
    let mut enabled_count = 0usize;
    for res in &manifest.rule_resources {
        let file = path.join(res.path.trim_start_matches('/'));
        let text = std::fs::read_to_string(&file).map_err(|e| LoadError::Io {
            path: file.clone(),
            reason: e.to_string(),
        })?;
        let compiled =
            dnr::compile_static(&res.path, &text, warnings).map_err(LoadError::Ruleset)?;
        let mut enabled = res.enabled;
        if enabled {
            enabled_count += 1;
            if enabled_count > dnr::MAX_NUMBER_OF_ENABLED_STATIC_RULESETS {
                warnings.push(format!(
                    "The ruleset '{}' was not enabled: too many enabled static rulesets.",
                    res.id
                ));
                enabled = false;
            } else if static_total + compiled.len()
                > dnr::GUARANTEED_MINIMUM_STATIC_RULES + dnr::GLOBAL_STATIC_RULE_LIMIT
            {
                warnings.push(format!(
                    "The ruleset '{}' was not enabled: it exceeds the static rule count limit.",
                    res.id
                ));
                enabled = false;
            } else {
                static_total += compiled.len();
            }
        }
        rules.static_sets.push((
            res.id.clone(),
            enabled,
            Arc::new(RuleIndex::build(compiled)),
        ));
    }
    if let Some(dir) = &config.storage_dir {
        let file = dir.join(&id).join("dynamic_rules.json");
        if let Ok(bytes) = std::fs::read(&file) {
            match serde_json::from_slice::<Vec<Rule>>(&bytes)
                .map_err(|e| e.to_string())
                .and_then(|list| {
                    dnr::compile_all(&list)
                        .map(|c| (list, c))
                        .map_err(|e| e.to_string())
                }) {
                Ok((list, compiled)) => {
                    rules.dynamic_rules = list;
                    rules.dynamic = Arc::new(RuleIndex::build(compiled));
                }
                Err(e) => {
                    let aside = file.with_extension("json.corrupt");
                    let _ = std::fs::rename(&file, &aside);
                    warnings.push(format!(
                        "Dynamic rules in {} were unreadable ({e}) and were moved to {}.",
                        file.display(),
                        aside.display()
                    ));
                }
            }
        }
    }
    let extension = Extension {
        url: format!("chrome-extension://{id}/"),
        id,
        name: manifest.name.clone(),
        version: manifest.version.clone(),
        path: path.to_path_buf(),
        manifest: raw,
    };
    Ok((extension, manifest, rules))
}
