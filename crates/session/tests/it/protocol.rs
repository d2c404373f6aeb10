//! Protocol handlers and privileged schemes through the facade (PROTO-*).

use session::net::protocol::{CustomScheme, Privileges};
use session::{ErrorKind, Sessions};
use session_test_support::temp_user_data;

#[test]
fn privileged_schemes_only_before_the_first_session() {
    // PROTO-39: registering privileged schemes and dropping everything is uneventful.
    let ud = temp_user_data();
    let sessions = Sessions::new(ud.path());
    let app = Privileges::new()
        .standard(true)
        .secure(true)
        .support_fetch_api(true);
    sessions
        .register_schemes_as_privileged(&[CustomScheme::new("app", app)])
        .expect("before any session");
    sessions
        .register_schemes_as_privileged(&[CustomScheme::new(
            "media",
            Privileges::new().stream(true),
        )])
        .expect("a second call adds");
    let bad = sessions
        .register_schemes_as_privileged(&[CustomScheme::new("not a scheme", app)])
        .expect_err("bad name");
    assert_eq!(bad.kind(), ErrorKind::InvalidArgument);
    assert!(bad.to_string().contains("not a scheme"), "{bad}");
    let schemes = sessions.privileged_schemes();
    assert_eq!(schemes.privileges("app"), Some(app));
    assert!(
        schemes
            .privileges("media")
            .is_some_and(|p| p.stream && !p.standard)
    );

    let _default = sessions.default_session().expect("default");
    let late = sessions
        .register_schemes_as_privileged(&[CustomScheme::new("late", app)])
        .expect_err("after the first session");
    assert!(
        late.to_string().contains("before the first session"),
        "{late}"
    );
    assert_eq!(sessions.privileged_schemes().privileges("late"), None);
}

fn ok_text(text: String) -> http::Response<session::net::Body> {
    http::Response::new(session::net::Body::full(text))
}

async fn fetch_text(s: &session::Session, url: &str) -> session::net::Result<String> {
    let request = session::net::new_request(http::Method::GET, url, ())?;
    s.fetch(request).await?.text().await
}

#[tokio::test]
async fn handlers_are_per_session_and_standard_schemes_come_from_the_registry() {
    let ud = temp_user_data();
    let sessions = Sessions::new(ud.path());
    sessions
        .register_schemes_as_privileged(&[CustomScheme::new(
            "app",
            Privileges::new().standard(true),
        )])
        .expect("privileged");
    let default = sessions.default_session().expect("default");
    let other = sessions
        .from_partition("other", session::SessionOptions::default())
        .expect("other");
    // PROTO-34: handling on a partition's protocol leaves the default session alone.
    other
        .protocol()
        .handle(
            "app",
            |r: http::Request<session::net::RequestBody>| async move {
                let url = session::net::protocol::request_url(&r).expect("url");
                // Cookies are not attached to non-http schemes.
                let cookie = r.headers().get("cookie").is_some();
                Ok(ok_text(format!("{url} cookie={cookie}")))
            },
        )
        .expect("handle");
    assert!(other.protocol().is_protocol_handled("app"));
    assert!(!default.protocol().is_protocol_handled("app"));
    let err = fetch_text(&default, "app://x/")
        .await
        .expect_err("unhandled");
    assert_eq!(err.kind(), session::net::NetError::UnknownUrlScheme);
    other
        .cookies()
        .set(&session::cookies::CookieDetails {
            url: "https://host.test/".into(),
            name: "a".into(),
            value: "1".into(),
            ..Default::default()
        })
        .expect("cookie");
    // Not even to an intercepted https request whose host has cookies: handlers answer
    // before cookies are attached.
    other
        .protocol()
        .handle(
            "https",
            |r: http::Request<session::net::RequestBody>| async move {
                let cookie = r.headers().get("cookie").is_some();
                Ok(ok_text(format!("cookie={cookie}")))
            },
        )
        .expect("intercept");
    assert_eq!(
        fetch_text(&other, "https://host.test/")
            .await
            .expect("fetch"),
        "cookie=false"
    );
    // The registry's standard scheme is canonicalised for every session.
    assert_eq!(
        fetch_text(&other, "app://HOST.test:99/a/../b")
            .await
            .expect("fetch"),
        "app://host.test/b cookie=false"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_go_through_a_handled_scheme() {
    // DL-07: a download of a custom scheme whose http handler forwards to the network
    // completes, and the item keeps the custom URL.
    use session::downloads::{DownloadOptions, DownloadState};
    use session::net::protocol::{ProtocolResponse, ProtocolType, Registration};
    let site = session_test_support::TestSite::start();
    let ud = temp_user_data();
    let s = Sessions::new(ud.path())
        .from_partition("dl", session::SessionOptions::default())
        .expect("session");
    s.net()
        .set_host_rules(session_test_support::HOST_RULES.parse().expect("rules"));
    let saved = ud.path().join("saved");
    s.set_download_path(&saved).expect("download path");
    let target = site.http_url("a.test", "/bytes/5000?seed=3");
    assert!(s.protocol().register_typed(
        Registration::Register,
        ProtocolType::Http,
        "custom-dl",
        move |_r| {
            let target = target.clone();
            async move { ProtocolResponse::url(target) }
        },
    ));
    let item = s
        .download_url("custom-dl://item", DownloadOptions::default())
        .expect("start");
    assert_eq!(item.done().await, DownloadState::Completed);
    assert_eq!(item.url(), "custom-dl://item");
    let path = item.save_path().expect("saved");
    assert_eq!(
        std::fs::read(&path).expect("read"),
        session_test_support::pattern_bytes(3, 0, 5000)
    );
    // Without a handler the item is interrupted, not refused.
    let item = s
        .download_url("nobody-dl://item", DownloadOptions::default())
        .expect("start");
    assert_eq!(item.done().await, DownloadState::Interrupted);
}
