//! The cookie types: the jar's canonical cookie and Electron's `Cookie` object.

use serde::{Deserialize, Serialize};

use crate::date::Micros;
use crate::error::{Error, ErrorKind};

/// A cookie's SameSite policy, named as Electron names it.
///
/// ```
/// use session_cookies::SameSite;
///
/// assert_eq!(SameSite::NoRestriction.as_str(), "no_restriction");
/// assert_eq!(SameSite::parse("lax").unwrap(), SameSite::Lax);
/// assert_eq!(SameSite::default(), SameSite::Unspecified);
/// let err = SameSite::parse("none").unwrap_err(); // Electron's name is `no_restriction`
/// assert_eq!(err.to_string(), "Failed to convert 'none' to an appropriate cookie same site value");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SameSite {
    /// No SameSite attribute; treated as Lax when deciding whether to send.
    #[default]
    Unspecified,
    /// `SameSite=None`.
    NoRestriction,
    /// `SameSite=Lax`.
    Lax,
    /// `SameSite=Strict`.
    Strict,
}

impl SameSite {
    /// Electron's string for the policy.
    ///
    /// Example: see [`SameSite`].
    pub fn as_str(self) -> &'static str {
        match self {
            SameSite::Unspecified => "unspecified",
            SameSite::NoRestriction => "no_restriction",
            SameSite::Lax => "lax",
            SameSite::Strict => "strict",
        }
    }

    /// Parses Electron's string, with Electron's message for anything else.
    ///
    /// Example: see [`SameSite`].
    pub fn parse(s: &str) -> Result<Self, Error> {
        match s {
            "unspecified" => Ok(SameSite::Unspecified),
            "no_restriction" => Ok(SameSite::NoRestriction),
            "lax" => Ok(SameSite::Lax),
            "strict" => Ok(SameSite::Strict),
            _ => Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("Failed to convert '{s}' to an appropriate cookie same site value"),
            )),
        }
    }

    pub(crate) fn to_db(self) -> i64 {
        match self {
            SameSite::Unspecified => -1,
            SameSite::NoRestriction => 0,
            SameSite::Lax => 1,
            SameSite::Strict => 2,
        }
    }

    pub(crate) fn from_db(v: i64) -> Self {
        match v {
            0 => SameSite::NoRestriction,
            1 => SameSite::Lax,
            2 => SameSite::Strict,
            _ => SameSite::Unspecified,
        }
    }
}

/// A cookie's priority (the non-standard `Priority` attribute), used by eviction.
///
/// ```
/// use session_cookies::{Cookies, Priority, RequestContext};
/// use url::Url;
///
/// let jar = Cookies::default();
/// let url = Url::parse("https://a.test/").unwrap();
/// let ctx = RequestContext::default();
/// jar.set_from_response(&url, &["keep=1; Priority=High", "plain=1"], &ctx).unwrap();
/// let priorities: Vec<Priority> = jar.all().iter().map(|c| c.priority).collect();
/// assert_eq!(priorities, [Priority::High, Priority::Medium]);
/// assert!(Priority::Low < Priority::Medium); // low priority is evicted first
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Priority {
    /// Evicted first.
    Low,
    /// The default.
    #[default]
    Medium,
    /// Evicted last.
    High,
}

impl Priority {
    pub(crate) fn to_db(self) -> i64 {
        match self {
            Priority::Low => 0,
            Priority::Medium => 1,
            Priority::High => 2,
        }
    }

    pub(crate) fn from_db(v: i64) -> Self {
        match v {
            0 => Priority::Low,
            2 => Priority::High,
            _ => Priority::Medium,
        }
    }
}

/// A cookie as the jar holds it.
///
/// ```
/// use session_cookies::{Cookies, RequestContext, SameSite};
/// use session_cookies::date::now_micros;
/// use url::Url;
///
/// let jar = Cookies::default();
/// let url = Url::parse("https://www.a.test/").unwrap();
/// let ctx = RequestContext::default();
/// jar.set_from_response(&url, &["sid=1; Domain=a.test; Max-Age=3600; Secure", "tmp=2"], &ctx)
///     .unwrap();
/// let all = jar.all();
/// let (sid, tmp) = (&all[0], &all[1]);
/// assert_eq!((sid.domain.as_str(), sid.host_only), ("a.test", false));
/// assert_eq!(sid.display_domain(), ".a.test");
/// assert!(sid.is_persistent() && !tmp.is_persistent());
/// assert!(!sid.is_expired(now_micros()));
/// assert!(sid.is_expired(now_micros() + 3_601_000_000));
/// assert!(!sid.is_equivalent(tmp));
///
/// // Electron's `Cookie` object.
/// let electron = sid.to_electron();
/// assert_eq!(electron.domain.as_deref(), Some(".a.test"));
/// assert_eq!((electron.secure, electron.session), (Some(true), Some(false)));
/// assert_eq!(electron.same_site, SameSite::Unspecified);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CanonicalCookie {
    /// Name (may be empty).
    pub name: String,
    /// Value.
    pub value: String,
    /// Domain, lower-case, without a leading dot.
    pub domain: String,
    /// Whether the cookie is sent only to exactly [`CanonicalCookie::domain`].
    pub host_only: bool,
    /// Path, starting with `/`.
    pub path: String,
    /// Creation time; unique within a jar, kept across overwrites.
    pub creation: Micros,
    /// Expiry time; `None` for a session cookie.
    pub expires: Option<Micros>,
    /// Last time the cookie was sent or read by a request.
    pub last_access: Micros,
    /// Sent only over secure connections.
    pub secure: bool,
    /// Hidden from scripts.
    pub http_only: bool,
    /// SameSite policy.
    pub same_site: SameSite,
    /// Eviction priority.
    pub priority: Priority,
    /// For a Partitioned (CHIPS) cookie, the top-level site it is keyed by
    /// (`https://example.com`).
    pub partition_key: Option<String>,
}

impl CanonicalCookie {
    /// Whether the cookie has expired at `now`.
    ///
    /// Example: see [`CanonicalCookie`].
    pub fn is_expired(&self, now: Micros) -> bool {
        self.expires.is_some_and(|e| e <= now)
    }

    /// Whether the cookie outlives its session.
    ///
    /// Example: see [`CanonicalCookie`].
    pub fn is_persistent(&self) -> bool {
        self.expires.is_some()
    }

    /// Whether `other` is the same cookie for overwriting: name, domain, host-only, path and
    /// partition key.
    ///
    /// Example: see [`CanonicalCookie`].
    pub fn is_equivalent(&self, other: &CanonicalCookie) -> bool {
        self.name == other.name
            && self.domain == other.domain
            && self.host_only == other.host_only
            && self.path == other.path
            && self.partition_key == other.partition_key
    }

    /// The domain as Electron shows it: with a leading dot for domain cookies.
    ///
    /// Example: see [`CanonicalCookie`].
    pub fn display_domain(&self) -> String {
        if self.host_only {
            self.domain.clone()
        } else {
            format!(".{}", self.domain)
        }
    }

    /// Electron's `Cookie` object for this cookie.
    ///
    /// Example: see [`CanonicalCookie`].
    pub fn to_electron(&self) -> Cookie {
        Cookie {
            name: self.name.clone(),
            value: self.value.clone(),
            domain: Some(self.display_domain()),
            host_only: Some(self.host_only),
            path: Some(self.path.clone()),
            secure: Some(self.secure),
            http_only: Some(self.http_only),
            session: Some(self.expires.is_none()),
            expiration_date: self.expires.map(|e| e as f64 / 1e6),
            same_site: self.same_site,
            partition_key: self.partition_key.as_ref().map(|site| CookiePartitionKey {
                top_level_site: site.clone(),
            }),
        }
    }
}

/// Electron's `Cookie` structure, as `cookies.get` returns it (serde: Electron's camelCase).
///
/// ```
/// use session_cookies::{Cookie, SameSite};
///
/// // serde uses Electron's camelCase names.
/// let cookie: Cookie = serde_json::from_value(serde_json::json!({
///     "name": "sid", "value": "1", "domain": ".a.test", "httpOnly": true, "sameSite": "strict",
///     "partitionKey": { "topLevelSite": "https://b.test" },
/// }))
/// .unwrap();
/// assert_eq!(cookie.http_only, Some(true));
/// assert_eq!(cookie.same_site, SameSite::Strict);
/// assert_eq!(cookie.partition_key.unwrap().top_level_site, "https://b.test");
/// ```
/// Jars return it from [`Cookies::get`](crate::Cookies::get).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cookie {
    /// The name of the cookie.
    pub name: String,
    /// The value of the cookie.
    #[serde(default)]
    pub value: String,
    /// The domain; a leading dot marks a domain cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Whether the cookie is host-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_only: Option<bool>,
    /// The path of the cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Whether the cookie is marked Secure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secure: Option<bool>,
    /// Whether the cookie is marked HttpOnly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_only: Option<bool>,
    /// Whether it is a session cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<bool>,
    /// Expiry in seconds since the Unix epoch; absent for session cookies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<f64>,
    /// The SameSite policy.
    #[serde(default)]
    pub same_site: SameSite,
    /// The partition of a Partitioned (CHIPS) cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_key: Option<CookiePartitionKey>,
}

/// Electron's `CookiePartitionKey`: the top-level site a Partitioned cookie belongs to.
///
/// Example: see [`Cookie`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CookiePartitionKey {
    /// The top-level site, e.g. `https://example.com`.
    pub top_level_site: String,
}
