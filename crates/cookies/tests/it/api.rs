use session_cookies::{
    ChangeCause, CookieDetails, CookieFilter, Cookies, CookiesEvent, CookiesOptions, ErrorKind,
    RequestContext, SameSite,
};
use url::Url;

fn jar() -> Cookies {
    Cookies::in_memory(CookiesOptions::default())
}

fn details(url: &str, name: &str, value: &str) -> CookieDetails {
    CookieDetails {
        url: url.into(),
        name: name.into(),
        value: value.into(),
        ..Default::default()
    }
}

fn by_url(c: &Cookies, url: &str) -> Vec<session_cookies::Cookie> {
    c.get(&CookieFilter {
        url: Some(url.into()),
        ..Default::default()
    })
    .expect("get")
}

fn by_domain(c: &Cookies, domain: &str) -> usize {
    c.get(&CookieFilter {
        domain: Some(domain.into()),
        ..Default::default()
    })
    .expect("get")
    .len()
}

fn now_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64()
}

fn drain(
    rx: &mut tokio_sync::sync::broadcast::Receiver<CookiesEvent>,
) -> Vec<(String, &'static str, bool)> {
    let mut out = Vec::new();
    while let Ok(CookiesEvent::Changed {
        cookie,
        cause,
        removed,
    }) = rx.try_recv()
    {
        out.push((cookie.value, cause.as_str(), removed));
    }
    out
}

#[test]
fn set_get_session_and_persistent() {
    let c = jar();
    // COOKIES-02
    c.set(&CookieDetails {
        expiration_date: Some(now_secs() + 120.0),
        ..details("http://127.0.0.1:9/", "p", "1")
    })
    .expect("set");
    // COOKIES-03
    c.set(&details("http://127.0.0.1:9/", "s", "2"))
        .expect("set");
    // COOKIES-04
    c.set(&CookieDetails {
        value: "anon".into(),
        ..details("http://127.0.0.1:9/", "", "")
    })
    .expect("set");
    let got = by_url(&c, "http://127.0.0.1:9/");
    let find = |n: &str| got.iter().find(|c| c.name == n).expect("present");
    assert_eq!(find("p").session, Some(false));
    assert!(find("p").expiration_date.is_some());
    assert_eq!(find("s").session, Some(true));
    assert_eq!(find("s").expiration_date, None);
    assert_eq!(find("").value, "anon");
    // COOKIES-33
    let sessions = c
        .get(&CookieFilter {
            session: Some(true),
            ..Default::default()
        })
        .expect("get");
    assert_eq!(sessions.len(), 2);
    let persistent = c
        .get(&CookieFilter {
            session: Some(false),
            ..Default::default()
        })
        .expect("get");
    assert_eq!(persistent.len(), 1);
}

// COOKIES-05, COOKIES-06, COOKIES-38
#[test]
fn same_site_round_trip_and_defaults() {
    let c = jar();
    for (i, s) in ["unspecified", "no_restriction", "lax", "strict"]
        .iter()
        .enumerate()
    {
        let ss = SameSite::parse(s).expect("valid");
        let got = c
            .set(&CookieDetails {
                same_site: Some(ss),
                ..details("http://127.0.0.1/", &format!("c{i}"), "v")
            })
            .expect("set");
        assert_eq!(got.same_site.as_str(), *s);
        // secure defaults to true only for no_restriction
        assert_eq!(got.secure, Some(*s == "no_restriction"));
    }
    let got = by_url(&c, "http://127.0.0.1/");
    assert_eq!(
        got.iter().map(|c| c.same_site.as_str()).collect::<Vec<_>>(),
        ["unspecified", "no_restriction", "lax", "strict"]
    );
    let err = SameSite::parse("garbage").expect_err("garbage");
    assert_eq!(
        err.to_string(),
        "Failed to convert 'garbage' to an appropriate cookie same site value"
    );
    let default = c.set(&details("http://127.0.0.1/", "d", "v")).expect("set");
    assert_eq!(default.same_site, SameSite::Lax);
    assert_eq!(default.http_only, Some(false));
}

// COOKIES-07, COOKIES-26
#[test]
fn ip_domain_filter() {
    let c = jar();
    c.set(&details("http://127.0.0.1/", "a", "1")).expect("set");
    assert_eq!(by_domain(&c, "127.0.0.1"), 1);
    assert_eq!(by_domain(&c, "127.0.0.2"), 0);
}

// COOKIES-08, COOKIES-09, COOKIES-10, COOKIES-32
#[test]
fn set_error_messages() {
    let c = jar();
    let domain_msg = "Failed to set cookie - The cookie was set with an invalid Domain attribute.";
    for url in ["", "asdf"] {
        let err = c.set(&details(url, "a", "b")).expect_err("invalid url");
        assert_eq!(err.to_string(), domain_msg);
        assert_eq!(err.kind(), ErrorKind::Rejected);
    }
    let err = c
        .set(&details("http://127.0.0.1/", "a", "test;test"))
        .expect_err("semicolon");
    assert_eq!(
        err.to_string(),
        "Failed to set cookie - The cookie contains ASCII control characters"
    );
    let err = c
        .set(&CookieDetails {
            domain: Some("other.com".into()),
            ..details("http://example.com/", "a", "b")
        })
        .expect_err("unrelated domain");
    assert!(
        err.to_string()
            .contains("The cookie was set with an invalid Domain attribute")
    );
    assert!(c.is_empty());
}

// COOKIES-11, COOKIES-12, COOKIES-14, COOKIES-15, COOKIES-16, COOKIES-17
#[test]
fn overwrite_remove_and_events() {
    let c = jar();
    let mut rx = c.subscribe();
    let url = "http://a.test/";
    c.set(&details(url, "n", "one")).expect("set");
    assert_eq!(drain(&mut rx), [("one".to_owned(), "inserted", false)]);
    c.set(&details(url, "n", "two")).expect("set");
    assert_eq!(
        drain(&mut rx),
        [
            ("one".to_owned(), "overwrite", true),
            ("two".to_owned(), "inserted", false)
        ]
    );
    let got = by_url(&c, url);
    assert_eq!((got.len(), got[0].value.as_str()), (1, "two"));
    c.set(&details(url, "n", "two")).expect("same");
    assert_eq!(
        drain(&mut rx),
        [
            ("two".to_owned(), "overwrite", true),
            ("two".to_owned(), "inserted-no-change-overwrite", false)
        ]
    );
    c.set(&CookieDetails {
        expiration_date: Some(now_secs() + 600.0),
        ..details(url, "n", "two")
    })
    .expect("new expiry");
    assert_eq!(
        drain(&mut rx),
        [
            ("two".to_owned(), "overwrite", true),
            (
                "two".to_owned(),
                "inserted-no-value-change-overwrite",
                false
            )
        ]
    );
    c.set(&CookieDetails {
        expiration_date: Some(now_secs() - 600.0),
        ..details(url, "n", "three")
    })
    .expect("expired overwrite");
    assert_eq!(
        drain(&mut rx),
        [("two".to_owned(), "expired-overwrite", true)]
    );
    assert!(by_url(&c, url).is_empty());
    c.set(&details(url, "n", "four")).expect("set");
    drain(&mut rx);
    assert_eq!(c.remove(url, "n").expect("remove"), 1);
    assert_eq!(drain(&mut rx), [("four".to_owned(), "explicit", true)]);
    assert!(by_url(&c, url).is_empty());
}

// COOKIES-13
#[test]
fn custom_scheme() {
    let c = jar();
    c.set(&details("app://fake-host", "a", "1")).expect("set");
    let got = by_url(&c, "app://fake-host");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].domain.as_deref(), Some("fake-host"));
}

// COOKIES-18
#[test]
fn flush_in_memory_is_ok() {
    let c = jar();
    c.set(&details("http://a.test/", "a", "1")).expect("set");
    c.flush_store().expect("flush");
}

// COOKIES-20 .. COOKIES-28
#[test]
fn domain_filters() {
    let c = jar();
    c.set(&CookieDetails {
        domain: Some("example.com".into()),
        ..details("http://example.com/", "exact", "1")
    })
    .expect("set");
    assert_eq!(by_domain(&c, "example.com"), 1); // COOKIES-20
    assert_eq!(by_domain(&c, "other.com"), 0); // COOKIES-23
    let c = jar();
    c.set(&CookieDetails {
        domain: Some(".example.com".into()),
        ..details("http://sub.example.com/", "dot", "1")
    })
    .expect("set");
    assert_eq!(by_domain(&c, "sub.example.com"), 1); // COOKIES-21
    assert_eq!(by_domain(&c, ".example.com"), 1); // COOKIES-24
    for host in ["a.b.example.com", "b.example.com", "example.com"] {
        assert_eq!(by_domain(&c, host), 1, "{host}"); // COOKIES-27
    }
    assert_eq!(by_domain(&c, "otherexample.com"), 0);
    let c = jar();
    let got = c
        .set(&CookieDetails {
            domain: Some("example.com".into()),
            ..details("http://sub.example.com/", "nodot", "1")
        })
        .expect("set");
    assert_eq!(got.domain.as_deref(), Some(".example.com")); // COOKIES-22
    assert_eq!(got.host_only, Some(false));
    assert_eq!(by_domain(&c, "sub.example.com"), 1);
    let c = jar();
    c.set(&CookieDetails {
        domain: Some("Example.com".into()),
        ..details("http://example.com/", "upper", "1")
    })
    .expect("set");
    assert_eq!(by_domain(&c, "example.com"), 1); // COOKIES-25
    // COOKIES-28
    let c = jar();
    c.set(&details("http://a.test/", "a", "1")).expect("set");
    c.set(&details("http://b.test/", "b", "1")).expect("set");
    assert_eq!(by_domain(&c, "a.test"), 1);
    assert_eq!(by_domain(&c, "b.test"), 1);
    assert_eq!(c.get(&CookieFilter::default()).expect("all").len(), 2);
}

// COOKIES-01, COOKIES-29
#[test]
fn set_cookie_from_response_shape() {
    let c = jar();
    let url = Url::parse("http://127.0.0.1:8080/").expect("url");
    let out = c
        .set_from_response(&url, &["foo=bar", "0=0"], &RequestContext::default())
        .expect("stored");
    assert!(out.iter().all(Result::is_ok));
    let got = c
        .get(&CookieFilter {
            name: Some("foo".into()),
            ..Default::default()
        })
        .expect("get");
    let json = serde_json::to_value(&got[0]).expect("json");
    assert_eq!(
        json,
        serde_json::json!({
            "name": "foo", "value": "bar", "domain": "127.0.0.1", "hostOnly": true,
            "path": "/", "secure": false, "httpOnly": false, "session": true,
            "sameSite": "unspecified"
        })
    );
    assert_eq!(by_url(&c, "http://127.0.0.1:8080/").len(), 2);
}

// COOKIES-30
#[test]
fn same_site_cookies_go_on_same_site_requests() {
    let c = jar();
    let url = Url::parse("http://127.0.0.1:8080/").expect("url");
    let ctx = RequestContext::default();
    assert_eq!(c.cookie_header(&url, &ctx), None);
    c.set_from_response(&url, &["same=site; SameSite=Lax"], &ctx)
        .expect("stored");
    assert_eq!(c.cookie_header(&url, &ctx).as_deref(), Some("same=site"));
    let got = by_url(&c, "http://127.0.0.1:8080/");
    assert_eq!(got[0].same_site, SameSite::Lax);
}

// COOKIES-31, COOKIES-34
#[test]
fn secure_and_http_only_filters() {
    let c = jar();
    c.set(&CookieDetails {
        secure: Some(true),
        ..details("https://a.test/", "s", "1")
    })
    .expect("secure");
    c.set(&CookieDetails {
        http_only: Some(true),
        ..details("https://a.test/", "h", "1")
    })
    .expect("httponly");
    let names = |f: CookieFilter| -> Vec<String> {
        c.get(&f)
            .expect("get")
            .into_iter()
            .map(|c| c.name)
            .collect()
    };
    assert_eq!(
        names(CookieFilter {
            secure: Some(true),
            ..Default::default()
        }),
        ["s"]
    );
    assert_eq!(
        names(CookieFilter {
            secure: Some(false),
            ..Default::default()
        }),
        ["h"]
    );
    assert_eq!(
        names(CookieFilter {
            http_only: Some(true),
            ..Default::default()
        }),
        ["h"]
    );
    assert_eq!(
        names(CookieFilter {
            http_only: Some(false),
            ..Default::default()
        }),
        ["s"]
    );
}

// COOKIES-35
#[test]
fn jars_are_isolated_and_clones_share() {
    let a = jar();
    let b = jar();
    let a2 = a.clone();
    a.set(&details("http://x.test/", "a", "1")).expect("set");
    assert_eq!(a2.len(), 1);
    assert!(b.is_empty());
}

// COOKIES-39
#[test]
fn get_by_url_includes_http_only_and_cross_site_cookies() {
    let c = jar();
    let url = Url::parse("https://a.test/").expect("url");
    c.set_from_response(
        &url,
        &["h=1; HttpOnly", "s=1; SameSite=Strict"],
        &RequestContext::default(),
    )
    .expect("stored");
    assert_eq!(by_url(&c, "https://a.test/").len(), 2);
    // a cross-site subresource request gets neither
    let ctx = RequestContext::from_page(&Url::parse("https://other.test/").expect("url"));
    assert_eq!(c.cookie_header(&url, &ctx), None);
}

#[test]
fn document_cookie_semantics() {
    let c = jar();
    let page = Url::parse("https://www.example.com/app/").expect("url");
    let ctx = RequestContext::from_page(&page);
    c.set_from_response(&page, &["sid=1; HttpOnly; Path=/"], &ctx)
        .expect("stored");
    assert_eq!(
        c.set_document_cookie(&page, "x=1; HttpOnly", &ctx)
            .expect("io"),
        Err(session_cookies::Exclusion::HttpOnly)
    );
    assert_eq!(
        c.set_document_cookie(&page, "sid=2; Path=/", &ctx)
            .expect("io"),
        Err(session_cookies::Exclusion::OverwriteHttpOnly)
    );
    c.set_document_cookie(&page, "theme=dark; Path=/", &ctx)
        .expect("io")
        .expect("stored");
    assert_eq!(c.document_cookie(&page, &ctx), "theme=dark");
    assert_eq!(
        c.cookie_header(&page, &ctx).as_deref(),
        Some("sid=1; theme=dark")
    );
}

// SESSION-17, SESSION-18, SESSION-21
#[test]
fn clear_by_registrable_domain() {
    let setup = || {
        let c = jar();
        c.set(&details("https://www.example.com/", "a", "1"))
            .expect("set");
        c.set(&details("https://example.com/", "b", "1"))
            .expect("set");
        c.set(&details("https://example.org/", "c", "1"))
            .expect("set");
        c
    };
    let c = setup();
    assert_eq!(
        c.clear_for_hosts(&["example.com"], false).expect("clear"),
        2
    );
    assert_eq!(by_domain(&c, "example.org"), 1);
    let c = setup();
    assert_eq!(c.clear_for_hosts(&["example.com"], true).expect("clear"), 1);
    assert_eq!(c.len(), 2);
    let c = setup();
    let mut rx = c.subscribe();
    assert_eq!(c.clear().expect("clear"), 3);
    assert!(c.is_empty());
    assert!(
        drain(&mut rx)
            .iter()
            .all(|(_, cause, removed)| *cause == "explicit" && *removed)
    );
}

#[test]
fn expired_cookies_are_reported_when_met() {
    let c = jar();
    c.set(&CookieDetails {
        expiration_date: Some(now_secs() + 0.2),
        ..details("http://a.test/", "soon", "1")
    })
    .expect("set");
    let mut rx = c.subscribe();
    // Wait (by polling the clock, not sleeping a fixed time) until the cookie has expired.
    let deadline = now_secs() + 0.3;
    while now_secs() < deadline {
        std::thread::yield_now();
    }
    assert!(by_url(&c, "http://a.test/").is_empty());
    let events = drain(&mut rx);
    assert_eq!(
        events,
        [("1".to_owned(), ChangeCause::Expired.as_str(), true)]
    );
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Cookies>();
    check::<session_cookies::Error>();
    check::<CookiesEvent>();
}

// COOKIES-38, COOKIES-06 for details given as JSON
#[test]
fn details_from_json_carry_electrons_messages() {
    let err = CookieDetails::from_json(&serde_json::json!({"name": "a"})).expect_err("no url");
    assert_eq!(err.to_string(), "Missing required option 'url'");
    let err = CookieDetails::from_json(
        &serde_json::json!({"url": "http://a.test", "sameSite": "garbage"}),
    )
    .expect_err("bad sameSite");
    assert_eq!(
        err.to_string(),
        "Failed to convert 'garbage' to an appropriate cookie same site value"
    );
    let d = CookieDetails::from_json(&serde_json::json!({
        "url": "http://a.test", "name": "n", "value": "v", "httpOnly": true,
        "expirationDate": 4102444800.0, "sameSite": "strict"
    }))
    .expect("valid");
    let c = jar().set(&d).expect("set");
    assert_eq!(
        (c.http_only, c.same_site, c.session),
        (Some(true), SameSite::Strict, Some(false))
    );
}

// DEFAULTS §4: the 181st cookie of a domain purges it to 150, each reported as `evicted`
#[test]
fn domain_limit_evicts_with_events() {
    let c = jar();
    let mut rx = c.subscribe();
    let url = Url::parse("https://www.example.com/").expect("url");
    let lines: Vec<String> = (0..181).map(|i| format!("c{i}={i}")).collect();
    c.set_from_response(&url, &lines, &RequestContext::default())
        .expect("stored");
    let events = drain(&mut rx);
    let evicted: Vec<_> = events.iter().filter(|e| e.1 == "evicted").collect();
    assert_eq!(evicted.len(), 31);
    assert!(evicted.iter().all(|e| e.2));
    assert_eq!(evicted[0].0, "0", "least recently accessed first");
    assert_eq!(c.len(), 150);
}
