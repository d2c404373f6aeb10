//! Listeners' answers, and how the answers of a chain combine: Chromium's rules for merging
//! extensions' webRequest answers, as a pure function.
//!
//! - Any cancel wins.
//! - The first redirect in chain order wins; a different redirect of a later listener is a
//!   conflict (ignored).
//! - Header answers replace the whole set (Electron), so each is read as its edits of the
//!   headers the listeners were shown: headers set or changed, headers removed. The edits apply
//!   in chain order; a later listener's edit of a header an earlier one already edited to
//!   something else is a conflict (ignored). One listener's answer is therefore taken as it is.
//! - The first status line given wins.

use http::{HeaderMap, HeaderName};

/// A blocking listener's answer (Electron's callback response). The default changes nothing.
///
/// ```
/// use http::HeaderMap;
/// use session_net::web_request::{Answer, merge};
///
/// let mut added = HeaderMap::new();
/// added.insert("x-app", "1".parse().unwrap());
/// let answers = [
///     ("first", Answer::proceed()),
///     ("second", Answer::redirect("https://mirror.test/")),
///     ("third", Answer::request_headers(added.clone())),
///     ("fourth", Answer::cancel()),
/// ];
/// let merged = merge(&answers, Some(&HeaderMap::new()), None);
/// assert_eq!(merged.cancelled_by.as_deref(), Some("fourth"));
/// assert_eq!(merged.redirect_url.as_deref(), Some("https://mirror.test/"));
/// assert_eq!(merged.request_headers.unwrap()["x-app"], "1");
///
/// let not_found = Answer::response_headers(HeaderMap::new()).with_status_line("HTTP/1.1 404 Not Found");
/// assert_eq!(not_found.status_line.as_deref(), Some("HTTP/1.1 404 Not Found"));
/// ```
/// In a session: see [`WebRequest`](crate::web_request::WebRequest).
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Answer {
    /// Cancel the request (`net::ERR_BLOCKED_BY_CLIENT`).
    pub cancel: bool,
    /// `onBeforeRequest`: go to this URL instead (a `307 Internal Redirect`).
    pub redirect_url: Option<String>,
    /// `onBeforeSendHeaders`: the request headers to send (the whole set).
    pub request_headers: Option<HeaderMap>,
    /// `onHeadersReceived`: the response headers (the whole set).
    pub response_headers: Option<HeaderMap>,
    /// `onHeadersReceived`: a new status line (`HTTP/1.1 404 Not Found`).
    pub status_line: Option<String>,
}

impl Answer {
    /// Go on unchanged (`callback({})`).
    ///
    /// Example: see [`Answer`].
    pub fn proceed() -> Answer {
        Answer::default()
    }

    /// Cancel the request (`callback({cancel: true})`).
    ///
    /// Example: see [`Answer`].
    pub fn cancel() -> Answer {
        Answer {
            cancel: true,
            ..Answer::default()
        }
    }

    /// Redirect to `url` (`callback({redirectURL})`).
    ///
    /// Example: see [`Answer`].
    pub fn redirect(url: impl Into<String>) -> Answer {
        Answer {
            redirect_url: Some(url.into()),
            ..Answer::default()
        }
    }

    /// Send these request headers (`callback({requestHeaders})`).
    ///
    /// Example: see [`Answer`].
    pub fn request_headers(headers: HeaderMap) -> Answer {
        Answer {
            request_headers: Some(headers),
            ..Answer::default()
        }
    }

    /// Use these response headers (`callback({responseHeaders})`).
    ///
    /// Example: see [`Answer`].
    pub fn response_headers(headers: HeaderMap) -> Answer {
        Answer {
            response_headers: Some(headers),
            ..Answer::default()
        }
    }

    fn changes_nothing(&self) -> bool {
        !self.cancel
            && self.redirect_url.is_none()
            && self.request_headers.is_none()
            && self.response_headers.is_none()
            && self.status_line.is_none()
    }

    /// Also sets the status line (`callback({statusLine})`).
    ///
    /// Example: see [`Answer`].
    pub fn with_status_line(mut self, line: impl Into<String>) -> Answer {
        self.status_line = Some(line.into());
        self
    }
}

/// The answers of a chain, combined.
///
/// Example: see [`Answer`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Merged {
    /// The name of the first listener that cancelled.
    pub cancelled_by: Option<String>,
    /// The redirect to follow.
    pub redirect_url: Option<String>,
    /// The request headers to send, when any listener answered some.
    pub request_headers: Option<HeaderMap>,
    /// The response headers to use, when any listener answered some.
    pub response_headers: Option<HeaderMap>,
    /// The status line to use.
    pub status_line: Option<String>,
    /// Answers ignored because an earlier listener decided otherwise, one line each.
    pub conflicts: Vec<String>,
}

/// Combines `answers` (name, answer, in chain order) given to listeners that were shown
/// `request_headers` / `response_headers`.
///
/// Example: see [`Answer`].
pub fn merge(
    answers: &[(&str, Answer)],
    request_headers: Option<&HeaderMap>,
    response_headers: Option<&HeaderMap>,
) -> Merged {
    let mut out = Merged::default();
    if answers.iter().all(|(_, a)| a.changes_nothing()) {
        return out;
    }
    for (name, a) in answers {
        if a.cancel && out.cancelled_by.is_none() {
            out.cancelled_by = Some((*name).to_string());
        }
        if let Some(url) = &a.redirect_url {
            match &out.redirect_url {
                None => out.redirect_url = Some(url.clone()),
                Some(first) if first != url => out.conflicts.push(format!(
                    "{name}: redirect to {url} ignored, an earlier listener redirected to {first}"
                )),
                Some(_) => {}
            }
        }
        if let Some(line) = &a.status_line {
            match &out.status_line {
                None => out.status_line = Some(line.clone()),
                Some(first) if first != line => out.conflicts.push(format!(
                    "{name}: status line '{line}' ignored, an earlier listener set '{first}'"
                )),
                Some(_) => {}
            }
        }
    }
    let empty = HeaderMap::new();
    let edits = |pick: fn(&Answer) -> Option<&HeaderMap>| -> Vec<(&str, &HeaderMap)> {
        answers
            .iter()
            .filter_map(|(n, a)| pick(a).map(|h| (*n, h)))
            .collect()
    };
    let req = edits(|a| a.request_headers.as_ref());
    if !req.is_empty() {
        out.request_headers = Some(merge_headers(
            request_headers.unwrap_or(&empty),
            &req,
            &mut out.conflicts,
        ));
    }
    let resp = edits(|a| a.response_headers.as_ref());
    if !resp.is_empty() {
        out.response_headers = Some(merge_headers(
            response_headers.unwrap_or(&empty),
            &resp,
            &mut out.conflicts,
        ));
    }
    out
}

/// Applies each answer's edits of `original` in order; see the module docs.
///
/// ```
/// use http::HeaderMap;
/// use session_net::web_request::merge_headers;
///
/// let original = HeaderMap::new();
/// let mut a = HeaderMap::new();
/// a.insert("x-a", "1".parse().unwrap());
/// let mut b = HeaderMap::new();
/// b.insert("x-b", "2".parse().unwrap());
/// let mut conflicts = Vec::new();
/// let merged = merge_headers(&original, &[("a", &a), ("b", &b)], &mut conflicts);
/// assert_eq!((merged["x-a"].to_str().unwrap(), merged["x-b"].to_str().unwrap()), ("1", "2"));
/// assert!(conflicts.is_empty());
/// ```
pub fn merge_headers(
    original: &HeaderMap,
    answers: &[(&str, &HeaderMap)],
    conflicts: &mut Vec<String>,
) -> HeaderMap {
    if let [(_, only)] = answers {
        return (*only).clone();
    }
    let mut out = original.clone();
    // Which listener edited a header first, and what it made of it (`None`: removed).
    let mut edited: Vec<(HeaderName, &str, Option<Vec<&http::HeaderValue>>)> = Vec::new();
    for (name, answer) in answers {
        let mut changes: Vec<(HeaderName, Option<Vec<&http::HeaderValue>>)> = Vec::new();
        for key in answer.keys() {
            let new: Vec<_> = answer.get_all(key).iter().collect();
            let old: Vec<_> = original.get_all(key).iter().collect();
            if new != old {
                changes.push((key.clone(), Some(new)));
            }
        }
        for key in original.keys() {
            if !answer.contains_key(key) {
                changes.push((key.clone(), None));
            }
        }
        for (key, value) in changes {
            if let Some((_, first, before)) = edited.iter().find(|(k, _, _)| *k == key) {
                if *before != value {
                    conflicts.push(format!(
                        "{name}: edit of header {key} ignored, {first} edited it first"
                    ));
                }
                continue;
            }
            out.remove(&key);
            if let Some(values) = &value {
                for v in values {
                    out.append(key.clone(), (*v).clone());
                }
            }
            edited.push((key, name, value));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn any_cancel_wins_and_the_first_redirect_wins() {
        let m = merge(
            &[
                ("a", Answer::redirect("https://one.test/")),
                ("b", Answer::cancel()),
                ("c", Answer::redirect("https://two.test/")),
            ],
            None,
            None,
        );
        assert_eq!(m.cancelled_by.as_deref(), Some("b"));
        assert_eq!(m.redirect_url.as_deref(), Some("https://one.test/"));
        assert_eq!(m.conflicts.len(), 1);
        assert!(m.conflicts[0].starts_with("c: redirect to https://two.test/ ignored"));
        let none = merge(&[("a", Answer::proceed())], None, None);
        assert_eq!(none, Merged::default());
    }

    #[test]
    fn one_answer_replaces_the_whole_set() {
        // WR-23, WR-24
        let original = headers(&[("accept", "*/*"), ("x-a", "1")]);
        let m = merge(
            &[("a", Answer::request_headers(headers(&[("test", "header")])))],
            Some(&original),
            None,
        );
        assert_eq!(m.request_headers, Some(headers(&[("test", "header")])));
        let m = merge(&[("a", Answer::proceed())], Some(&original), None);
        assert_eq!(m.request_headers, None, "callback({{}}) changes nothing");
    }

    #[test]
    fn edits_of_several_listeners_apply_in_order() {
        let original = headers(&[("accept", "*/*"), ("x-gone", "1"), ("x-keep", "k")]);
        // a adds x-a and removes x-gone; b sets accept and also removes x-gone (the same edit,
        // no conflict); c leaves accept and x-gone as they were shown (no edit of them), sets
        // x-a differently (a conflict, ignored) and adds x-c.
        let a = headers(&[("accept", "*/*"), ("x-keep", "k"), ("x-a", "a")]);
        let b = headers(&[("accept", "text/html"), ("x-keep", "k")]);
        let c = headers(&[
            ("accept", "*/*"),
            ("x-gone", "1"),
            ("x-keep", "k"),
            ("x-a", "c"),
            ("x-c", "c"),
        ]);
        let mut conflicts = Vec::new();
        let out = merge_headers(
            &original,
            &[("a", &a), ("b", &b), ("c", &c)],
            &mut conflicts,
        );
        assert_eq!(
            out.get("accept").map(|v| v.as_bytes()),
            Some(&b"text/html"[..])
        );
        assert_eq!(out.get("x-a").map(|v| v.as_bytes()), Some(&b"a"[..]));
        assert_eq!(out.get("x-c").map(|v| v.as_bytes()), Some(&b"c"[..]));
        assert_eq!(out.get("x-keep").map(|v| v.as_bytes()), Some(&b"k"[..]));
        assert!(out.get("x-gone").is_none());
        assert_eq!(
            conflicts,
            ["c: edit of header x-a ignored, a edited it first"]
        );
    }

    #[test]
    fn the_first_status_line_wins() {
        let m = merge(
            &[
                (
                    "a",
                    Answer::response_headers(headers(&[("x", "1")]))
                        .with_status_line("HTTP/1.1 404 Not Found"),
                ),
                ("b", Answer::proceed().with_status_line("HTTP/1.1 500 Oops")),
            ],
            None,
            Some(&headers(&[("x", "0")])),
        );
        assert_eq!(m.status_line.as_deref(), Some("HTTP/1.1 404 Not Found"));
        assert_eq!(m.response_headers, Some(headers(&[("x", "1")])));
        assert_eq!(m.conflicts.len(), 1);
    }
}
