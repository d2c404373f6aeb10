//! Proxy configuration: Chromium's rule-string, bypass-rule, proxy-URI and PAC-library tables
//! against `session::proxy` (rules parser, bypass matcher, PAC engine).

use std::net::IpAddr;
use std::sync::Arc;

use serde_json::Value;
use session::proxy::pac::{PacLimits, PacRun};
use session::proxy::{
    BypassRules, ProxyChoice, ProxyList, ProxyRules, ProxyScheme, RulesType, parse_pac_element,
    parse_proxy_uri,
};
use url::Url;

use crate::{Outcome, SuiteReport};

const NAME: &str = "proxy-chromium";

fn load(file: &str) -> Result<Value, String> {
    let path = crate::data_dir().join(NAME).join(file);
    let text = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_slice(&text).map_err(|e| format!("cannot parse {}: {e}", path.display()))
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn check(report: &mut SuiteReport, id: impl Into<String>, expected: &str, got: &str) {
    let outcome = if expected == got {
        Outcome::Pass
    } else {
        Outcome::Fail(format!("expected {expected:?}, got {got:?}"))
    };
    report.record(id, outcome);
}

fn list_str(l: &ProxyList) -> String {
    l.to_pac_string()
}

fn opt(v: &Value) -> String {
    v.as_str().unwrap_or("").to_string()
}

fn rules_cases(report: &mut SuiteReport, file: &Value) {
    for c in file["parse_proxy_rules"].as_array().into_iter().flatten() {
        let r = ProxyRules::parse(s(&c["proxy_rules"]));
        let kind = match r.kind {
            RulesType::Empty => "EMPTY",
            RulesType::ProxyList => "PROXY_LIST",
            RulesType::PerScheme => "PROXY_LIST_PER_SCHEME",
        };
        let got = format!(
            "{kind}|{}|{}|{}|{}|{}",
            list_str(&r.single),
            list_str(&r.http),
            list_str(&r.https),
            list_str(&r.ftp),
            list_str(&r.fallback)
        );
        let expected = format!(
            "{}|{}|{}|{}|{}|{}",
            s(&c["expected_type"]),
            opt(&c["single_proxies"]),
            opt(&c["proxies_for_http"]),
            opt(&c["proxies_for_https"]),
            opt(&c["proxies_for_ftp"]),
            opt(&c["fallback_proxies"])
        );
        check(report, s(&c["id"]), &expected, &got);
    }
    for c in file["parse_proxy_rules_bracketed_chains"]
        .as_array()
        .into_iter()
        .flatten()
    {
        report.record(
            s(&c["id"]),
            Outcome::Skip("bracketed proxy chains exist only in Chromium debug builds".into()),
        );
    }
    for c in file["proxy_config_to_value"]
        .as_array()
        .into_iter()
        .flatten()
    {
        report.record(
            s(&c["id"]),
            Outcome::Skip("Chromium's net-log JSON form of a config is not produced".into()),
        );
    }
    for c in file["apply_rules_to_url"].as_array().into_iter().flatten() {
        let rules = ProxyRules::parse(s(&c["proxy_rules"]));
        let added: Vec<&str> = c["bypass_rules_added"]
            .as_array()
            .into_iter()
            .flatten()
            .map(s)
            .collect();
        let bypass = BypassRules::parse(&added.join(","));
        let reverse = c["reverse_bypass"].as_bool().unwrap_or(false);
        let Ok(url) = Url::parse(s(&c["url"])) else {
            report.record(s(&c["id"]), Outcome::Fail("bad URL in the data".into()));
            continue;
        };
        let list = if bypass.matches(&url, reverse) {
            ProxyList::direct()
        } else {
            rules.list_for(&url)
        };
        let got = if list.is_empty() {
            "DIRECT".to_string()
        } else {
            list.to_pac_string()
        };
        if let Some(expected) = c["expected_proxy_info"].as_str() {
            check(report, s(&c["id"]), expected, &got);
        } else {
            let direct = c["expected_is_direct_only"].as_bool().unwrap_or(false);
            check(
                report,
                s(&c["id"]),
                if direct { "direct" } else { "proxied" },
                if got == "DIRECT" { "direct" } else { "proxied" },
            );
        }
    }
}

fn bypass_matches(rules: &BypassRules, url: &str) -> bool {
    Url::parse(url).is_ok_and(|u| rules.matches(&u, false))
}

fn bypass_cases(report: &mut SuiteReport, file: &Value) {
    for c in file["bypass_rules_parse_and_match"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let id = s(&c["id"]);
        let rules = BypassRules::parse(s(&c["rules"]));
        if let Some(expected) = c["expected_rules_tostring"].as_array() {
            let expected: Vec<&str> = expected.iter().map(s).collect();
            check(
                report,
                format!("{id}-tostring"),
                &expected.join(" | "),
                &rules.to_strings().join(" | "),
            );
        }
        for (i, m) in c["matches"].as_array().into_iter().flatten().enumerate() {
            let want = m["expected_match"].as_bool().unwrap_or(false);
            let got = bypass_matches(&rules, s(&m["url"]));
            check(
                report,
                format!("{id}-match-{i:02}"),
                &format!("{} {want}", s(&m["url"])),
                &format!("{} {got}", s(&m["url"])),
            );
        }
    }
    let groups = &file["host_groups"];
    for t in file["bypass_rules_group_expectations"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let rules = BypassRules::parse(s(&t["rules"]));
        for (group, exp) in t["groups"].as_object().into_iter().flatten() {
            let mut hosts: Vec<&str> = groups[group.as_str()]
                .as_array()
                .into_iter()
                .flatten()
                .map(s)
                .collect();
            if group == "misc" {
                // "loopback" is a localhost name on Windows only.
                hosts.extend(
                    groups["localhost_windows_only"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(s),
                );
            }
            let bypasses = exp["bypasses"].as_bool().unwrap_or(false);
            let inverted: Vec<&str> = exp["inverted_hosts"]
                .as_array()
                .into_iter()
                .flatten()
                .map(s)
                .collect();
            for host in hosts {
                let want = bypasses != inverted.contains(&host);
                for scheme in ["http", "https", "ftp"] {
                    let url = format!("{scheme}://{host}");
                    check(
                        report,
                        format!("group-{}-{group}-{url}", s(&t["test"])),
                        &want.to_string(),
                        &bypass_matches(&rules, &url).to_string(),
                    );
                }
            }
        }
    }
    for (i, c) in file["add_rule_from_string"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let want = c["expected_success"].as_bool().unwrap_or(false);
        let got = BypassRules::parse_rule(s(&c["rule"])).is_some();
        check(
            report,
            format!("add-rule-{i:02}"),
            &want.to_string(),
            &got.to_string(),
        );
    }
    let misc = &file["misc"];
    for (i, e) in misc["Equals"].as_array().into_iter().flatten().enumerate() {
        let a = BypassRules::parse(s(&e[0]));
        let b = BypassRules::parse(s(&e[1]));
        let want = e[2].as_bool().unwrap_or(false);
        check(
            report,
            format!("misc-equals-{i}"),
            &want.to_string(),
            &(a == b).to_string(),
        );
    }
    let sub = &misc["AddRulesToSubtractImplicit"];
    let mut r = BypassRules::parse(s(&sub["start"]));
    r.subtract_implicit();
    let after: Vec<&str> = sub["after"]
        .as_array()
        .into_iter()
        .flatten()
        .map(s)
        .collect();
    check(
        report,
        "misc-add-subtract-implicit",
        &after.join(" | "),
        &r.to_strings().join(" | "),
    );
    let mut r = BypassRules::default();
    r.subtract_implicit();
    let joined: String = r.to_strings().iter().map(|x| format!("{x};")).collect();
    check(
        report,
        "misc-get-subtract-implicit",
        s(&misc["GetRulesToSubtractImplicit"]),
        &joined,
    );
    check(
        report,
        "misc-empty-tostring",
        s(&misc["EmptyRulesToString"]),
        &BypassRules::parse("").to_strings().join(";"),
    );
}

fn describe(c: Option<ProxyChoice>) -> String {
    match c {
        None => "invalid".into(),
        Some(ProxyChoice::Direct) => "direct://".into(),
        Some(ProxyChoice::Proxy(p)) => {
            let scheme = match p.scheme {
                ProxyScheme::Http => "HTTP",
                ProxyScheme::Https => "HTTPS",
                ProxyScheme::Socks4 => "SOCKS4",
                ProxyScheme::Socks5 => "SOCKS5",
                _ => "QUIC",
            };
            format!(
                "{} {scheme} {} {} {}",
                p.to_uri(),
                p.host,
                p.port,
                p.to_pac()
            )
        }
    }
}

fn uri_only(c: Option<ProxyChoice>) -> String {
    match c {
        Some(ProxyChoice::Proxy(p)) => p.to_uri(),
        other => describe(other),
    }
}

fn server_cases(report: &mut SuiteReport, file: &Value) {
    for (i, c) in file["proxy_uri_to_proxy_server"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let expected = format!(
            "{} {} {} {} {}",
            s(&c["expected_uri"]),
            s(&c["expected_scheme"]),
            s(&c["expected_host"]),
            c["expected_port"],
            s(&c["expected_pac"])
        );
        let got = describe(parse_proxy_uri(s(&c["input"]), ProxyScheme::Http, false));
        check(report, format!("uri-{i:02}"), &expected, &got);
    }
    for (i, c) in file["direct_uri_valid"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        check(
            report,
            format!("direct-valid-{i}"),
            "direct://",
            &describe(parse_proxy_uri(s(c), ProxyScheme::Http, true)),
        );
    }
    for (i, c) in file["direct_uri_invalid"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        check(
            report,
            format!("direct-invalid-{i}"),
            "invalid",
            &describe(parse_proxy_uri(s(c), ProxyScheme::Http, true)),
        );
    }
    for (i, c) in file["proxy_uri_invalid"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        check(
            report,
            format!("uri-invalid-{i:02}"),
            "invalid",
            &describe(parse_proxy_uri(s(c), ProxyScheme::Http, false)),
        );
    }
    for (i, c) in file["proxy_uri_whitespace"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let got = uri_only(parse_proxy_uri(s(&c["input"]), ProxyScheme::Http, false));
        check(
            report,
            format!("uri-whitespace-{i}"),
            s(&c["expected_uri"]),
            &got,
        );
    }
    for (i, c) in file["pac_result_element_to_proxy_server"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        check(
            report,
            format!("pac-element-{i:02}"),
            s(&c["expected_uri"]),
            &uri_only(parse_pac_element(s(&c["input"]))),
        );
    }
    for (i, c) in file["pac_result_element_invalid"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        check(
            report,
            format!("pac-element-invalid-{i}"),
            "invalid",
            &describe(parse_pac_element(s(c))),
        );
    }
}

fn pac_run(name: &str) -> PacRun<'_> {
    PacRun {
        name,
        dns: Arc::new(|h: &str| h.parse::<IpAddr>().into_iter().collect()),
        limits: PacLimits::default(),
    }
}

/// `new Date(...)` arguments for a mock "now" such as `Tue Mar 03 2009 GMT` or
/// `Mar 03, 2009 03:34:01`; the second value is true for GMT.
fn mock_date(text: &str) -> Option<(String, bool)> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (mut year, mut month, mut day, mut hms, mut gmt) = (None, None, None, (0, 0, 0), false);
    for tok in text.split([' ', ',']).filter(|t| !t.is_empty()) {
        if tok == "GMT" {
            gmt = true;
        } else if let Some(m) = MONTHS.iter().position(|m| *m == tok) {
            month = Some(m);
        } else if tok.contains(':') {
            let p: Vec<u32> = tok.split(':').filter_map(|x| x.parse().ok()).collect();
            hms = (*p.first()?, *p.get(1)?, *p.get(2)?);
        } else if let Ok(n) = tok.parse::<u32>() {
            if tok.len() == 4 {
                year = Some(n);
            } else {
                day = Some(n);
            }
        }
    }
    Some((
        format!(
            "{}, {}, {}, {}, {}, {}",
            year?, month?, day?, hms.0, hms.1, hms.2
        ),
        gmt,
    ))
}

fn js_arg(v: &Value) -> String {
    match v.get("js") {
        Some(js) => s(js).to_string(),
        None => v.to_string(),
    }
}

fn pac_library_cases(report: &mut SuiteReport, cases: &Value) {
    for c in cases.as_array().into_iter().flatten() {
        let id = s(&c["id"]);
        let args: Vec<String> = c["args"]
            .as_array()
            .into_iter()
            .flatten()
            .map(js_arg)
            .collect();
        let mut prelude = String::new();
        if let Some(now) = c["mock_now"].as_str() {
            let Some((fields, gmt)) = mock_date(now) else {
                report.record(id, Outcome::Fail(format!("cannot read mock_now {now:?}")));
                continue;
            };
            let fixed = if gmt {
                format!("Date.UTC({fields})")
            } else {
                format!("new Date({fields}).getTime()")
            };
            prelude = format!(
                "(function () {{ var R = Date, fixed = {fixed}; \
                 function D() {{ if (arguments.length === 0) return new R(fixed); \
                 return new (Function.prototype.bind.apply(R, [null].concat(Array.prototype.slice.call(arguments))))(); }} \
                 D.UTC = R.UTC; D.parse = R.parse; D.now = function () {{ return fixed; }}; D.prototype = R.prototype; \
                 globalThis.Date = D; }})();"
            );
        }
        let source = format!(
            "{prelude}(function () {{ try {{ var r = {}({}); return JSON.stringify({{v: r === undefined ? null : r}}); }} \
             catch (e) {{ return JSON.stringify({{e: String(e)}}); }} }})()",
            s(&c["function"]),
            args.join(", ")
        );
        let expected = match c.get("expected_throws") {
            Some(t) => serde_json::json!({ "e": t }),
            None => serde_json::json!({ "v": c["expected"] }),
        };
        let got = match pac_run(id).eval_to_string(&source) {
            Ok(text) => serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text)),
            Err(e) => Value::String(e.0),
        };
        check(report, id, &expected.to_string(), &got.to_string());
    }
}

/// Scripts equivalent to the (not copied) Chromium test scripts, by file name.
fn equivalent_script(name: &str) -> Option<&'static str> {
    Some(match name {
        "direct.js" => "function FindProxyForURL(url, host) { return 'DIRECT'; }",
        "return_empty_string.js" => "function FindProxyForURL(url, host) { return ''; }",
        "passthrough.js" => {
            "function FindProxyForURL(url, host) { \
             var clean = function (x) { return x.replace(/[^0-9a-zA-Z]+/g, '.').replace(/^\\.+|\\.+$/g, ''); }; \
             return 'PROXY ' + clean(url) + '.' + host + ':80'; }"
        }
        "return_undefined.js" => "function FindProxyForURL(url, host) { return undefined; }",
        "return_integer.js" => "function FindProxyForURL(url, host) { return 0; }",
        "return_function.js" => "function FindProxyForURL(url, host) { return FindProxyForURL; }",
        "return_object.js" => {
            "function FindProxyForURL(url, host) { return {result: 'PROXY foo'}; }"
        }
        "return_null.js" => "function FindProxyForURL(url, host) { return null; }",
        "no_entrypoint.js" => "var x = 1;",
        "missing_close_brace.js" => "function FindProxyForURL(url, host) { return 'DIRECT';",
        "unhandled_exception.js" => {
            "function FindProxyForURL(url, host) { return undefined_variable + 'x'; }"
        }
        "return_unicode.js" => {
            "function FindProxyForURL(url, host) { return 'PROXY \u{0441}\u{0430}\u{0439}\u{0442}:80'; }"
        }
        "ends_with_comment.js" => {
            "function FindProxyForURL(url, host) { return 'PROXY success:80'; }\n// a trailing comment"
        }
        "ends_with_statement_no_semicolon.js" => {
            "var x = 3\nfunction FindProxyForURL(url, host) { return 'PROXY success:' + x; }\nx"
        }
        _ => return None,
    })
}

fn pac_script_cases(report: &mut SuiteReport, file: &Value) {
    for (i, c) in file["cases"].as_array().into_iter().flatten().enumerate() {
        let script_path = s(&c["script"]);
        let name = script_path.rsplit('/').next().unwrap_or(script_path);
        let id = format!("pac-script-{i:02}-{name}");
        let Some(script) = equivalent_script(name) else {
            report.record(
                id,
                Outcome::Skip(
                    "no equivalent script written (needs mocked DNS bindings or call counts)"
                        .into(),
                ),
            );
            continue;
        };
        let url = Url::parse(c["url"].as_str().unwrap_or("http://www.google.com")).ok();
        let Some(url) = url else {
            report.record(id, Outcome::Fail("bad URL in the data".into()));
            continue;
        };
        let exp = &c["expected"];
        let got = pac_run(name).find_proxy(script, &url);
        let failed = exp["result"] == "ERR_PAC_SCRIPT_FAILED"
            || exp["create_result"] == "ERR_PAC_SCRIPT_FAILED";
        let got_text = match &got {
            Err(_) => "ERR_PAC_SCRIPT_FAILED".to_string(),
            Ok(text) => {
                let list = session::proxy::parse_pac_result(text);
                if list.is_empty() && !text.trim().is_empty() {
                    "ERR_PAC_SCRIPT_FAILED".to_string()
                } else if list.is_empty() {
                    "DIRECT".to_string()
                } else {
                    list.0
                        .iter()
                        .map(|c| match c {
                            ProxyChoice::Direct => "DIRECT".to_string(),
                            ProxyChoice::Proxy(p) => p.to_uri(),
                        })
                        .collect::<Vec<_>>()
                        .join(";")
                }
            }
        };
        let expected = if failed {
            "ERR_PAC_SCRIPT_FAILED".to_string()
        } else if let Some(p) = exp["proxy"].as_str() {
            p.to_string()
        } else {
            s(&exp["proxy_uri"]).to_string()
        };
        check(report, id, &expected, &got_text);
    }
}

/// Runs every table.
pub fn run() -> SuiteReport {
    let mut report = SuiteReport::new(
        NAME,
        "chromium/chromium net/proxy_resolution, net/base and services/proxy_resolver unit-test tables (BSD-3), electron/electron proxy-config.md (MIT)",
    );
    for (file, f) in [
        (
            "proxy-rules.json",
            rules_cases as fn(&mut SuiteReport, &Value),
        ),
        ("proxy-bypass-rules.json", bypass_cases),
        ("proxy-server-strings.json", server_cases),
        ("pac-library-functions.json", pac_library_cases),
        ("pac-scripts-expectations.json", pac_script_cases),
    ] {
        match load(file) {
            Ok(v) => f(&mut report, &v),
            Err(e) => report.record(format!("load-{file}"), Outcome::Fail(e)),
        }
    }
    report
}
