//! A tracker blocker on webRequest: one listener cancels requests to blocklisted hosts (redirect
//! targets included), one adds an `Authorization` header to the app's own API, and one logs
//! every request that ends, with its status or error.
//!
//! ```text
//! cargo run -p electron-session --example webrequest_blocker -- URL [BLOCK_PATTERN...]   # by hand
//! cargo run -p electron-session --example webrequest_blocker -- --offline               # loopback site (CI)
//! ```

use session::net::web_request::{Answer, Filter, ListenerHandle};
use session::net::{NetError, new_request};
use session::{Session, SessionOptions, Sessions};

/// Installs the three listeners; they stay while the handles live.
fn install(
    session: &Session,
    blocklist: &[&str],
    api: &str,
    token: &'static str,
) -> Result<Vec<ListenerHandle>, Box<dyn std::error::Error>> {
    let wr = session.web_request();
    let mut handles = Vec::new();
    if !blocklist.is_empty() {
        handles.push(
            wr.add_before_request(Filter::urls(blocklist)?, |d| async move {
                println!("blocked {}", d.url);
                Answer::cancel()
            }),
        );
    }
    handles.push(
        wr.add_before_send_headers(Filter::urls(&[api])?, move |d| async move {
            let mut headers = d.request_headers.unwrap_or_default();
            headers.insert(
                http::header::AUTHORIZATION,
                http::HeaderValue::from_static(token),
            );
            Answer::request_headers(headers)
        }),
    );
    // Observe-only listeners: the request never waits for their futures, so these print
    // when called (in event order) and return a future with nothing left to do.
    handles.push(wr.add_completed(Filter::all(), |d| {
        println!("completed {} {}", d.status_code.unwrap_or(0), d.url);
        async {}
    }));
    handles.push(wr.add_error_occurred(Filter::all(), |d| {
        println!("failed {} {}", d.error.unwrap_or_default(), d.url);
        async {}
    }));
    Ok(handles)
}

async fn get(session: &Session, url: &str) -> Result<String, session::net::Error> {
    let r = session
        .fetch(new_request(http::Method::GET, url, ())?)
        .await?;
    r.text().await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--offline") {
        return offline().await;
    }
    let [url, patterns @ ..] = args.as_slice() else {
        return Err("usage: webrequest_blocker URL [BLOCK_PATTERN...] | --offline".into());
    };
    let sessions = Sessions::new(tempfile::tempdir()?.path());
    let session = sessions.from_partition("blocker", SessionOptions::default())?;
    let patterns: Vec<&str> = patterns.iter().map(String::as_str).collect();
    let _listeners = install(&session, &patterns, "https://api.invalid/*", "Bearer demo")?;
    match get(&session, url).await {
        Ok(body) => println!("{} bytes", body.len()),
        Err(e) => println!("{e}"),
    }
    Ok(())
}

async fn offline() -> Result<(), Box<dyn std::error::Error>> {
    use session_test_support::{HOST_RULES, TestSite};
    let site = TestSite::start();
    let sessions = Sessions::new(tempfile::tempdir()?.path());
    let session = sessions.from_partition("blocker", SessionOptions::default())?;
    session.net().set_host_rules(HOST_RULES.parse()?);
    let listeners = install(
        &session,
        &["*://*.tracker.test/*"],
        "http://api.test/*",
        "Bearer demo",
    )?;

    // A page redirecting to a tracker: the redirect target is blocked.
    let tracker = site.http_url("pixel.tracker.test", "/status/200");
    let page = site.http_url("a.test", &format!("/redirect-to?url={tracker}"));
    let e = get(&session, &page)
        .await
        .expect_err("the tracker is blocked");
    assert_eq!(e.kind(), NetError::BlockedByClient, "{e}");
    assert!(site.requests_to("/status/200").is_empty());

    // The app's own API gets its header; other hosts do not.
    let echo = get(&session, &site.http_url("api.test", "/echo")).await?;
    assert!(echo.contains("Bearer demo"), "{echo}");
    let echo = get(&session, &site.http_url("a.test", "/echo")).await?;
    assert!(!echo.contains("Bearer demo"), "{echo}");

    // Dropping the handles removes the listeners.
    drop(listeners);
    let r = get(&session, &tracker).await?;
    assert_eq!(r, "status 200");
    println!("ok: tracker blocked after a redirect, API header added, listeners removed");
    Ok(())
}
