//! `clear_data` and `clear_storage_data`: what to clear, and for which origins.

use crate::Session;
use crate::error::{Error, ErrorKind};
use session_base::origin::{Origin, registrable_domain};
use std::collections::HashSet;
use std::str::FromStr;

/// A type of data `clear_data` removes (Electron's `dataTypes` strings).
///
/// ```
/// use session::DataType;
///
/// assert_eq!(DataType::IndexedDb.as_str(), "indexedDB");
/// assert_eq!("webSQL".parse::<DataType>().unwrap(), DataType::WebSql);
/// assert!(DataType::ALL.iter().all(|t| t.as_str().parse::<DataType>().unwrap() == *t));
/// assert!("indexeddb".parse::<DataType>().is_err()); // Electron's spelling only
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataType {
    /// `backgroundFetch`
    BackgroundFetch,
    /// `cache`: the HTTP cache (and, in Electron, cache storage and shader cache)
    Cache,
    /// `cookies`
    Cookies,
    /// `downloads`: the download history (journal)
    Downloads,
    /// `fileSystems`
    FileSystems,
    /// `indexedDB`
    IndexedDb,
    /// `localStorage`
    LocalStorage,
    /// `serviceWorkers`
    ServiceWorkers,
    /// `webSQL`
    WebSql,
}

impl DataType {
    /// Every data type (what `clear_data` clears when none is given).
    ///
    /// Example: see [`DataType`].
    pub const ALL: [DataType; 9] = [
        DataType::BackgroundFetch,
        DataType::Cache,
        DataType::Cookies,
        DataType::Downloads,
        DataType::FileSystems,
        DataType::IndexedDb,
        DataType::LocalStorage,
        DataType::ServiceWorkers,
        DataType::WebSql,
    ];

    /// Electron's string for the type.
    ///
    /// Example: see [`DataType`].
    pub fn as_str(self) -> &'static str {
        match self {
            DataType::BackgroundFetch => "backgroundFetch",
            DataType::Cache => "cache",
            DataType::Cookies => "cookies",
            DataType::Downloads => "downloads",
            DataType::FileSystems => "fileSystems",
            DataType::IndexedDb => "indexedDB",
            DataType::LocalStorage => "localStorage",
            DataType::ServiceWorkers => "serviceWorkers",
            DataType::WebSql => "webSQL",
        }
    }
}

impl FromStr for DataType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        DataType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| Error::invalid(format!("Invalid data type: '{s}'")))
    }
}

/// How data is matched to origins (Electron's `originMatchingMode`).
///
/// Example: see [`ClearDataOptions`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OriginMatchingMode {
    /// Origin in first-party contexts, top-level site in third-party contexts (default).
    #[default]
    ThirdPartiesIncluded,
    /// Origin only, in all contexts.
    OriginInAllContexts,
}

/// Options of [`Session::clear_data`](crate::Session::clear_data).
///
/// ```
/// use session::{ClearDataOptions, DataType, OriginMatchingMode, SessionOptions, Sessions};
/// use session::cookies::{CookieDetails, CookieFilter};
///
/// let user_data = tempfile::tempdir().unwrap();
/// let session = Sessions::new(user_data.path())
///     .from_partition("scratch", SessionOptions::default())
///     .unwrap();
/// for url in ["https://a.test", "https://www.a.test", "https://b.test"] {
///     let cookie = CookieDetails { url: url.into(), name: "sid".into(), ..Default::default() };
///     session.cookies().set(&cookie).unwrap();
/// }
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let cleared = session
///     .clear_data(ClearDataOptions {
///         data_types: Some(vec![DataType::Cookies]),
///         origins: Some(vec!["https://www.a.test".into()]),
///         origin_matching_mode: OriginMatchingMode::OriginInAllContexts,
///         ..Default::default()
///     })
///     .await
///     .unwrap();
/// // Cookies go by registrable domain: both a.test cookies, not b.test's.
/// assert_eq!(cleared.cookies, 2);
/// assert_eq!(session.cookies().get(&CookieFilter::default()).unwrap().len(), 1);
///
/// // Both lists at once is an error, as in Electron.
/// let both = ClearDataOptions {
///     origins: Some(vec!["https://a.test".into()]),
///     exclude_origins: Some(vec!["https://b.test".into()]),
///     ..Default::default()
/// };
/// assert!(session.clear_data(both).await.is_err());
/// # });
/// ```
#[derive(Clone, Debug, Default)]
pub struct ClearDataOptions {
    /// Types to clear; `None` clears every type.
    pub data_types: Option<Vec<DataType>>,
    /// Clear only data of these origins (cannot be combined with `exclude_origins`).
    pub origins: Option<Vec<String>>,
    /// Clear data of every origin except these.
    pub exclude_origins: Option<Vec<String>>,
    /// Do not close the session's connections (nor clear the HTTP auth cache, whose clearing
    /// closes them) when cookies are cleared.
    pub avoid_closing_connections: bool,
    /// How data is matched to origins.
    pub origin_matching_mode: OriginMatchingMode,
}

/// Which data a clear applies to, by origin. Cookies are matched at registrable-domain
/// granularity (clearing `https://a.example.com` clears every cookie of `example.com`),
/// as Electron documents.
///
/// ```
/// use session::OriginFilter;
/// use session::base::origin::Origin;
///
/// let only = OriginFilter::from_lists(Some(&["https://www.a.test".to_owned()]), None).unwrap();
/// assert!(only.covers_domain("a.test") && only.covers_domain(".cdn.a.test"));
/// assert!(!only.covers_domain("b.test"));
/// assert_eq!(only.listed_domains(), ["a.test".to_owned()].into());
/// // Cache entries go by origin, not registrable domain.
/// assert!(only.covers_origin(&Origin::parse("https://www.a.test").unwrap()));
/// assert!(!only.covers_origin(&Origin::parse("https://a.test").unwrap()));
///
/// let except = OriginFilter::from_lists(None, Some(&["https://b.test".to_owned()])).unwrap();
/// assert!(except.covers_domain("a.test") && !except.covers_domain("b.test"));
/// assert_eq!(OriginFilter::from_lists(None, None).unwrap(), OriginFilter::All);
/// assert!(OriginFilter::from_lists(Some(&["not an origin".to_owned()]), None).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OriginFilter {
    /// Every origin.
    All,
    /// Only these origins.
    Only(Vec<Origin>),
    /// Every origin except these.
    Except(Vec<Origin>),
}

impl OriginFilter {
    /// Builds the filter from Electron's `origins` / `excludeOrigins` (SESSION-19).
    ///
    /// Example: see [`OriginFilter`].
    pub fn from_lists(
        origins: Option<&[String]>,
        exclude_origins: Option<&[String]>,
    ) -> Result<Self, Error> {
        let parse = |list: &[String]| -> Result<Vec<Origin>, Error> {
            list.iter()
                .map(|s| Origin::parse(s).map_err(Error::invalid))
                .collect()
        };
        match (origins, exclude_origins) {
            (Some(_), Some(_)) => Err(Error::invalid(
                "Cannot provide both 'origins' and 'excludeOrigins'",
            )),
            (Some(o), None) => Ok(OriginFilter::Only(parse(o)?)),
            (None, Some(e)) => Ok(OriginFilter::Except(parse(e)?)),
            (None, None) => Ok(OriginFilter::All),
        }
    }

    /// Whether data stored for `host` (a cookie's domain, without a leading dot) is covered,
    /// comparing registrable domains (or whole hosts when they have none, e.g. IP addresses).
    ///
    /// Example: see [`OriginFilter`].
    pub fn covers_domain(&self, host: &str) -> bool {
        let key = site_key(host.trim_start_matches('.'));
        let in_list = |list: &[Origin]| -> bool {
            list.iter()
                .filter_map(Origin::host)
                .any(|h| site_key(h) == key)
        };
        match self {
            OriginFilter::All => true,
            OriginFilter::Only(list) => in_list(list),
            OriginFilter::Except(list) => !in_list(list),
        }
    }

    /// The registrable domains (or hosts) the filter lists, for stores indexed by them.
    ///
    /// Example: see [`OriginFilter`].
    pub fn listed_domains(&self) -> HashSet<String> {
        match self {
            OriginFilter::All => HashSet::new(),
            OriginFilter::Only(list) | OriginFilter::Except(list) => {
                list.iter().filter_map(Origin::host).map(site_key).collect()
            }
        }
    }

    /// Whether a stored URL's origin is covered at origin granularity (cache entries).
    ///
    /// Example: see [`OriginFilter`].
    pub fn covers_origin(&self, origin: &Origin) -> bool {
        match self {
            OriginFilter::All => true,
            OriginFilter::Only(list) => list.contains(origin),
            OriginFilter::Except(list) => !list.contains(origin),
        }
    }
}

/// A storage `clear_storage_data` removes (Electron's `storages` strings).
///
/// ```
/// use session::StorageType;
///
/// assert_eq!(StorageType::IndexDb.as_str(), "indexdb");
/// assert_eq!("cachestorage".parse::<StorageType>().unwrap(), StorageType::CacheStorage);
/// assert_eq!(StorageType::ALL.len(), 7);
/// assert!("cookie".parse::<StorageType>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StorageType {
    /// `cookies`
    Cookies,
    /// `filesystem`
    FileSystem,
    /// `indexdb`
    IndexDb,
    /// `localstorage`
    LocalStorage,
    /// `shadercache`
    ShaderCache,
    /// `serviceworkers`
    ServiceWorkers,
    /// `cachestorage`
    CacheStorage,
}

impl StorageType {
    /// Every storage type.
    ///
    /// Example: see [`StorageType`].
    pub const ALL: [StorageType; 7] = [
        StorageType::Cookies,
        StorageType::FileSystem,
        StorageType::IndexDb,
        StorageType::LocalStorage,
        StorageType::ShaderCache,
        StorageType::ServiceWorkers,
        StorageType::CacheStorage,
    ];

    /// Electron's string for the storage.
    ///
    /// Example: see [`StorageType`].
    pub fn as_str(self) -> &'static str {
        match self {
            StorageType::Cookies => "cookies",
            StorageType::FileSystem => "filesystem",
            StorageType::IndexDb => "indexdb",
            StorageType::LocalStorage => "localstorage",
            StorageType::ShaderCache => "shadercache",
            StorageType::ServiceWorkers => "serviceworkers",
            StorageType::CacheStorage => "cachestorage",
        }
    }
}

impl FromStr for StorageType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        StorageType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| Error::invalid(format!("Invalid storage type: '{s}'")))
    }
}

/// Options of [`Session::clear_storage_data`].
///
/// ```
/// use session::{ClearStorageDataOptions, SessionOptions, Sessions, StorageType};
/// use session::cookies::CookieDetails;
///
/// let user_data = tempfile::tempdir().unwrap();
/// let session = Sessions::new(user_data.path())
///     .from_partition("scratch", SessionOptions::default())
///     .unwrap();
/// for url in ["https://a.test", "https://b.test"] {
///     let cookie = CookieDetails { url: url.into(), name: "sid".into(), ..Default::default() };
///     session.cookies().set(&cookie).unwrap();
/// }
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let options = ClearStorageDataOptions {
///     origin: Some("https://b.test".into()),
///     storages: Some(vec![StorageType::Cookies, StorageType::LocalStorage]),
/// };
/// let cleared = session.clear_storage_data(options).await.unwrap();
/// assert_eq!(cleared.cookies, 1);
/// assert_eq!(session.cookies().len(), 1);
/// # });
/// ```
#[derive(Clone, Debug, Default)]
pub struct ClearStorageDataOptions {
    /// Only data of this origin (`scheme://host[:port]`); `None` for every origin.
    pub origin: Option<String>,
    /// Storages to clear; `None` clears every one.
    pub storages: Option<Vec<StorageType>>,
}

/// What a clear removed, per kind of data this library stores.
///
/// Example: see [`ClearDataOptions`] and [`ClearStorageDataOptions`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClearedCounts {
    /// Cookies removed.
    pub cookies: usize,
    /// HTTP cache entries removed.
    pub cache_entries: usize,
    /// Finished downloads removed from the download history.
    pub downloads: usize,
    /// Shared compression dictionaries removed (with `cache`).
    pub dictionaries: usize,
    /// HSTS policies removed (with `cache`).
    pub hsts_policies: usize,
}

impl Session {
    /// Electron's `clearData`: removes the chosen types of data (all when none are given) for
    /// the chosen origins (all when none are given).
    ///
    /// What this library stores is cleared for real: cookies (at registrable-domain granularity,
    /// SESSION-17..19; `cookies` also empties the whole HTTP auth cache, as Chromium's "cookies
    /// and site data" does), the HTTP cache (by the origin of each entry's URL) and, with it, the
    /// shared compression dictionaries (by dictionary URL or frame origin), and the download
    /// history (finished, cancelled and interrupted items; running downloads and the files on
    /// disk are kept, as Chromium does). `cache` also takes the HSTS policies the session noted
    /// (its `TransportSecurity`): with origins, the policies of exactly those hosts go (or, with
    /// `exclude_origins`, every other one); a parent domain's `includeSubDomains` policy is
    /// matched by its own host only. The other types (`localStorage`, `indexedDB`,
    /// `serviceWorkers`, `fileSystems`, `webSQL`, `backgroundFetch`) are written only by a
    /// renderer, which this library does not have, so there is nothing of them to clear.
    ///
    /// Clearing cookies also closes the session's idle connections (those in use close when
    /// their request ends), since they may carry credentials; `avoid_closing_connections`
    /// keeps them, and then keeps the auth cache too, as Chromium does. `origin_matching_mode`
    /// is accepted; with no renderer there are no third-party contexts, so both matching modes
    /// match by origin.
    ///
    /// The work runs on a blocking thread; dropping the future does not stop it.
    ///
    /// Example: see [`ClearDataOptions`].
    pub async fn clear_data(&self, options: ClearDataOptions) -> Result<ClearedCounts, Error> {
        let filter = OriginFilter::from_lists(
            options.origins.as_deref(),
            options.exclude_origins.as_deref(),
        )?;
        let types = options.data_types.unwrap_or_else(|| DataType::ALL.to_vec());
        let avoid_closing_connections = options.avoid_closing_connections;
        let session = self.clone();
        run_blocking(move || {
            let mut counts = ClearedCounts::default();
            if types.contains(&DataType::Cookies) {
                counts.cookies = session.clear_cookies(&filter)?;
                // Chromium's "cookies and site data" takes the HTTP auth cache with it (whole:
                // its entries are not kept by origin filter) and closes the connections that
                // were authenticated with it, unless asked to avoid closing connections (then
                // the auth cache stays too, as Chromium does).
                if !avoid_closing_connections {
                    session.clear_auth_cache();
                    session.net().close_idle_connections();
                }
            }
            if types.contains(&DataType::Cache) {
                counts.cache_entries = session.clear_cache_data(&filter);
                counts.dictionaries = session.clear_dictionary_data(&filter);
                counts.hsts_policies = clear_hsts(&session, &filter);
            }
            if types.contains(&DataType::Downloads) {
                counts.downloads = session.clear_download_history(&filter)?;
            }
            Ok(counts)
        })
        .await
    }

    /// Electron's `clearStorageData`: removes the chosen storages (all when none are given) of
    /// one origin (every origin when none is given).
    ///
    /// Cookies are cleared for real (SESSION-21; for an origin, at registrable-domain
    /// granularity). The other storages — including `cachestorage` and `shadercache`, which are
    /// the Cache API and GPU shaders, not the HTTP cache — are written only by a renderer,
    /// which this library does not have.
    ///
    /// The work runs on a blocking thread; dropping the future does not stop it.
    ///
    /// Example: see [`ClearStorageDataOptions`].
    pub async fn clear_storage_data(
        &self,
        options: ClearStorageDataOptions,
    ) -> Result<ClearedCounts, Error> {
        let filter = match &options.origin {
            Some(origin) => OriginFilter::from_lists(Some(std::slice::from_ref(origin)), None)?,
            None => OriginFilter::All,
        };
        let storages = options
            .storages
            .unwrap_or_else(|| StorageType::ALL.to_vec());
        let session = self.clone();
        run_blocking(move || {
            let mut counts = ClearedCounts::default();
            if storages.contains(&StorageType::Cookies) {
                counts.cookies = session.clear_cookies(&filter)?;
            }
            Ok(counts)
        })
        .await
    }

    /// Removes finished, cancelled and interrupted downloads whose URL the filter covers from
    /// the download history; running downloads stay.
    fn clear_download_history(&self, filter: &OriginFilter) -> Result<usize, Error> {
        let mut removed = 0;
        for item in self.download_manager().downloads() {
            if !item.state().is_terminal() {
                continue;
            }
            let covered = url::Url::parse(&item.url())
                .map(|u| filter.covers_origin(&Origin::from_url(&u)))
                .unwrap_or(matches!(
                    filter,
                    OriginFilter::All | OriginFilter::Except(_)
                ));
            if covered {
                self.download_manager().remove(item.id()).map_err(|e| {
                    Error::with_source(ErrorKind::Io, "cannot clear the download history", e)
                })?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// Removes the HSTS policies the filter covers (by host: policies are kept under a hash of
/// their host, so they match origins' hosts exactly, not by registrable domain).
fn clear_hsts(session: &Session, filter: &OriginFilter) -> usize {
    let policies = session.net().transport_security();
    match filter {
        OriginFilter::All => policies.clear(),
        OriginFilter::Only(list) => list
            .iter()
            .filter_map(Origin::host)
            .filter(|h| policies.delete(h))
            .count(),
        OriginFilter::Except(list) => {
            let keep: Vec<&str> = list.iter().filter_map(Origin::host).collect();
            policies.retain_only(&keep)
        }
    }
}

async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::new(ErrorKind::Io, format!("clearing data did not finish: {e}")))?
}

fn site_key(host: &str) -> String {
    let host = host.to_ascii_lowercase();
    registrable_domain(&host).map(str::to_owned).unwrap_or(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_lists_or_opaque_origins_are_refused() {
        // SESSION-19
        let a = vec!["https://example.com".to_owned()];
        let err = OriginFilter::from_lists(Some(&a), Some(&a)).expect_err("both");
        assert_eq!(
            err.to_string(),
            "Cannot provide both 'origins' and 'excludeOrigins'"
        );
        let opaque = vec!["data:text/plain,hi".to_owned()];
        let err = OriginFilter::from_lists(Some(&opaque), None).expect_err("opaque");
        assert_eq!(err.to_string(), "Invalid origin: 'data:text/plain,hi'");
    }

    #[test]
    fn cookies_match_at_registrable_domain_granularity() {
        // SESSION-17, 18, 19
        let only = OriginFilter::from_lists(
            Some(&["https://really.specific.origin.example.com".to_owned()]),
            None,
        )
        .expect("valid");
        assert!(only.covers_domain("example.com"));
        assert!(only.covers_domain(".www.example.com"));
        assert!(!only.covers_domain("example.org"));
        let except = OriginFilter::from_lists(None, Some(&["https://example.com".to_owned()]))
            .expect("valid");
        assert!(!except.covers_domain("example.com"));
        assert!(except.covers_domain("example.org"));
        let uk =
            OriginFilter::from_lists(Some(&["https://my.website.example.co.uk".to_owned()]), None)
                .expect("valid");
        assert!(uk.covers_domain("example.co.uk"));
        assert!(!uk.covers_domain("other.co.uk"));
    }

    #[test]
    fn data_type_strings_round_trip() {
        for t in DataType::ALL {
            assert_eq!(t.as_str().parse::<DataType>().expect("known"), t);
        }
        assert_eq!(
            "nope".parse::<DataType>().expect_err("unknown").to_string(),
            "Invalid data type: 'nope'"
        );
    }
}
