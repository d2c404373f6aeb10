//! Chromium's `URLPattern` unit tests (parse results, ports, IPv6, matching, string form,
//! overlaps, containment, equality, single origin, effective TLDs, intersection, explicit
//! schemes, whitespace hosts) against `session_base::pattern`, and `crx_file::id_util`'s nine
//! extension-ID vectors against `session_extensions::id`.

use serde_json::Value;
use session_base::pattern::{MatchPattern, Schemes};
use session_extensions::id;

use crate::{Outcome, SuiteReport};

const NAME: &str = "extensions-url-patterns";

fn schemes(name: &str) -> Schemes {
    match name {
        "kAllSchemes" => Schemes::NAMED,
        "SCHEME_HTTP" => Schemes::HTTP,
        "SCHEME_HTTPS" => Schemes::HTTPS,
        "SCHEME_EXTENSION" => Schemes::EXTENSION,
        "HTTP|HTTPS|FTP" => Schemes::HTTP.union(Schemes::HTTPS).union(Schemes::FTP),
        _ => Schemes::ALL,
    }
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn parse(v: &Value, pattern_key: &str, schemes_key: &str) -> Result<MatchPattern, String> {
    MatchPattern::parse_with(s(v, pattern_key), schemes(s(v, schemes_key)))
        .map_err(|e| format!("{e}"))
}

fn outcome(problems: Vec<String>) -> Outcome {
    if problems.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail(problems.join("; "))
    }
}

fn port_string(p: &MatchPattern) -> String {
    p.port().map_or_else(|| "*".to_owned(), |n| n.to_string())
}

fn load(file: &str) -> Result<Value, String> {
    let path = crate::data_dir().join(NAME).join(file);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Runs every case of both files.
pub fn run() -> SuiteReport {
    let mut report = SuiteReport::new(
        NAME,
        "chromium extensions/common/url_pattern_unittest.cc and components/crx_file/id_util_unittest.cc (BSD-3)",
    );
    match load("url-pattern-cases.json") {
        Ok(d) => url_patterns(&d, &mut report),
        Err(e) => report.record("url-pattern-cases", Outcome::Fail(e)),
    }
    match load("extension-id-cases.json") {
        Ok(d) => extension_ids(&d, &mut report),
        Err(e) => report.record("extension-id-cases", Outcome::Fail(e)),
    }
    report
}

fn parse_result(v: &Value) -> (String, Option<MatchPattern>) {
    match MatchPattern::parse_with(s(v, "pattern"), schemes(s(v, "valid_schemes"))) {
        Ok(p) => ("kSuccess".to_owned(), Some(p)),
        Err(e) => (e.kind.chromium_name().to_owned(), None),
    }
}

fn url_patterns(d: &Value, report: &mut SuiteReport) {
    for (group, list) in [
        ("parse_invalid", arr(d, "parse_invalid")),
        ("ports", arr(d, "ports")),
        ("ipv6_success", arr(d, "ipv6_success")),
        ("ipv6_failure", arr(d, "ipv6_failure")),
    ] {
        for (i, c) in list.iter().enumerate() {
            let (got, p) = parse_result(c);
            let mut problems = Vec::new();
            if got != s(c, "expected_result") {
                problems.push(format!(
                    "{:?}: {got}, expected {}",
                    s(c, "pattern"),
                    s(c, "expected_result")
                ));
            }
            if let (Some(p), Some(port)) = (&p, c.get("expected_port").and_then(Value::as_str))
                && port_string(p) != port
            {
                problems.push(format!("port {}, expected {port}", port_string(p)));
            }
            if let (Some(p), Some(host)) = (&p, c.get("expected_host").and_then(Value::as_str))
                && p.host() != host
            {
                problems.push(format!("host {:?}, expected {host:?}", p.host()));
            }
            report.record(format!("{group}-{:02}", i + 1), outcome(problems));
        }
    }
    for c in arr(d, "parse_and_match") {
        let id = s(c, "id");
        let (got, p) = parse_result(c);
        if got != s(c, "expected_result") {
            report.record(
                id,
                Outcome::Fail(format!(
                    "parse: {got}, expected {}",
                    s(c, "expected_result")
                )),
            );
            continue;
        }
        let Some(p) = p else {
            report.record(id, Outcome::Pass);
            continue;
        };
        let mut problems = Vec::new();
        if let Some(props) = c.get("expected_properties").and_then(Value::as_object) {
            for (k, want) in props {
                let have = match k.as_str() {
                    "scheme" => Value::from(p.scheme()),
                    "host" => Value::from(p.host()),
                    "match_subdomains" => Value::from(p.match_subdomains()),
                    "match_all_urls" => Value::from(p.match_all_urls()),
                    "path" => Value::from(p.path()),
                    "port" => Value::from(port_string(&p)),
                    _ => Value::Null,
                };
                if &have != want {
                    problems.push(format!("{k} {have}, expected {want}"));
                }
            }
        }
        if let Some(want) = c.get("expected_as_string").and_then(Value::as_str)
            && p.to_string() != want
        {
            problems.push(format!("as string {p}, expected {want}"));
        }
        record_matches(&p, c, &mut problems);
        report.record(id, outcome(problems));
    }
    for (i, c) in arr(d, "get_as_string_roundtrip").iter().enumerate() {
        let o = match parse(c, "pattern", "valid_schemes") {
            Ok(p) if p.to_string() == s(c, "expected_as_string") => Outcome::Pass,
            Ok(p) => Outcome::Fail(format!("{p}, expected {}", s(c, "expected_as_string"))),
            Err(e) => Outcome::Fail(e),
        };
        report.record(format!("as_string-{:02}", i + 1), o);
    }
    for (i, c) in arr(d, "overlaps").iter().enumerate() {
        let o = match (
            parse(c, "pattern1", "schemes1"),
            parse(c, "pattern2", "schemes2"),
        ) {
            (Ok(a), Ok(b)) => {
                let want = c["expected_overlap_both_ways"].as_bool();
                let (ab, ba) = (a.overlaps(&b), b.overlaps(&a));
                if Some(ab) == want && Some(ba) == want {
                    Outcome::Pass
                } else {
                    Outcome::Fail(format!("{a} / {b}: {ab} {ba}, expected {want:?}"))
                }
            }
            (Err(e), _) | (_, Err(e)) => Outcome::Fail(e),
        };
        report.record(format!("overlaps-{:02}", i + 1), o);
    }
    for (i, c) in arr(d, "contains").iter().enumerate() {
        let o = match (parse(c, "a", "a_schemes"), parse(c, "b", "b_schemes")) {
            (Ok(a), Ok(b)) => {
                let (ab, ba) = (a.contains(&b), b.contains(&a));
                if Some(ab) == c["a_contains_b"].as_bool()
                    && Some(ba) == c["b_contains_a"].as_bool()
                {
                    Outcome::Pass
                } else {
                    Outcome::Fail(format!("{a} contains {b}: {ab}, reverse {ba}"))
                }
            }
            (Err(e), _) | (_, Err(e)) => Outcome::Fail(e),
        };
        report.record(format!("contains-{:02}", i + 1), o);
    }
    for (i, c) in arr(d, "equals").iter().enumerate() {
        let o = match (
            parse(c, "pattern1", "valid_schemes"),
            parse(c, "pattern2", "valid_schemes"),
        ) {
            (Ok(a), Ok(b)) if Some(a == b) == c["expected_equal"].as_bool() => Outcome::Pass,
            (Ok(a), Ok(b)) => Outcome::Fail(format!("{a} == {b}: {}", a == b)),
            (Err(e), _) | (_, Err(e)) => Outcome::Fail(e),
        };
        report.record(format!("equals-{:02}", i + 1), o);
    }
    for (i, c) in arr(d, "matches_single_origin").iter().enumerate() {
        let o = match parse(c, "pattern", "valid_schemes") {
            Ok(p) if Some(p.matches_single_origin()) == c["expected"].as_bool() => Outcome::Pass,
            Ok(p) => Outcome::Fail(format!("{p}: {}", p.matches_single_origin())),
            Err(e) => Outcome::Fail(e),
        };
        report.record(format!("single_origin-{:02}", i + 1), o);
    }
    for (i, c) in arr(d, "matches_effective_tld").iter().enumerate() {
        let o = match parse(c, "pattern", "valid_schemes") {
            Ok(p) => {
                let mut problems = Vec::new();
                for (key, private, unknown) in [
                    ("exclude_private", false, false),
                    ("include_private", true, false),
                    ("exclude_private_include_unknown", false, true),
                    ("include_private_include_unknown", true, true),
                ] {
                    let got = p.matches_effective_tld(private, unknown);
                    if Some(got) != c[key].as_bool() {
                        problems.push(format!("{p} {key}: {got}"));
                    }
                }
                outcome(problems)
            }
            Err(e) => Outcome::Fail(e),
        };
        report.record(format!("effective_tld-{:02}", i + 1), o);
    }
    for (i, c) in arr(d, "intersection").iter().enumerate() {
        let o = match (
            parse(c, "pattern1", "valid_schemes"),
            parse(c, "pattern2", "valid_schemes"),
        ) {
            (Ok(a), Ok(b)) => {
                let want = c["expected_intersection"].as_str();
                let ab = a.intersection(&b).map(|p| p.to_string());
                let ba = b.intersection(&a).map(|p| p.to_string());
                if ab.as_deref() == want && ba.as_deref() == want {
                    Outcome::Pass
                } else {
                    Outcome::Fail(format!("{a} ∩ {b}: {ab:?} / {ba:?}, expected {want:?}"))
                }
            }
            (Err(e), _) | (_, Err(e)) => Outcome::Fail(e),
        };
        report.record(format!("intersection-{:02}", i + 1), o);
    }
    if let Some(conv) = d
        .get("convert_to_explicit_schemes")
        .and_then(Value::as_object)
    {
        for (i, (key, want)) in conv.iter().enumerate() {
            let Some((pattern, mask)) = key.strip_suffix(')').and_then(|k| k.rsplit_once(" ("))
            else {
                report.record(
                    format!("explicit_schemes-{:02}", i + 1),
                    Outcome::Fail(format!("bad key {key}")),
                );
                continue;
            };
            let o = match MatchPattern::parse_with(pattern, schemes(mask)) {
                Ok(p) => {
                    let got: Vec<Value> = p
                        .convert_to_explicit_schemes()
                        .iter()
                        .map(|p| Value::from(p.to_string()))
                        .collect();
                    if &Value::from(got.clone()) == want {
                        Outcome::Pass
                    } else {
                        Outcome::Fail(format!("{key}: {got:?}"))
                    }
                }
                Err(e) => Outcome::Fail(e.to_string()),
            };
            report.record(format!("explicit_schemes-{:02}", i + 1), o);
        }
    }
    let hosts = d
        .get("whitespace_hosts")
        .map(|w| arr(w, "hosts"))
        .unwrap_or(&[]);
    for (i, h) in hosts.iter().enumerate() {
        let h = h.as_str().unwrap_or("");
        let mut problems = Vec::new();
        match (
            MatchPattern::parse_with(&format!("https://{h}/*"), Schemes::HTTPS),
            MatchPattern::parse_with(&format!("https://*.{h}/*"), Schemes::HTTPS),
        ) {
            (Ok(plain), Ok(sub)) => {
                let check = |u: &str, p: &MatchPattern, want: bool, problems: &mut Vec<String>| {
                    match url::Url::parse(u) {
                        Ok(url) if p.matches(&url) == want => {}
                        Ok(_) => problems.push(format!("{p} matching {u:?}: expected {want}")),
                        Err(e) => problems.push(format!("{u:?} is not a URL here: {e}")),
                    }
                };
                check(&format!("https://{h}/foo"), &plain, true, &mut problems);
                check(&format!("https://{h}/foo"), &sub, true, &mut problems);
                check(
                    &format!("https://foo.{h}/foo"),
                    &plain,
                    false,
                    &mut problems,
                );
                check(&format!("https://foo.{h}/foo"), &sub, true, &mut problems);
            }
            (Err(e), _) | (_, Err(e)) => problems.push(e.to_string()),
        }
        report.record(format!("whitespace_host-{:02}", i + 1), outcome(problems));
    }
}

fn record_matches(p: &MatchPattern, c: &Value, problems: &mut Vec<String>) {
    for m in arr(c, "url_matches") {
        let u = s(m, "url");
        let want = m["expected"].as_bool().unwrap_or(false);
        let got = url::Url::parse(u).is_ok_and(|url| p.matches(&url));
        if got != want {
            problems.push(format!("{u}: {got}, expected {want}"));
        }
    }
    for m in arr(c, "scheme_matches") {
        let scheme = s(m, "scheme");
        let want = m["expected"].as_bool().unwrap_or(false);
        if p.matches_scheme(scheme) != want {
            problems.push(format!("scheme {scheme}: expected {want}"));
        }
    }
}

fn extension_ids(d: &Value, report: &mut SuiteReport) {
    for (i, c) in arr(d, "cases").iter().enumerate() {
        let func = s(c, "fn");
        let got = match func {
            "GenerateId" => match (c.get("input_base64"), c.get("input_hex")) {
                (Some(b64), Some(hex_in)) => {
                    let from_key = id::id_from_key(b64.as_str().unwrap_or(""));
                    let from_hex = hex::decode(hex_in.as_str().unwrap_or(""))
                        .ok()
                        .map(|b| id::generate_id(&b));
                    if from_key == from_hex { from_key } else { None }
                }
                _ => Some(id::generate_id(s(c, "input_utf8").as_bytes())),
            },
            "GenerateIdFromHash" => hex::decode(s(c, "input_hex"))
                .ok()
                .map(|b| id::generate_id_from_hash(&b)),
            "GenerateIdFromHex" => Some(id::generate_id_from_hex(s(c, "input"))),
            "GenerateIdForPath" if s(c, "platform") == "posix" => {
                Some(id::id_for_path(std::path::Path::new(s(c, "input_path"))))
            }
            "GenerateIdForPath" => {
                report.record(
                    format!("extension_id-{:02}", i + 1),
                    Outcome::Skip(
                        "Windows path encoding; covered by a unit test of the UTF-16LE bytes"
                            .into(),
                    ),
                );
                continue;
            }
            other => {
                report.record(
                    format!("extension_id-{:02}", i + 1),
                    Outcome::Fail(format!("unknown fn {other}")),
                );
                continue;
            }
        };
        let want = s(c, "expected");
        let o = if got.as_deref() == Some(want) {
            Outcome::Pass
        } else {
            Outcome::Fail(format!("{func}: {got:?}, expected {want}"))
        };
        report.record(format!("extension_id-{:02}", i + 1), o);
    }
}
