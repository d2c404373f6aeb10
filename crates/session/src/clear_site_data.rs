//! `Clear-Site-Data` (W3C Clear Site Data): a response from a secure origin asks the session to
//! clear what it stores for that origin, as Chrome does.
//!
//! - `"cookies"`: the cookies of the origin's registrable domain (every subdomain too, as the
//!   specification says), and the auth cache entries of the origin.
//! - `"cache"`: the HTTP cache entries and the shared dictionaries of the origin.
//! - `"storage"`: what a renderer stores (local storage, IndexedDB, service workers); this
//!   library has none of it, so there is nothing to remove.
//! - `"*"`: all of the above. Unknown types are ignored; values must be quoted strings.
//!
//! The response is held until the data is cleared, so the next request already sees the
//! cleared state.

use std::sync::{Arc, Weak};

use http::HeaderMap;
use session_base::origin::Origin;
use session_net::netlog::Note;
use session_net::stages::{BoxFuture, RequestContext, ResponseFlow, Slot, Stage};
use session_net::{HopResponse, Result as NetResult};

use crate::clear::OriginFilter;
use crate::session::{Inner, Session};

/// What a `Clear-Site-Data` header asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ClearSiteData {
    /// `"cookies"`.
    pub cookies: bool,
    /// `"cache"`.
    pub cache: bool,
    /// `"storage"`.
    pub storage: bool,
}

impl ClearSiteData {
    fn any(self) -> bool {
        self.cookies || self.cache || self.storage
    }
}

/// Parses every `Clear-Site-Data` line of `headers`; `None` when there is none or it names no
/// type this library clears (unquoted tokens are not types, as in Chrome).
pub(crate) fn parse_clear_site_data(headers: &HeaderMap) -> Option<ClearSiteData> {
    let mut out = ClearSiteData::default();
    for value in headers.get_all("clear-site-data") {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            match item.trim() {
                "\"cookies\"" => out.cookies = true,
                "\"cache\"" => out.cache = true,
                "\"storage\"" => out.storage = true,
                "\"*\"" => {
                    out.cookies = true;
                    out.cache = true;
                    out.storage = true;
                }
                _ => {}
            }
        }
    }
    out.any().then_some(out)
}

/// The response stage that honours `Clear-Site-Data`. It holds the session weakly (the session
/// owns the pipeline that owns the stage).
pub(crate) struct ClearSiteDataStage {
    session: Weak<Inner>,
}

/// Puts the `Clear-Site-Data` stage in the session's pipeline.
pub(crate) fn attach(inner: &Arc<Inner>) {
    inner.net.insert_stage(Arc::new(ClearSiteDataStage {
        session: Arc::downgrade(inner),
    }));
}

impl Stage for ClearSiteDataStage {
    fn slot(&self) -> Slot {
        // First on the response side: the data is gone before this response's own
        // `Set-Cookie` is stored, as the specification orders it.
        Slot::BeforeSendHeaders
    }

    fn on_response<'a>(
        &'a self,
        ctx: &'a mut RequestContext,
        response: &'a mut HopResponse,
    ) -> BoxFuture<'a, NetResult<ResponseFlow>> {
        let origin = Origin::from_url(&ctx.url);
        let wanted = parse_clear_site_data(&response.headers)
            .filter(|_| origin.is_potentially_trustworthy());
        let inner = self.session.upgrade();
        Box::pin(async move {
            let (Some(wanted), Some(inner)) = (wanted, inner) else {
                return Ok(ResponseFlow::Continue);
            };
            inner.net.net_log().note(Note::ClearSiteData, || {
                let types: Vec<&str> = [
                    (wanted.cookies, "cookies"),
                    (wanted.cache, "cache"),
                    (wanted.storage, "storage"),
                ]
                .into_iter()
                .filter_map(|(on, name)| on.then_some(name))
                .collect();
                serde_json::json!({ "origin": origin.to_string(), "types": types })
            });
            let session = Session::from_inner(inner);
            let filter = OriginFilter::Only(vec![origin]);
            let _ = tokio::task::spawn_blocking(move || {
                if wanted.cookies {
                    let _ = session.clear_cookies(&filter);
                }
                if wanted.cache {
                    session.clear_cache_data(&filter);
                    session.clear_dictionary_data(&filter);
                }
            })
            .await;
            Ok(ResponseFlow::Continue)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: &[&str]) -> Option<ClearSiteData> {
        let mut h = HeaderMap::new();
        for line in v {
            h.append("clear-site-data", line.parse().expect("hv"));
        }
        parse_clear_site_data(&h)
    }

    #[test]
    fn each_type_and_the_wildcard() {
        assert_eq!(
            parse(&[r#""cookies""#]),
            Some(ClearSiteData {
                cookies: true,
                ..Default::default()
            })
        );
        assert_eq!(
            parse(&[r#""cache", "storage""#]),
            Some(ClearSiteData {
                cache: true,
                storage: true,
                ..Default::default()
            })
        );
        assert_eq!(
            parse(&[r#""*""#]),
            Some(ClearSiteData {
                cookies: true,
                cache: true,
                storage: true
            })
        );
        assert_eq!(
            parse(&[r#""cache""#, r#""cookies""#]),
            Some(ClearSiteData {
                cookies: true,
                cache: true,
                ..Default::default()
            })
        );
    }

    #[test]
    fn unquoted_unknown_and_empty_values_clear_nothing() {
        assert_eq!(parse(&["cookies"]), None);
        assert_eq!(parse(&[r#""executionContexts""#, r#""clientHints""#]), None);
        assert_eq!(parse(&[""]), None);
        assert_eq!(parse(&[]), None);
        assert_eq!(
            parse(&[r#"cache, "cookies""#]),
            Some(ClearSiteData {
                cookies: true,
                ..Default::default()
            })
        );
    }
}
