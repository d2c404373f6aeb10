//! PAC scripts: `FindProxyForURL(url, host)` run in QuickJS with the PAC helper functions.
//!
//! Every evaluation gets a fresh runtime with a memory limit, a stack limit and a deadline
//! (checked by QuickJS's interrupt handler), so a hostile script can neither hang the
//! session nor exhaust its memory.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rquickjs::{CatchResultExt, CaughtError, Context, FromJs, Function, Runtime};
use url::Url;

use super::bypass::ip_in_prefix;

const LIBRARY: &str = include_str!("pac_library.js");

/// Host lookups for `dnsResolve` / `isResolvable` / `isInNet`.
///
/// Example: see [`PacRun`].
pub type PacDns = Arc<dyn Fn(&str) -> Vec<IpAddr> + Send + Sync>;

/// Limits of one PAC evaluation.
///
/// Example: see [`PacRun`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PacLimits {
    /// Wall time for loading the script plus one `FindProxyForURL` call.
    pub time: Duration,
    /// Heap of the JavaScript runtime, bytes.
    pub memory: usize,
}

impl Default for PacLimits {
    fn default() -> Self {
        PacLimits {
            time: Duration::from_secs(5),
            memory: 32 * 1024 * 1024,
        }
    }
}

/// The URL a PAC script sees: no credentials, no fragment; for `https:` (and `wss:`) only the
/// origin, as Chromium strips paths and queries of secure URLs.
///
/// ```
/// use session_net::proxy::pac::sanitized_url;
///
/// let url = |u: &str| url::Url::parse(u).unwrap();
/// assert_eq!(sanitized_url(&url("https://u:p@bank.example/account?id=7")), "https://bank.example/");
/// assert_eq!(sanitized_url(&url("http://u:p@a.example/x?q=1#top")), "http://a.example/x?q=1");
/// ```
pub fn sanitized_url(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_fragment(None);
    if matches!(u.scheme(), "https" | "wss") {
        u.set_path("/");
        u.set_query(None);
    }
    u.to_string()
}

fn is_ip_literal(text: &str) -> bool {
    text.parse::<IpAddr>().is_ok()
}

fn is_in_net_ex(ip: &str, prefix: &str) -> bool {
    let Ok(addr) = ip.parse::<IpAddr>() else {
        return false;
    };
    let Some((net, bits)) = prefix.split_once('/') else {
        return false;
    };
    let (Ok(net), Ok(bits)) = (net.parse::<IpAddr>(), bits.parse::<u8>()) else {
        return false;
    };
    let max = if net.is_ipv4() { 32 } else { 128 };
    bits <= max && ip_in_prefix(addr, net, bits)
}

fn sort_ip_address_list(list: &str) -> Option<String> {
    let mut items = Vec::new();
    for part in list.split(';') {
        let part = part.trim_matches(|c: char| c == ' ' || c == '\t');
        if part.is_empty() {
            continue;
        }
        let addr: IpAddr = part.parse().ok()?;
        items.push((addr, part));
    }
    if items.is_empty() {
        return None;
    }
    items.sort_by_key(|(a, _)| match a {
        IpAddr::V6(v6) => (0u8, u128::from(*v6)),
        IpAddr::V4(v4) => (1u8, u128::from(u32::from(*v4))),
    });
    Some(items.iter().map(|(_, s)| *s).collect::<Vec<_>>().join(";"))
}

fn my_ip_addresses() -> Vec<IpAddr> {
    // The address the system would use to reach a public host: a UDP "connect" sends nothing.
    let mut out = Vec::new();
    for target in ["8.8.8.8:53", "[2001:4860:4860::8888]:53"] {
        let bind = if target.starts_with('[') {
            "[::]:0"
        } else {
            "0.0.0.0:0"
        };
        if let Ok(sock) = std::net::UdpSocket::bind(bind)
            && sock.connect(target).is_ok()
            && let Ok(local) = sock.local_addr()
            && !local.ip().is_unspecified()
        {
            out.push(local.ip());
        }
    }
    out
}

/// Why a PAC evaluation failed.
///
/// Example: see [`PacRun`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PacError(pub String);

impl std::fmt::Display for PacError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The name QuickJS gives a script run by `Ctx::eval`: the user's PAC script. The helper
/// functions run as a module named [`LIBRARY_NAME`], so their frames are told apart.
const SCRIPT_FRAME: &str = "eval_script:";
const LIBRARY_NAME: &str = "pac_library.js";

/// Where an error happened in the user's script: the innermost frame of the script in a QuickJS
/// stack (`    at FindProxyForURL (eval_script:4:17)`, or `    at eval_script:4:10` for a syntax
/// error). Frames of the helper functions are skipped, so a helper that throws is reported at
/// the line that called it. QuickJS knows the position of calls, operators and expression
/// statements; for another statement (`return p.x.y`) it gives the start of the function, which
/// is said as such.
fn script_position(stack: &str, script: &str) -> Option<String> {
    let (line, column) = stack.lines().find_map(|frame| {
        let at = frame.find(SCRIPT_FRAME)? + SCRIPT_FRAME.len();
        let mut numbers = frame[at..]
            .split(|c: char| !c.is_ascii_digit())
            .filter(|n| !n.is_empty())
            .map(|n| n.parse::<usize>().ok());
        Some((numbers.next()??, numbers.next().flatten()))
    })?;
    let function_start = column.is_some_and(|c| {
        script
            .lines()
            .nth(line.wrapping_sub(1))
            .and_then(|text| text.get(c.saturating_sub(1)..))
            .is_some_and(|rest| rest.starts_with("function"))
    });
    Some(if function_start {
        format!("in the function starting at line {line}")
    } else {
        format!("line {line}")
    })
}

fn describe(err: CaughtError<'_>, script: &str) -> String {
    match err {
        CaughtError::Exception(e) => {
            let msg = e.message().unwrap_or_default();
            let name = e
                .get::<_, Option<String>>("name")
                .ok()
                .flatten()
                .unwrap_or_else(|| "Error".into());
            match e.stack().and_then(|s| script_position(&s, script)) {
                Some(at) => format!("{name}: {msg} ({at})"),
                None => format!("{name}: {msg}"),
            }
        }
        CaughtError::Value(v) => {
            let text = rquickjs::Coerced::<String>::from_js(v.ctx(), v.clone())
                .map(|c| c.0)
                .unwrap_or_else(|_| v.type_name().to_string());
            format!("uncaught exception: {text}")
        }
        CaughtError::Error(e) => e.to_string(),
    }
}

/// A PAC environment: the helper functions plus `prelude` scripts, then `body`.
///
/// ```
/// use std::sync::Arc;
/// use session_net::proxy::pac::{PacLimits, PacRun};
///
/// let run = PacRun {
///     name: "http://wpad/wpad.dat",
///     dns: Arc::new(|_host: &str| vec!["10.1.2.3".parse().unwrap()]),
///     limits: PacLimits::default(),
/// };
/// let script = r#"
///     function FindProxyForURL(url, host) {
///         if (isInNet(dnsResolve(host), "10.0.0.0", "255.0.0.0")) return "DIRECT";
///         return "PROXY proxy.example:8080";
///     }"#;
/// let url = url::Url::parse("http://intranet.example/").unwrap();
/// assert_eq!(run.find_proxy(script, &url).unwrap(), "DIRECT");
/// assert_eq!(run.eval_to_string("shExpMatch('a.example', '*.example')").unwrap(), "true");
/// let broken = run.find_proxy("function FindProxyForURL(", &url).unwrap_err();
/// assert!(!broken.0.is_empty());
/// ```
pub struct PacRun<'a> {
    /// The script's name for messages (its URL).
    pub name: &'a str,
    /// Host lookups.
    pub dns: PacDns,
    /// Limits.
    pub limits: PacLimits,
}

impl PacRun<'_> {
    fn runtime(&self) -> Result<(Runtime, Context), PacError> {
        let rt =
            Runtime::new().map_err(|e| PacError(format!("cannot start the PAC engine: {e}")))?;
        rt.set_memory_limit(self.limits.memory);
        rt.set_max_stack_size(512 * 1024);
        let deadline = Instant::now() + self.limits.time;
        rt.set_interrupt_handler(Some(Box::new(move || Instant::now() > deadline)));
        let ctx = Context::full(&rt)
            .map_err(|e| PacError(format!("cannot start the PAC engine: {e}")))?;
        Ok((rt, ctx))
    }

    fn install(&self, ctx: &rquickjs::Ctx<'_>) -> rquickjs::Result<()> {
        let g = ctx.globals();
        let dns = self.dns.clone();
        g.set(
            "__pacDnsResolve",
            Function::new(
                ctx.clone(),
                move |host: String, ex: bool| -> Option<String> {
                    let addrs = dns(&host);
                    if ex {
                        (!addrs.is_empty()).then(|| {
                            addrs
                                .iter()
                                .map(|a| a.to_string())
                                .collect::<Vec<_>>()
                                .join(";")
                        })
                    } else {
                        addrs
                            .iter()
                            .find(|a| a.is_ipv4())
                            .or(addrs.first())
                            .map(|a| a.to_string())
                    }
                },
            )?,
        )?;
        g.set(
            "__pacMyIpAddress",
            Function::new(ctx.clone(), |ex: bool| -> String {
                let addrs = my_ip_addresses();
                if ex {
                    addrs
                        .iter()
                        .map(|a| a.to_string())
                        .collect::<Vec<_>>()
                        .join(";")
                } else {
                    addrs
                        .iter()
                        .find(|a| a.is_ipv4())
                        .map(|a| a.to_string())
                        .unwrap_or_else(|| "127.0.0.1".into())
                }
            })?,
        )?;
        g.set(
            "__pacIsIpLiteral",
            Function::new(ctx.clone(), |s: String| is_ip_literal(&s))?,
        )?;
        g.set(
            "__pacIsInNetEx",
            Function::new(ctx.clone(), |ip: String, prefix: String| {
                is_in_net_ex(&ip, &prefix)
            })?,
        )?;
        g.set(
            "__pacSortIpAddressList",
            Function::new(ctx.clone(), |list: String| sort_ip_address_list(&list))?,
        )?;
        // A module, so that its stack frames name LIBRARY_NAME rather than the user's script.
        rquickjs::Module::evaluate(ctx.clone(), LIBRARY_NAME, LIBRARY)?.finish::<()>()
    }

    fn timed_out(&self, started: Instant, what: String) -> PacError {
        if started.elapsed() >= self.limits.time {
            PacError(format!(
                "PAC script {} ran longer than {} ms",
                self.name,
                self.limits.time.as_millis()
            ))
        } else {
            PacError(what)
        }
    }

    /// Loads `script` and calls `FindProxyForURL(url, host)`; returns its string result.
    ///
    /// Example: see [`PacRun`].
    pub fn find_proxy(&self, script: &str, url: &Url) -> Result<String, PacError> {
        let started = Instant::now();
        let (_rt, context) = self.runtime()?;
        let url_text = sanitized_url(url);
        let host = url
            .host_str()
            .unwrap_or("")
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        context.with(|ctx| {
            self.install(&ctx).catch(&ctx).map_err(|e| {
                PacError(format!("PAC library failed to load: {}", describe(e, "")))
            })?;
            ctx.eval::<(), _>(script).catch(&ctx).map_err(|e| {
                self.timed_out(
                    started,
                    format!(
                        "PAC script {} failed to load: {}",
                        self.name,
                        describe(e, script)
                    ),
                )
            })?;
            let f: Function<'_> = ctx
                .globals()
                .get::<_, Option<Function<'_>>>("FindProxyForURL")
                .ok()
                .flatten()
                .ok_or_else(|| {
                    PacError(format!(
                        "PAC script {} does not define FindProxyForURL",
                        self.name
                    ))
                })?;
            let value: rquickjs::Value<'_> = f
                .call((url_text.as_str(), host.as_str()))
                .catch(&ctx)
                .map_err(|e| {
                    self.timed_out(
                        started,
                        format!(
                            "PAC script {} failed in FindProxyForURL: {}",
                            self.name,
                            describe(e, script)
                        ),
                    )
                })?;
            match value.as_string() {
                Some(s) => {
                    let text = s.to_string().map_err(|e| {
                        PacError(format!(
                            "PAC script {} returned a bad string: {e}",
                            self.name
                        ))
                    })?;
                    if text.is_ascii() {
                        Ok(text)
                    } else {
                        Err(PacError(format!(
                            "PAC script {} returned a non-ASCII string",
                            self.name
                        )))
                    }
                }
                None => Err(PacError(format!(
                    "PAC script {} returned {} instead of a string",
                    self.name,
                    value.type_name()
                ))),
            }
        })
    }

    /// Runs `source` after the helper functions and returns its completion value coerced to a
    /// string (used to test the helpers).
    ///
    /// Example: see [`PacRun`].
    pub fn eval_to_string(&self, source: &str) -> Result<String, PacError> {
        let (_rt, context) = self.runtime()?;
        context.with(|ctx| {
            self.install(&ctx).catch(&ctx).map_err(|e| {
                PacError(format!("PAC library failed to load: {}", describe(e, "")))
            })?;
            let v: rquickjs::Coerced<String> = ctx
                .eval(source)
                .catch(&ctx)
                .map_err(|e| PacError(format!("{}: {}", self.name, describe(e, source))))?;
            Ok(v.0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(limits: PacLimits) -> PacRun<'static> {
        PacRun {
            name: "test.pac",
            dns: Arc::new(|h: &str| h.parse::<IpAddr>().into_iter().collect()),
            limits,
        }
    }

    #[test]
    fn finds_a_proxy() {
        let url = Url::parse("https://google.com/path?q").expect("url");
        let script = "function FindProxyForURL(url, host) { return url + ' ' + host + ' ' + isPlainHostName(host); }";
        assert_eq!(
            run(PacLimits::default())
                .find_proxy(script, &url)
                .expect("pac"),
            "https://google.com/ google.com false"
        );
    }

    #[test]
    fn hostile_scripts_are_stopped() {
        let url = Url::parse("http://a.test/").expect("url");
        let limits = PacLimits {
            time: Duration::from_millis(200),
            memory: 8 * 1024 * 1024,
        };
        let e = run(limits.clone())
            .find_proxy("function FindProxyForURL(u, h) { for (;;) {} }", &url)
            .expect_err("loop");
        assert!(e.0.contains("ran longer than 200 ms"), "{e}");
        let e = run(limits)
            .find_proxy(
                "function FindProxyForURL(u, h) { var a = []; for (;;) a.push(new Array(100000).fill(1)); }",
                &url,
            )
            .expect_err("memory");
        assert!(e.0.contains("test.pac"), "{e}");
    }

    #[test]
    fn errors_name_the_script_and_its_line() {
        // A broken PAC script is reported by its URL and the line of the user's
        // script, not of the helper functions loaded before it.
        let url = Url::parse("http://a.test/").expect("url");
        let err = |script: &str| {
            run(PacLimits::default())
                .find_proxy(script, &url)
                .expect_err("a broken script")
                .0
        };
        assert_eq!(
            err("// proxy.pac\n\nfunction FindProxyForURL(u, h) {\n  return 'DIRECT' +;\n}\n"),
            "PAC script test.pac failed to load: SyntaxError: unexpected token in expression: \
             ';' (line 4)"
        );
        assert_eq!(
            err("var a = 1;\n\nthrow new Error('no config');\n"),
            "PAC script test.pac failed to load: Error: no config (line 3)"
        );
        assert_eq!(
            err("var p = {};\n\nfunction FindProxyForURL(u, h) {\n  return h + p.x.y();\n}\n"),
            "PAC script test.pac failed in FindProxyForURL: TypeError: cannot read property \
             'y' of undefined (line 4)"
        );
        // No position for this statement in QuickJS: the function's start, said as such.
        assert_eq!(
            err("\nfunction FindProxyForURL(u, h) {\n  var p = {};\n  return p.x.y;\n}\n"),
            "PAC script test.pac failed in FindProxyForURL: TypeError: cannot read property \
             'y' of undefined (in the function starting at line 2)"
        );
        // A helper that throws is reported at the user's call.
        assert_eq!(
            err("function FindProxyForURL(u, h) {\n\n\n  return dnsResolve(1);\n}\n"),
            "PAC script test.pac failed in FindProxyForURL: TypeError: Requires 1 string \
             parameter (line 4)"
        );
        assert_eq!(
            err("function FindProxyForURL(u, h) { throw 'no proxy today'; }"),
            "PAC script test.pac failed in FindProxyForURL: uncaught exception: no proxy today"
        );
    }

    #[test]
    fn helpers() {
        assert_eq!(
            sort_ip_address_list("0::1;::1;0:0::1").as_deref(),
            Some("0::1;::1;0:0::1")
        );
        assert_eq!(sort_ip_address_list(" ;  ; "), None);
        assert!(is_in_net_ex("127.0.0.1", "0:0:0:0:0:0:7f00:1/16"));
        assert!(!is_in_net_ex("127.0.0.1", "127.0.0.1"));
    }
}
