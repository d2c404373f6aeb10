//! Which requests a listener sees: Electron's `WebRequestFilter` (`urls`, `excludeUrls`,
//! `types`), with Chrome match patterns from `session_base::pattern`.

use session_base::pattern::{MatchPattern, MatchPatternSet};
use url::Url;

use crate::error::{Error, NetError, Result};
use crate::request::ResourceType;

/// A listener's filter. The default matches every request (Electron: a listener registered
/// without a filter, WR-02).
///
/// ```
/// use session_net::ResourceType;
/// use session_net::web_request::Filter;
///
/// let url = |s: &str| url::Url::parse(s).unwrap();
/// let scripts = Filter::urls(&["*://*.example.test/*"])?
///     .exclude_urls(&["*://cdn.example.test/*"])?
///     .types(&[ResourceType::Script]);
/// assert!(scripts.matches(&url("https://www.example.test/app.js"), ResourceType::Script));
/// assert!(!scripts.matches(&url("https://cdn.example.test/app.js"), ResourceType::Script));
/// assert!(!scripts.matches(&url("https://www.example.test/"), ResourceType::MainFrame));
/// assert!(Filter::all().matches(&url("https://other.test/"), ResourceType::Image));
/// assert!(Filter::urls(&["not a pattern"]).is_err());
/// # Ok::<_, session_net::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Filter {
    urls: Option<MatchPatternSet>,
    exclude: Option<MatchPatternSet>,
    types: Vec<ResourceType>,
}

fn parse_patterns(patterns: &[&str]) -> Result<MatchPatternSet> {
    let mut set = Vec::with_capacity(patterns.len());
    for p in patterns {
        let parsed = MatchPattern::parse(p).map_err(|e| {
            Error::new(
                NetError::InvalidArgument,
                format!("Invalid url pattern {p}: {}", e.kind.message()),
            )
        })?;
        set.push(parsed);
    }
    Ok(MatchPatternSet::new(set))
}

impl Filter {
    /// Every request.
    ///
    /// Example: see [`Filter`].
    pub fn all() -> Filter {
        Filter::default()
    }

    /// Requests whose URL matches one of `patterns` (Chrome match patterns, `<all_urls>`).
    /// An empty list matches every URL, as in Electron. A bad pattern is an `Err` naming it
    /// (`Invalid url pattern *://example.com: ...`).
    ///
    /// Example: see [`Filter`].
    pub fn urls(patterns: &[&str]) -> Result<Filter> {
        Ok(Filter {
            urls: (!patterns.is_empty())
                .then(|| parse_patterns(patterns))
                .transpose()?,
            ..Filter::default()
        })
    }

    /// Also leaves out requests whose URL matches one of `patterns` (`excludeUrls`; they win
    /// over `urls`).
    ///
    /// Example: see [`Filter`].
    pub fn exclude_urls(mut self, patterns: &[&str]) -> Result<Filter> {
        self.exclude = (!patterns.is_empty())
            .then(|| parse_patterns(patterns))
            .transpose()?;
        Ok(self)
    }

    /// Only requests of these resource types (`types`; empty: every type).
    ///
    /// Example: see [`Filter`].
    pub fn types(mut self, types: &[ResourceType]) -> Filter {
        self.types = types.to_vec();
        self
    }

    /// Whether a request for `url` of `resource_type` passes: its URL matches `urls` (or
    /// there are none), matches no `excludeUrls`, and its type is one of `types` (or there are
    /// none).
    ///
    /// Example: see [`Filter`].
    pub fn matches(&self, url: &Url, resource_type: ResourceType) -> bool {
        (self.types.is_empty() || self.types.contains(&resource_type))
            && self.urls.as_ref().is_none_or(|set| set.matches(url))
            && !self.exclude.as_ref().is_some_and(|set| set.matches(url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[test]
    fn empty_filter_matches_everything() {
        // WR-02
        let f = Filter::all();
        assert!(f.matches(&u("https://a.test/x"), ResourceType::Other));
        assert!(f.matches(&u("file:///tmp/x"), ResourceType::Xhr));
    }

    #[test]
    fn urls_excludes_and_types_combine() {
        // WR-03, WR-04, WR-05, WR-06, WR-07, WR-08, WR-09
        let f = Filter::urls(&["http://a.test/filter/*"]).expect("filter");
        assert!(f.matches(&u("http://a.test/filter/x"), ResourceType::Other));
        assert!(!f.matches(&u("http://a.test/other"), ResourceType::Other));
        let all = Filter::urls(&["<all_urls>"]).expect("all");
        assert!(all.matches(&u("https://b.test/"), ResourceType::Other));
        let f = Filter::urls(&["<all_urls>"])
            .and_then(|f| f.exclude_urls(&["*://a.test/x/*", "*://b.test/*"]))
            .expect("filter");
        assert!(!f.matches(&u("http://a.test/x/1"), ResourceType::Other));
        assert!(!f.matches(&u("https://b.test/"), ResourceType::Other));
        assert!(f.matches(&u("http://a.test/y"), ResourceType::Other));
        let none_excluded = Filter::urls(&["<all_urls>"])
            .and_then(|f| f.exclude_urls(&[]))
            .expect("filter");
        assert!(none_excluded.matches(&u("http://a.test/"), ResourceType::Other));
        let xhr = Filter::urls(&["*://*/*"])
            .expect("filter")
            .types(&[ResourceType::Xhr]);
        assert!(xhr.matches(&u("http://a.test/"), ResourceType::Xhr));
        assert!(!xhr.matches(&u("http://a.test/"), ResourceType::Stylesheet));
    }

    #[test]
    fn bad_patterns_are_named() {
        // WR-42
        let e = Filter::urls(&["*://*.test/*", "*://www.googleapis.com"]).expect_err("bad");
        assert!(
            e.detail()
                .starts_with("Invalid url pattern *://www.googleapis.com:"),
            "{}",
            e.detail()
        );
        assert!(Filter::urls(&["*://www.googleapis.com/"]).is_ok());
        assert_eq!(
            ResourceType::parse("bogus").expect_err("type").detail(),
            "Invalid type bogus"
        );
        for t in ResourceType::ALL {
            // WR-50
            assert_eq!(ResourceType::parse(t.as_str()).ok(), Some(t));
        }
    }
}
