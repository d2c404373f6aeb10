//! The webRequest flags of `ses fetch`: `--block`, `--set-header` and `--trace`, each a
//! listener of the session's webRequest, removed when the fetch ends.

use clap::Args as ClapArgs;
use serde_json::json;
use session::net::web_request::{Answer, Details, Event, Filter, ListenerHandle};

use crate::ctx::{CliError, Ctx};

/// The webRequest flags of `ses fetch`.
#[derive(ClapArgs, Debug, Default)]
pub(crate) struct WebRequestArgs {
    /// Cancel requests whose URL matches this Chrome match pattern with
    /// net::ERR_BLOCKED_BY_CLIENT (repeatable; redirect targets are checked too).
    #[arg(long = "block", value_name = "PATTERN")]
    block: Vec<String>,
    /// Set request header 'K: V' on requests whose URL matches PATTERN (repeatable).
    #[arg(long = "set-header", num_args = 2, value_names = ["PATTERN", "K: V"])]
    set_header: Vec<String>,
    /// Print each webRequest event of the fetch on stderr, one line each (JSON lines with
    /// --json).
    #[arg(long)]
    trace: bool,
}

fn usage(message: String) -> CliError {
    CliError { message, code: 2 }
}

/// `Name: value` of `flag` as a header.
pub(crate) fn parse_header(
    flag: &str,
    text: &str,
) -> Result<(http::HeaderName, http::HeaderValue), CliError> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| usage(format!("{flag} '{text}': expected 'Name: value'")))?;
    let name = http::HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| usage(format!("{flag} '{text}': bad header name")))?;
    let value = http::HeaderValue::from_str(value.trim())
        .map_err(|_| usage(format!("{flag} '{text}': bad header value")))?;
    Ok((name, value))
}

/// Registers the listeners the flags ask for; they stay while the handles live.
pub(crate) fn install(ctx: &Ctx, args: &WebRequestArgs) -> Result<Vec<ListenerHandle>, CliError> {
    let wr = ctx.session.web_request();
    let mut handles = Vec::new();
    if !args.block.is_empty() {
        let patterns: Vec<&str> = args.block.iter().map(String::as_str).collect();
        let filter =
            Filter::urls(&patterns).map_err(|e| usage(format!("--block: {}", e.detail())))?;
        handles.push(wr.add_before_request(filter, |_| async { Answer::cancel() }));
    }
    for pair in args.set_header.chunks(2) {
        let [pattern, header] = pair else {
            return Err(usage("--set-header needs PATTERN and 'K: V'".into()));
        };
        let filter = Filter::urls(&[pattern.as_str()])
            .map_err(|e| usage(format!("--set-header: {}", e.detail())))?;
        let (name, value) = parse_header("--set-header", header)?;
        handles.push(wr.add_before_send_headers(filter, move |d| {
            let mut headers = d.request_headers.unwrap_or_default();
            headers.insert(name.clone(), value.clone());
            async move { Answer::request_headers(headers) }
        }));
    }
    if args.trace {
        handles.extend(trace(ctx));
    }
    Ok(handles)
}

/// One listener per event printing it as it happens (the print runs when the listener is
/// called, so lines come in the order of the events).
fn trace(ctx: &Ctx) -> Vec<ListenerHandle> {
    let wr = ctx.session.web_request();
    let json = ctx.global.json;
    let print = move |event: Event, d: &Details| {
        if json {
            eprintln!("{}", json!({"event": event.name(), "details": d.to_json()}));
        } else {
            eprintln!("{}", trace_line(event, d));
        }
    };
    let f = Filter::all;
    vec![
        wr.add_before_request(f(), move |d| {
            print(Event::BeforeRequest, &d);
            async { Answer::proceed() }
        }),
        wr.add_before_send_headers(f(), move |d| {
            print(Event::BeforeSendHeaders, &d);
            async { Answer::proceed() }
        }),
        wr.add_send_headers(f(), move |d| {
            print(Event::SendHeaders, &d);
            async {}
        }),
        wr.add_headers_received(f(), move |d| {
            print(Event::HeadersReceived, &d);
            async { Answer::proceed() }
        }),
        wr.add_response_started(f(), move |d| {
            print(Event::ResponseStarted, &d);
            async {}
        }),
        wr.add_before_redirect(f(), move |d| {
            print(Event::BeforeRedirect, &d);
            async {}
        }),
        wr.add_completed(f(), move |d| {
            print(Event::Completed, &d);
            async {}
        }),
        wr.add_error_occurred(f(), move |d| {
            print(Event::ErrorOccurred, &d);
            async {}
        }),
    ]
}

/// `onBeforeRedirect #3 GET http://a.test/x 302 -> http://a.test/y`.
fn trace_line(event: Event, d: &Details) -> String {
    let mut line = format!("{} #{} {} {}", event.name(), d.id, d.method, d.url);
    if let Some(code) = d.status_code {
        line.push_str(&format!(" {code}"));
    }
    if d.from_cache == Some(true) {
        line.push_str(" (from cache)");
    }
    if let Some(to) = &d.redirect_url {
        line.push_str(&format!(" -> {to}"));
    }
    if let Some(e) = &d.error {
        line.push_str(&format!(" {e}"));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_parse_with_their_flag_named() {
        let (n, v) = parse_header("--set-header", "X-Demo: 1").expect("header");
        assert_eq!((n.as_str(), v.as_bytes()), ("x-demo", &b"1"[..]));
        let e = parse_header("-H", "nocolon").expect_err("bad");
        assert_eq!(e.message, "-H 'nocolon': expected 'Name: value'");
    }
}
