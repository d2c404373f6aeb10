//! `ses fetch URL`: `Session::fetch`, body to stdout (or `-o FILE`).

use std::io::{Read as _, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use clap::Args as ClapArgs;
use serde_json::json;
use session::net::{
    CacheMode, CredentialsMode, FetchOptions, RedirectMode, RequestBody, Response, new_request,
};

use session::netlog::{CaptureMode, NetLogOptions, har_from_net_log};

use crate::ctx::{CliError, Ctx};

/// `ses fetch` arguments (CLI.md).
#[derive(ClapArgs, Debug)]
pub(crate) struct Args {
    /// The URL (http, https or file).
    url: String,
    /// Request method (default GET, or POST with -d).
    #[arg(short = 'X', long = "request", value_name = "M")]
    method: Option<String>,
    /// A request header, 'Name: value' (repeatable).
    #[arg(short = 'H', long = "header", value_name = "K: V")]
    headers: Vec<String>,
    /// Request body: DATA, @FILE (newlines stripped, as curl) or @- (stdin).
    #[arg(short = 'd', long = "data", value_name = "DATA|@FILE")]
    data: Option<String>,
    /// Request body as -d, but @FILE and @- are sent byte for byte (a file streamed from disk).
    #[arg(
        long = "data-binary",
        value_name = "DATA|@FILE",
        conflicts_with = "data"
    )]
    data_binary: Option<String>,
    /// A multipart/form-data field: NAME=VALUE, NAME=@FILE (a file) or NAME=<FILE (its text);
    /// repeatable.
    #[arg(short = 'F', long = "form", value_name = "NAME=VALUE", conflicts_with_all = ["data", "data_binary"])]
    form: Vec<String>,
    /// Write the body to FILE instead of stdout (`-` is stdout).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Give up after SECONDS (the whole transfer) with net::ERR_TIMED_OUT.
    #[arg(long = "max-time", value_name = "SECONDS")]
    max_time: Option<f64>,
    /// Exit 22, printing no body, when the response status is 400 or more (curl's -f).
    #[arg(long)]
    fail: bool,
    /// Print the status line and response headers before the body.
    #[arg(short = 'i', long = "include")]
    include: bool,
    /// follow, manual or error.
    #[arg(long, value_name = "MODE", default_value = "follow")]
    redirect: String,
    /// default, no-store, reload, no-cache, force-cache or only-if-cached.
    #[arg(long, value_name = "MODE", default_value = "default")]
    cache: String,
    /// include, omit or same-origin.
    #[arg(long, value_name = "MODE", default_value = "same-origin")]
    credentials: String,
    /// Write a net log of the request to FILE.
    #[arg(long, value_name = "FILE")]
    netlog: Option<PathBuf>,
    /// Write a HAR of the request to FILE.
    #[arg(long, value_name = "FILE")]
    har: Option<PathBuf>,
    #[command(flatten)]
    login: crate::cmd::auth::LoginArgs,
    #[command(flatten)]
    web_request: crate::cmd::web_request::WebRequestArgs,
}

fn usage(message: String) -> CliError {
    CliError { message, code: 2 }
}

fn net_error(e: session::net::Error) -> CliError {
    CliError::report(&e)
}

fn version_text(r: &Response) -> &'static str {
    match r.http_version() {
        "2.0" => "HTTP/2",
        "1.0" => "HTTP/1.0",
        _ => "HTTP/1.1",
    }
}

/// What a fetch that got a response produced.
struct Outcome {
    /// Body bytes written.
    bytes: u64,
    /// The `--json` document, printed once the timing is known.
    json: Option<serde_json::Value>,
    /// Time to the final response's headers.
    ttfb: Duration,
    /// The request body, for the HAR's `postData`.
    sent: Sent,
}

/// The request body and its type, as sent.
#[derive(Clone, Default)]
struct Sent {
    body: Vec<u8>,
    /// The file a `--data-binary @FILE` body was streamed from.
    file: Option<PathBuf>,
    mime: Option<String>,
}

pub(crate) async fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    if let Some(s) = args.max_time
        && !(s.is_finite() && s > 0.0)
    {
        return Err(usage(format!(
            "--max-time: '{s}' is not a positive number of seconds"
        )));
    }
    let har = args.har.clone();
    // The net log gives the HAR and the `--json` timing: the --netlog file (default capture, so
    // cookie and authorization values show as stripped), or else a temporary log.
    let (path, mode, temporary) = match (&args.netlog, &har, ctx.global.json) {
        (None, None, false) => {
            return fetch_with_deadline(ctx, args, Instant::now())
                .await
                .map(|_| ());
        }
        (Some(p), _, _) => (p.clone(), CaptureMode::Default, false),
        (None, _, _) => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            let name = format!("ses-har-{}-{nanos}.json", std::process::id());
            (
                std::env::temp_dir().join(name),
                CaptureMode::IncludeSensitive,
                true,
            )
        }
    };
    // The log covers the whole fetch, body included; it is finished even when the fetch fails.
    let log = ctx.session.net_log();
    let failed = |e: session::net::Error| CliError::failed(format!("--netlog: {}", e.detail()));
    log.start_logging(&path, NetLogOptions::new().capture_mode(mode))
        .map_err(failed)?;
    let started = Instant::now();
    let result = fetch_with_deadline(ctx, args, started).await;
    let total = started.elapsed();
    log.stop_logging().map_err(failed)?;
    let doc = read_har(&path, result.as_ref().ok().map(|o| o.bytes));
    if temporary {
        let _ = std::fs::remove_file(&path);
    }
    if let Some(har) = &har {
        let mut doc = doc.clone()?;
        match &result {
            Ok(outcome) => add_post_data(&mut doc, &outcome.sent),
            Err(e) => add_error(&mut doc, &e.message),
        }
        write_har(har, &doc)?;
    }
    let outcome = result?;
    if let Some(mut json) = outcome.json {
        json["timing"] = match &doc {
            Ok(doc) => timing(doc, outcome.ttfb, total),
            Err(_) => timing(&serde_json::Value::Null, outcome.ttfb, total),
        };
        crate::ctx::out_line(&json.to_string());
    }
    Ok(())
}

async fn fetch_with_deadline(ctx: &Ctx, args: Args, started: Instant) -> Result<Outcome, CliError> {
    let Some(seconds) = args.max_time else {
        return fetch(ctx, args, started).await;
    };
    let limit = Duration::from_secs_f64(seconds);
    tokio::time::timeout(limit, fetch(ctx, args, started))
        .await
        .unwrap_or_else(|_| {
            Err(CliError::failed(format!(
                "{}: the transfer took longer than --max-time {seconds}",
                session::net::NetError::TimedOut.name()
            )))
        })
}

/// The HAR of the log at `log` (`body_bytes`: the final body's size, when it was read).
fn read_har(log: &Path, body_bytes: Option<u64>) -> Result<serde_json::Value, CliError> {
    let failed = |what: String| CliError::failed(format!("--har: {what}"));
    let text = std::fs::read_to_string(log)
        .map_err(|e| failed(format!("cannot read the net log: {e}")))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| failed(format!("the net log is not JSON: {e}")))?;
    har_from_net_log(&value, body_bytes).map_err(|e| failed(e.detail().into()))
}

fn write_har(har: &Path, doc: &serde_json::Value) -> Result<(), CliError> {
    let failed = |what: String| CliError::failed(format!("--har {}: {what}", har.display()));
    let mut out = serde_json::to_vec_pretty(doc).map_err(|e| failed(e.to_string()))?;
    out.push(b'\n');
    std::fs::write(har, out).map_err(|e| failed(format!("cannot write the file: {e}")))
}

/// `postData` on each entry that sent a body (the first request, and 307/308 replays).
/// A body streamed from a file is not held to be written: its `postData` names the file.
fn add_post_data(doc: &mut serde_json::Value, sent: &Sent) {
    if sent.body.is_empty() && sent.file.is_none() {
        return;
    }
    let mut post = json!({
        "mimeType": sent.mime.clone().unwrap_or_default(),
        "text": String::from_utf8_lossy(&sent.body),
    });
    if let Some(file) = &sent.file {
        post["comment"] = json!(format!("streamed from {}", file.display()));
    }
    if let Some(entries) = doc["log"]["entries"].as_array_mut() {
        for entry in entries {
            if entry["request"]["bodySize"].as_i64().unwrap_or(0) > 0 {
                entry["request"]["postData"] = post.clone();
            }
        }
    }
}

/// The failure, on the last entry (or on the log when the request never started).
fn add_error(doc: &mut serde_json::Value, message: &str) {
    match doc["log"]["entries"]
        .as_array_mut()
        .and_then(|entries| entries.last_mut())
    {
        Some(entry) => entry["_error"] = json!(message),
        None => doc["log"]["_error"] = json!(message),
    }
}

/// `timing` of `--json`, in milliseconds: connection setup summed over the hops (from the HAR),
/// time to the final response's headers and the whole run.
fn timing(doc: &serde_json::Value, ttfb: Duration, total: Duration) -> serde_json::Value {
    let (mut dns, mut connect, mut tls) = (0i64, 0i64, 0i64);
    for entry in doc["log"]["entries"].as_array().into_iter().flatten() {
        let t = &entry["timings"];
        let get = |k: &str| t[k].as_i64().unwrap_or(-1).max(0);
        dns += get("dns");
        // HAR's `connect` includes the TLS handshake.
        connect += (get("connect") - get("ssl")).max(0);
        tls += get("ssl");
    }
    let ms = |d: Duration| (d.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0;
    json!({"dns": dns, "connect": connect, "tls": tls, "ttfb": ms(ttfb), "total": ms(total)})
}

/// The bytes of `-d` / `--data-binary`: DATA, @FILE or @- (stdin); `-d` strips newlines from
/// a file as curl does.
fn read_data(flag: &str, spec: &str, binary: bool) -> Result<Vec<u8>, CliError> {
    let Some(source) = spec.strip_prefix('@') else {
        return Ok(spec.as_bytes().to_vec());
    };
    let mut bytes = Vec::new();
    if source == "-" {
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|e| CliError::failed(format!("{flag} @-: cannot read stdin: {e}")))?;
    } else {
        bytes = std::fs::read(source).map_err(|e| {
            CliError::failed(format!("{flag} @{source}: cannot read the file: {e}"))
        })?;
    }
    if !binary {
        bytes.retain(|b| *b != b'\r' && *b != b'\n');
    }
    Ok(bytes)
}

/// A `multipart/form-data` body of the `-F` fields; returns the body and its boundary.
fn multipart(fields: &[String]) -> Result<(Vec<u8>, String), CliError> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let boundary = format!(
        "------------------------ses{:x}{:x}",
        std::process::id(),
        nanos
    );
    let mut body = Vec::new();
    for field in fields {
        let (name, value) = field
            .split_once('=')
            .ok_or_else(|| usage(format!("-F '{field}': expected NAME=VALUE")))?;
        let quoted = name.replace('"', "%22");
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        if let Some(path) = value.strip_prefix('@') {
            let bytes = std::fs::read(path).map_err(|e| {
                CliError::failed(format!("-F {name}=@{path}: cannot read the file: {e}"))
            })?;
            let file_name = Path::new(path)
                .file_name()
                .map(|n| n.to_string_lossy().replace('"', "%22"))
                .unwrap_or_default();
            body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{quoted}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(&bytes);
        } else {
            let text = match value.strip_prefix('<') {
                Some(path) => std::fs::read(path).map_err(|e| {
                    CliError::failed(format!("-F {name}=<{path}: cannot read the file: {e}"))
                })?,
                None => value.as_bytes().to_vec(),
            };
            body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{quoted}\"\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(&text);
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Ok((body, boundary))
}

/// The fetch itself.
async fn fetch(ctx: &Ctx, args: Args, started: Instant) -> Result<Outcome, CliError> {
    crate::cmd::auth::install(ctx, &args.login)?;
    let redirect: RedirectMode = args
        .redirect
        .parse()
        .map_err(|e: session::net::Error| usage(format!("--redirect: {}", e.detail())))?;
    let cache: CacheMode = args
        .cache
        .parse()
        .map_err(|e| usage(format!("--cache: {e}")))?;
    let credentials: CredentialsMode = args
        .credentials
        .parse()
        .map_err(|e: session::net::Error| usage(format!("--credentials: {}", e.detail())))?;
    // `--data-binary @FILE` streams the file as the request is sent, never read whole.
    let streamed = match (&args.data, &args.data_binary) {
        (None, Some(d)) => d.strip_prefix('@').filter(|s| *s != "-").map(PathBuf::from),
        _ => None,
    };
    let (body, default_type) = match (&args.data, &args.data_binary) {
        (None, Some(_)) if streamed.is_some() => (
            Vec::new(),
            Some("application/x-www-form-urlencoded".to_string()),
        ),
        (Some(d), _) => (
            read_data("-d", d, false)?,
            Some("application/x-www-form-urlencoded".to_string()),
        ),
        (None, Some(d)) => (
            read_data("--data-binary", d, true)?,
            Some("application/x-www-form-urlencoded".to_string()),
        ),
        (None, None) if !args.form.is_empty() => {
            let (body, boundary) = multipart(&args.form)?;
            (
                body,
                Some(format!("multipart/form-data; boundary={boundary}")),
            )
        }
        (None, None) => (Vec::new(), None),
    };
    let has_body = default_type.is_some();
    let method = match &args.method {
        Some(m) => http::Method::from_bytes(m.as_bytes())
            .map_err(|_| usage(format!("-X: '{m}' is not a valid method")))?,
        None if has_body => http::Method::POST,
        None => http::Method::GET,
    };
    let mut sent = Sent {
        body: body.clone(),
        file: streamed.clone(),
        mime: None,
    };
    let body = match streamed {
        Some(path) => RequestBody::file(path),
        None => body.into(),
    };
    let mut request = new_request(method, &args.url, body).map_err(net_error)?;
    // Names go out as written (curl does the same), on HTTP/1.1.
    let mut spellings = Vec::new();
    for h in &args.headers {
        let (name, value) = crate::cmd::web_request::parse_header("-H", h)?;
        request.headers_mut().append(name, value);
        spellings.push(h.split_once(':').map_or("", |(n, _)| n.trim()).to_string());
    }
    if let Some(default_type) = default_type
        && !request.headers().contains_key(http::header::CONTENT_TYPE)
    {
        let value = http::HeaderValue::from_str(&default_type)
            .map_err(|_| usage(format!("bad content type '{default_type}'")))?;
        request
            .headers_mut()
            .insert(http::header::CONTENT_TYPE, value);
    }
    sent.mime = request
        .headers()
        .get(http::header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let options = request
        .extensions_mut()
        .get_mut::<FetchOptions>()
        .map(std::mem::take)
        .unwrap_or_default();
    let mut options = options
        .redirect(redirect)
        .cache(cache)
        .credentials(credentials);
    options.header_case.extend(spellings);
    request.extensions_mut().insert(options);

    let _listeners = crate::cmd::web_request::install(ctx, &args.web_request)?;
    let mut response = ctx.session.fetch(request).await.map_err(net_error)?;
    let ttfb = started.elapsed();
    if args.fail
        && let Err(e) = response.error_for_status_ref()
    {
        return Err(CliError {
            message: e.to_string(),
            code: 22,
        });
    }
    let head = format_head(&response);
    // `-o -` is stdout.
    let output = args.output.clone().filter(|p| p.as_os_str() != "-");

    if ctx.global.json {
        let mut json = json!({
            "url": response.url().as_str(),
            "status": response.status().as_u16(),
            "statusText": response.status_text(),
            "headers": response.raw_headers().iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(),
            "urlChain": response.url_chain().iter().map(|u| u.as_str()).collect::<Vec<_>>(),
            "fromCache": response.from_cache(),
        });
        let bytes = match &output {
            Some(path) => stream_to_file(&mut response, path).await?,
            None => {
                let body = std::mem::take(response.body_mut())
                    .bytes()
                    .await
                    .map_err(net_error)?;
                match std::str::from_utf8(&body) {
                    Ok(text) => json["body"] = json!(text),
                    Err(_) => {
                        json["bodyBase64"] =
                            json!(base64::engine::general_purpose::STANDARD.encode(&body))
                    }
                }
                body.len() as u64
            }
        };
        json["bodyBytes"] = json!(bytes);
        return Ok(Outcome {
            bytes,
            json: Some(json),
            ttfb,
            sent,
        });
    }

    let mut bytes = 0;
    match &output {
        Some(path) => {
            if args.include {
                crate::ctx::out(head.as_bytes());
            }
            bytes = stream_to_file(&mut response, path).await?;
        }
        None => {
            // A reader that went away ends the program quietly (`ses fetch URL | head -1`).
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            if args.include {
                out.write_all(head.as_bytes())
                    .unwrap_or_else(|e| crate::ctx::stdout_failed(e));
            }
            while let Some(chunk) = response.chunk().await.map_err(net_error)? {
                out.write_all(&chunk)
                    .unwrap_or_else(|e| crate::ctx::stdout_failed(e));
                bytes += chunk.len() as u64;
            }
            out.flush().unwrap_or_else(|e| crate::ctx::stdout_failed(e));
        }
    }
    Ok(Outcome {
        bytes,
        json: None,
        ttfb,
        sent,
    })
}

fn format_head(r: &Response) -> String {
    let mut head = format!("{} {}", version_text(r), r.status().as_u16());
    if !r.status_text().is_empty() {
        head.push(' ');
        head.push_str(r.status_text());
    }
    head.push_str("\r\n");
    for (n, v) in r.raw_headers() {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    head
}

async fn stream_to_file(response: &mut Response, path: &PathBuf) -> Result<u64, CliError> {
    let shown = path.display();
    let mut file = std::fs::File::create(path)
        .map_err(|e| CliError::failed(format!("-o {shown}: cannot create the file: {e}")))?;
    let mut n = 0u64;
    while let Some(chunk) = response.chunk().await.map_err(net_error)? {
        file.write_all(&chunk)
            .map_err(|e| CliError::failed(format!("-o {shown}: cannot write: {e}")))?;
        n += chunk.len() as u64;
    }
    file.flush()
        .map_err(|e| CliError::failed(format!("-o {shown}: cannot write: {e}")))?;
    Ok(n)
}
