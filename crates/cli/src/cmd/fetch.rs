//! `ses fetch URL`: `Session::fetch`, body to stdout (or `-o FILE`).

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use clap::Args as ClapArgs;
use serde_json::json;
use session::net::{CacheMode, CredentialsMode, FetchOptions, RedirectMode, Response, new_request};

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
    /// Request body: DATA, or @FILE to send a file.
    #[arg(short = 'd', long = "data", value_name = "DATA|@FILE")]
    data: Option<String>,
    /// Write the body to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
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

pub(crate) async fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    let har = args.har.clone();
    // The HAR is made from a net log: the --netlog file (default capture, so cookie and
    // authorization values show as stripped), or else a temporary log that includes them.
    let (path, mode, temporary) = match (&args.netlog, &har) {
        (None, None) => return fetch(ctx, args).await.map(|_| ()),
        (Some(p), _) => (p.clone(), CaptureMode::Default, false),
        (None, Some(_)) => {
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
    let result = fetch(ctx, args).await;
    log.stop_logging().map_err(failed)?;
    let written = match (&har, &result) {
        (Some(har), Ok(bytes)) => write_har(&path, har, *bytes),
        _ => Ok(()),
    };
    if temporary {
        let _ = std::fs::remove_file(&path);
    }
    result?;
    written
}

fn write_har(log: &Path, har: &Path, body_bytes: u64) -> Result<(), CliError> {
    let failed = |what: String| CliError::failed(format!("--har {}: {what}", har.display()));
    let text = std::fs::read_to_string(log)
        .map_err(|e| failed(format!("cannot read the net log: {e}")))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| failed(format!("the net log is not JSON: {e}")))?;
    let doc = har_from_net_log(&value, Some(body_bytes)).map_err(|e| failed(e.detail().into()))?;
    let mut out = serde_json::to_vec_pretty(&doc).map_err(|e| failed(e.to_string()))?;
    out.push(b'\n');
    std::fs::write(har, out).map_err(|e| failed(format!("cannot write the file: {e}")))
}

/// The fetch itself; returns the body's size.
async fn fetch(ctx: &Ctx, args: Args) -> Result<u64, CliError> {
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
    let body: Vec<u8> = match &args.data {
        None => Vec::new(),
        Some(d) => match d.strip_prefix('@') {
            Some(path) => std::fs::read(path)
                .map_err(|e| CliError::failed(format!("-d @{path}: cannot read the file: {e}")))?,
            None => d.clone().into_bytes(),
        },
    };
    let method = match &args.method {
        Some(m) => http::Method::from_bytes(m.as_bytes())
            .map_err(|_| usage(format!("-X: '{m}' is not a valid method")))?,
        None if args.data.is_some() => http::Method::POST,
        None => http::Method::GET,
    };
    let mut request = new_request(method, &args.url, body).map_err(net_error)?;
    for h in &args.headers {
        let (name, value) = h
            .split_once(':')
            .ok_or_else(|| usage(format!("-H '{h}': expected 'Name: value'")))?;
        let name = http::HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| usage(format!("-H '{h}': bad header name")))?;
        let value = http::HeaderValue::from_str(value.trim())
            .map_err(|_| usage(format!("-H '{h}': bad header value")))?;
        request.headers_mut().append(name, value);
    }
    if args.data.is_some() && !request.headers().contains_key(http::header::CONTENT_TYPE) {
        request.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
    }
    let options = request
        .extensions_mut()
        .get_mut::<FetchOptions>()
        .map(std::mem::take)
        .unwrap_or_default();
    let options = options
        .redirect(redirect)
        .cache(cache)
        .credentials(credentials);
    request.extensions_mut().insert(options);

    let mut response = ctx.session.fetch(request).await.map_err(net_error)?;
    let head = format_head(&response);

    if ctx.global.json {
        let mut json = json!({
            "url": response.url().as_str(),
            "status": response.status().as_u16(),
            "statusText": response.status_text(),
            "headers": response.raw_headers().iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(),
            "urlChain": response.url_chain().iter().map(|u| u.as_str()).collect::<Vec<_>>(),
            "fromCache": response.from_cache(),
        });
        let bytes = match &args.output {
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
        println!("{json}");
        return Ok(bytes);
    }

    let mut bytes = 0;
    match &args.output {
        Some(path) => {
            if args.include {
                print!("{head}");
            }
            bytes = stream_to_file(&mut response, path).await?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            let write_err =
                |e: std::io::Error| CliError::failed(format!("cannot write to stdout: {e}"));
            if args.include {
                out.write_all(head.as_bytes()).map_err(write_err)?;
            }
            while let Some(chunk) = response.chunk().await.map_err(net_error)? {
                out.write_all(&chunk).map_err(write_err)?;
                bytes += chunk.len() as u64;
            }
            out.flush().map_err(write_err)?;
        }
    }
    Ok(bytes)
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
