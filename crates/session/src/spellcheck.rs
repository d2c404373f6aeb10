//! The spellchecker of a session: everything of `session-spellcheck`, re-exported, and
//! Electron's spellchecker methods on [`Session`]. Settings live in the partition's
//! `Preferences` (`spellcheck.dictionaries`, `browser.enable_spellchecking`); dictionaries are
//! downloaded, when they must be, through the session's own fetch.

use std::path::{Path, PathBuf};

use futures_util::future::BoxFuture;
pub use session_spellcheck::*;

use crate::error::{Error as FacadeError, ErrorKind as FacadeErrorKind};
use crate::prefs::Preferences;
use crate::session::Session;

/// Downloads dictionaries with the session's network context (its proxy, host rules,
/// certificates and user agent).
struct NetFetcher(session_net::Net);

impl DictionaryFetcher for NetFetcher {
    fn fetch(&self, url: url::Url) -> BoxFuture<'static, Result<FetchResponse, FetchError>> {
        let net = self.0.clone();
        Box::pin(async move {
            let request = session_net::new_request(http::Method::GET, url.as_str(), ())?;
            let response = net.fetch(request).await?;
            let status = response.status().as_u16();
            let body = response.bytes().await?.to_vec();
            Ok(FetchResponse { status, body })
        })
    }
}

pub(crate) fn new_spellchecker(
    storage_path: Option<&Path>,
    user_data: &Path,
    prefs: &Preferences,
    net: &session_net::Net,
) -> Spellchecker {
    let doc = serde_json::json!({
        "spellcheck": {"dictionaries": prefs.get("spellcheck.dictionaries").cloned()},
        "browser": {"enable_spellchecking": prefs.get("browser.enable_spellchecking").cloned()},
    });
    let spellchecker = Spellchecker::new(SpellcheckerOptions {
        partition_dir: storage_path.map(Path::to_path_buf),
        user_data_dir: Some(user_data.to_path_buf()),
        prefs: SpellcheckPrefs::from_preferences(&doc),
        ..SpellcheckerOptions::default()
    });
    spellchecker.set_dictionary_fetcher(Some(std::sync::Arc::new(NetFetcher(net.clone()))));
    spellchecker
}

fn invalid(e: Error) -> FacadeError {
    FacadeError::transparent(FacadeErrorKind::InvalidArgument, e)
}

impl Session {
    /// The session's spellchecker: checking (`check_text`, `suggest`), events
    /// ([`Spellchecker::subscribe`]) and every setting below.
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn spellchecker(&self) -> &Spellchecker {
        &self.inner.spellchecker
    }

    fn save_spellcheck_prefs(&self) -> Result<(), FacadeError> {
        let p = self.spellchecker().prefs();
        let mut prefs = self.prefs();
        prefs.set(
            "spellcheck.dictionaries",
            serde_json::Value::from(p.dictionaries),
        )?;
        prefs.set(
            "browser.enable_spellchecking",
            serde_json::Value::from(p.enabled),
        )
    }

    /// `ses.setSpellCheckerEnabled(enable)`, kept in `Preferences` (SPELL-13). The error is a
    /// failure to write that file; the setting applies anyway.
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn set_spell_checker_enabled(&self, enable: bool) -> Result<(), FacadeError> {
        self.spellchecker().set_spell_checker_enabled(enable);
        self.save_spellcheck_prefs()
    }

    /// `ses.isSpellCheckerEnabled()` / `ses.spellCheckerEnabled` (SPELL-01).
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn is_spell_checker_enabled(&self) -> bool {
        self.spellchecker().is_spell_checker_enabled()
    }

    /// `ses.setSpellCheckerLanguages(languages)`: every code must be one of
    /// [`Session::available_spell_checker_languages`] (SPELL-07, 08); kept in `Preferences`.
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn set_spell_checker_languages<S: AsRef<str>>(
        &self,
        languages: &[S],
    ) -> Result<(), FacadeError> {
        self.spellchecker()
            .set_spell_checker_languages(languages)
            .map_err(invalid)?;
        self.save_spellcheck_prefs()
    }

    /// `ses.getSpellCheckerLanguages()`: the codes set (empty means `en-US` is used).
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn spell_checker_languages(&self) -> Vec<String> {
        self.spellchecker().spell_checker_languages()
    }

    /// `ses.availableSpellCheckerLanguages` (SPELL-15).
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn available_spell_checker_languages(&self) -> Vec<String> {
        available_spell_checker_languages()
    }

    /// `ses.setSpellCheckerDictionaryDownloadURL(url)` (SPELL-09): dictionaries missing on
    /// this machine are fetched as `<url>en_US.aff` and `<url>en_US.dic` with this session's
    /// fetch and stored in `<user_data>/Dictionaries/`. Without it nothing is downloaded.
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn set_spell_checker_dictionary_download_url(&self, url: &str) -> Result<(), FacadeError> {
        self.spellchecker()
            .set_spell_checker_dictionary_download_url(url)
            .map_err(invalid)
    }

    /// Directories searched for `<lang>.aff`/`.dic` before `<user_data>/Dictionaries/` and the
    /// system's hunspell directories.
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn set_spell_checker_dictionary_dirs(&self, dirs: Vec<PathBuf>) {
        self.spellchecker().set_dictionary_dirs(dirs);
    }

    /// `ses.listWordsInSpellCheckerDictionary()` (SPELL-03, 14).
    ///
    /// Example: see [`Spellchecker::new`].
    pub async fn list_words_in_spell_checker_dictionary(&self) -> Vec<String> {
        self.spellchecker()
            .list_words_in_spell_checker_dictionary()
            .await
    }

    /// `ses.addWordToSpellCheckerDictionary(word)`: false on in-memory sessions and for
    /// invalid or present words (SPELL-02, 04, 05, 06).
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn add_word_to_spell_checker_dictionary(&self, word: &str) -> bool {
        self.spellchecker()
            .add_word_to_spell_checker_dictionary(word)
    }

    /// `ses.removeWordFromSpellCheckerDictionary(word)` (SPELL-06, 10, 11).
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn remove_word_from_spell_checker_dictionary(&self, word: &str) -> bool {
        self.spellchecker()
            .remove_word_from_spell_checker_dictionary(word)
    }
}
