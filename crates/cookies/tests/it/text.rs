use session_cookies::{CookieDetails, Cookies, CookiesOptions, Format, RequestContext};
use url::Url;

fn filled() -> Cookies {
    let c = Cookies::in_memory(CookiesOptions::default());
    let url = Url::parse("https://www.example.com/a/b").expect("url");
    c.set_from_response(
        &url,
        &[
            "host=1",
            "dom=2; Domain=example.com; Path=/; Max-Age=3600",
            "sec=3; Secure; HttpOnly; SameSite=Strict; Max-Age=7200",
            "=nameless",
        ],
        &RequestContext::default(),
    )
    .expect("stored");
    let top = RequestContext::from_page(&Url::parse("https://top.test/").expect("url"));
    c.set_from_response(
        &Url::parse("https://embed.test/").expect("url"),
        &["chip=1; Secure; Partitioned; SameSite=None; Max-Age=100"],
        &top,
    )
    .expect("stored");
    c.set(&CookieDetails {
        url: "http://127.0.0.1:8080/x".into(),
        name: "ip".into(),
        value: "v".into(),
        expiration_date: Some(2_000_000_000.5),
        ..Default::default()
    })
    .expect("set");
    c
}

#[test]
fn json_round_trip_is_exact() {
    let a = filled();
    let text = a.export(Format::Json);
    let b = Cookies::in_memory(CookiesOptions::default());
    assert_eq!(b.import(&text, Format::Json).expect("import"), 6);
    assert_eq!(b.export(Format::Json), text);
    assert!(text.contains("\"partitionKey\""));
    assert!(text.contains("\"hostOnly\": false"));
    let top = RequestContext::from_page(&Url::parse("https://top.test/").expect("url"));
    assert_eq!(
        b.cookie_header(&Url::parse("https://embed.test/").expect("url"), &top)
            .as_deref(),
        Some("chip=1")
    );
}

#[test]
fn netscape_round_trip_is_exact() {
    let a = filled();
    let text = a.export(Format::Netscape);
    assert!(text.contains("#HttpOnly_www.example.com\tFALSE\t/a\tTRUE\t"));
    assert!(text.contains(".example.com\tTRUE\t/\tFALSE\t"));
    let b = Cookies::in_memory(CookiesOptions::default());
    assert_eq!(b.import(&text, Format::Netscape).expect("import"), 6);
    assert_eq!(b.export(Format::Netscape), text);
}

#[test]
fn curl_cookie_file_imports() {
    let text = "# Netscape HTTP Cookie File\n# comment\n\n\
                .example.org\tTRUE\t/\tFALSE\t0\tsess\tone\n\
                #HttpOnly_example.org\tFALSE\t/\tTRUE\t4102444800\tsecret\ttwo\n";
    let c = Cookies::in_memory(CookiesOptions::default());
    assert_eq!(c.import(text, Format::Netscape).expect("import"), 2);
    let url = Url::parse("https://example.org/").expect("url");
    assert_eq!(
        c.cookie_header(&url, &RequestContext::default()).as_deref(),
        Some("sess=one; secret=two")
    );
    assert_eq!(
        c.document_cookie(&url, &RequestContext::from_page(&url)),
        "sess=one"
    );
}

#[test]
fn malformed_files_are_refused_whole() {
    let c = Cookies::in_memory(CookiesOptions::default());
    let err = c
        .import(
            ".a.test\tTRUE\t/\tFALSE\t0\tok\t1\nbroken line\n",
            Format::Netscape,
        )
        .expect_err("bad line");
    assert_eq!(
        err.to_string(),
        "cookies.txt line 2: expected 7 tab-separated fields, found 1"
    );
    assert!(c.is_empty());
    let err = c
        .import(".com\tTRUE\t/\tFALSE\t0\tx\t1\n", Format::Netscape)
        .expect_err("public suffix");
    assert!(err.to_string().contains("public suffix"));
    assert!(c.import("{", Format::Json).is_err());
}
