//! The spellchecker of one session: settings, dictionaries (local or downloaded), events and
//! the custom dictionary.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use futures_util::future::BoxFuture;
use tokio::sync::broadcast;
use url::Url;

use crate::custom::{CustomDictionary, LoadOutcome};
use crate::engine::{Dictionary, Engine, check_complete, decode_pair};
use crate::error::{Error, ErrorKind, Result};
use crate::languages::{DEFAULT_LANGUAGE, dictionary_file_stem, validate_languages};
use crate::prefs::SpellcheckPrefs;
use crate::speller::{Misspelling, SharedWords, Speller};

/// The answer of a [`DictionaryFetcher`]: the HTTP status and the whole body.
///
/// Example: see [`DictionaryFetcher`].
#[derive(Debug, Clone)]
pub struct FetchResponse {
    /// HTTP status code; anything but 2xx is a failed download.
    pub status: u16,
    /// The response body.
    pub body: Vec<u8>,
}

/// The boxed error a fetcher reports.
///
/// Example: see [`DictionaryFetcher`].
pub type FetchError = Box<dyn std::error::Error + Send + Sync>;

/// How dictionaries are downloaded: the facade implements it with the session's own fetch, so
/// the download goes through the session's proxy, certificates and net log.
///
/// ```
/// use std::sync::Arc;
///
/// use futures_util::future::BoxFuture;
/// use session_spellcheck::{
///     DICTIONARIES_DIR, DictionaryFetcher, FetchError, FetchResponse, SpellcheckEvent, Spellchecker,
///     SpellcheckerOptions,
/// };
/// use url::Url;
///
/// /// Serves a tiny French dictionary, as a dictionary server would.
/// struct Served;
///
/// impl DictionaryFetcher for Served {
///     fn fetch(&self, url: Url) -> BoxFuture<'static, Result<FetchResponse, FetchError>> {
///         let body = match url.path() {
///             "/dicts/fr_FR.aff" => "SET UTF-8\n",
///             "/dicts/fr_FR.dic" => "1\nbonjour\n",
///             _ => return Box::pin(async { Ok(FetchResponse { status: 404, body: Vec::new() }) }),
///         };
///         Box::pin(async move { Ok(FetchResponse { status: 200, body: body.into() }) })
///     }
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let user_data = tempfile::tempdir().unwrap();
/// let checker = Spellchecker::new(SpellcheckerOptions {
///     user_data_dir: Some(user_data.path().to_owned()),
///     system_dictionary_dirs: vec![], // nothing on this machine: download
///     ..SpellcheckerOptions::default()
/// });
/// checker.set_dictionary_fetcher(Some(Arc::new(Served)));
/// checker.set_spell_checker_dictionary_download_url("https://dicts.test/dicts/").unwrap();
/// checker.set_spell_checker_languages(&["fr"]).unwrap();
/// let mut events = checker.subscribe();
///
/// assert!(checker.check_word("bonjour").await.unwrap());
/// // Stored for every session of the application.
/// assert!(user_data.path().join(DICTIONARIES_DIR).join("fr_FR.dic").exists());
/// let events: Vec<SpellcheckEvent> = std::iter::from_fn(|| events.try_recv().ok()).collect();
/// let fr = || "fr".to_owned();
/// assert!(events.contains(&SpellcheckEvent::DictionaryDownloadBegin { language_code: fr() }));
/// assert!(events.contains(&SpellcheckEvent::DictionaryDownloadSuccess { language_code: fr() }));
/// assert!(events.contains(&SpellcheckEvent::DictionaryInitialized { language_code: fr() }));
/// # });
/// ```
pub trait DictionaryFetcher: Send + Sync {
    /// GETs `url` and returns the status and the complete body. A body cut short must be an
    /// error (or be visibly incomplete, which the `.dic` word count catches).
    ///
    /// Example: see [`DictionaryFetcher`].
    fn fetch(&self, url: Url)
    -> BoxFuture<'static, std::result::Result<FetchResponse, FetchError>>;
}

/// Something that happened to a dictionary: Electron's four `spellcheck-dictionary-*` events.
///
/// Example: see [`DictionaryFetcher`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpellcheckEvent {
    /// `spellcheck-dictionary-initialized`: the language's dictionary is loaded and in use.
    DictionaryInitialized {
        /// The language code.
        language_code: String,
    },
    /// `spellcheck-dictionary-download-begin`.
    DictionaryDownloadBegin {
        /// The language code.
        language_code: String,
    },
    /// `spellcheck-dictionary-download-success`: downloaded, validated and stored.
    DictionaryDownloadSuccess {
        /// The language code.
        language_code: String,
    },
    /// `spellcheck-dictionary-download-failure`; nothing was stored.
    DictionaryDownloadFailure {
        /// The language code.
        language_code: String,
        /// What went wrong, with the URL.
        error: String,
    },
}

/// Where a spellchecker finds and keeps its files, and its starting settings.
///
/// Example: see [`Spellchecker::new`].
#[derive(Debug, Clone)]
pub struct SpellcheckerOptions {
    /// The partition's directory, holding `Custom Dictionary.txt`; `None` for an in-memory
    /// session (whose custom dictionary refuses changes).
    pub partition_dir: Option<PathBuf>,
    /// The application's data root; downloaded dictionaries go to `<user_data>/Dictionaries/`,
    /// shared by every session. `None` keeps downloads in memory only.
    pub user_data_dir: Option<PathBuf>,
    /// Directories searched first for `<stem>.aff` + `<stem>.dic`.
    pub dictionary_dirs: Vec<PathBuf>,
    /// Searched after `<user_data>/Dictionaries/`; by default the system's hunspell directories.
    pub system_dictionary_dirs: Vec<PathBuf>,
    /// The settings read from the partition's `Preferences`.
    pub prefs: SpellcheckPrefs,
    /// The engine that loads dictionaries.
    pub engine: Engine,
}

impl Default for SpellcheckerOptions {
    fn default() -> Self {
        Self {
            partition_dir: None,
            user_data_dir: None,
            dictionary_dirs: Vec::new(),
            system_dictionary_dirs: default_system_dirs(),
            prefs: SpellcheckPrefs::default(),
            engine: Engine::default(),
        }
    }
}

/// The directories where Linux distributions install hunspell dictionaries.
///
/// ```
/// let dirs = session_spellcheck::default_system_dirs();
/// assert_eq!(dirs[0], std::path::Path::new("/usr/share/hunspell"));
/// ```
pub fn default_system_dirs() -> Vec<PathBuf> {
    [
        "/usr/share/hunspell",
        "/usr/share/myspell",
        "/usr/share/myspell/dicts",
    ]
    .into_iter()
    .map(PathBuf::from)
    .collect()
}

/// The name of the shared folder of downloaded dictionaries inside the data root.
///
/// Example: see [`DictionaryFetcher`].
pub const DICTIONARIES_DIR: &str = "Dictionaries";

/// A session's spellchecker. Cheap to clone; clones share everything.
///
/// The network is never touched unless a download URL was set with
/// [`Self::set_spell_checker_dictionary_download_url`], a fetcher was given, the checker is
/// enabled, and an enabled language has no dictionary on this machine.
///
/// Example: see [`Spellchecker::new`] (local dictionaries, custom words) and [`DictionaryFetcher`]
/// (downloads and events).
#[derive(Clone)]
pub struct Spellchecker {
    inner: Arc<Inner>,
}

struct Inner {
    options: SpellcheckerOptions,
    state: Mutex<State>,
    custom: Mutex<Option<CustomDictionary>>,
    custom_words: SharedWords,
    events: session_base::events::LazySender<SpellcheckEvent>,
    /// Serializes dictionary loading so that one language is fetched once.
    loading: tokio::sync::Mutex<()>,
}

struct State {
    enabled: bool,
    dictionary_dirs: Vec<PathBuf>,
    system_dictionary_dirs: Vec<PathBuf>,
    languages: Vec<String>,
    download_base: Option<Url>,
    fetcher: Option<Arc<dyn DictionaryFetcher>>,
    /// Loaded dictionaries by file stem (`es` and `es-MX` share `es_ES`).
    loaded: HashMap<String, Arc<dyn Dictionary>>,
}

impl std::fmt::Debug for Spellchecker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state();
        f.debug_struct("Spellchecker")
            .field("enabled", &state.enabled)
            .field("languages", &state.languages)
            .field(
                "download_base",
                &state.download_base.as_ref().map(Url::as_str),
            )
            .finish_non_exhaustive()
    }
}

impl Spellchecker {
    /// A spellchecker with `options`. Invalid language codes in the saved preferences are
    /// dropped. Nothing is read from disk until first needed.
    ///
    /// ```
    /// use session_spellcheck::{Spellchecker, SpellcheckerOptions};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let dicts = tempfile::tempdir().unwrap();
    /// std::fs::write(dicts.path().join("en_US.aff"), "SET UTF-8\nSFX S Y 1\nSFX S 0 s .\n").unwrap();
    /// std::fs::write(dicts.path().join("en_US.dic"), "2\nword/S\nspell\n").unwrap();
    /// let partition = tempfile::tempdir().unwrap();
    ///
    /// let checker = Spellchecker::new(SpellcheckerOptions {
    ///     partition_dir: Some(partition.path().to_owned()),
    ///     dictionary_dirs: vec![dicts.path().to_owned()],
    ///     system_dictionary_dirs: vec![],
    ///     ..SpellcheckerOptions::default()
    /// });
    /// checker.set_spell_checker_languages(&["en-US"]).unwrap();
    /// assert!(checker.check_word("words").await.unwrap());
    /// assert!(!checker.check_word("rustacean").await.unwrap());
    ///
    /// // Chromium's `Custom Dictionary.txt`, kept in the partition.
    /// assert!(checker.add_word_to_spell_checker_dictionary("rustacean"));
    /// assert!(checker.check_word("rustacean").await.unwrap());
    /// assert_eq!(checker.list_words_in_spell_checker_dictionary().await, ["rustacean"]);
    /// assert!(partition.path().join("Custom Dictionary.txt").exists());
    /// # });
    /// ```
    pub fn new(options: SpellcheckerOptions) -> Self {
        let languages = options
            .prefs
            .dictionaries
            .iter()
            .filter(|c| dictionary_file_stem(c).is_some())
            .fold(Vec::new(), |mut v: Vec<String>, c| {
                if !v.contains(c) {
                    v.push(c.clone());
                }
                v
            });
        let events = session_base::events::LazySender::new(64);
        Self {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    enabled: options.prefs.enabled,
                    dictionary_dirs: options.dictionary_dirs.clone(),
                    system_dictionary_dirs: options.system_dictionary_dirs.clone(),
                    languages,
                    download_base: None,
                    fetcher: None,
                    loaded: HashMap::new(),
                }),
                options,
                custom: Mutex::new(None),
                custom_words: SharedWords::default(),
                events,
                loading: tokio::sync::Mutex::new(()),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Events about dictionaries (download begin/success/failure, initialized).
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn subscribe(&self) -> broadcast::Receiver<SpellcheckEvent> {
        self.inner.events.subscribe()
    }

    fn emit(&self, event: SpellcheckEvent) {
        let _ = self.inner.events.send(event);
    }

    /// The settings to persist in the partition's `Preferences`.
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn prefs(&self) -> SpellcheckPrefs {
        let state = self.state();
        SpellcheckPrefs {
            dictionaries: state.languages.clone(),
            enabled: state.enabled,
        }
    }

    /// `setSpellCheckerEnabled`. Turning it off stops any further download.
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn set_spell_checker_enabled(&self, enable: bool) {
        self.state().enabled = enable;
    }

    /// `isSpellCheckerEnabled` / `spellCheckerEnabled` (SPELL-01, 13).
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn is_spell_checker_enabled(&self) -> bool {
        self.state().enabled
    }

    /// `setSpellCheckerLanguages`: every code must be in
    /// [`crate::available_spell_checker_languages`] (SPELL-07, 08). Dictionaries load on next
    /// use.
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn set_spell_checker_languages<S: AsRef<str>>(&self, languages: &[S]) -> Result<()> {
        let languages = validate_languages(languages)?;
        self.state().languages = languages;
        Ok(())
    }

    /// `getSpellCheckerLanguages`: the codes set, as set (empty means `en-US` is used).
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn spell_checker_languages(&self) -> Vec<String> {
        self.state().languages.clone()
    }

    /// The languages actually checked: those set, or `en-US` when none is.
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn active_languages(&self) -> Vec<String> {
        let languages = self.state().languages.clone();
        if languages.is_empty() {
            vec![DEFAULT_LANGUAGE.to_owned()]
        } else {
            languages
        }
    }

    /// `availableSpellCheckerLanguages`.
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn available_spell_checker_languages(&self) -> Vec<String> {
        crate::languages::available_spell_checker_languages()
    }

    /// `setSpellCheckerDictionaryDownloadURL`: the base the dictionary file names are appended
    /// to (`<base>en_US.aff`, `<base>en_US.dic`), so it usually ends with `/` (SPELL-09).
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn set_spell_checker_dictionary_download_url(&self, url: &str) -> Result<()> {
        let parsed = Url::parse(url).ok().filter(|u| !u.cannot_be_a_base()).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidUrl,
                format!(
                    "The URL you provided to setSpellCheckerDictionaryDownloadURL is not a valid URL: {url:?}"
                ),
            )
        })?;
        self.state().download_base = Some(parsed);
        Ok(())
    }

    /// The download base set, if any. There is no default: without one nothing is downloaded.
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn spell_checker_dictionary_download_url(&self) -> Option<String> {
        self.state().download_base.as_ref().map(|u| u.to_string())
    }

    /// Sets (or with `None` removes) the way dictionaries are downloaded.
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn set_dictionary_fetcher(&self, fetcher: Option<Arc<dyn DictionaryFetcher>>) {
        self.state().fetcher = fetcher;
    }

    /// A checker for the active languages, loading (and if need be downloading) their
    /// dictionaries first. When the spellchecker is disabled the checker has no dictionary and
    /// flags nothing, and nothing is loaded or downloaded.
    ///
    /// Dropping the future stops waiting; a download in flight is abandoned and nothing of it
    /// is stored.
    ///
    /// Example: see [`Spellchecker::new`].
    pub async fn speller(&self) -> Result<Speller> {
        if !self.is_spell_checker_enabled() {
            return Ok(Speller::with_custom_words(Vec::new(), self.custom_words()));
        }
        let _guard = self.inner.loading.lock().await;
        let mut dictionaries = Vec::new();
        for language in self.active_languages() {
            let stem = dictionary_file_stem(&language).ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidLanguage,
                    format!("Invalid language code provided: \"{language}\" is not a valid language code"),
                )
            })?;
            let cached = self.state().loaded.get(&stem).cloned();
            let dictionary = match cached {
                Some(d) => d,
                None => {
                    let d = self.load_dictionary(&language, &stem).await?;
                    self.state().loaded.insert(stem.clone(), d.clone());
                    self.emit(SpellcheckEvent::DictionaryInitialized {
                        language_code: language.clone(),
                    });
                    d
                }
            };
            dictionaries.push((language, dictionary));
        }
        Ok(Speller::with_custom_words(
            dictionaries,
            self.custom_words(),
        ))
    }

    /// Whether `word` is correct in any active language or is a custom word.
    ///
    /// Example: see [`Spellchecker::new`].
    pub async fn check_word(&self, word: &str) -> Result<bool> {
        Ok(self.speller().await?.check_word(word))
    }

    /// Corrections for `word`, merged over the active languages in order.
    ///
    /// Example: see [`Spellchecker::new`].
    pub async fn suggest(&self, word: &str) -> Result<Vec<String>> {
        Ok(self.speller().await?.suggest(word))
    }

    /// The misspelled words of `text` with byte ranges.
    ///
    /// Example: see [`Spellchecker::new`].
    pub async fn check_text(&self, text: &str) -> Result<Vec<Misspelling>> {
        Ok(self.speller().await?.check_text(text))
    }

    /// Sets the directories searched first for dictionaries (before
    /// `<user_data>/Dictionaries/` and the system ones). Dictionaries already loaded stay in use.
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn set_dictionary_dirs(&self, dirs: Vec<PathBuf>) {
        self.state().dictionary_dirs = dirs;
    }

    /// Sets the directories searched last (by default the system's hunspell directories);
    /// empty to use only configured and downloaded dictionaries.
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn set_system_dictionary_dirs(&self, dirs: Vec<PathBuf>) {
        self.state().system_dictionary_dirs = dirs;
    }

    /// The directories searched for a dictionary, in order.
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn search_dirs(&self) -> Vec<PathBuf> {
        let state = self.state();
        let mut dirs = state.dictionary_dirs.clone();
        if let Some(shared) = self.shared_dir() {
            dirs.push(shared);
        }
        dirs.extend(state.system_dictionary_dirs.iter().cloned());
        dirs
    }

    fn shared_dir(&self) -> Option<PathBuf> {
        self.inner
            .options
            .user_data_dir
            .as_ref()
            .map(|d| d.join(DICTIONARIES_DIR))
    }

    async fn load_dictionary(&self, language: &str, stem: &str) -> Result<Arc<dyn Dictionary>> {
        let engine = self.inner.options.engine;
        let dirs = self.search_dirs();
        for dir in &dirs {
            let aff = dir.join(format!("{stem}.aff"));
            let dic = dir.join(format!("{stem}.dic"));
            if aff.is_file() && dic.is_file() {
                return load_files(engine, stem, aff, dic).await;
            }
        }
        let (base, fetcher) = {
            let state = self.state();
            (state.download_base.clone(), state.fetcher.clone())
        };
        let (Some(base), Some(fetcher)) = (base, fetcher) else {
            return Err(Error::new(
                ErrorKind::DictionaryUnavailable,
                format!(
                    "no dictionary for {language}: {stem}.aff/{stem}.dic not found in {} and no download URL is set",
                    dirs.iter()
                        .map(|d| d.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        };
        self.emit(SpellcheckEvent::DictionaryDownloadBegin {
            language_code: language.to_owned(),
        });
        match self.download(engine, &base, fetcher, stem).await {
            Ok(d) => {
                self.emit(SpellcheckEvent::DictionaryDownloadSuccess {
                    language_code: language.to_owned(),
                });
                Ok(d)
            }
            Err(e) => {
                self.emit(SpellcheckEvent::DictionaryDownloadFailure {
                    language_code: language.to_owned(),
                    error: e.to_string(),
                });
                Err(e)
            }
        }
    }

    async fn download(
        &self,
        engine: Engine,
        base: &Url,
        fetcher: Arc<dyn DictionaryFetcher>,
        stem: &str,
    ) -> Result<Arc<dyn Dictionary>> {
        let aff = fetch_file(&*fetcher, base, &format!("{stem}.aff")).await?;
        let dic = fetch_file(&*fetcher, base, &format!("{stem}.dic")).await?;
        let name = stem.to_owned();
        let shared = self.shared_dir();
        tokio::task::spawn_blocking(move || -> Result<Arc<dyn Dictionary>> {
            let (aff_text, dic_text) = decode_pair(&name, &aff, &dic)?;
            check_complete(&name, &aff_text, &dic_text)?;
            let dictionary = engine.load_str(&name, &aff_text, &dic_text)?;
            if let Some(dir) = shared {
                store(&dir, &name, &aff, &dic)?;
            }
            Ok(dictionary)
        })
        .await
        .map_err(|e| {
            Error::new(
                ErrorKind::Io,
                format!("loading dictionary {stem} failed: {e}"),
            )
        })?
    }

    fn custom_guard(&self) -> MutexGuard<'_, Option<CustomDictionary>> {
        let mut guard = self.inner.custom.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            let dict = match &self.inner.options.partition_dir {
                None => CustomDictionary::in_memory(),
                Some(dir) => CustomDictionary::load(dir).unwrap_or_else(|e| {
                    tracing::warn!("custom dictionary unavailable, changes refused: {e}");
                    CustomDictionary::in_memory()
                }),
            };
            let mut words = self
                .inner
                .custom_words
                .write()
                .unwrap_or_else(|p| p.into_inner());
            *words = dict.words().map(str::to_owned).collect();
            *guard = Some(dict);
        }
        guard
    }

    fn custom_words(&self) -> SharedWords {
        drop(self.custom_guard());
        self.inner.custom_words.clone()
    }

    fn change_custom(&self, word: &str, add: bool) -> bool {
        let mut guard = self.custom_guard();
        let Some(dict) = guard.as_mut() else {
            return false;
        };
        let result = if add {
            dict.add(word)
        } else {
            dict.remove(word)
        };
        match result {
            Ok(true) => {
                let mut words = self
                    .inner
                    .custom_words
                    .write()
                    .unwrap_or_else(|p| p.into_inner());
                if add {
                    words.insert(word.to_owned());
                } else {
                    words.remove(word);
                }
                true
            }
            Ok(false) => false,
            Err(e) => {
                tracing::warn!("custom dictionary not changed for {word:?}: {e}");
                false
            }
        }
    }

    /// `addWordToSpellCheckerDictionary`: true when the word was valid, new, and written to
    /// `Custom Dictionary.txt`; false on an in-memory session (SPELL-02, 04, 05, 06). The word
    /// is accepted by the checker at once.
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn add_word_to_spell_checker_dictionary(&self, word: &str) -> bool {
        self.change_custom(word, true)
    }

    /// `removeWordFromSpellCheckerDictionary`: true when the word was there and the file was
    /// written (SPELL-06, 10, 11).
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn remove_word_from_spell_checker_dictionary(&self, word: &str) -> bool {
        self.change_custom(word, false)
    }

    /// `listWordsInSpellCheckerDictionary`: the custom words, sorted, once the file is loaded
    /// (SPELL-03, 14).
    ///
    /// Example: see [`Spellchecker::new`].
    pub async fn list_words_in_spell_checker_dictionary(&self) -> Vec<String> {
        let this = self.clone();
        let load = tokio::task::spawn_blocking(move || {
            this.custom_guard()
                .as_ref()
                .map(|d| d.words().map(str::to_owned).collect::<Vec<_>>())
                .unwrap_or_default()
        });
        load.await.unwrap_or_default()
    }

    /// How the custom dictionary was found on disk (recovered from its backup, etc.).
    ///
    /// Example: see [`Spellchecker::new`].
    pub fn custom_dictionary_outcome(&self) -> LoadOutcome {
        self.custom_guard()
            .as_ref()
            .map_or(LoadOutcome::Missing, CustomDictionary::outcome)
    }
}

async fn load_files(
    engine: Engine,
    stem: &str,
    aff: PathBuf,
    dic: PathBuf,
) -> Result<Arc<dyn Dictionary>> {
    let name = aff.with_extension("").display().to_string();
    let stem = stem.to_owned();
    tokio::task::spawn_blocking(move || {
        let read = |p: &Path| {
            std::fs::read(p).map_err(|e| {
                Error::with_source(ErrorKind::Io, format!("cannot read {}", p.display()), e)
            })
        };
        engine.load(&name, &read(&aff)?, &read(&dic)?)
    })
    .await
    .map_err(|e| {
        Error::new(
            ErrorKind::Io,
            format!("loading dictionary {stem} failed: {e}"),
        )
    })?
}

async fn fetch_file(fetcher: &dyn DictionaryFetcher, base: &Url, file: &str) -> Result<Vec<u8>> {
    let url = Url::parse(&format!("{base}{file}")).map_err(|e| {
        Error::with_source(
            ErrorKind::InvalidUrl,
            format!("cannot form a URL from {base} and {file}"),
            e,
        )
    })?;
    let response = fetcher.fetch(url.clone()).await.map_err(|e| {
        Error::new(
            ErrorKind::Download,
            format!("downloading {url} failed: {e}"),
        )
    })?;
    if !(200..300).contains(&response.status) {
        return Err(Error::new(
            ErrorKind::Download,
            format!("downloading {url} failed: HTTP status {}", response.status),
        ));
    }
    Ok(response.body)
}

fn store(dir: &Path, stem: &str, aff: &[u8], dic: &[u8]) -> Result<()> {
    let io = |p: &Path, e: std::io::Error| {
        Error::with_source(
            ErrorKind::Io,
            format!("cannot store dictionary in {}", p.display()),
            e,
        )
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    // The .dic first: a dictionary is only found when both files exist.
    for (ext, bytes) in [("dic", dic), ("aff", aff)] {
        let path = dir.join(format!("{stem}.{ext}"));
        session_base::fs::atomic_write(&path, bytes).map_err(|e| io(&path, e))?;
    }
    Ok(())
}
