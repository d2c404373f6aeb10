//! The isolation matrix: for each pair of partitions (persistent → persistent, persistent →
//! memory, memory → persistent), state made in the first must not reach the second. Each cell
//! first shows the state works in the partition that made it (so the check is not vacuous),
//! then that the other partition does not see it. The unit test below runs the matrix in CI;
//! `cargo xtask reliability` writes it to docs/reliability.md.

use session::cookies::CookieFilter;
use session::devices::device::{Device, UsbDevice};
use session::downloads::{DownloadOptions, DownloadState, WillDownloadDecision};
use session::net::ResolveHostOptions;
use session::net::auth::{AuthAnswer, Credentials};
use session::net::dns::HostResolverSource;
use session::permissions::Permission;
use session::{Session, SessionOptions, Sessions};
use session_test_support::{HandshakeLog, Resource, TestSite};

use crate::Section;
use crate::common::site_session;

/// The state kinds checked, in table order.
const KINDS: [&str; 11] = [
    "cookies",
    "HTTP cache",
    "auth cache",
    "TLS session tickets",
    "pooled sockets",
    "host cache",
    "permission grants",
    "device grants",
    "downloads",
    "spellcheck custom words",
    "HSTS state",
];

/// The pairs, (from, to).
const PAIRS: [(&str, &str, &str); 3] = [
    ("persistent → persistent", "persist:iso-a", "persist:iso-b"),
    ("persistent → memory", "persist:iso-c", "iso-d"),
    ("memory → persistent", "iso-e", "persist:iso-f"),
];

/// One cell: `Ok(())` when nothing crossed, `Err(why)` otherwise.
type Cell = Result<(), String>;

fn check(cond: bool, why: impl FnOnce() -> String) -> Cell {
    if cond { Ok(()) } else { Err(why()) }
}

async fn get(s: &Session, url: &str) -> Result<session::net::Response, String> {
    s.get(url).send().await.map_err(|e| format!("{url}: {e}"))
}

async fn echo_cookie(s: &Session, url: &str) -> Result<Option<String>, String> {
    let v: serde_json::Value = get(s, url)
        .await?
        .json()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    Ok(v["headers"].as_array().and_then(|h| {
        h.iter()
            .find(|p| p[0].as_str() == Some("cookie"))
            .and_then(|p| p[1].as_str().map(str::to_owned))
    }))
}

async fn cookies(a: &Session, b: &Session, site: &TestSite, tag: &str) -> Cell {
    let set = site.https_url("a.test", &format!("/headers?Set-Cookie=iso{tag}%3D1"));
    get(a, &set)
        .await?
        .bytes()
        .await
        .map_err(|e| e.to_string())?;
    let echo = site.https_url("a.test", "/echo");
    let in_a = echo_cookie(a, &echo).await?;
    check(
        in_a.is_some_and(|c| c.contains(&format!("iso{tag}=1"))),
        || "the cookie was not sent back by the partition that got it".into(),
    )?;
    let in_b = echo_cookie(b, &echo).await?;
    let jar = b
        .cookies()
        .get(&CookieFilter::default())
        .map_err(|e| e.to_string())?;
    check(in_b.is_none() && jar.is_empty(), || {
        format!(
            "the other partition sent {in_b:?} and holds {} cookies",
            jar.len()
        )
    })
}

async fn http_cache(a: &Session, b: &Session, site: &TestSite, tag: &str) -> Cell {
    let name = format!("iso-cache-{tag}");
    site.put(
        &name,
        Resource {
            body: "cached".into(),
            etag: None,
            last_modified: None,
            headers: vec![("cache-control".into(), "max-age=3600".into())],
        },
    );
    let url = site.https_url("a.test", &format!("/res/{name}"));
    let path = format!("/res/{name}");
    get(a, &url)
        .await?
        .bytes()
        .await
        .map_err(|e| e.to_string())?;
    let again = get(a, &url).await?;
    check(again.from_cache(), || {
        "the partition that stored it did not hit".into()
    })?;
    let other = get(b, &url).await?;
    let from_cache = other.from_cache();
    other.bytes().await.map_err(|e| e.to_string())?;
    check(!from_cache && site.requests_to(&path).len() == 2, || {
        format!(
            "the other partition was answered from a cache ({} requests reached the site)",
            site.requests_to(&path).len()
        )
    })
}

async fn auth_cache(a: &Session, b: &Session, site: &TestSite, tag: &str) -> Cell {
    let url = site.https_url(
        "a.test",
        &format!("/auth/basic?user=u{tag}&pass=p&realm=iso{tag}"),
    );
    let user = format!("u{tag}");
    a.set_login_handler(Some(move |_req| {
        let user = user.clone();
        async move { AuthAnswer::Credentials(Credentials::new(user, "p")) }
    }));
    check(get(a, &url).await?.status() == 200, || {
        "the login did not succeed".into()
    })?;
    a.set_login_handler(None::<fn(_) -> std::future::Ready<AuthAnswer>>);
    check(get(a, &url).await?.status() == 200, || {
        "the partition that logged in did not reuse its credentials".into()
    })?;
    let status = get(b, &url).await?.status();
    check(status == 401, || {
        format!("the other partition got {status}")
    })
}

async fn tickets_and_sockets(a: &Session, b: &Session, log: &HandshakeLog) -> (Cell, Cell) {
    let url = format!("https://a.test:{}/", log.port());
    let close = format!("https://a.test:{}/close", log.port());
    let run = async {
        get(a, &url)
            .await?
            .bytes()
            .await
            .map_err(|e| e.to_string())?;
        get(a, &url)
            .await?
            .bytes()
            .await
            .map_err(|e| e.to_string())?;
        let reused = log.handshakes().len() == 1;
        // The server closes this connection after answering; the next one resumes.
        get(a, &close)
            .await?
            .bytes()
            .await
            .map_err(|e| e.to_string())?;
        get(a, &url)
            .await?
            .bytes()
            .await
            .map_err(|e| e.to_string())?;
        let resumed = log.handshakes().get(1) == Some(&true);
        get(b, &url)
            .await?
            .bytes()
            .await
            .map_err(|e| e.to_string())?;
        Ok::<_, String>((reused, resumed, log.handshakes()))
    };
    match run.await {
        Err(e) => (Err(e.clone()), Err(e)),
        Ok((reused, resumed, h)) => (
            check(resumed, || "the partition itself did not resume".into()).and_then(|()| {
                check(h.len() == 3 && !h[2], || {
                    format!("the other partition's connection resumed a session ({h:?})")
                })
            }),
            check(reused, || {
                "the partition itself did not reuse its socket".into()
            })
            .and_then(|()| {
                check(h.len() == 3, || {
                    format!("the other partition used a pooled socket ({h:?})")
                })
            }),
        ),
    }
}

/// A name the system resolver knows besides `localhost` (from `/etc/hosts` or the host name).
fn local_name() -> Option<String> {
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    let mut names: Vec<String> = hosts
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(|l| {
            l.split_whitespace()
                .skip(1)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    if let Ok(h) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        names.push(h.trim().to_owned());
    }
    names.into_iter().find(|n| {
        !n.is_empty() && n != "localhost" && !n.ends_with(".localhost") && !n.starts_with("ip6-")
    })
}

async fn host_cache(a: &Session, b: &Session, tag: &str) -> Cell {
    let Some(name) = local_name() else {
        return Err("no name besides localhost to resolve on this machine".into());
    };
    let _ = tag;
    let local = ResolveHostOptions {
        source: HostResolverSource::LocalOnly,
        ..Default::default()
    };
    a.resolve_host(&name, ResolveHostOptions::default())
        .await
        .map_err(|e| format!("{name}: {e}"))?;
    check(a.resolve_host(&name, local).await.is_ok(), || {
        format!("{name} is not in the resolving partition's cache")
    })?;
    check(b.resolve_host(&name, local).await.is_err(), || {
        format!("{name} was in the other partition's host cache")
    })
}

fn permission_grants(a: &Session, b: &Session, tag: &str) -> Cell {
    let origin = format!("https://grant{tag}.test");
    a.permissions()
        .grant_permission(&origin, Permission::Geolocation)
        .map_err(|e| e.to_string())?;
    let has = |s: &Session| {
        s.permissions()
            .granted_permissions(&origin)
            .unwrap_or_default()
            .contains(&Permission::Geolocation)
    };
    check(has(a), || "the grant is not in its own partition".into())?;
    check(!has(b), || "the grant is in the other partition".into())
}

fn device_grants(a: &Session, b: &Session, tag: &str) -> Cell {
    let origin = format!("https://device{tag}.test");
    let device = Device::Usb(UsbDevice {
        vendor_id: 0x2341,
        product_id: 0x43,
        serial_number: Some(format!("iso{tag}")),
        ..UsbDevice::default()
    });
    a.permissions()
        .grant_device(&origin, device)
        .map_err(|e| e.to_string())?;
    let count = |s: &Session| {
        s.permissions()
            .granted_devices(&origin)
            .map_or(0, |d| d.len())
    };
    check(count(a) == 1, || {
        "the device grant is not in its own partition".into()
    })?;
    check(count(b) == 0, || {
        "the device grant is in the other partition".into()
    })
}

async fn downloads(
    a: &Session,
    b: &Session,
    site: &TestSite,
    dir: &std::path::Path,
    tag: &str,
) -> Cell {
    let path = dir.join(format!("iso-{tag}"));
    let target = path.clone();
    a.set_will_download_handler(Some(move |_item| {
        let target = target.clone();
        async move { WillDownloadDecision::SaveTo(target) }
    }));
    let url = site.https_url("a.test", "/bytes/4096?seed=9");
    let item = a
        .download_url(&url, DownloadOptions::default())
        .map_err(|e| e.to_string())?;
    let state = tokio::time::timeout(session_test_support::DEADLINE, item.done())
        .await
        .map_err(|_| "the download did not end".to_owned())?;
    check(
        state == DownloadState::Completed && a.downloads().len() == 1,
        || format!("the download ended {state}"),
    )?;
    let other = b.downloads().len();
    check(other == 0, || {
        format!("the other partition lists {other} downloads")
    })
}

async fn custom_words(a: &Session, b: &Session, tag: &str) -> Cell {
    let word = format!("isolationword{tag}");
    a.spellchecker().add_word_to_spell_checker_dictionary(&word);
    let in_a = a
        .spellchecker()
        .list_words_in_spell_checker_dictionary()
        .await;
    if !a.is_persistent() && !in_a.contains(&word) {
        // In-memory partitions keep no custom dictionary (Electron's rule): nothing to leak,
        // and the other side must still not have it.
        let in_b = b
            .spellchecker()
            .list_words_in_spell_checker_dictionary()
            .await;
        return check(!in_b.contains(&word), || {
            "the word is in the other partition".into()
        });
    }
    check(in_a.contains(&word), || {
        "the word is not in its own partition".into()
    })?;
    let in_b = b
        .spellchecker()
        .list_words_in_spell_checker_dictionary()
        .await;
    check(!in_b.contains(&word), || {
        "the word is in the other partition".into()
    })
}

async fn hsts(a: &Session, b: &Session, site: &TestSite, tag: &str) -> Cell {
    let host = ["a.test", "b.test", "c.test"][tag.parse::<usize>().unwrap_or(0) % 3];
    let url = site.https_url(host, "/headers?Strict-Transport-Security=max-age%3D3600");
    get(a, &url)
        .await?
        .bytes()
        .await
        .map_err(|e| e.to_string())?;
    check(a.net().transport_security().policy(host).is_some(), || {
        format!("{host} has no HSTS policy in the partition that got the header")
    })?;
    check(b.net().transport_security().policy(host).is_none(), || {
        format!("{host} has an HSTS policy in the other partition")
    })
}

/// Runs the matrix: one column per pair, one row per kind.
pub(crate) async fn matrix() -> Result<Vec<(&'static str, Vec<Cell>)>, String> {
    let site = TestSite::start();
    let log_servers: Vec<HandshakeLog> = PAIRS
        .iter()
        .map(|_| HandshakeLog::start(site.pki()))
        .collect();
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let sessions = Sessions::new(dir.path().join("user-data"));
    let ca = site.ca_pem().as_bytes();
    let mut columns: Vec<Vec<Cell>> = Vec::new();
    for (i, (_, from, to)) in PAIRS.iter().enumerate() {
        let a = site_session(&sessions, from, SessionOptions::default(), ca)?;
        let b = site_session(&sessions, to, SessionOptions::default(), ca)?;
        let tag = i.to_string();
        let (tickets, sockets) = tickets_and_sockets(&a, &b, &log_servers[i]).await;
        columns.push(vec![
            cookies(&a, &b, &site, &tag).await,
            http_cache(&a, &b, &site, &tag).await,
            auth_cache(&a, &b, &site, &tag).await,
            tickets,
            sockets,
            host_cache(&a, &b, &tag).await,
            permission_grants(&a, &b, &tag),
            device_grants(&a, &b, &tag),
            downloads(&a, &b, &site, dir.path(), &tag).await,
            custom_words(&a, &b, &tag).await,
            hsts(&a, &b, &site, &tag).await,
        ]);
    }
    Ok(KINDS
        .iter()
        .enumerate()
        .map(|(k, kind)| (*kind, columns.iter().map(|c| c[k].clone()).collect()))
        .collect())
}

/// Whether a row counts toward the check (every row does).
fn checked(kind: &str) -> bool {
    !kind.is_empty()
}

/// The isolation section.
pub(crate) fn isolation() -> Result<Section, String> {
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let rows = runtime.block_on(matrix())?;
    let mut md = String::from("## Isolation matrix\n\n");
    md.push_str(
        "For each pair, state is made in the first partition, shown to work there (a cookie sent back, a cache hit, \
         credentials reused, a TLS session resumed, a socket reused, a name answered from the host cache, a grant \
         listed, a download listed, a custom word listed), then looked for from the second: a cookie sent or stored, \
         a response from its cache, a request that passes without its own login, a TLS handshake that resumed or a \
         request on an existing socket (a TLS server logs each connection and whether it resumed), a name answered by \
         `resolveHost` with `source: localOnly` (cache only), a grant, a download, a word, an HSTS policy for the host. The same matrix runs in CI \
         (`session-reliability`'s unit test `isolation::tests::partitions_share_nothing`).\n\n",
    );
    md.push_str("| state |");
    for (label, _, _) in PAIRS {
        md.push_str(&format!(" {label} |"));
    }
    md.push_str("\n|---|");
    for _ in PAIRS {
        md.push_str("---|");
    }
    md.push('\n');
    let mut passed = true;
    for (kind, cells) in &rows {
        md.push_str(&format!("| {kind} |"));
        for c in cells {
            match c {
                Ok(()) => md.push_str(" nothing crosses |"),
                Err(e) if !checked(kind) => md.push_str(&format!(" {e} |")),
                Err(e) => {
                    passed = false;
                    md.push_str(&format!(" **{e}** |"));
                }
            }
        }
        md.push('\n');
    }
    println!("isolation: {}", if passed { "all green" } else { "FAILED" });
    Ok(Section {
        markdown: md,
        passed,
    })
}

#[cfg(test)]
mod tests {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn partitions_share_nothing() {
        for (kind, cells) in super::matrix().await.expect("matrix") {
            if super::checked(kind) {
                for c in cells {
                    assert_eq!(c, Ok(()), "{kind}");
                }
            }
        }
    }
}
