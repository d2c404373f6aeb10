//! `manifest.json` for Manifest V2 and V3: typed where the session acts on it (content scripts,
//! web-accessible resources, host permissions, declarativeNetRequest rulesets), with Chromium's
//! load-time validation. What is accepted but not acted on produces warnings, never errors.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use session_base::glob::Glob;
use session_base::pattern::{MatchPattern, Schemes};

use crate::LoadError;

/// Schemes content scripts and host permissions may name (Chromium's valid user-script schemes).
///
/// Example: see [`Manifest`].
pub const USER_SCRIPT_SCHEMES: Schemes = Schemes::HTTP
    .union(Schemes::HTTPS)
    .union(Schemes::FILE)
    .union(Schemes::FTP)
    .union(Schemes::WS)
    .union(Schemes::WSS);

/// When a content script runs.
///
/// Example: see [`Manifest`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunAt {
    /// After CSS, before the DOM is built.
    DocumentStart,
    /// After the DOM is complete.
    DocumentEnd,
    /// Between `document_end` and just after `load` (the default).
    DocumentIdle,
}

/// One `content_scripts` entry.
///
/// Example: see [`Manifest`].
#[derive(Clone, Debug)]
pub struct ContentScript {
    /// `matches` (required, not empty).
    pub matches: Vec<MatchPattern>,
    /// `exclude_matches`.
    pub exclude_matches: Vec<MatchPattern>,
    /// `include_globs` (the URL must match one, when any are given).
    pub include_globs: Vec<Glob>,
    /// `exclude_globs`.
    pub exclude_globs: Vec<Glob>,
    /// Script files, relative to the extension root, in manifest order.
    pub js: Vec<String>,
    /// Style sheets, relative to the extension root, in manifest order.
    pub css: Vec<String>,
    /// `run_at`.
    pub run_at: RunAt,
    /// `all_frames`: also child frames.
    pub all_frames: bool,
    /// `match_about_blank`: `about:blank` frames whose parent matches.
    pub match_about_blank: bool,
    /// `match_origin_as_fallback`: `about:`, `data:`, `blob:` frames matched by their origin.
    pub match_origin_as_fallback: bool,
    /// `world` (`ISOLATED` or `MAIN`).
    pub world: String,
}

/// One `web_accessible_resources` entry.
///
/// Example: see [`Manifest`].
#[derive(Clone, Debug)]
pub struct WebAccessibleResource {
    /// Path globs relative to the extension root.
    pub resources: Vec<Glob>,
    /// Web origins that may load them; `None` for Manifest V2 (any origin).
    pub matches: Option<Vec<MatchPattern>>,
    /// Other extensions that may load them.
    pub extension_ids: Vec<String>,
}

/// One `declarative_net_request.rule_resources` entry.
///
/// Example: see [`Manifest`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RulesetResource {
    /// The ruleset id.
    pub id: String,
    /// Enabled at load.
    pub enabled: bool,
    /// The JSON file, relative to the extension root.
    pub path: String,
}

/// The typed manifest.
///
/// ```
/// use session_extensions::{Manifest, RunAt};
///
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("content.js"), "").unwrap();
/// std::fs::write(dir.path().join("ads.json"), "[]").unwrap();
/// let value = serde_json::json!({
///     "manifest_version": 3, "name": "Notes", "version": "2.0.1",
///     "content_scripts": [{"matches": ["https://*.wiki.test/*"], "js": ["content.js"], "run_at": "document_start"}],
///     "web_accessible_resources": [{"resources": ["*.png"], "matches": ["https://*.wiki.test/*"]}],
///     "declarative_net_request": {"rule_resources": [{"id": "ads", "enabled": false, "path": "ads.json"}]},
///     "made_up_key": true,
/// });
/// let mut warnings = Vec::new();
/// let manifest = Manifest::from_value(&value, dir.path(), "130.0.0.0", &mut warnings).unwrap();
/// assert_eq!((manifest.name.as_str(), manifest.version.as_str()), ("Notes", "2.0.1"));
/// assert_eq!(manifest.content_scripts[0].run_at, RunAt::DocumentStart);
/// assert_eq!(manifest.web_accessible_resources.len(), 1);
/// assert_eq!(manifest.rule_resources[0].id, "ads");
/// assert!(!manifest.rule_resources[0].enabled);
/// assert_eq!(warnings, ["Unrecognized manifest key 'made_up_key'."]);
///
/// // A script file that does not exist is Chromium's load error.
/// let missing = serde_json::json!({"manifest_version": 3, "name": "x", "version": "1",
///     "content_scripts": [{"matches": ["<all_urls>"], "js": ["gone.js"]}]});
/// assert!(Manifest::from_value(&missing, dir.path(), "130.0.0.0", &mut warnings).is_err());
/// ```
#[derive(Clone, Debug)]
pub struct Manifest {
    /// 2 or 3.
    pub manifest_version: u8,
    /// `name`, localized.
    pub name: String,
    /// `version`.
    pub version: String,
    /// `description`, localized.
    pub description: Option<String>,
    /// `default_locale`.
    pub default_locale: Option<String>,
    /// `minimum_chrome_version`.
    pub minimum_chrome_version: Option<String>,
    /// `key` (base64 DER public key).
    pub key: Option<String>,
    /// `icons`: size → path.
    pub icons: BTreeMap<String, String>,
    /// API permissions (`storage`, `declarativeNetRequest` ...).
    pub permissions: Vec<String>,
    /// Host permissions that parsed (MV3 `host_permissions`; MV2 patterns in `permissions`).
    pub host_permissions: Vec<MatchPattern>,
    /// `content_scripts`, in manifest order.
    pub content_scripts: Vec<ContentScript>,
    /// `web_accessible_resources`.
    pub web_accessible_resources: Vec<WebAccessibleResource>,
    /// `declarative_net_request.rule_resources`.
    pub rule_resources: Vec<RulesetResource>,
}

/// Keys Chromium knows; anything else warns `Unrecognized manifest key`.
const KNOWN_KEYS: &[&str] = &[
    "action",
    "author",
    "automation",
    "background",
    "browser_action",
    "chrome_settings_overrides",
    "chrome_url_overrides",
    "commands",
    "content_capabilities",
    "content_scripts",
    "content_security_policy",
    "converted_from_user_script",
    "cross_origin_embedder_policy",
    "cross_origin_opener_policy",
    "current_locale",
    "declarative_net_request",
    "default_locale",
    "description",
    "devtools_page",
    "differential_fingerprint",
    "event_rules",
    "export",
    "externally_connectable",
    "file_browser_handlers",
    "file_system_provider_capabilities",
    "homepage_url",
    "host_permissions",
    "icons",
    "import",
    "incognito",
    "input_components",
    "key",
    "manifest_version",
    "minimum_chrome_version",
    "nacl_modules",
    "name",
    "oauth2",
    "offline_enabled",
    "omnibox",
    "optional_host_permissions",
    "optional_permissions",
    "options_page",
    "options_ui",
    "page_action",
    "permissions",
    "platforms",
    "replacement_web_app",
    "requirements",
    "sandbox",
    "short_name",
    "side_panel",
    "storage",
    "tts_engine",
    "update_url",
    "version",
    "version_name",
    "web_accessible_resources",
    "webview",
    "trial_tokens",
    "background_page",
];

/// Keys of other browsers, accepted without a warning (Firefox's `browser_specific_settings`).
const FOREIGN_KEYS: &[&str] = &[
    "browser_specific_settings",
    "applications",
    "developer",
    "sidebar_action",
    "user_scripts",
    "protocol_handlers",
    "theme_experiment",
    "chrome_settings_overrides",
];

/// Whether `version` is 1-4 dot-separated integers, each 0..=65535, without leading zeros.
///
/// ```
/// use std::cmp::Ordering;
///
/// use session_extensions::manifest::{compare_versions, is_valid_version};
///
/// assert!(is_valid_version("1.10.0.65535"));
/// assert!(!is_valid_version("1.01") && !is_valid_version("1.2.3.4.5") && !is_valid_version("1.65536"));
/// assert_eq!(compare_versions("1.10", "1.9"), Ordering::Greater);
/// assert_eq!(compare_versions("2", "2.0.0"), Ordering::Equal);
/// ```
pub fn is_valid_version(version: &str) -> bool {
    let parts: Vec<&str> = version.split('.').collect();
    (1..=4).contains(&parts.len())
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
                && p.parse::<u32>().is_ok_and(|n| n <= 65535)
        })
}

/// Compares dotted versions numerically (missing parts are 0).
///
/// Example: see [`is_valid_version`].
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let parse = |s: &str| -> Vec<u64> { s.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    let (a, b) = (parse(a), parse(b));
    for i in 0..a.len().max(b.len()) {
        let o = a
            .get(i)
            .copied()
            .unwrap_or(0)
            .cmp(&b.get(i).copied().unwrap_or(0));
        if o.is_ne() {
            return o;
        }
    }
    std::cmp::Ordering::Equal
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

impl Manifest {
    /// Validates and types a (localized) manifest. `root` is the extension directory (files the
    /// manifest names must exist there); `chrome_version` is the version we report.
    ///
    /// Example: see [`Manifest`].
    pub fn from_value(
        value: &Value,
        root: &Path,
        chrome_version: &str,
        warnings: &mut Vec<String>,
    ) -> Result<Manifest, LoadError> {
        let err = |m: &str| LoadError::Manifest(m.to_owned());
        let Some(obj) = value.as_object() else {
            return Err(err("Manifest is not valid JSON."));
        };
        let manifest_version = match value.get("manifest_version").and_then(Value::as_u64) {
            Some(2) => 2,
            Some(3) => 3,
            _ => {
                return Err(err(
                    "The 'manifest_version' key must be present and set to 2 or 3 (without quotes). See developer.chrome.com/extensions/manifestVersion.html for details.",
                ));
            }
        };
        let name = match value.get("name").and_then(Value::as_str) {
            Some(n) if !n.trim().is_empty() => n.to_owned(),
            _ => return Err(err("Required value 'name' is missing or invalid.")),
        };
        let version = match value.get("version").and_then(Value::as_str) {
            Some(v) if is_valid_version(v) => v.to_owned(),
            _ => {
                return Err(err(
                    "Required value 'version' is missing or invalid. It must be between 1-4 dot-separated integers each between 0 and 65536.",
                ));
            }
        };
        let minimum_chrome_version = match value.get("minimum_chrome_version") {
            None => None,
            Some(Value::String(v)) if is_valid_version(v) => {
                if compare_versions(chrome_version, v).is_lt() {
                    return Err(LoadError::Manifest(format!(
                        "This extension requires Chromium version {v} or greater."
                    )));
                }
                Some(v.clone())
            }
            Some(_) => return Err(err("Invalid value for 'minimum_chrome_version'.")),
        };
        for key in obj.keys() {
            if !KNOWN_KEYS.contains(&key.as_str())
                && !FOREIGN_KEYS.contains(&key.as_str())
                && !key.starts_with('_')
            {
                warnings.push(format!("Unrecognized manifest key '{key}'."));
            }
        }
        let mut icons = BTreeMap::new();
        if let Some(map) = value.get("icons").and_then(Value::as_object) {
            for (size, path) in map {
                let Some(path) = path.as_str() else {
                    return Err(err("Invalid value for 'icons'."));
                };
                if !root.join(path.trim_start_matches('/')).is_file() {
                    return Err(LoadError::Manifest(format!(
                        "Could not load icon '{path}' specified in 'icons'."
                    )));
                }
                icons.insert(size.clone(), path.to_owned());
            }
        }
        let mut permissions = Vec::new();
        let mut host_permissions = Vec::new();
        let mut add_host = |p: &str, warnings: &mut Vec<String>| match MatchPattern::parse_with(
            p,
            USER_SCRIPT_SCHEMES.union(Schemes::CHROME_UI),
        ) {
            Ok(pattern) => host_permissions.push(pattern),
            Err(e) => warnings.push(e.to_string()),
        };
        for p in strings(value.get("permissions")) {
            if p.contains("://") || p == "<all_urls>" {
                if manifest_version == 3 {
                    warnings.push(format!(
                        "Permission '{p}' is unknown or URL pattern is malformed."
                    ));
                } else {
                    add_host(&p, warnings);
                }
            } else {
                permissions.push(p);
            }
        }
        for p in strings(value.get("host_permissions")) {
            add_host(&p, warnings);
        }
        let content_scripts = parse_content_scripts(value, root, warnings)?;
        let web_accessible_resources = parse_war(value, manifest_version, warnings)?;
        let rule_resources = parse_rule_resources(value, root)?;
        if value.get("background").is_some() {
            warnings.push(
                "'background' is accepted but not run: this session has no extension runtime."
                    .into(),
            );
        }
        Ok(Manifest {
            manifest_version,
            name,
            version,
            description: value
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned),
            default_locale: value
                .get("default_locale")
                .and_then(Value::as_str)
                .map(str::to_owned),
            minimum_chrome_version,
            key: value.get("key").and_then(Value::as_str).map(str::to_owned),
            icons,
            permissions,
            host_permissions,
            content_scripts,
            web_accessible_resources,
            rule_resources,
        })
    }
}

fn patterns(
    v: Option<&Value>,
    what: &str,
    index: usize,
    warnings: &mut Vec<String>,
) -> Vec<MatchPattern> {
    let mut out = Vec::new();
    for p in strings(v) {
        match MatchPattern::parse_with(&p, USER_SCRIPT_SCHEMES) {
            Ok(pattern) => out.push(pattern),
            Err(e) => warnings.push(format!(
                "Invalid value for 'content_scripts[{index}].{what}': {e}"
            )),
        }
    }
    out
}

fn parse_content_scripts(
    value: &Value,
    root: &Path,
    warnings: &mut Vec<String>,
) -> Result<Vec<ContentScript>, LoadError> {
    let mut out = Vec::new();
    let Some(list) = value.get("content_scripts") else {
        return Ok(out);
    };
    let Some(list) = list.as_array() else {
        return Err(LoadError::Manifest(
            "Invalid value for 'content_scripts'.".into(),
        ));
    };
    for (i, cs) in list.iter().enumerate() {
        let matches = patterns(cs.get("matches"), "matches", i, warnings);
        if matches.is_empty() {
            return Err(LoadError::Manifest(format!(
                "Invalid value for 'content_scripts[{i}].matches'."
            )));
        }
        let js = strings(cs.get("js"));
        let css = strings(cs.get("css"));
        if js.is_empty() && css.is_empty() {
            return Err(LoadError::Manifest(format!(
                "Required value 'content_scripts[{i}].js' or 'content_scripts[{i}].css' is missing or invalid."
            )));
        }
        for f in js.iter() {
            if !root.join(f.trim_start_matches('/')).is_file() {
                return Err(LoadError::Manifest(format!(
                    "Could not load javascript '{f}' for script."
                )));
            }
        }
        for f in css.iter() {
            if !root.join(f.trim_start_matches('/')).is_file() {
                return Err(LoadError::Manifest(format!(
                    "Could not load css '{f}' for script."
                )));
            }
        }
        let run_at = match cs.get("run_at").and_then(Value::as_str) {
            None | Some("document_idle") => RunAt::DocumentIdle,
            Some("document_start") => RunAt::DocumentStart,
            Some("document_end") => RunAt::DocumentEnd,
            Some(_) => {
                return Err(LoadError::Manifest(format!(
                    "Invalid value for 'content_scripts[{i}].run_at'."
                )));
            }
        };
        let flag = |k: &str| cs.get(k).and_then(Value::as_bool).unwrap_or(false);
        out.push(ContentScript {
            exclude_matches: patterns(cs.get("exclude_matches"), "exclude_matches", i, warnings),
            include_globs: strings(cs.get("include_globs"))
                .iter()
                .map(|g| Glob::new(g))
                .collect(),
            exclude_globs: strings(cs.get("exclude_globs"))
                .iter()
                .map(|g| Glob::new(g))
                .collect(),
            matches,
            js,
            css,
            run_at,
            all_frames: flag("all_frames"),
            match_about_blank: flag("match_about_blank"),
            match_origin_as_fallback: flag("match_origin_as_fallback"),
            world: cs
                .get("world")
                .and_then(Value::as_str)
                .unwrap_or("ISOLATED")
                .to_owned(),
        });
    }
    Ok(out)
}

fn parse_war(
    value: &Value,
    manifest_version: u8,
    warnings: &mut Vec<String>,
) -> Result<Vec<WebAccessibleResource>, LoadError> {
    let Some(list) = value.get("web_accessible_resources") else {
        return Ok(Vec::new());
    };
    let invalid = || LoadError::Manifest("Invalid value for 'web_accessible_resources'.".into());
    let Some(list) = list.as_array() else {
        return Err(invalid());
    };
    let path_glob = |p: &str| Glob::literal_except_star(&format!("/{}", p.trim_start_matches('/')));
    if manifest_version == 2 {
        let resources: Vec<Glob> = list
            .iter()
            .filter_map(Value::as_str)
            .map(path_glob)
            .collect();
        return Ok(vec![WebAccessibleResource {
            resources,
            matches: None,
            extension_ids: Vec::new(),
        }]);
    }
    let mut out = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        if !entry.is_object() {
            return Err(LoadError::Manifest(format!(
                "Invalid value for 'web_accessible_resources[{i}]'. Invalid value for web_accessible_resources."
            )));
        }
        let mut matches = Vec::new();
        for p in strings(entry.get("matches")) {
            match MatchPattern::parse_with(&p, USER_SCRIPT_SCHEMES.union(Schemes::EXTENSION)) {
                Ok(m) => matches.push(m),
                Err(e) => warnings.push(format!(
                    "Invalid value for 'web_accessible_resources[{i}]'. {e}"
                )),
            }
        }
        out.push(WebAccessibleResource {
            resources: strings(entry.get("resources"))
                .iter()
                .map(|p| path_glob(p))
                .collect(),
            matches: Some(matches),
            extension_ids: strings(entry.get("extension_ids")),
        });
    }
    Ok(out)
}

fn parse_rule_resources(value: &Value, root: &Path) -> Result<Vec<RulesetResource>, LoadError> {
    let Some(dnr) = value.get("declarative_net_request") else {
        return Ok(Vec::new());
    };
    let invalid = |m: String| LoadError::Manifest(m);
    let list = dnr
        .get("rule_resources")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            invalid("Invalid value for 'declarative_net_request.rule_resources'.".into())
        })?;
    if list.len() > crate::dnr::MAX_NUMBER_OF_STATIC_RULESETS {
        return Err(invalid(format!(
            "declarative_net_request.rule_resources: the maximum number of static rulesets is {}.",
            crate::dnr::MAX_NUMBER_OF_STATIC_RULESETS
        )));
    }
    let mut out: Vec<RulesetResource> = Vec::new();
    for (i, r) in list.iter().enumerate() {
        let id = r.get("id").and_then(Value::as_str).unwrap_or("");
        let path = r.get("path").and_then(Value::as_str).unwrap_or("");
        if id.is_empty() || id.starts_with('_') {
            return Err(invalid(format!(
                "Invalid value for 'declarative_net_request.rule_resources[{i}].id'."
            )));
        }
        if out.iter().any(|o| o.id == id) {
            return Err(invalid(format!(
                "declarative_net_request.rule_resources: ruleset id '{id}' is not unique."
            )));
        }
        if !root.join(path.trim_start_matches('/')).is_file() {
            return Err(invalid(format!(
                "Invalid value for 'declarative_net_request.rule_resources[{i}].path': could not read '{path}'."
            )));
        }
        out.push(RulesetResource {
            id: id.to_owned(),
            enabled: r.get("enabled").and_then(Value::as_bool).unwrap_or(false),
            path: path.to_owned(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(is_valid_version("1.2.3.4"));
        assert!(!is_valid_version("1.2.3.4.5"));
        assert!(!is_valid_version("1.02"));
        assert!(!is_valid_version("65536"));
        assert!(!is_valid_version("1.a"));
        assert!(compare_versions("142.0.7444.59", "999").is_lt());
        assert!(compare_versions("142.0.7444.59", "88").is_gt());
    }
}
