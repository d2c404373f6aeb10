//! The context of a request, which decides SameSite and partitioned cookies.

use session_base::origin::Site;
use url::Url;

/// Who is reading or writing cookies.
///
/// Example: see [`CookieJar`](crate::CookieJar).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CookieSource {
    /// A network request or response (`Cookie` / `Set-Cookie`).
    Http,
    /// A page's script (`document.cookie`): no HttpOnly cookies.
    Script,
    /// The embedder's API (`cookies.set`): may set HttpOnly, all-inclusive SameSite context.
    Api,
}

/// How same-site a request is, after Chromium's `CookieOptions::SameSiteCookieContext`.
///
/// Example: see [`RequestContext`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SameSiteContext {
    /// Cross-site subresource or non-navigation request.
    CrossSite,
    /// Cross-site top-level navigation with an unsafe method (POST): only SameSite-unspecified
    /// cookies younger than two minutes go (Chromium's Lax-allowing-unsafe).
    LaxUnsafeTopLevel,
    /// Cross-site top-level navigation with a safe method: Lax cookies go.
    Lax,
    /// Same-site: every cookie goes.
    Strict,
}

/// The context of a request: the site for cookies (the initiator's top-level site), the
/// top-level site for partitioned cookies, whether it is a top-level navigation, and the method.
///
/// The default context has no initiator: requests an application makes itself (Electron's
/// `net.fetch` from the main process) are same-site with everything.
///
/// ```
/// use session_cookies::{RequestContext, SameSiteContext};
/// use url::Url;
///
/// let page = Url::parse("https://news.test/article").unwrap();
/// let other = Url::parse("https://shop.test/cart").unwrap();
/// let same = Url::parse("https://img.news.test/a.png").unwrap();
///
/// // A subresource of the page.
/// let ctx = RequestContext::from_page(&page);
/// assert_eq!(ctx.same_site_for_request(&same), SameSiteContext::Strict);
/// assert_eq!(ctx.same_site_for_request(&other), SameSiteContext::CrossSite);
///
/// // A link the user follows to another site: Lax cookies go, Strict ones do not.
/// let nav = RequestContext::from_page(&page).top_level_navigation(true);
/// assert_eq!(nav.same_site_for_request(&other), SameSiteContext::Lax);
/// let post = nav.clone().method("POST");
/// assert_eq!(post.same_site_for_request(&other), SameSiteContext::LaxUnsafeTopLevel);
/// // Its response may still set Lax and Strict cookies.
/// assert_eq!(post.same_site_for_response(&other), SameSiteContext::Lax);
///
/// // The application's own requests have no initiator.
/// assert_eq!(RequestContext::default().same_site_for_request(&other), SameSiteContext::Strict);
/// ```
#[derive(Clone, Debug, Default)]
pub struct RequestContext {
    /// The "site for cookies"; `None` means no initiator (same-site).
    pub site_for_cookies: Option<Site>,
    /// The top-level site, which keys Partitioned cookies; `None` means none are read and
    /// `Partitioned` cookies are stored unpartitioned.
    pub top_frame_site: Option<Site>,
    /// Whether the request is a top-level navigation.
    pub top_level_navigation: bool,
    /// The request method; empty means `GET`.
    pub method: String,
}

impl RequestContext {
    /// A request initiated from the page at `site_for_cookies`, which is also the top frame.
    ///
    /// Example: see [`RequestContext`].
    pub fn from_page(page: &Url) -> Self {
        let site = Site::from_url(page);
        RequestContext {
            site_for_cookies: Some(site.clone()),
            top_frame_site: Some(site),
            top_level_navigation: false,
            method: String::new(),
        }
    }

    /// Marks the request as a top-level navigation.
    ///
    /// Example: see [`RequestContext`].
    pub fn top_level_navigation(mut self, yes: bool) -> Self {
        self.top_level_navigation = yes;
        self
    }

    /// Sets the method.
    ///
    /// Example: see [`RequestContext`].
    pub fn method(mut self, method: &str) -> Self {
        self.method = method.to_owned();
        self
    }

    fn is_safe_method(&self) -> bool {
        self.method.is_empty()
            || ["GET", "HEAD", "OPTIONS", "TRACE"]
                .iter()
                .any(|m| m.eq_ignore_ascii_case(&self.method))
    }

    fn is_same_site(&self, url: &Url) -> bool {
        match &self.site_for_cookies {
            None => true,
            Some(site) => {
                let target = Site::from_url(url);
                site == &target
            }
        }
    }

    /// The SameSite context for sending cookies to `url`.
    ///
    /// Example: see [`RequestContext`].
    pub fn same_site_for_request(&self, url: &Url) -> SameSiteContext {
        if self.is_same_site(url) {
            SameSiteContext::Strict
        } else if self.top_level_navigation {
            if self.is_safe_method() {
                SameSiteContext::Lax
            } else {
                SameSiteContext::LaxUnsafeTopLevel
            }
        } else {
            SameSiteContext::CrossSite
        }
    }

    /// The SameSite context for storing cookies from a response from `url`: a cross-site
    /// top-level navigation may set Lax and Strict cookies, whatever its method.
    ///
    /// Example: see [`RequestContext`].
    pub fn same_site_for_response(&self, url: &Url) -> SameSiteContext {
        if self.is_same_site(url) {
            SameSiteContext::Strict
        } else if self.top_level_navigation {
            SameSiteContext::Lax
        } else {
            SameSiteContext::CrossSite
        }
    }

    /// The partition key Partitioned cookies get and are read under.
    pub(crate) fn partition_key(&self) -> Option<String> {
        self.top_frame_site.as_ref().map(ToString::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[test]
    fn same_site_contexts() {
        let page = url("https://a.example.com/");
        let ctx = RequestContext::from_page(&page);
        assert_eq!(
            ctx.same_site_for_request(&url("https://b.example.com/x")),
            SameSiteContext::Strict
        );
        // schemeful: http is another site than https
        assert_eq!(
            ctx.same_site_for_request(&url("http://b.example.com/x")),
            SameSiteContext::CrossSite
        );
        let nav = ctx.clone().top_level_navigation(true);
        assert_eq!(
            nav.same_site_for_request(&url("https://other.test/")),
            SameSiteContext::Lax
        );
        let post = nav.method("POST");
        assert_eq!(
            post.same_site_for_request(&url("https://other.test/")),
            SameSiteContext::LaxUnsafeTopLevel
        );
        assert_eq!(
            post.same_site_for_response(&url("https://other.test/")),
            SameSiteContext::Lax
        );
        assert_eq!(
            RequestContext::default().same_site_for_request(&url("https://x.test/")),
            SameSiteContext::Strict
        );
    }
}
