//! Hunspell-compatible spellchecking for a session: dictionaries found locally or downloaded,
//! several languages at once, and Chromium's durable `Custom Dictionary.txt`.
//!
//! - [`Spellchecker`]: one session's spellchecker, with Electron's methods
//!   (`set_spell_checker_languages`, `add_word_to_spell_checker_dictionary`, …) and its four
//!   `spellcheck-dictionary-*` events ([`SpellcheckEvent`]). Dictionaries are looked up in local
//!   directories first (configured ones, then `<user_data>/Dictionaries/`, then the system's
//!   hunspell directories); only when none is found, the checker is enabled and a download URL
//!   is set, they are downloaded through a [`DictionaryFetcher`] the embedder provides.
//! - [`Speller`]: a ready checker over the active languages (`check_word`, `suggest`,
//!   `check_text` with byte ranges for underlining).
//! - [`Dictionary`]: the small trait an engine implements; [`Engine::Spellbook`] by default,
//!   `Engine::Zspell` with the `zspell` feature.
//! - [`custom`]: the `Custom Dictionary.txt` format (sorted words + `checksum_v1`, backup copy).
//!
//! ```
//! use session_spellcheck::{Engine, Speller};
//!
//! let aff = "SET UTF-8\nTRY esianrtolcdugmphbyfvkw\nSFX S Y 1\nSFX S 0 s .\n";
//! let dic = "3\nword/S\nspell\ncheck/S\n";
//! let english = Engine::Spellbook.load_str("en_US", aff, dic).unwrap();
//! let speller = Speller::new(vec![("en-US".to_owned(), english)]);
//!
//! assert!(speller.check_word("words"));
//! let wrong = speller.check_text("spell checks wrods");
//! assert_eq!(wrong.len(), 1);
//! assert_eq!((wrong[0].word.as_str(), wrong[0].start, wrong[0].end), ("wrods", 13, 18));
//! assert!(speller.suggest("wrods").contains(&"words".to_owned()));
//! ```

pub mod custom;
mod engine;
mod error;
mod languages;
mod memo;
mod prefs;
mod script;
mod spellchecker;
mod speller;
pub mod text;

pub use engine::{Dictionary, Engine, check_complete, declared_encoding, decode_pair};
pub use error::{Error, ErrorKind, Result};
pub use languages::{
    DEFAULT_LANGUAGE, available_spell_checker_languages, dictionary_file_stem, dictionary_region,
    validate_languages,
};
pub use prefs::SpellcheckPrefs;
pub use script::Script;
pub use spellchecker::{
    DICTIONARIES_DIR, DictionaryFetcher, FetchError, FetchResponse, SpellcheckEvent, Spellchecker,
    SpellcheckerOptions, default_system_dirs,
};
pub use speller::{LanguageSuggestions, MAX_SUGGESTIONS, Misspelling, Speller, Suggestions};
