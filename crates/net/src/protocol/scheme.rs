//! Custom schemes and their privileges (Electron's `CustomScheme`), and the canonicalisation
//! of `standard` schemes.
//!
//! A `standard` scheme's URLs are parsed like `http`'s (RFC 3986 generic syntax with an
//! authority): the host is lower-cased, the path defaults to `/`, dot segments are removed, and
//! as in Chromium's `SCHEME_WITH_HOST` type a port and user information are dropped. The `url`
//! crate treats schemes it does not know as opaque, so [`canonicalize_standard`] does this step
//! itself. Other custom schemes' URLs reach their handler verbatim (PROTO-25).
//!
//! Of the privileges only `standard` changes what this library does. The others (`secure`,
//! `bypassCSP`, `allowServiceWorkers`, `supportFetchAPI`, `corsEnabled`, `stream`, `codeCache`)
//! decide what a renderer allows; there is no renderer here, so they are kept and readable for
//! the embedder that has one (`fetch` of this library is not subject to CORS, FETCH-12).
//!
//! ```
//! use session_net::protocol::scheme::{CustomScheme, Privileges, Schemes, canonicalize_standard, check_scheme};
//!
//! let app = CustomScheme::new("App", Privileges::new().standard(true).secure(true).stream(true));
//! let plain = CustomScheme::new(
//!     "notes",
//!     Privileges::new()
//!         .bypass_csp(true)
//!         .allow_service_workers(true)
//!         .support_fetch_api(true)
//!         .cors_enabled(true)
//!         .code_cache(true),
//! );
//! let schemes = Schemes::new(&[app]).unwrap().with(&[plain]).unwrap();
//! assert!(!schemes.is_empty());
//! assert_eq!(schemes.list().iter().map(|s| s.scheme.as_str()).collect::<Vec<_>>(), ["app", "notes"]);
//! let privileges = schemes.privileges("app").unwrap();
//! assert!(privileges.standard && privileges.secure && !privileges.bypass_csp);
//!
//! // Only `standard` changes how URLs are read.
//! let url = url::Url::parse("app://Host:1234/a/../b").unwrap();
//! assert_eq!(schemes.canonicalize(&url).unwrap().as_str(), "app://host/b");
//! let opaque = url::Url::parse("notes://Host/a/../b").unwrap();
//! assert_eq!(schemes.canonicalize(&opaque).unwrap(), opaque);
//! assert_eq!(canonicalize_standard("app:///foo").unwrap().as_str(), "app://foo/");
//! assert!(canonicalize_standard("app://").is_err());
//!
//! assert_eq!(check_scheme("My-App+1").unwrap(), "my-app+1");
//! assert!(check_scheme("1app").is_err());
//! // Electron's JSON shape.
//! let json = serde_json::json!({"scheme": "x", "privileges": {"standard": true, "corsEnabled": true}});
//! let parsed: CustomScheme = serde_json::from_value(json).unwrap();
//! assert!(parsed.privileges.cors_enabled);
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::{Error, NetError, Result};

/// The privileges of a custom scheme (Electron's `CustomScheme.privileges`; serde names as
/// Electron's).
///
/// Example: see [the module's example](self).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct Privileges {
    /// URLs are parsed like `http` (see [`canonicalize_standard`]).
    pub standard: bool,
    /// Treated as secure (like `https`) by a renderer.
    pub secure: bool,
    /// Content Security Policy is not applied by a renderer.
    #[serde(rename = "bypassCSP")]
    pub bypass_csp: bool,
    /// Service workers may be registered by a renderer.
    pub allow_service_workers: bool,
    /// A renderer's `fetch` may load it.
    #[serde(rename = "supportFetchAPI")]
    pub support_fetch_api: bool,
    /// CORS applies in a renderer, so cross-origin reads can be allowed.
    pub cors_enabled: bool,
    /// Media elements may stream from it.
    pub stream: bool,
    /// V8 code cache for scripts (Electron: only with `standard`).
    pub code_cache: bool,
}

impl Privileges {
    /// No privileges.
    ///
    /// Example: see [the module's example](self).
    pub fn new() -> Self {
        Privileges::default()
    }

    /// Sets `standard`.
    ///
    /// Example: see [the module's example](self).
    pub fn standard(mut self, yes: bool) -> Self {
        self.standard = yes;
        self
    }

    /// Sets `secure`.
    ///
    /// Example: see [the module's example](self).
    pub fn secure(mut self, yes: bool) -> Self {
        self.secure = yes;
        self
    }

    /// Sets `bypassCSP`.
    ///
    /// Example: see [the module's example](self).
    pub fn bypass_csp(mut self, yes: bool) -> Self {
        self.bypass_csp = yes;
        self
    }

    /// Sets `allowServiceWorkers`.
    ///
    /// Example: see [the module's example](self).
    pub fn allow_service_workers(mut self, yes: bool) -> Self {
        self.allow_service_workers = yes;
        self
    }

    /// Sets `supportFetchAPI`.
    ///
    /// Example: see [the module's example](self).
    pub fn support_fetch_api(mut self, yes: bool) -> Self {
        self.support_fetch_api = yes;
        self
    }

    /// Sets `corsEnabled`.
    ///
    /// Example: see [the module's example](self).
    pub fn cors_enabled(mut self, yes: bool) -> Self {
        self.cors_enabled = yes;
        self
    }

    /// Sets `stream`.
    ///
    /// Example: see [the module's example](self).
    pub fn stream(mut self, yes: bool) -> Self {
        self.stream = yes;
        self
    }

    /// Sets `codeCache`.
    ///
    /// Example: see [the module's example](self).
    pub fn code_cache(mut self, yes: bool) -> Self {
        self.code_cache = yes;
        self
    }
}

/// A scheme and its privileges (Electron's `CustomScheme`).
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomScheme {
    /// The scheme, without `:`.
    pub scheme: String,
    /// Its privileges.
    #[serde(default)]
    pub privileges: Privileges,
}

impl CustomScheme {
    /// `scheme` with `privileges`.
    ///
    /// Example: see [the module's example](self).
    pub fn new(scheme: impl Into<String>, privileges: Privileges) -> Self {
        CustomScheme {
            scheme: scheme.into(),
            privileges,
        }
    }
}

/// Checks a scheme name (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`) and returns
/// it lower-cased.
///
/// Example: see [the module's example](self).
pub fn check_scheme(scheme: &str) -> Result<String> {
    let mut chars = scheme.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !ok {
        return Err(Error::new(
            NetError::InvalidArgument,
            format!(
                "'{scheme}' is not a valid scheme (a letter, then letters, digits, '+', '-' or '.')"
            ),
        ));
    }
    Ok(scheme.to_ascii_lowercase())
}

/// Schemes the `url` crate already parses as standard (its "special" schemes).
fn url_special(scheme: &str) -> bool {
    matches!(scheme, "http" | "https" | "ws" | "wss" | "ftp" | "file")
}

/// The privileged schemes of an application: fixed once its first session exists, shared by
/// every session (a cheap clone).
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schemes {
    map: Arc<BTreeMap<String, Privileges>>,
}

impl Schemes {
    /// The set of `schemes`, each checked with [`check_scheme`]; a scheme listed twice keeps
    /// its last privileges.
    ///
    /// Example: see [the module's example](self).
    pub fn new(schemes: &[CustomScheme]) -> Result<Self> {
        let mut map = BTreeMap::new();
        for s in schemes {
            map.insert(check_scheme(&s.scheme)?, s.privileges);
        }
        Ok(Schemes { map: Arc::new(map) })
    }

    /// This set with `more` added (later entries replace earlier ones).
    ///
    /// Example: see [the module's example](self).
    pub fn with(&self, more: &[CustomScheme]) -> Result<Self> {
        let mut map = (*self.map).clone();
        for s in more {
            map.insert(check_scheme(&s.scheme)?, s.privileges);
        }
        Ok(Schemes { map: Arc::new(map) })
    }

    /// The privileges registered for `scheme`.
    ///
    /// Example: see [the module's example](self).
    pub fn privileges(&self, scheme: &str) -> Option<Privileges> {
        self.map.get(&scheme.to_ascii_lowercase()).copied()
    }

    /// Every registered scheme, sorted by name.
    ///
    /// Example: see [the module's example](self).
    pub fn list(&self) -> Vec<CustomScheme> {
        self.map
            .iter()
            .map(|(s, p)| CustomScheme::new(s.clone(), *p))
            .collect()
    }

    /// Whether nothing is registered.
    ///
    /// Example: see [the module's example](self).
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// `url` as a request of this application sees it: canonicalised with
    /// [`canonicalize_standard`] when its scheme is registered `standard`, unchanged otherwise.
    ///
    /// Example: see [the module's example](self).
    pub fn canonicalize(&self, url: &Url) -> Result<Url> {
        if url_special(url.scheme()) || !self.privileges(url.scheme()).is_some_and(|p| p.standard) {
            return Ok(url.clone());
        }
        canonicalize_standard(url.as_str())
    }
}

/// Parses `url` the way Chromium parses a standard scheme with a host and no port
/// (`SCHEME_WITH_HOST`): `app://FOO` → `app://foo/`, `app:///foo` → `app://foo/`,
/// `app://foo:1234/a/../b` → `app://foo/b`; `app://` (no host) is an invalid URL (PROTO-26).
///
/// Example: see [the module's example](self).
pub fn canonicalize_standard(url: &str) -> Result<Url> {
    let invalid =
        |why: &str| Error::new(NetError::InvalidUrl, format!("Invalid URL '{url}': {why}"));
    let (scheme, rest) = url.split_once(':').ok_or_else(|| invalid("no scheme"))?;
    let scheme = check_scheme(scheme).map_err(|_| invalid("bad scheme"))?;
    if url_special(&scheme) {
        return Url::parse(url).map_err(|e| invalid(&e.to_string()));
    }
    // Parsed as `http`, which the url crate knows to be standard, then given its scheme back.
    let generic = Url::parse(&format!("http:{rest}")).map_err(|e| invalid(&e.to_string()))?;
    let host = generic
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| invalid("no host"))?;
    let mut text = format!("{scheme}://{host}{}", generic.path());
    if let Some(q) = generic.query() {
        text.push('?');
        text.push_str(q);
    }
    if let Some(f) = generic.fragment() {
        text.push('#');
        text.push_str(f);
    }
    Url::parse(&text).map_err(|e| invalid(&e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        canonicalize_standard(s).expect(s).to_string()
    }

    #[test]
    fn standard_schemes_are_canonicalised_like_http() {
        // PROTO-26
        assert_eq!(canon("app://foo"), "app://foo/");
        assert_eq!(canon("app:///foo"), "app://foo/");
        assert_eq!(canon("app://foo:1234"), "app://foo/");
        let e = canonicalize_standard("app://").expect_err("no host");
        assert_eq!(e.kind(), NetError::InvalidUrl);
        assert!(e.to_string().contains("Invalid URL"), "{e}");
        // Host lower-cased, dot segments removed, user information dropped.
        assert_eq!(
            canon("APP://Foo.Example/a/./b/../c"),
            "app://foo.example/a/c"
        );
        assert_eq!(canon("app://u:p@foo/%2e%2e/x"), "app://foo/x");
        assert_eq!(canon("app://foo/a?q=1#f"), "app://foo/a?q=1#f");
        assert_eq!(canon("app://foo/a b"), "app://foo/a%20b");
        assert_eq!(canon("app:foo"), "app://foo/");
        // Special schemes are left to the url crate.
        assert_eq!(canon("http://FOO"), "http://foo/");
    }

    #[test]
    fn other_schemes_are_verbatim() {
        // PROTO-25: a scheme that is not standard keeps its URL as written.
        let schemes = Schemes::new(&[CustomScheme::new("app", Privileges::new().standard(true))])
            .expect("schemes");
        for s in [
            "test-scheme://foo/",
            "test-scheme:///foo",
            "test-scheme://",
            "test-scheme://foo/:30",
        ] {
            let url = Url::parse(s).expect(s);
            assert_eq!(schemes.canonicalize(&url).expect(s).as_str(), s);
        }
        let app = Url::parse("app://Foo:99/x/../y").expect("app");
        assert_eq!(
            schemes.canonicalize(&app).expect("app").as_str(),
            "app://foo/y"
        );
        // PROTO-27: http URLs get their `/` from the url crate.
        let http = Url::parse("http://foo").expect("http");
        assert_eq!(
            schemes.canonicalize(&http).expect("http").as_str(),
            "http://foo/"
        );
    }

    #[test]
    fn scheme_names_are_checked() {
        assert_eq!(check_scheme("App-1.x+y").expect("ok"), "app-1.x+y");
        for bad in ["", "1app", "a b", "app:", "ä"] {
            assert!(check_scheme(bad).is_err(), "{bad}");
        }
        assert!(Schemes::new(&[CustomScheme::new("bad scheme", Privileges::new())]).is_err());
    }

    #[test]
    fn privileges_are_kept_and_named_as_electron() {
        let p = Privileges::new()
            .standard(true)
            .secure(true)
            .bypass_csp(true)
            .allow_service_workers(true)
            .support_fetch_api(true)
            .cors_enabled(true)
            .stream(true)
            .code_cache(true);
        let s = Schemes::new(&[
            CustomScheme::new("app", Privileges::new()),
            CustomScheme::new("APP", p),
        ])
        .expect("schemes");
        assert_eq!(s.privileges("app"), Some(p));
        assert_eq!(s.list().len(), 1);
        let json = serde_json::to_value(CustomScheme::new("app", p)).expect("json");
        for key in [
            "standard",
            "secure",
            "bypassCSP",
            "allowServiceWorkers",
            "supportFetchAPI",
            "corsEnabled",
            "stream",
            "codeCache",
        ] {
            assert_eq!(json["privileges"][key], true, "{key}");
        }
        let back: CustomScheme =
            serde_json::from_str(r#"{"scheme":"x","privileges":{"standard":true}}"#).expect("de");
        assert!(back.privileges.standard && !back.privileges.secure);
    }
}
