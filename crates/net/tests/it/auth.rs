//! HTTP authentication against the test site's `/auth/*` routes and the test proxy:
//! the login handler, Basic, Digest, NTLM, the auth cache and its limits.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::Method;
use session_net::auth::{AuthAnswer, AuthRequest, Credentials};
use session_net::proxy::ProxyConfig;
use session_net::{CredentialsMode, FetchOptions, Net, NetError, RequestBody};
use session_test_support::{NtlmProxy, TestProxy, TestSite};

use crate::{get, json, net, request};

/// A handler answering `user`/`pass` (or cancelling when `None`), counting and keeping what it
/// was asked.
fn answering(
    net: &Net,
    answer: Option<(&str, &str)>,
) -> (Arc<AtomicUsize>, Arc<Mutex<Vec<AuthRequest>>>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (c, s) = (calls.clone(), seen.clone());
    let answer = answer.map(|(u, p)| Credentials::new(u, p));
    net.set_login_handler(Some(Arc::new(move |req: AuthRequest| {
        c.fetch_add(1, Ordering::SeqCst);
        s.lock().expect("seen").push(req);
        let answer = answer.clone();
        Box::pin(async move {
            match answer {
                Some(c) => AuthAnswer::Credentials(c),
                None => AuthAnswer::Cancel,
            }
        })
    })));
    (calls, seen)
}

async fn status_and_body(
    net: &Net,
    req: http::Request<RequestBody>,
) -> (u16, Bytes, http::HeaderMap) {
    let r = net.fetch(req).await.expect("fetch");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, r.bytes().await.expect("body"), headers)
}

#[tokio::test]
async fn basic_login_is_asked_then_200() {
    // NET-08
    let site = TestSite::start();
    let net = net(&site);
    let (calls, seen) = answering(&net, Some(("user", "pass")));
    for options in [
        FetchOptions::new(),
        FetchOptions::new().credentials(CredentialsMode::Include),
    ] {
        let url = site.http_url("a.test", "/auth/basic");
        let (status, body, _) =
            status_and_body(&net, request(Method::GET, &url, (), options)).await;
        assert_eq!(status, 200);
        assert_eq!(json(&body)["user"], "user");
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "the second request used the cache"
    );
    let asked = seen.lock().expect("seen")[0].clone();
    assert_eq!(
        (
            asked.is_proxy,
            asked.scheme.as_str(),
            asked.realm.as_str(),
            asked.host.as_str(),
            asked.port
        ),
        (false, "basic", "Foo", "a.test", site.http_port())
    );
    assert_eq!(asked.method, Method::GET);
    assert_eq!(asked.url.path(), "/auth/basic");
}

#[tokio::test]
async fn without_an_answer_the_401_comes_back_with_its_body() {
    // NET-09
    let site = TestSite::start();
    let net = net(&site);
    let url = site.http_url("a.test", "/auth/basic");
    let (status, body, headers) =
        status_and_body(&net, request(Method::GET, &url, (), FetchOptions::new())).await;
    assert_eq!((status, &body[..]), (401, &b"unauthenticated"[..]));
    assert_eq!(headers["www-authenticate"], "Basic realm=\"Foo\"");
    let (calls, _) = answering(&net, None);
    let (status, body, _) =
        status_and_body(&net, request(Method::GET, &url, (), FetchOptions::new())).await;
    assert_eq!((status, &body[..]), (401, &b"unauthenticated"[..]));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn credentials_omit_never_asks() {
    // NET-11
    let site = TestSite::start();
    let net = net(&site);
    let (calls, _) = answering(&net, Some(("user", "pass")));
    let url = site.http_url("a.test", "/auth/basic");
    let options = FetchOptions::new().credentials(CredentialsMode::Omit);
    let (status, _, headers) = status_and_body(&net, request(Method::GET, &url, (), options)).await;
    assert_eq!(status, 401);
    assert_eq!(headers["www-authenticate"], "Basic realm=\"Foo\"");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn the_body_is_replayed_and_a_stream_gets_the_401() {
    // NET-10
    let site = TestSite::start();
    let net = net(&site);
    answering(&net, Some(("user", "pass")));
    let payload: Vec<u8> = (0..1024u32).map(|i| b'a' + (i % 26) as u8).collect();
    let url = site.http_url("a.test", "/auth/basic/upload");
    let (status, body, _) = status_and_body(
        &net,
        request(
            Method::POST,
            &url,
            Bytes::from(payload.clone()),
            FetchOptions::new(),
        ),
    )
    .await;
    assert_eq!(status, 200);
    let echo = json(&body);
    assert_eq!(echo["bodyLength"], 1024);
    assert_eq!(echo["body"].as_str().map(str::as_bytes), Some(&payload[..]));
    // A file body is read again for the retry.
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("upload.txt");
    std::fs::write(&path, &payload).expect("write");
    let (status, body, _) = status_and_body(
        &net,
        request(
            Method::POST,
            &site.http_url("c.test", "/auth/basic/upload"),
            RequestBody::file(&path),
            FetchOptions::new(),
        ),
    )
    .await;
    assert_eq!(status, 200);
    let echo = json(&body);
    assert_eq!(echo["bodyLength"], 1024);
    assert_eq!(echo["body"].as_str().map(str::as_bytes), Some(&payload[..]));
    // A one-shot stream cannot be sent twice: the 401 comes back.
    let other = site.http_url("b.test", "/auth/basic/upload");
    let stream = RequestBody::from_stream(futures_util::stream::iter([Ok::<_, std::io::Error>(
        Bytes::from_static(b"once"),
    )]));
    let (status, _, _) = status_and_body(
        &net,
        request(Method::POST, &other, stream, FetchOptions::new()),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn digest_with_every_algorithm_and_userhash() {
    let site = TestSite::start();
    let net = net(&site);
    let (calls, seen) = answering(&net, Some(("Mufasa", "Circle of Life")));
    for (i, query) in [
        "algorithm=MD5",
        "algorithm=MD5-sess",
        "algorithm=SHA-256",
        "algorithm=SHA-256-sess",
        "algorithm=SHA-512-256",
        "algorithm=SHA-256&userhash=1",
    ]
    .iter()
    .enumerate()
    {
        let url = site.http_url(
            &format!("h{i}.test"),
            &format!("/auth/digest?user=Mufasa&pass=Circle%20of%20Life&{query}"),
        );
        let (status, body, _) =
            status_and_body(&net, request(Method::GET, &url, (), FetchOptions::new())).await;
        assert_eq!(status, 200, "{query}: {}", String::from_utf8_lossy(&body));
        let sent = json(&body)["authorization"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let algorithm = query
            .split('&')
            .next()
            .unwrap_or("")
            .trim_start_matches("algorithm=");
        assert!(sent.contains(&format!("algorithm={algorithm}")), "{sent}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 6);
    assert_eq!(seen.lock().expect("seen")[0].scheme, "digest");
    // Offered several, the strongest is used.
    let url = site.http_url(
        "multi.test",
        "/auth/digest?algorithm=MD5,SHA-512-256,SHA-256",
    );
    answering(&net, Some(("user", "pass")));
    let (status, body, _) =
        status_and_body(&net, request(Method::GET, &url, (), FetchOptions::new())).await;
    assert_eq!(status, 200);
    assert!(
        json(&body)["authorization"]
            .as_str()
            .unwrap_or("")
            .contains("algorithm=SHA-512-256")
    );
}

#[tokio::test]
async fn stale_nonces_are_retried_without_asking_and_digest_goes_preemptive() {
    let site = TestSite::start();
    let net = net(&site);
    let (calls, _) = answering(&net, Some(("user", "pass")));
    // Each nonce is good for one request.
    let url = site.http_url("a.test", "/auth/digest/d/one?uses=1&algorithm=SHA-256");
    assert_eq!(get(&net, &url).await.expect("first").status(), 200);
    site.clear_log();
    let url = site.http_url("a.test", "/auth/digest/d/two?uses=1&algorithm=SHA-256");
    assert_eq!(get(&net, &url).await.expect("second").status(), 200);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "stale=true is not a reason to ask"
    );
    let log = site.requests_to("/auth/digest/d/two");
    // Preemptive (nc=2 on the old nonce), stale=true, then the new nonce.
    assert_eq!(log.len(), 2);
    let first = log[0].header("authorization").unwrap_or("").to_string();
    assert!(first.contains("nc=00000002"), "{first}");
    let second = log[1].header("authorization").unwrap_or("").to_string();
    assert!(second.contains("nc=00000001"), "{second}");
}

#[tokio::test]
async fn basic_is_sent_preemptively_under_the_protection_space() {
    let site = TestSite::start();
    let net = net(&site);
    let (calls, _) = answering(&net, Some(("user", "pass")));
    let url = |p: &str| site.http_url("a.test", &format!("/auth/basic/docs/{p}"));
    assert_eq!(get(&net, &url("a")).await.expect("a").status(), 200);
    site.clear_log();
    assert_eq!(get(&net, &url("b")).await.expect("b").status(), 200);
    let log = site.requests_to("/auth/basic/docs/b");
    assert_eq!(log.len(), 1, "no 401 round trip");
    assert_eq!(log[0].header("authorization"), Some("Basic dXNlcjpwYXNz"));
    // Outside the space: a challenge, answered from the cache without asking.
    site.clear_log();
    assert_eq!(
        get(&net, &site.http_url("a.test", "/auth/basic"))
            .await
            .expect("c")
            .status(),
        200
    );
    assert_eq!(site.requests_to("/auth/basic").len(), 2);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn url_credentials_are_used_once_and_cached_until_cleared() {
    // CACHE-08
    let site = TestSite::start();
    let net = net(&site);
    let path = "/auth/basic?user=test&pass=test";
    let plain = site.http_url("a.test", path);
    let r = get(&net, &plain).await.expect("plain");
    assert_eq!(r.status(), 401);
    let with_user = format!("http://test:test@a.test:{}{path}", site.http_port());
    assert_eq!(
        get(&net, &with_user).await.expect("user info").status(),
        200
    );
    assert_eq!(get(&net, &plain).await.expect("cached").status(), 200);
    net.clear_auth_cache();
    assert_eq!(get(&net, &plain).await.expect("cleared").status(), 401);
}

#[tokio::test]
async fn clearing_the_cache_during_a_request_does_not_abort_it() {
    let site = TestSite::start();
    let net = net(&site);
    let handle = net.clone();
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    net.set_login_handler(Some(Arc::new(move |_req: AuthRequest| {
        c.fetch_add(1, Ordering::SeqCst);
        handle.clear_auth_cache();
        Box::pin(async { AuthAnswer::Credentials(Credentials::new("user", "pass")) })
    })));
    let url = site.http_url("a.test", "/auth/basic");
    assert_eq!(get(&net, &url).await.expect("fetch").status(), 200);
    net.clear_auth_cache();
    assert_eq!(get(&net, &url).await.expect("again").status(), 200);
    assert_eq!(calls.load(Ordering::SeqCst), 2, "cleared: asked again");
}

#[tokio::test]
async fn sessions_never_share_credentials() {
    let site = TestSite::start();
    let one = net(&site);
    let two = net(&site);
    answering(&one, Some(("user", "pass")));
    let url = site.http_url("a.test", "/auth/basic");
    assert_eq!(get(&one, &url).await.expect("one").status(), 200);
    assert_eq!(get(&two, &url).await.expect("two").status(), 401);
}

#[tokio::test]
async fn endless_challenges_end_in_an_error() {
    let site = TestSite::start();
    let net = net(&site);
    let (calls, _) = answering(&net, Some(("user", "pass")));
    let e = get(&net, &site.http_url("a.test", "/auth/endless"))
        .await
        .expect_err("endless");
    assert_eq!(e.kind(), NetError::TooManyRetries);
    assert!(e.to_string().contains("a.test"), "{e}");
    assert_eq!(
        site.requests_to("/auth/endless").len(),
        4,
        "one request and three rounds"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn malformed_challenges_are_an_error_and_unknown_schemes_a_401() {
    let site = TestSite::start();
    let net = net(&site);
    let (calls, _) = answering(&net, Some(("user", "pass")));
    let url = site.http_url("a.test", "/auth/raw?h=Basic%20realm%3D%22unclosed");
    let e = get(&net, &url).await.expect_err("malformed");
    assert_eq!(e.kind(), NetError::InvalidResponse);
    assert!(e.to_string().contains("not closed"), "{e}");
    let url = site.http_url(
        "a.test",
        "/auth/raw?h=Bearer%20realm%3D%22api%22&h=Negotiate",
    );
    assert_eq!(get(&net, &url).await.expect("unknown").status(), 401);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn ntlm_handshake_and_the_allow_list() {
    let site = TestSite::start();
    let net = net(&site);
    let (calls, seen) = answering(&net, Some(("TEST\\alice", "s3cret")));
    let url = site.http_url("intranet.test", "/auth/ntlm?user=alice&pass=s3cret");
    let (status, body, _) =
        status_and_body(&net, request(Method::GET, &url, (), FetchOptions::new())).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(seen.lock().expect("seen")[0].scheme, "ntlm");
    // Off the allow-list (the default): asked again on the next challenge.
    assert_eq!(get(&net, &url).await.expect("again").status(), 200);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // On it: the cached identity goes without asking.
    net.allow_ntlm_credentials_for_domains("*intranet.test");
    assert_eq!(get(&net, &url).await.expect("allowed").status(), 200);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // An empty list turns it off again.
    net.allow_ntlm_credentials_for_domains("");
    assert_eq!(get(&net, &url).await.expect("off").status(), 200);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    // A wrong password: refused by the server's NTLMv2 check, asked three times, then the
    // same error as any endless challenge (each round is two legs on the wire).
    let (calls, _) = answering(&net, Some(("TEST\\alice", "wrong")));
    let before = site.requests_to("/auth/ntlm").len();
    let e = get(&net, &url).await.expect_err("wrong password");
    assert_eq!(e.kind(), NetError::TooManyRetries, "{e}");
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(
        site.requests_to("/auth/ntlm").len() - before,
        7,
        "one request, three rounds of two legs"
    );
}

/// No host rules: `*.test` names go to the proxy unresolved (it reaches the site).
fn without_host_rules(site: &TestSite) -> Net {
    let mut config = session_net::NetConfig::default();
    config.extra_roots_pem = vec![site.ca_pem().as_bytes().to_vec()];
    Net::new(config).expect("net")
}

#[tokio::test]
async fn proxy_digest_is_asked_once_and_kept() {
    // PROXY-12 with Digest, for plain requests and CONNECT tunnels.
    let site = TestSite::start();
    let proxy = TestProxy::start_with_digest_auth("user", "secret");
    let net = without_host_rules(&site);
    net.set_proxy(ProxyConfig::rules(format!("127.0.0.1:{}", proxy.port())))
        .await
        .expect("set");
    let (calls, seen) = answering(&net, Some(("user", "secret")));
    let url = site.http_url("a.test", "/echo");
    assert_eq!(get(&net, &url).await.expect("http").status(), 200);
    let asked = seen.lock().expect("seen")[0].clone();
    assert_eq!(
        (
            asked.is_proxy,
            asked.scheme.as_str(),
            asked.realm.as_str(),
            asked.port
        ),
        (true, "digest", "test-proxy", proxy.port())
    );
    let tunnel = site.https_url("b.test", "/echo");
    assert_eq!(get(&net, &tunnel).await.expect("tunnel").status(), 200);
    assert!(proxy.requests().iter().any(|r| {
        r.method == "CONNECT"
            && r.authorization
                .as_deref()
                .is_some_and(|a| a.starts_with("Digest "))
    }));
    let omit = request(
        Method::GET,
        &url,
        (),
        FetchOptions::new().credentials(CredentialsMode::Omit),
    );
    assert_eq!(net.fetch(omit).await.expect("omit").status(), 200);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn proxy_credentials_from_the_rules_and_unusable_rules() {
    // PROXY-12: credentials written in the rule, no handler needed.
    let site = TestSite::start();
    let proxy = TestProxy::start_with_auth("alice", "p@ss");
    let net = without_host_rules(&site);
    net.set_proxy(ProxyConfig::rules(format!(
        "http=alice:p%40ss@127.0.0.1:{}",
        proxy.port()
    )))
    .await
    .expect("set");
    let url = site.http_url("a.test", "/echo");
    assert_eq!(
        get(&net, &url).await.expect("through the proxy").status(),
        200
    );
    assert!(proxy.requests().iter().any(|r| r.authorization.is_some()));
    // A rule that cannot be used is refused, never a silent DIRECT.
    let e = net
        .set_proxy(ProxyConfig::rules("http=proxy.test:notaport"))
        .await
        .expect_err("unusable");
    assert_eq!(e.kind(), NetError::InvalidArgument);
    assert!(e.to_string().contains("http=proxy.test:notaport"), "{e}");
}

/// `Proxy-Authorization` values the proxy saw, in order, shortened to their NTLM message type
/// (`NTLM1`, `NTLM3`), `Basic`, or `-` when absent.
fn proxy_legs(proxy: &TestProxy) -> Vec<String> {
    use base64::Engine;
    proxy
        .requests()
        .iter()
        .map(|r| match r.authorization.as_deref() {
            None => "-".to_string(),
            Some(a) if a.starts_with("Basic ") => "Basic".to_string(),
            Some(a) => {
                let token = a.strip_prefix("NTLM ").expect("an NTLM answer");
                let m = base64::engine::general_purpose::STANDARD
                    .decode(token)
                    .expect("base64");
                assert_eq!(&m[..8], b"NTLMSSP\0", "{a}");
                format!("NTLM{}", m[8])
            }
        })
        .collect()
}

/// An NTLM proxy for `alice` / `s3cret`, behaving as `options` say.
fn ntlm_proxy(options: NtlmProxy) -> TestProxy {
    TestProxy::start_with_ntlm("alice", "s3cret", options)
}

/// A session using `proxy` for every URL.
async fn through(site: &TestSite, proxy: &TestProxy) -> Net {
    let net = without_host_rules(site);
    net.set_proxy(ProxyConfig::rules(format!("127.0.0.1:{}", proxy.port())))
        .await
        .expect("set");
    net
}

#[tokio::test]
async fn proxy_ntlm_for_plain_requests_keeps_one_connection() {
    // PROXY-12 with NTLM: absolute-form requests, every leg on one connection.
    let site = TestSite::start();
    let proxy = ntlm_proxy(NtlmProxy::default());
    let net = through(&site, &proxy).await;
    let (calls, seen) = answering(&net, Some(("TEST\\alice", "s3cret")));
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("net.json");
    net.net_log()
        .start_logging(&log, session_net::NetLogOptions::default())
        .expect("start");
    // A POST: its body goes with every leg (the proxy reads and drops it on the 407s).
    let url = site.http_url("a.test", "/echo");
    let (status, body, _) = status_and_body(
        &net,
        request(Method::POST, &url, "payload", FetchOptions::new()),
    )
    .await;
    net.net_log().stop_logging().expect("stop");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(json(&body)["body"], "payload");
    assert_eq!(proxy_legs(&proxy), ["-", "NTLM1", "NTLM3"]);
    assert_eq!(
        proxy.connections(),
        1,
        "the handshake stayed on one connection"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let asked = seen.lock().expect("seen")[0].clone();
    assert_eq!(
        (
            asked.is_proxy,
            asked.scheme.as_str(),
            asked.realm.as_str(),
            asked.host.as_str(),
            asked.port
        ),
        (true, "ntlm", "", "127.0.0.1", proxy.port())
    );
    let log = std::fs::read_to_string(&log).expect("log");
    assert!(
        log.contains("\"target\":\"proxy\""),
        "AUTH_HANDLE_CHALLENGE for the proxy"
    );
    assert!(
        log.contains("\"scheme\":\"ntlm\""),
        "AUTH_GENERATE_TOKEN for NTLM"
    );
    assert!(!log.contains("s3cret"));
    // The identity is kept: the next request's challenge is answered from the cache, even with
    // the allow-list empty (it does not apply to proxies, as in Chromium).
    net.allow_ntlm_credentials_for_domains("");
    assert_eq!(get(&net, &url).await.expect("again").status(), 200);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(proxy_legs(&proxy)[3..], ["-", "NTLM1", "NTLM3"]);
}

#[tokio::test]
async fn proxy_ntlm_for_tunnels_answers_on_the_same_socket() {
    // PROXY-12 with NTLM: CONNECT, then TLS to the origin behind the proxy.
    let site = TestSite::start();
    let proxy = ntlm_proxy(NtlmProxy::default());
    let net = through(&site, &proxy).await;
    let (calls, seen) = answering(&net, Some(("alice", "s3cret")));
    let r = get(&net, &site.https_url("b.test", "/echo"))
        .await
        .expect("tunnel");
    assert_eq!(r.status(), 200);
    assert_eq!(proxy_legs(&proxy), ["-", "NTLM1", "NTLM3"]);
    assert!(proxy.requests().iter().all(|r| r.method == "CONNECT"));
    assert_eq!(
        proxy.connections(),
        1,
        "the three CONNECTs went on one socket"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(seen.lock().expect("seen")[0].is_proxy);
}

#[tokio::test]
async fn proxy_ntlm_credentials_from_the_rule() {
    // PROXY-12: the rule's user info answers NTLM without a handler, http and https.
    let site = TestSite::start();
    let proxy = ntlm_proxy(NtlmProxy::default());
    let net = without_host_rules(&site);
    let port = proxy.port();
    net.set_proxy(ProxyConfig::rules(format!(
        "http=alice:s3cret@127.0.0.1:{port};https=alice:s3cret@127.0.0.1:{port}"
    )))
    .await
    .expect("set");
    let r = get(&net, &site.http_url("a.test", "/echo"))
        .await
        .expect("http");
    assert_eq!(r.status(), 200);
    let r = get(&net, &site.https_url("a.test", "/echo"))
        .await
        .expect("https");
    assert_eq!(r.status(), 200);
    assert_eq!(
        proxy_legs(&proxy),
        ["-", "NTLM1", "NTLM3", "-", "NTLM1", "NTLM3"]
    );
    assert_eq!(proxy.connections(), 2);
}

#[tokio::test]
async fn proxy_ntlm_with_a_wrong_password_never_loops() {
    let site = TestSite::start();
    let proxy = ntlm_proxy(NtlmProxy::default());
    // From the rule, no handler: the proxy's last 407 reaches the caller with its body; a
    // tunnel fails with ERR_PROXY_AUTH_REQUESTED.
    let net = without_host_rules(&site);
    let port = proxy.port();
    net.set_proxy(ProxyConfig::rules(format!(
        "http=alice:wrong@127.0.0.1:{port};https=alice:wrong@127.0.0.1:{port}"
    )))
    .await
    .expect("set");
    let (status, body, headers) = status_and_body(
        &net,
        request(
            Method::GET,
            &site.http_url("a.test", "/echo"),
            (),
            FetchOptions::new(),
        ),
    )
    .await;
    assert_eq!(status, 407);
    assert_eq!(&body[..], b"proxy credentials required");
    assert_eq!(headers[http::header::PROXY_AUTHENTICATE], "NTLM");
    assert_eq!(proxy_legs(&proxy), ["-", "NTLM1", "NTLM3"]);
    let e = get(&net, &site.https_url("a.test", "/echo"))
        .await
        .expect_err("tunnel refused");
    assert_eq!(e.kind(), NetError::ProxyAuthRequested);
    // From a handler that keeps answering wrong: three rounds, then ERR_TOO_MANY_RETRIES.
    let net = through(&site, &proxy).await;
    let (calls, _) = answering(&net, Some(("alice", "wrong")));
    let before = proxy.requests().len();
    let e = get(&net, &site.http_url("a.test", "/echo"))
        .await
        .expect_err("too many");
    assert_eq!(e.kind(), NetError::TooManyRetries, "{e}");
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(
        proxy.requests().len() - before,
        7,
        "one request, three rounds of two legs"
    );
    let e = get(&net, &site.https_url("a.test", "/echo"))
        .await
        .expect_err("too many");
    assert_eq!(e.kind(), NetError::TooManyRetries, "{e}");
}

#[tokio::test]
async fn proxy_closing_between_ntlm_legs() {
    let site = TestSite::start();
    // After the CHALLENGE message: the handshake cannot go on, for either kind of request.
    let proxy = ntlm_proxy(NtlmProxy {
        close_after_challenge: true,
        ..NtlmProxy::default()
    });
    let net = through(&site, &proxy).await;
    let (calls, _) = answering(&net, Some(("alice", "s3cret")));
    for url in [
        site.http_url("a.test", "/echo"),
        site.https_url("a.test", "/echo"),
    ] {
        let e = get(&net, &url).await.expect_err("closed mid-handshake");
        assert_eq!(
            e.kind(),
            NetError::UnableToReuseConnectionForProxyAuth,
            "{url}: {e}"
        );
    }
    assert_eq!(proxy.connections(), 2, "one connection each, no retry");
    assert_eq!(proxy_legs(&proxy), ["-", "NTLM1", "-", "NTLM1"]);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "never refused, the identity stays cached"
    );
    // After the first 407 only: the NEGOTIATE goes on a new connection, as Chromium does.
    let proxy = ntlm_proxy(NtlmProxy {
        close_after_first: true,
        ..NtlmProxy::default()
    });
    let net = through(&site, &proxy).await;
    answering(&net, Some(("alice", "s3cret")));
    let r = get(&net, &site.http_url("a.test", "/echo"))
        .await
        .expect("http");
    assert_eq!(r.status(), 200);
    let r = get(&net, &site.https_url("a.test", "/echo"))
        .await
        .expect("https");
    assert_eq!(r.status(), 200);
    assert_eq!(proxy.connections(), 4, "two per request");
}

#[tokio::test]
async fn proxy_offering_basic_and_ntlm_gets_ntlm() {
    // Chromium's preference: NTLM over Basic, for proxies as for servers.
    let site = TestSite::start();
    let proxy = ntlm_proxy(NtlmProxy {
        also_basic: true,
        ..NtlmProxy::default()
    });
    let net = through(&site, &proxy).await;
    let (_, seen) = answering(&net, Some(("alice", "s3cret")));
    let r = get(&net, &site.http_url("a.test", "/echo"))
        .await
        .expect("http");
    assert_eq!(r.status(), 200);
    assert_eq!(seen.lock().expect("seen")[0].scheme, "ntlm");
    assert_eq!(proxy_legs(&proxy), ["-", "NTLM1", "NTLM3"]);
}

#[tokio::test]
async fn proxy_ntlm_credentials_stay_in_their_partition() {
    let site = TestSite::start();
    let proxy = ntlm_proxy(NtlmProxy::default());
    let one = through(&site, &proxy).await;
    let two = through(&site, &proxy).await;
    let (calls_one, _) = answering(&one, Some(("alice", "s3cret")));
    let (calls_two, _) = answering(&two, None);
    let http = site.http_url("a.test", "/echo");
    let https = site.https_url("a.test", "/echo");
    assert_eq!(get(&one, &http).await.expect("one").status(), 200);
    assert_eq!(get(&one, &https).await.expect("one").status(), 200);
    assert_eq!(calls_one.load(Ordering::SeqCst), 1, "cached for the tunnel");
    // The other session has nothing cached: its own handler is asked, and cancels.
    assert_eq!(get(&two, &http).await.expect("two").status(), 407);
    let e = get(&two, &https).await.expect_err("two");
    assert_eq!(e.kind(), NetError::ProxyAuthRequested);
    assert_eq!(calls_two.load(Ordering::SeqCst), 2);
    // Cleared in the first: asked again.
    one.clear_auth_cache();
    assert_eq!(get(&one, &http).await.expect("one").status(), 200);
    assert_eq!(calls_one.load(Ordering::SeqCst), 2);
}
