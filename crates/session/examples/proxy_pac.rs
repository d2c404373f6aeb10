//! A PAC script choosing proxies: `FindProxyForURL` sends one host through a proxy, the rest
//! direct; `resolve_proxy` shows the choice and `fetch` follows it.
//!
//! ```text
//! cargo run -p electron-session --example proxy_pac -- PROXY_HOST:PORT URL...   # by hand
//! cargo run -p electron-session --example proxy_pac -- --offline                # loopback site and proxy (CI)
//! ```

use session::proxy::ProxyConfig;
use session::{SessionOptions, Sessions};

/// The script: hosts under `via-proxy.` go through the proxy (falling back to a direct
/// connection when it is down), everything else goes direct.
fn pac_script(proxy: &str) -> String {
    format!(
        r#"function FindProxyForURL(url, host) {{
  if (shExpMatch(host, "via-proxy.*")) return "PROXY {proxy}; DIRECT";
  return "DIRECT";
}}"#
    )
}

fn data_url(script: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(script.as_bytes()).collect();
    format!(
        "data:application/x-ns-proxy-autoconfig,{}",
        encoded.replace('+', "%20")
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--offline") {
        return offline().await;
    }
    let [proxy, urls @ ..] = args.as_slice() else {
        return Err("usage: proxy_pac PROXY_HOST:PORT URL... | proxy_pac --offline".into());
    };
    let sessions = Sessions::new(tempfile::tempdir()?.path());
    let session = sessions.from_partition("pac", SessionOptions::default())?;
    let mut config = ProxyConfig::default();
    config.pac_script = Some(data_url(&pac_script(proxy)));
    session.set_proxy(config).await?;
    for url in urls {
        println!("{url}: {}", session.resolve_proxy(url).await?);
    }
    Ok(())
}

async fn offline() -> Result<(), Box<dyn std::error::Error>> {
    use session_test_support::{HOST_RULES, TestProxy, TestSite};
    let site = TestSite::start();
    let proxy = TestProxy::start();
    let user_data = tempfile::tempdir()?;
    let sessions = Sessions::new(user_data.path());
    let session = sessions.from_partition("pac", SessionOptions::default())?;
    session.net().set_host_rules(HOST_RULES.parse()?);
    let mut config = ProxyConfig::default();
    config.pac_script = Some(data_url(&pac_script(&format!(
        "127.0.0.1:{}",
        proxy.port()
    ))));
    session.set_proxy(config).await?;

    let proxied = site.http_url("via-proxy.test", "/echo");
    let direct = site.http_url("a.test", "/echo");
    let choice = session.resolve_proxy(&proxied).await?;
    println!("{proxied}: {choice}");
    if choice != format!("PROXY 127.0.0.1:{};DIRECT", proxy.port()) {
        return Err(format!("unexpected choice for {proxied}: {choice}").into());
    }
    let choice = session.resolve_proxy(&direct).await?;
    println!("{direct}: {choice}");
    if choice != "DIRECT" {
        return Err(format!("unexpected choice for {direct}: {choice}").into());
    }
    for url in [&proxied, &direct] {
        session.get(url).send().await?.error_for_status()?;
    }
    let through: Vec<String> = proxy.requests().iter().map(|r| format!("{r:?}")).collect();
    println!("the proxy carried {} request(s)", through.len());
    if through.len() != 1 || !through[0].contains("via-proxy.test") {
        return Err(format!("the proxy saw {through:?}, expected only via-proxy.test").into());
    }
    println!("ok: the script chose the proxy for one host and direct for the other");
    Ok(())
}
