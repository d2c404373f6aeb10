//! A crawler with a browser session: a persistent partition logs in once, then crawls the site
//! with its cookies and its HTTP cache, printing progress. A second run is still logged in and
//! answers unchanged pages from the cache.
//!
//! ```text
//! cargo run -p electron-session --example crawler -- https://example.com/ [PAGES]
//! cargo run -p electron-session --example crawler -- --offline     # against a loopback site (CI)
//! ```

use std::collections::{BTreeSet, VecDeque};

use session::{Session, SessionOptions, Sessions};
use url::Url;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let user_data = tempfile::tempdir()?;
    if args.first().map(String::as_str) == Some("--offline") {
        return offline(user_data.path()).await;
    }
    let start = args
        .first()
        .ok_or("usage: crawler URL [PAGES] | crawler --offline")?;
    let limit = args.get(1).map_or(Ok(20), |n| n.parse())?;
    let sessions = Sessions::new(user_data.path());
    let session = sessions.from_partition("persist:crawler", SessionOptions::default())?;
    let report = crawl(&session, Url::parse(start)?, limit).await?;
    println!(
        "{} pages, {} from the cache",
        report.pages, report.from_cache
    );
    Ok(())
}

struct Report {
    pages: usize,
    from_cache: usize,
}

/// Breadth-first over same-origin links, up to `limit` pages.
async fn crawl(
    session: &Session,
    start: Url,
    limit: usize,
) -> Result<Report, Box<dyn std::error::Error>> {
    let mut queue = VecDeque::from([start.clone()]);
    let mut seen = BTreeSet::from([start.to_string()]);
    let mut report = Report {
        pages: 0,
        from_cache: 0,
    };
    while let Some(url) = queue.pop_front() {
        if report.pages == limit {
            break;
        }
        let response = session.get(url.as_str()).send().await?;
        let status = response.status();
        let cached = response.from_cache();
        let base = response.url().clone();
        let text = response.text().await?;
        report.pages += 1;
        report.from_cache += usize::from(cached);
        eprintln!(
            "[{}/{limit}] {} {url}{}",
            report.pages,
            status.as_u16(),
            if cached { " (cache)" } else { "" }
        );
        for link in links(&text) {
            let Ok(next) = base.join(link) else { continue };
            if next.origin() == start.origin() && seen.insert(next.to_string()) {
                queue.push_back(next);
            }
        }
    }
    Ok(report)
}

/// The `href="..."` values of a page (enough for a crawler; not an HTML parser).
fn links(html: &str) -> impl Iterator<Item = &str> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
}

/// Logs in to a loopback site, crawls it twice in two registries over the same `user_data`
/// (two "runs"), and checks that every page saw the login cookie and that the second run
/// used the cache.
async fn offline(user_data: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    use session_test_support::{HOST_RULES, Resource, TestSite};
    let site = TestSite::start();
    let page = |links: &[&str]| Resource {
        body: links
            .iter()
            .map(|l| format!("<a href=\"{l}\">{l}</a>\n"))
            .collect::<String>()
            .into(),
        etag: None,
        last_modified: None,
        headers: vec![
            ("content-type".into(), "text/html".into()),
            ("cache-control".into(), "max-age=3600".into()),
        ],
    };
    site.put(
        "index",
        page(&["/res/a", "/res/b", "https://elsewhere.test/"]),
    );
    site.put("a", page(&["/res/b", "/res/index"]));
    site.put("b", page(&["/res/c"]));
    site.put("c", page(&[]));

    for run in 1..=2 {
        let sessions = Sessions::new(user_data);
        let session = sessions.from_partition("persist:crawler", SessionOptions::default())?;
        session.net().set_host_rules(HOST_RULES.parse()?);
        session
            .net()
            .add_trusted_roots_pem(site.ca_pem().as_bytes())?;
        if run == 1 {
            // Log in once: the site sets a persistent cookie.
            session
                .post(site.https_url(
                    "a.test",
                    "/headers?Set-Cookie=sid%3Dcrawler%3B%20Max-Age%3D3600%3B%20Path%3D%2F",
                ))
                .form(&[("user", "ada")])
                .send()
                .await?
                .error_for_status()?;
        }
        let report = crawl(
            &session,
            Url::parse(&site.https_url("a.test", "/res/index"))?,
            10,
        )
        .await?;
        println!(
            "run {run}: {} pages, {} from the cache",
            report.pages, report.from_cache
        );
        if report.pages != 4 {
            return Err(format!("run {run} crawled {} pages, expected 4", report.pages).into());
        }
        if run == 2 && report.from_cache != 4 {
            return Err(format!(
                "run 2 took {} pages from the cache, expected 4",
                report.from_cache
            )
            .into());
        }
    }
    let crawled = site
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/res/"));
    for request in crawled {
        if request.header("cookie") != Some("sid=crawler") {
            return Err(format!("{} went without the login cookie", request.path).into());
        }
    }
    println!(
        "ok: logged in once, every page carried the cookie, the second run was served by the cache"
    );
    Ok(())
}
