//! `_locales/<locale>/messages.json` catalogs and `__MSG_name__` substitution, with Chromium's
//! fallback chain: each preferred language (`fr_CA`, then `fr`), then the `default_locale`.
//!
//! Message names are case-insensitive; `$name$` in a message is replaced by its placeholder's
//! `content`, `$$` is a literal `$`, and `$1`..`$9` (arguments) are empty in a manifest. The
//! predefined `@@extension_id`, `@@ui_locale` and `@@bidi_*` messages are always available.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::LoadError;

/// One locale's messages, names lower-cased.
///
/// ```
/// use std::path::Path;
///
/// use session_extensions::i18n::Catalog;
///
/// let file = Path::new("_locales/en/messages.json");
/// let catalog = Catalog::parse(file, r#"{
///     "Greeting": {"message": "Hello, $who$!", "placeholders": {"who": {"content": "world"}}},
///     "title": {"message": "Notes"}
/// }"#).unwrap();
/// assert_eq!(catalog.len(), 2);
/// assert_eq!(catalog.get("greeting"), Some("Hello, world!")); // names are case-insensitive
/// assert!(!catalog.is_empty());
///
/// let err = Catalog::parse(file, r#"{"title": {}}"#).unwrap_err();
/// assert!(err.to_string().contains(r#"There is no "message" element for key title."#), "{err}");
/// ```
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    messages: HashMap<String, String>,
}

impl Catalog {
    /// Parses one `messages.json`; the error names the file.
    ///
    /// Example: see [`Catalog`].
    pub fn parse(file: &Path, text: &str) -> Result<Catalog, LoadError> {
        let bad = |why: String| LoadError::Messages {
            file: file.to_path_buf(),
            reason: why,
        };
        let value: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
            .map_err(|e| bad(e.to_string()))?;
        let Value::Object(map) = value else {
            return Err(bad("the top level must be an object".into()));
        };
        let mut messages = HashMap::with_capacity(map.len());
        for (name, entry) in map {
            let Some(message) = entry.get("message").and_then(Value::as_str) else {
                return Err(bad(format!(
                    "There is no \"message\" element for key {name}."
                )));
            };
            let mut placeholders: HashMap<String, String> = HashMap::new();
            if let Some(p) = entry.get("placeholders") {
                let Some(p) = p.as_object() else {
                    return Err(bad(format!("\"placeholders\" of {name} must be an object")));
                };
                for (pname, pv) in p {
                    let Some(content) = pv.get("content").and_then(Value::as_str) else {
                        return Err(bad(format!(
                            "Invalid \"content\" element for key {name}, placeholder {pname}."
                        )));
                    };
                    placeholders.insert(pname.to_lowercase(), content.to_owned());
                }
            }
            messages.insert(name.to_lowercase(), expand(message, &placeholders));
        }
        Ok(Catalog { messages })
    }

    /// The message, if this catalog has it.
    ///
    /// Example: see [`Catalog`].
    pub fn get(&self, name: &str) -> Option<&str> {
        self.messages.get(&name.to_lowercase()).map(String::as_str)
    }

    /// How many messages.
    ///
    /// Example: see [`Catalog`].
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// Whether it has none.
    ///
    /// Example: see [`Catalog`].
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }
}

/// Replaces `$name$` placeholders, `$$` and `$1`..`$9` (no arguments in a manifest).
fn expand(message: &str, placeholders: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(stripped) = after.strip_prefix('$') {
            out.push('$');
            rest = stripped;
            continue;
        }
        if let Some(end) = after.find('$') {
            let name = &after[..end];
            if !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'@')
            {
                if let Some(content) = placeholders.get(&name.to_lowercase()) {
                    out.push_str(&expand_args(content));
                }
                rest = &after[end + 1..];
                continue;
            }
        }
        if after.starts_with(|c: char| c.is_ascii_digit()) {
            rest = &after[1..];
            continue;
        }
        out.push('$');
        rest = after;
    }
    out.push_str(rest);
    out
}

/// `$1`..`$9` with no arguments are empty; `$$` is `$`.
fn expand_args(content: &str) -> String {
    expand(content, &HashMap::new())
}

/// The catalogs of an extension in lookup order, plus the predefined messages.
///
/// ```
/// use session_extensions::i18n::{Messages, catalog_path};
///
/// let root = tempfile::tempdir().unwrap();
/// for (locale, title) in [("en", "Notes"), ("fr", "Notes (fr)")] {
///     let file = catalog_path(root.path(), locale);
///     std::fs::create_dir_all(file.parent().unwrap()).unwrap();
///     std::fs::write(&file, format!(r#"{{"title": {{"message": "{title}"}}}}"#)).unwrap();
/// }
/// let messages = Messages::load(root.path(), Some("en"), &["fr-FR".into()], "abcdefghijklmnopabcdefghijklmnop").unwrap();
/// assert_eq!(messages.locales(), ["fr", "en"]);
/// assert_eq!(messages.current_locale.as_deref(), Some("fr"));
/// assert_eq!(messages.get("title"), Some("Notes (fr)"));
/// assert_eq!(messages.substitute("__MSG_title__ by __MSG_@@extension_id__"), "Notes (fr) by abcdefghijklmnopabcdefghijklmnop");
/// assert_eq!(messages.substitute("__MSG_unknown__!"), "!");
/// ```
#[derive(Clone, Debug, Default)]
pub struct Messages {
    chain: Vec<(String, Catalog)>,
    predefined: HashMap<String, String>,
    /// The locale the first catalog came from (`current_locale`).
    pub current_locale: Option<String>,
}

impl Messages {
    /// Loads `_locales` under `root` for `default_locale` and the preferred `languages`
    /// (BCP 47 or Chromium spelling), validating every catalog as Chromium does at load.
    ///
    /// Example: see [`Messages`].
    pub fn load(
        root: &Path,
        default_locale: Option<&str>,
        languages: &[String],
        extension_id: &str,
    ) -> Result<Messages, LoadError> {
        let locales_dir = root.join("_locales");
        let has_dir = locales_dir.is_dir();
        let mut messages = Messages {
            predefined: predefined(extension_id, languages.first().map(String::as_str)),
            ..Messages::default()
        };
        let Some(default_locale) = default_locale else {
            if has_dir {
                return Err(LoadError::Manifest(
                    "Localization used, but default_locale wasn't specified in the manifest."
                        .into(),
                ));
            }
            return Ok(messages);
        };
        if !has_dir {
            return Err(LoadError::Manifest(
                "Default locale was specified, but _locales subtree is missing.".into(),
            ));
        }
        let mut all: BTreeMap<String, Catalog> = BTreeMap::new();
        let entries = std::fs::read_dir(&locales_dir).map_err(|e| LoadError::Io {
            path: locales_dir.clone(),
            reason: e.to_string(),
        })?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let file = entry.path().join("messages.json");
            if !entry.path().is_dir() || name.starts_with('.') {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&file) else {
                if name == default_locale {
                    break;
                }
                continue;
            };
            all.insert(name, Catalog::parse(&file, &text)?);
        }
        if !all.contains_key(default_locale) {
            return Err(LoadError::Manifest(
                "Default locale is defined but default data couldn't be loaded.".into(),
            ));
        }
        let mut order: Vec<String> = Vec::new();
        for lang in languages {
            let lang = lang.replace('-', "_");
            for candidate in [
                lang.clone(),
                lang.split('_').next().unwrap_or("").to_owned(),
            ] {
                if !candidate.is_empty()
                    && all.contains_key(&candidate)
                    && !order.contains(&candidate)
                {
                    order.push(candidate);
                }
            }
        }
        if !order.iter().any(|l| l == default_locale) {
            order.push(default_locale.to_owned());
        }
        messages.current_locale = order.first().cloned();
        for locale in order {
            if let Some(c) = all.remove(&locale) {
                messages.chain.push((locale, c));
            }
        }
        Ok(messages)
    }

    /// The message for `name` from the first catalog that has it.
    ///
    /// Example: see [`Messages`].
    pub fn get(&self, name: &str) -> Option<&str> {
        let lower = name.to_lowercase();
        if let Some(p) = self.predefined.get(&lower) {
            return Some(p);
        }
        self.chain.iter().find_map(|(_, c)| c.get(&lower))
    }

    /// Replaces every `__MSG_name__` in `text`; unknown names become empty, as in Chromium.
    ///
    /// Example: see [`Messages`].
    pub fn substitute(&self, text: &str) -> String {
        if !text.contains("__MSG_") {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(i) = rest.find("__MSG_") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 6..];
            match after.find("__") {
                Some(end) => {
                    out.push_str(self.get(&after[..end]).unwrap_or(""));
                    rest = &after[end + 2..];
                }
                None => {
                    out.push_str(&rest[i..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// Locales in lookup order.
    ///
    /// Example: see [`Messages`].
    pub fn locales(&self) -> Vec<&str> {
        self.chain.iter().map(|(l, _)| l.as_str()).collect()
    }
}

fn predefined(extension_id: &str, ui_locale: Option<&str>) -> HashMap<String, String> {
    let ui = ui_locale.unwrap_or("en").replace('-', "_");
    let rtl = matches!(ui.split('_').next(), Some("ar" | "he" | "fa" | "ur" | "yi"));
    let (dir, rev, start, end) = if rtl {
        ("rtl", "ltr", "right", "left")
    } else {
        ("ltr", "rtl", "left", "right")
    };
    [
        ("@@extension_id", extension_id.to_owned()),
        ("@@ui_locale", ui),
        ("@@bidi_dir", dir.to_owned()),
        ("@@bidi_reversed_dir", rev.to_owned()),
        ("@@bidi_start_edge", start.to_owned()),
        ("@@bidi_end_edge", end.to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Localizes the manifest keys Chromium localizes, in place.
pub(crate) fn localize_manifest(manifest: &mut Value, messages: &Messages) {
    const KEYS: &[&[&str]] = &[
        &["name"],
        &["short_name"],
        &["description"],
        &["action", "default_title"],
        &["browser_action", "default_title"],
        &["page_action", "default_title"],
        &["omnibox", "keyword"],
    ];
    for path in KEYS {
        if let Some(Value::String(s)) = path_mut(manifest, path) {
            *s = messages.substitute(s);
        }
    }
    if let Some(Value::Object(commands)) = manifest.get_mut("commands") {
        for command in commands.values_mut() {
            if let Some(Value::String(s)) = command.get_mut("description") {
                *s = messages.substitute(s);
            }
        }
    }
}

fn path_mut<'a>(v: &'a mut Value, path: &[&str]) -> Option<&'a mut Value> {
    let mut cur = v;
    for key in path {
        cur = cur.get_mut(*key)?;
    }
    Some(cur)
}

/// The path of a locale's catalog, for messages naming it.
///
/// Example: see [`Messages`].
pub fn catalog_path(root: &Path, locale: &str) -> PathBuf {
    root.join("_locales").join(locale).join("messages.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_dollars_and_case() {
        let c = Catalog::parse(
            Path::new("m.json"),
            r#"{"Greet": {"message": "Hi $who$, $$5 $1", "placeholders": {"WHO": {"content": "Ann"}}}}"#,
        )
        .unwrap();
        assert_eq!(c.get("greet"), Some("Hi Ann, $5 "));
    }

    #[test]
    fn broken_catalog_names_the_file() {
        let e = Catalog::parse(Path::new("/x/_locales/en/messages.json"), "{").unwrap_err();
        assert!(
            e.to_string().contains("/x/_locales/en/messages.json"),
            "{e}"
        );
        let e = Catalog::parse(Path::new("m.json"), r#"{"a": {}}"#).unwrap_err();
        assert!(e.to_string().contains("no \"message\""), "{e}");
    }
}
