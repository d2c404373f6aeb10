//! The cache-tests suite (cache-tests.fyi, RFC 9111): the 300 tests that apply to a private
//! browser cache, each played by a loopback origin that answers the test's responses, with
//! the requests sent through `Session::fetch` of a persistent partition (so the disk cache, in
//! the whole request pipeline).
//! The report counts passes by kind (required / optimal / check) next to the published results
//! of Chrome, Firefox and Safari.
//!
//! Runner conventions (ours; the suite ships no runner we could copy): every request carries
//! `Req-Num: <n>` (1-based); the origin answers request *n* with the test's *n*-th response and
//! adds `Server-Request-Count` (requests it saw for the test) and `Client-Request-Count` (the
//! `Req-Num` it answered). `expected_type` is judged by whether the origin saw request *n*.
//! Integer `Date`/`Expires`/`Last-Modified` values are "now + N seconds"; `pause_after` sleeps
//! three seconds; checked date headers may be up to 5 s from their expected value; tests run
//! concurrently, each on its own URL, and one that has not finished in 20 s has hung.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde::Deserialize;
use serde_json::Value;
use session::cache::directives::{fmt_http_date, parse_http_date};
use session::net::{CacheMode, FetchOptions, RedirectMode, new_request};
use session::{Session, SessionOptions, Sessions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::{Outcome, SuiteReport};

const NAME: &str = "http-cache";
const PAUSE: Duration = Duration::from_secs(3);
/// How far a checked date header may be from "now + N": a stored response's dates were made up
/// to one pause (3 s) earlier.
const DATE_TOLERANCE: Duration = Duration::from_secs(5);
/// A test that has not finished by then has hung (e.g. a response the client cannot frame).
/// Far above the longest test's pauses (6 s): the 300 tests run at once over the
/// session's six connections to the one origin, so on a loaded machine a test also waits its
/// turn (20 s was once exceeded in CI by a test with one pause).
const TEST_TIMEOUT: Duration = Duration::from_secs(90);

#[derive(Deserialize, Clone)]
struct Test {
    id: String,
    #[serde(default)]
    kind: String,
    requests: Vec<Value>,
    applies_to_private_browser_cache: bool,
    #[serde(default)]
    results: HashMap<String, Value>,
}

/// What the origin saw of one request.
#[derive(Clone)]
struct Seen {
    req_num: usize,
    method: String,
    headers: HeaderMap,
}

#[derive(Default)]
struct OriginState {
    tests: HashMap<String, Arc<Test>>,
    seen: HashMap<String, Vec<Seen>>,
    last_modified: HashMap<String, String>,
}

type Shared = Arc<Mutex<OriginState>>;

fn lock(s: &Shared) -> std::sync::MutexGuard<'_, OriginState> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

fn str_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn is_date_header(name: &str) -> bool {
    [
        "date",
        "expires",
        "last-modified",
        "if-modified-since",
        "if-unmodified-since",
    ]
    .contains(&name.to_ascii_lowercase().as_str())
}

fn rfc850(t: SystemTime) -> String {
    // Sunday, 06-Nov-94 08:49:37 GMT from the IMF-fixdate form.
    let imf = fmt_http_date(t);
    let day = &imf[..3];
    let long = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    .into_iter()
    .find(|d| d.starts_with(day))
    .unwrap_or("Sunday");
    format!(
        "{long}, {}-{}-{} {} GMT",
        &imf[5..7],
        &imf[8..11],
        &imf[14..16],
        &imf[17..25]
    )
}

fn magic_date(offset: f64, rfc850_form: bool) -> String {
    let now = SystemTime::now();
    let t = if offset >= 0.0 {
        now + Duration::from_secs_f64(offset)
    } else {
        now - Duration::from_secs_f64(-offset)
    };
    if rfc850_form {
        rfc850(t)
    } else {
        fmt_http_date(t)
    }
}

/// `[name, value, check?]` triples of a request object field.
fn header_list(r: &Value, field: &str) -> Vec<(String, Value, bool)> {
    r.get(field)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|h| {
                    let h = h.as_array()?;
                    Some((
                        str_of(h.first()?),
                        h.get(1).cloned().unwrap_or(Value::Null),
                        h.get(2).and_then(Value::as_bool).unwrap_or(true),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn rfc850_list(r: &Value) -> Vec<String> {
    r.get("rfc850date")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|v| str_of(v).to_ascii_lowercase()).collect())
        .unwrap_or_default()
}

fn render_value(name: &str, v: &Value, r: &Value, base: &str) -> String {
    if is_date_header(name) && v.is_number() {
        return magic_date(
            v.as_f64().unwrap_or(0.0),
            rfc850_list(r).contains(&name.to_ascii_lowercase()),
        );
    }
    let s = str_of(v);
    let magic_loc = r
        .get("magic_locations")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if magic_loc
        && (name.eq_ignore_ascii_case("location") || name.eq_ignore_ascii_case("content-location"))
    {
        return format!("{base}{s}");
    }
    s
}

fn default_body(test: &Test) -> String {
    format!("http-cache-test-body-{}", test.id)
}

fn response_body(test: &Test, r: &Value) -> Option<String> {
    match r.get("response_body") {
        Some(Value::Null) => None,
        Some(v) => Some(str_of(v)),
        None => Some(default_body(test)),
    }
}

async fn serve_connection(mut stream: TcpStream, state: Shared, base: String) {
    let mut buf = Vec::new();
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 8192];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap_or_default().to_owned();
        let mut parts = request_line.split(' ');
        let method = parts.next().unwrap_or_default().to_owned();
        let target = parts.next().unwrap_or_default().to_owned();
        let mut headers = HeaderMap::new();
        for line in lines {
            if let Some((k, v)) = line.split_once(':')
                && let (Ok(k), Ok(v)) = (
                    HeaderName::from_bytes(k.trim().as_bytes()),
                    HeaderValue::from_str(v.trim()),
                )
            {
                headers.append(k, v);
            }
        }
        let body_len: usize = headers
            .get("content-length")
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + body_len {
            let mut chunk = [0u8; 8192];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..head_end + body_len);
        let path = target.split('?').next().unwrap_or_default();
        let uid = path
            .strip_prefix("/test/")
            .and_then(|p| p.split('/').next())
            .unwrap_or_default()
            .to_owned();
        let req_num: usize = headers
            .get("req-num")
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .unwrap_or(1);
        let (test, server_count) = {
            let mut st = lock(&state);
            let Some(test) = st.tests.get(&uid).cloned() else {
                return;
            };
            let seen = st.seen.entry(uid.clone()).or_default();
            seen.push(Seen {
                req_num,
                method: method.clone(),
                headers: headers.clone(),
            });
            let n = seen.len();
            (test, n)
        };
        let Some(r) = test.requests.get(req_num - 1).cloned() else {
            return;
        };
        if let Some(p) = r.get("response_pause").and_then(Value::as_f64) {
            tokio::time::sleep(Duration::from_secs_f64(p)).await;
        }
        if r.get("disconnect")
            .and_then(Value::as_bool)
            .unwrap_or(false)
        {
            return;
        }
        let expected_type = r.get("expected_type").and_then(Value::as_str).unwrap_or("");
        let validated = match expected_type {
            "etag_validated" => headers.contains_key("if-none-match"),
            "lm_validated" => headers.contains_key("if-modified-since"),
            _ => false,
        };
        let (mut status, mut phrase) = (200u16, "OK".to_owned());
        if let Some(s) = r.get("response_status").and_then(Value::as_array) {
            status = s.first().and_then(Value::as_u64).unwrap_or(200) as u16;
            phrase = s.get(1).map(str_of).unwrap_or_default();
        }
        if validated {
            (status, phrase) = (304, "Not Modified".to_owned());
        }
        let dir_base = format!("{base}/test/{uid}/");
        let mut out = format!("HTTP/1.1 {status} {phrase}\r\n");
        let mut declared_len = None;
        let mut close = false;
        for (name, value, _) in header_list(&r, "response_headers") {
            let v = render_value(&name, &value, &r, &dir_base);
            // A response whose transfer coding is not chunked is delimited by closing the
            // connection (RFC 9112 §6.3).
            close |= name.eq_ignore_ascii_case("transfer-encoding");
            if name.eq_ignore_ascii_case("content-length") {
                declared_len = v.trim().parse::<usize>().ok();
            }
            if name.eq_ignore_ascii_case("last-modified") {
                lock(&state).last_modified.insert(uid.clone(), v.clone());
            }
            out.push_str(&format!("{name}: {v}\r\n"));
        }
        out.push_str(&format!(
            "Server-Request-Count: {server_count}\r\nClient-Request-Count: {req_num}\r\n"
        ));
        let mut body = if status == 304 || status == 204 {
            Vec::new()
        } else {
            response_body(&test, &r).unwrap_or_default().into_bytes()
        };
        match declared_len {
            Some(n) if status != 304 && status != 204 => body.resize(n, b'.'),
            Some(_) => {}
            None if status != 304 && status != 204 => {
                out.push_str(&format!("Content-Length: {}\r\n", body.len()))
            }
            None => {}
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        if method != "HEAD" {
            bytes.extend_from_slice(&body);
        }
        if stream.write_all(&bytes).await.is_err() || close {
            return;
        }
    }
}

struct ClientResult {
    status: u16,
    headers: HeaderMap,
    body: String,
    from_cache: bool,
}

fn check_header_expectation(
    exp: &Value,
    headers: &HeaderMap,
    r: &Value,
    base: &str,
) -> Result<(), String> {
    match exp {
        Value::String(name) => headers
            .contains_key(name.as_str())
            .then_some(())
            .ok_or(format!("response header {name} missing")),
        Value::Array(a) => {
            let name = a.first().map(str_of).unwrap_or_default();
            let got = headers
                .get(name.as_str())
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            if a.len() == 3 {
                let op = a.get(1).map(str_of).unwrap_or_default();
                let Some(got) = got else {
                    return Err(format!("response header {name} missing"));
                };
                return match op.as_str() {
                    ">" => {
                        let n = a[2].as_f64().unwrap_or(0.0);
                        (got.trim().parse::<f64>().is_ok_and(|g| g > n))
                            .then_some(())
                            .ok_or(format!("{name}: {got} not > {n}"))
                    }
                    "=" => {
                        let other = str_of(&a[2]);
                        let o = headers
                            .get(other.as_str())
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default();
                        (got == o)
                            .then_some(())
                            .ok_or(format!("{name} {got} != {other} {o}"))
                    }
                    _ => Ok(()),
                };
            }
            let want = a.get(1).cloned().unwrap_or(Value::Null);
            let Some(got) = got else {
                return Err(format!("response header {name} missing"));
            };
            if is_date_header(&name) && want.is_number() {
                let w = want.as_f64().unwrap_or(0.0);
                let expected = SystemTime::now() + Duration::from_secs_f64(w.max(0.0));
                let expected = if w < 0.0 {
                    SystemTime::now() - Duration::from_secs_f64(-w)
                } else {
                    expected
                };
                let got_t = parse_http_date(got.as_bytes())
                    .ok_or(format!("{name}: {got} is not a date"))?;
                let diff = got_t
                    .duration_since(expected)
                    .or_else(|e| Ok::<_, ()>(e.duration()))
                    .unwrap_or_default();
                return (diff <= DATE_TOLERANCE)
                    .then_some(())
                    .ok_or(format!("{name}: {got} not within 5 s of now{w:+}"));
            }
            let want = render_value(&name, &want, r, base);
            let all: Vec<&str> = headers
                .get_all(name.as_str())
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            (all.contains(&want.as_str())).then_some(()).ok_or(format!(
                "response header {name} is {all:?}, expected {want:?}"
            ))
        }
        _ => Ok(()),
    }
}

async fn run_test(
    test: Arc<Test>,
    session: Session,
    state: Shared,
    base: String,
) -> Result<(), String> {
    let uid = test.id.clone();
    let mut last_body: Option<String> = None;
    for (i, r) in test.requests.iter().enumerate() {
        let n = i + 1;
        let dir = format!("{base}/test/{uid}/");
        let mut url = format!("{dir}{}", r.get("filename").map(str_of).unwrap_or_default());
        if let Some(q) = r.get("query_arg") {
            url.push('?');
            url.push_str(&str_of(q));
        }
        let method = r
            .get("request_method")
            .map(str_of)
            .unwrap_or_else(|| "GET".into());
        let body = r.get("request_body").map(str_of).unwrap_or_default();
        let http_method = Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
        let mut req = new_request(http_method, &url, body).map_err(|e| e.to_string())?;
        for (name, value, _) in header_list(r, "request_headers") {
            let magic_ims = r.get("magic_ims").and_then(Value::as_bool).unwrap_or(false);
            let v =
                if magic_ims && name.eq_ignore_ascii_case("if-modified-since") && value.is_number()
                {
                    let lm = lock(&state)
                        .last_modified
                        .get(&uid)
                        .cloned()
                        .and_then(|s| parse_http_date(s.as_bytes()));
                    let off = value.as_f64().unwrap_or(0.0);
                    let base_t = lm.unwrap_or_else(SystemTime::now);
                    let t = if off >= 0.0 {
                        base_t + Duration::from_secs_f64(off)
                    } else {
                        base_t - Duration::from_secs_f64(-off)
                    };
                    fmt_http_date(t)
                } else {
                    render_value(&name, &value, r, &dir)
                };
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| e.to_string())?;
            let v = HeaderValue::from_str(&v).map_err(|e| e.to_string())?;
            req.headers_mut().append(name, v);
        }
        req.headers_mut().insert("req-num", HeaderValue::from(n));
        let mode = match r.get("cache").and_then(Value::as_str) {
            Some(m) => m.parse::<CacheMode>().map_err(|e| e.to_string())?,
            None => CacheMode::Default,
        };
        let redirect = match r.get("redirect").and_then(Value::as_str) {
            Some(m) => m.parse::<RedirectMode>().map_err(|e| e.to_string())?,
            None => RedirectMode::Follow,
        };
        req.extensions_mut()
            .insert(FetchOptions::new().cache(mode).redirect(redirect));
        let outcome = match session.fetch(req).await {
            Ok(res) => {
                let status = res.status().as_u16();
                let headers = res.headers().clone();
                let from_cache = res.from_cache();
                match res.bytes().await {
                    Ok(b) => Ok(ClientResult {
                        status,
                        headers,
                        body: String::from_utf8_lossy(&b).into_owned(),
                        from_cache,
                    }),
                    Err(e) => Err(e.to_string()),
                }
            }
            Err(e) => Err(e.to_string()),
        };
        let seen: Option<Seen> = lock(&state)
            .seen
            .get(&uid)
            .and_then(|s| s.iter().rev().find(|x| x.req_num == n).cloned());
        let fail = |msg: String| Err(format!("request {n}: {msg}"));
        let expected_type = r.get("expected_type").and_then(Value::as_str);
        match expected_type {
            Some("cached") if seen.is_some() => {
                return fail("went to the origin; expected from cache".into());
            }
            Some("not_cached") if seen.is_none() => {
                return fail("served from cache; expected from the origin".into());
            }
            Some(t @ ("etag_validated" | "lm_validated")) => {
                let Some(s) = &seen else {
                    return fail(format!("not sent to the origin; expected {t}"));
                };
                let h = if t == "etag_validated" {
                    "if-none-match"
                } else {
                    "if-modified-since"
                };
                if !s.headers.contains_key(h) {
                    return fail(format!("sent without {h}; expected {t}"));
                }
            }
            _ => {}
        }
        if let Some(s) = &seen {
            if let Some(m) = r.get("expected_method").and_then(Value::as_str)
                && s.method != m
            {
                return fail(format!("origin saw method {}, expected {m}", s.method));
            }
            for (name, value, _) in header_list(r, "expected_request_headers") {
                let want = str_of(&value);
                let got = s
                    .headers
                    .get_all(name.as_str())
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .collect::<Vec<_>>()
                    .join(", ");
                if got != want {
                    return fail(format!("origin saw {name}: {got:?}, expected {want:?}"));
                }
            }
            if let Some(missing) = r
                .get("expected_request_headers_missing")
                .and_then(Value::as_array)
            {
                for m in missing {
                    let name = m
                        .as_array()
                        .and_then(|a| a.first())
                        .map(str_of)
                        .unwrap_or_else(|| str_of(m));
                    if s.headers.contains_key(name.as_str()) {
                        return fail(format!("origin saw request header {name}"));
                    }
                }
            }
        }
        let expected_status = r.get("expected_status");
        let res = match outcome {
            Ok(res) => res,
            Err(e) => {
                if matches!(expected_status, Some(Value::Null)) {
                    continue;
                }
                return fail(format!("fetch failed: {e}"));
            }
        };
        if let Some(Value::Number(want)) = expected_status
            && Some(u64::from(res.status)) != want.as_u64()
        {
            return fail(format!("status {}, expected {want}", res.status));
        }
        let served_by_origin = seen.is_some() && !res.from_cache;
        if served_by_origin {
            for (name, value, check) in header_list(r, "response_headers") {
                if !check
                    || is_date_header(&name)
                    || name.eq_ignore_ascii_case("content-length") && res.status == 304
                {
                    continue;
                }
                let exp = Value::Array(vec![Value::String(name), value]);
                check_header_expectation(&exp, &res.headers, r, &dir).or_else(fail)?;
            }
        }
        if let Some(list) = r.get("expected_response_headers").and_then(Value::as_array) {
            for exp in list {
                check_header_expectation(exp, &res.headers, r, &dir).or_else(fail)?;
            }
        }
        if let Some(list) = r
            .get("expected_response_headers_missing")
            .and_then(Value::as_array)
        {
            for m in list {
                let (name, value) = match m {
                    Value::Array(a) => (
                        a.first().map(str_of).unwrap_or_default(),
                        a.get(1).map(str_of),
                    ),
                    other => (str_of(other), None),
                };
                let present = match &value {
                    Some(v) => res
                        .headers
                        .get_all(name.as_str())
                        .iter()
                        .any(|x| x.to_str().is_ok_and(|x| x == v)),
                    None => res.headers.contains_key(name.as_str()),
                };
                if present {
                    return fail(format!("response header {name} present"));
                }
            }
        }
        let check_body = r.get("check_body").and_then(Value::as_bool).unwrap_or(true);
        if let Some(text) = r.get("expected_response_text") {
            if !text.is_null() && res.body != str_of(text) {
                return fail(format!("body {:?}, expected {:?}", res.body, str_of(text)));
            }
        } else if check_body && res.status != 304 && !method.eq_ignore_ascii_case("HEAD") {
            let want = if served_by_origin {
                response_body(&test, r)
            } else {
                last_body.clone()
            };
            if let Some(want) = want
                && res.body != want
                && !(res.status == 204 && res.body.is_empty())
            {
                return fail(format!("body {:?}, expected {:?}", res.body, want));
            }
        }
        if served_by_origin && res.status != 304 {
            last_body = Some(res.body.clone());
        }
        if r.get("pause_after")
            .and_then(Value::as_bool)
            .unwrap_or(false)
        {
            tokio::time::sleep(PAUSE).await;
        }
    }
    Ok(())
}

fn browser_passes(test: &Test, browser: &str) -> bool {
    test.results
        .get(browser)
        .is_some_and(|v| v == "pass" || v == &Value::Bool(true))
}

/// Runs the suite.
pub fn run() -> SuiteReport {
    let mut report = SuiteReport::new(
        NAME,
        "cache-tests (github.com/http-tests/cache-tests, BSD-3-Clause), the 300 tests that apply to a private browser cache, sent through `Session::fetch` of a persistent partition (disk cache) to a loopback origin",
    );
    let data = crate::data_dir().join(NAME).join("cache-tests-flat.json");
    let tests: Vec<Test> = match std::fs::read(&data)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(t) => t,
        Err(e) => {
            report.record(
                "load",
                Outcome::Fail(format!("cannot read {}: {e}", data.display())),
            );
            return report;
        }
    };
    let tests: Vec<Arc<Test>> = tests
        .into_iter()
        .filter(|t| t.applies_to_private_browser_cache)
        .map(Arc::new)
        .collect();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            report.record("runtime", Outcome::Fail(e.to_string()));
            return report;
        }
    };
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            report.record("tempdir", Outcome::Fail(e.to_string()));
            return report;
        }
    };
    let results: Vec<(Arc<Test>, Result<(), String>)> = rt
        .block_on(async {
            let state: Shared = Arc::default();
            let listener = TcpListener::bind("127.0.0.1:0")
                .await
                .map_err(|e| e.to_string())?;
            let base = format!(
                "http://{}",
                listener.local_addr().map_err(|e| e.to_string())?
            );
            {
                let mut st = lock(&state);
                for t in &tests {
                    st.tests.insert(t.id.clone(), Arc::clone(t));
                }
            }
            let (st, b) = (state.clone(), base.clone());
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(serve_connection(stream, st.clone(), b.clone()));
                }
            });
            let sessions = Sessions::new(dir.path());
            let session = sessions
                .from_partition("persist:http-cache-tests", SessionOptions::default())
                .map_err(|e| e.to_string())?;
            let mut handles = Vec::new();
            for t in &tests {
                let fut = run_test(Arc::clone(t), session.clone(), state.clone(), base.clone());
                let t = Arc::clone(t);
                handles.push(tokio::spawn(async move {
                    let r = tokio::time::timeout(TEST_TIMEOUT, fut)
                        .await
                        .unwrap_or_else(|_| Err("timed out".into()));
                    (t, r)
                }));
            }
            let mut out = Vec::new();
            for h in handles {
                if let Ok(r) = h.await {
                    out.push(r);
                }
            }
            Ok::<_, String>(out)
        })
        .unwrap_or_else(|e| {
            vec![(
                Arc::new(Test {
                    id: "runner".into(),
                    kind: "required".into(),
                    requests: vec![],
                    applies_to_private_browser_cache: true,
                    results: HashMap::new(),
                }),
                Err(e),
            )]
        });
    let kinds = ["required", "optimal", "check"];
    let mut counts: BTreeMap<&str, [usize; 5]> = BTreeMap::new();
    for (t, r) in &results {
        let kind = if t.kind.is_empty() {
            "required"
        } else {
            t.kind.as_str()
        };
        let e = counts
            .entry(
                kinds
                    .iter()
                    .find(|k| **k == kind)
                    .copied()
                    .unwrap_or("check"),
            )
            .or_default();
        e[0] += 1;
        e[1] += usize::from(r.is_ok());
        e[2] += usize::from(browser_passes(t, "chrome"));
        e[3] += usize::from(browser_passes(t, "firefox"));
        e[4] += usize::from(browser_passes(t, "safari"));
        report.record(
            t.id.clone(),
            match r {
                Ok(()) => Outcome::Pass,
                Err(e) => Outcome::Fail(e.clone()),
            },
        );
    }
    let mut md = String::from(
        "| kind | tests | session-cache | Chrome 143 | Firefox 146 | Safari 26.2 |\n|---|---|---|---|---|---|\n",
    );
    for k in kinds {
        if let Some(c) = counts.get(k) {
            md.push_str(&format!(
                "| {k} | {} | **{}** | {} | {} | {} |\n",
                c[0], c[1], c[2], c[3], c[4]
            ));
        }
    }
    report.extra_markdown = md;
    report
}
