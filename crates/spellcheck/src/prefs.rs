//! The spellchecker's part of a partition's `Preferences` JSON, as plain data.

use serde_json::{Map, Value};

/// What the spellchecker keeps in the partition's `Preferences` file: the languages under
/// `spellcheck.dictionaries` and the enabled flag under `browser.enable_spellchecking`
/// (Chromium's keys). The facade owns the file; it reads these with [`Self::from_preferences`]
/// and writes them back with [`Self::write_to_preferences`].
///
/// ```
/// use session_spellcheck::SpellcheckPrefs;
///
/// let mut document = serde_json::json!({"browser": {"theme": "dark"}, "spellcheck": {"dictionaries": ["fr"]}});
/// let mut prefs = SpellcheckPrefs::from_preferences(&document);
/// assert_eq!((prefs.dictionaries.as_slice(), prefs.enabled), (&["fr".to_owned()][..], true));
/// prefs.enabled = false;
/// prefs.write_to_preferences(&mut document);
/// assert_eq!(document["browser"]["enable_spellchecking"], false);
/// assert_eq!(document["browser"]["theme"], "dark"); // other keys are kept
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpellcheckPrefs {
    /// Language codes, in order; empty means `en-US`.
    pub dictionaries: Vec<String>,
    /// Whether the spellchecker is on (SPELL-01: true by default).
    pub enabled: bool,
}

impl Default for SpellcheckPrefs {
    fn default() -> Self {
        Self {
            dictionaries: Vec::new(),
            enabled: true,
        }
    }
}

impl SpellcheckPrefs {
    /// Reads the keys from a parsed `Preferences` document; missing or ill-typed keys take
    /// their defaults.
    ///
    /// Example: see [`SpellcheckPrefs`].
    pub fn from_preferences(prefs: &Value) -> Self {
        let dictionaries = prefs
            .pointer("/spellcheck/dictionaries")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let enabled = prefs
            .pointer("/browser/enable_spellchecking")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        Self {
            dictionaries,
            enabled,
        }
    }

    /// Writes the keys into a `Preferences` document, keeping every other key. A document that
    /// is not a JSON object is replaced by one.
    ///
    /// Example: see [`SpellcheckPrefs`].
    pub fn write_to_preferences(&self, prefs: &mut Value) {
        let root = object(prefs);
        let spellcheck = object(root.entry("spellcheck").or_insert(Value::Null));
        spellcheck.insert(
            "dictionaries".into(),
            Value::Array(
                self.dictionaries
                    .iter()
                    .cloned()
                    .map(Value::String)
                    .collect(),
            ),
        );
        let browser = object(root.entry("browser").or_insert(Value::Null));
        browser.insert("enable_spellchecking".into(), Value::Bool(self.enabled));
    }
}

fn object(v: &mut Value) -> &mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    v.as_object_mut().expect("made an object just above")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_other_keys() {
        let mut doc = serde_json::json!({"download": {"default_directory": "/x"}, "spellcheck": {"other": 1}});
        assert_eq!(
            SpellcheckPrefs::from_preferences(&doc),
            SpellcheckPrefs::default()
        );
        let p = SpellcheckPrefs {
            dictionaries: vec!["fr".into(), "en-US".into()],
            enabled: false,
        };
        p.write_to_preferences(&mut doc);
        assert_eq!(doc["download"]["default_directory"], "/x");
        assert_eq!(doc["spellcheck"]["other"], 1);
        assert_eq!(
            doc["spellcheck"]["dictionaries"],
            serde_json::json!(["fr", "en-US"])
        );
        assert_eq!(SpellcheckPrefs::from_preferences(&doc), p);
    }
}
