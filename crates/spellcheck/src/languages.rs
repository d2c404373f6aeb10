//! Electron's table of spellchecker languages and the dictionary each one uses.

use crate::error::{Error, ErrorKind, Result};

/// Each code `availableSpellCheckerLanguages` lists, with the dictionary region it is checked
/// with (Chromium's `spellcheck_common.cc` table).
const TABLE: &[(&str, &str)] = &[
    ("af", "af-ZA"),
    ("bg", "bg-BG"),
    ("ca", "ca-ES"),
    ("cs", "cs-CZ"),
    ("cy", "cy-GB"),
    ("da", "da-DK"),
    ("de", "de-DE"),
    ("de-DE", "de-DE"),
    ("el", "el-GR"),
    ("en", "en-US"),
    ("en-AU", "en-AU"),
    ("en-CA", "en-CA"),
    ("en-GB", "en-GB"),
    ("en-GB-oxendict", "en-GB-oxendict"),
    ("en-US", "en-US"),
    ("es", "es-ES"),
    ("es-419", "es-ES"),
    ("es-AR", "es-ES"),
    ("es-ES", "es-ES"),
    ("es-MX", "es-ES"),
    ("es-US", "es-ES"),
    ("et", "et-EE"),
    ("fa", "fa-IR"),
    ("fo", "fo-FO"),
    ("fr", "fr-FR"),
    ("fr-FR", "fr-FR"),
    ("he", "he-IL"),
    ("hi", "hi-IN"),
    ("hr", "hr-HR"),
    ("hu", "hu-HU"),
    ("hy", "hy"),
    ("id", "id-ID"),
    ("it", "it-IT"),
    ("it-IT", "it-IT"),
    ("ko", "ko"),
    ("lt", "lt-LT"),
    ("lv", "lv-LV"),
    ("nb", "nb-NO"),
    ("nl", "nl-NL"),
    ("pl", "pl-PL"),
    ("pt", "pt-BR"),
    ("pt-BR", "pt-BR"),
    ("pt-PT", "pt-PT"),
    ("ro", "ro-RO"),
    ("ru", "ru-RU"),
    ("sh", "sh"),
    ("sk", "sk-SK"),
    ("sl", "sl-SI"),
    ("sq", "sq"),
    ("sr", "sr"),
    ("sv", "sv-SE"),
    ("ta", "ta-IN"),
    ("tg", "tg-TG"),
    ("tr", "tr-TR"),
    ("uk", "uk-UA"),
    ("vi", "vi-VN"),
];

/// Electron's `availableSpellCheckerLanguages`: every language code
/// [`crate::Spellchecker::set_spell_checker_languages`] accepts (SPELL-15).
///
/// ```
/// use session_spellcheck::{
///     DEFAULT_LANGUAGE, available_spell_checker_languages, dictionary_file_stem, dictionary_region,
///     validate_languages,
/// };
///
/// assert!(available_spell_checker_languages().contains(&DEFAULT_LANGUAGE.to_owned()));
/// assert_eq!(dictionary_region("es-MX"), Some("es-ES"));
/// assert_eq!(dictionary_file_stem("en"), Some("en_US".to_owned()));
/// assert_eq!(dictionary_file_stem("xx"), None);
/// assert_eq!(validate_languages(&["fr", "en-US", "fr"]).unwrap(), ["fr", "en-US"]);
/// assert!(validate_languages(&["klingon"]).is_err());
/// ```
pub fn available_spell_checker_languages() -> Vec<String> {
    TABLE.iter().map(|(code, _)| (*code).to_owned()).collect()
}

/// The language used when none is set, as Electron does.
///
/// Example: see [`available_spell_checker_languages`].
pub const DEFAULT_LANGUAGE: &str = "en-US";

/// The dictionary region a language code is checked with (`en` → `en-US`, `es-MX` → `es-ES`),
/// or `None` when the code is not in the table.
///
/// Example: see [`available_spell_checker_languages`].
pub fn dictionary_region(code: &str) -> Option<&'static str> {
    TABLE
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, region)| *region)
}

/// The hunspell file stem of a language's dictionary, named as LibreOffice and Debian name
/// them: `en-US` → `en_US` (files `en_US.aff` and `en_US.dic`), `en-GB-oxendict` →
/// `en_GB-oxendict`, `sq` → `sq`.
///
/// Example: see [`available_spell_checker_languages`].
pub fn dictionary_file_stem(code: &str) -> Option<String> {
    dictionary_region(code).map(|region| region.replacen('-', "_", 1))
}

/// Checks every code against the table, with Electron's message for the first unknown one
/// (SPELL-07), and returns them without duplicates, in order.
///
/// Example: see [`available_spell_checker_languages`].
pub fn validate_languages<S: AsRef<str>>(codes: &[S]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(codes.len());
    for code in codes {
        let code = code.as_ref();
        if dictionary_region(code).is_none() {
            return Err(Error::new(
                ErrorKind::InvalidLanguage,
                format!("Invalid language code provided: \"{code}\" is not a valid language code"),
            ));
        }
        if !out.iter().any(|c| c == code) {
            out.push(code.to_owned());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_electrons_codes() {
        // SPELL-15
        let all = available_spell_checker_languages();
        assert_eq!(all.len(), 56);
        assert!(all.iter().any(|c| c == "en-GB-oxendict"));
        assert!(all.iter().any(|c| c == "es-419"));
    }

    #[test]
    fn unknown_code_has_electrons_message() {
        // SPELL-07
        let err = validate_languages(&["en-US", "i-am-a-nonexistent-language"]).expect_err("bad");
        assert_eq!(err.kind(), ErrorKind::InvalidLanguage);
        assert_eq!(
            err.to_string(),
            "Invalid language code provided: \"i-am-a-nonexistent-language\" is not a valid language code"
        );
        // SPELL-08
        assert_eq!(validate_languages(&["es"]).expect("es"), vec!["es"]);
    }

    #[test]
    fn regions_and_file_stems() {
        assert_eq!(dictionary_file_stem("en").as_deref(), Some("en_US"));
        assert_eq!(dictionary_file_stem("es-MX").as_deref(), Some("es_ES"));
        assert_eq!(dictionary_file_stem("pt").as_deref(), Some("pt_BR"));
        assert_eq!(
            dictionary_file_stem("en-GB-oxendict").as_deref(),
            Some("en_GB-oxendict")
        );
        assert_eq!(dictionary_file_stem("sq").as_deref(), Some("sq"));
        assert_eq!(dictionary_file_stem("xx"), None);
    }

    #[test]
    fn duplicates_are_dropped_in_order() {
        assert_eq!(
            validate_languages(&["fr", "en-US", "fr"]).expect("ok"),
            vec!["fr", "en-US"]
        );
    }
}
