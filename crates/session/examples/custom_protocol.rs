//! An application's own scheme: `app://` serves a directory (MIME types, validators, `Range`),
//! a second scheme answers from code with a streamed body, and `http` is intercepted by a
//! handler that forwards to the network itself.
//!
//! ```text
//! cargo run -p electron-session --example custom_protocol -- DIR PATH [RANGE]   # app://bundle/PATH from DIR
//! cargo run -p electron-session --example custom_protocol -- --offline          # loopback site (CI)
//! ```

use bytes::Bytes;
use session::net::protocol::{CustomScheme, Privileges, serve_dir};
use session::net::{Body, FetchOptions, RequestBody, new_request};
use session::{SessionOptions, Sessions};

/// `app` is a standard, secure scheme: its URLs are canonicalised like `https` ones.
fn privileged() -> Vec<CustomScheme> {
    vec![CustomScheme::new(
        "app",
        Privileges::new()
            .standard(true)
            .secure(true)
            .support_fetch_api(true)
            .stream(true),
    )]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--offline") {
        return offline().await;
    }
    let [dir, path, rest @ ..] = args.as_slice() else {
        return Err("usage: custom_protocol DIR PATH [RANGE] | custom_protocol --offline".into());
    };
    let user_data = tempfile::tempdir()?;
    let sessions = Sessions::new(user_data.path());
    sessions.register_schemes_as_privileged(&privileged())?;
    let session = sessions.from_partition("app", SessionOptions::default())?;
    session.protocol().handle("app", serve_dir(dir))?;
    let mut request = new_request(http::Method::GET, &format!("app://bundle/{path}"), ())?;
    if let Some(range) = rest.first() {
        request
            .headers_mut()
            .insert(http::header::RANGE, format!("bytes={range}").parse()?);
    }
    let response = session.fetch(request).await?;
    println!("{} {:?}", response.status(), response.headers());
    let mut body = response.into_body();
    let mut total = 0u64;
    while let Some(chunk) = body.chunk().await? {
        total += chunk.len() as u64;
    }
    println!("{total} bytes");
    Ok(())
}

async fn offline() -> Result<(), Box<dyn std::error::Error>> {
    use session_test_support::{HOST_RULES, TestSite};
    let site = TestSite::start();
    let user_data = tempfile::tempdir()?;
    let dist = user_data.path().join("dist");
    std::fs::create_dir(&dist)?;
    std::fs::write(dist.join("index.html"), "<h1>app</h1>\n")?;
    std::fs::write(
        dist.join("movie.bin"),
        (0..=255u8).cycle().take(1 << 20).collect::<Vec<u8>>(),
    )?;

    let sessions = Sessions::new(user_data.path());
    sessions.register_schemes_as_privileged(&privileged())?;
    let session = sessions.from_partition("app", SessionOptions::default())?;
    session.net().set_host_rules(HOST_RULES.parse()?);

    // 1. A directory under app://: the host is lower-cased and the path canonicalised.
    session.protocol().handle("app", serve_dir(&dist))?;
    let page = session
        .fetch(new_request(
            http::Method::GET,
            "app://Bundle/./index.html",
            (),
        )?)
        .await?;
    let content_type = page.headers()["content-type"].to_str()?.to_string();
    let url = page.url().to_string();
    println!("{url}: {} {content_type}", page.status());
    if page.status() != 200
        || url != "app://bundle/index.html"
        || page.text().await? != "<h1>app</h1>\n"
    {
        return Err("index.html was not served as expected".into());
    }

    // 2. A seek: one range of the file, 206 with Content-Range.
    let mut request = new_request(http::Method::GET, "app://bundle/movie.bin", ())?;
    request
        .headers_mut()
        .insert(http::header::RANGE, "bytes=1000-1003".parse()?);
    let part = session.fetch(request).await?;
    println!(
        "range: {} {:?}",
        part.status(),
        part.headers()["content-range"]
    );
    if part.status() != 206 || part.bytes().await?.as_ref() != [232, 233, 234, 235] {
        return Err("the range was not served".into());
    }

    // 3. A handler written in code, answering with a streamed body.
    session
        .protocol()
        .handle("clock", |request: http::Request<RequestBody>| async move {
            let path = request.uri().path().to_string();
            let chunks = ["tick ", "tock ", &*path].map(|s| Ok(Bytes::from(s.to_string())));
            Ok(http::Response::new(Body::from_stream(
                futures_util::stream::iter(chunks),
            )))
        })?;
    let text = session
        .fetch(new_request(http::Method::GET, "clock://now/at-noon", ())?)
        .await?
        .text()
        .await?;
    println!("clock: {text}");
    if text != "tick tock /at-noon" {
        return Err(format!("unexpected clock answer {text:?}").into());
    }

    // 4. http intercepted: the handler adds a header and forwards to the network through the
    // session it is handed, bypassing the handlers so it does not call itself.
    session
        .protocol()
        .handle("http", |request: http::Request<RequestBody>| async move {
            let net = request.extensions().get::<session::net::Net>().cloned();
            let url = session::net::protocol::request_url(&request);
            let (Some(net), Some(url)) = (net, url) else {
                return Err(session::net::Error::new(
                    session::net::NetError::Failed,
                    "a handler's request carries its URL and session",
                ));
            };
            let (mut parts, body) = request.into_parts();
            parts
                .headers
                .insert("x-intercepted", http::HeaderValue::from_static("yes"));
            let mut options = FetchOptions::new().url(url);
            options.bypass_custom_protocol_handlers = true;
            parts.extensions.insert(options);
            let response = net.fetch(http::Request::from_parts(parts, body)).await?;
            Ok(session::net::protocol::relay(response))
        })?;
    let echoed = session
        .fetch(new_request(
            http::Method::GET,
            &site.http_url("a.test", "/echo"),
            (),
        )?)
        .await?
        .text()
        .await?;
    if !echoed.to_ascii_lowercase().contains("x-intercepted") {
        return Err(format!("the forwarded request lost its header: {echoed}").into());
    }
    println!("ok: app:// served a page and a range, clock:// streamed, http:// was intercepted");
    Ok(())
}
