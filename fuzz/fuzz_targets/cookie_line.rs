//! `Set-Cookie` lines (and the cookie-date algorithm inside them) into a jar.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_cookies::{CookieJar, CookieSource, Limits, RequestContext};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let url = url::Url::parse("https://www.example.co.uk/a/b").expect("url");
    let ctx = RequestContext::from_page(&url);
    let mut jar = CookieJar::new(Limits::default());
    let now = session_cookies::date::now_micros();
    for line in text.lines() {
        let _ = session_cookies::date::parse_cookie_date(line);
        for source in [CookieSource::Http, CookieSource::Script] {
            let _ = jar.set_from_header(&url, line, &ctx, source, now);
        }
    }
    let _ = jar.len();
});
