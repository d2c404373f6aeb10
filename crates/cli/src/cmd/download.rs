//! `ses download URL [--to DIR] [--name NAME] [-H 'K: V']... [--retries N]`: `download_url`.
//!
//! While a download runs, a progress bar (bytes, rate, ETA) is drawn on a terminal; otherwise
//! plain progress lines go to stderr. The DownloadItem summary goes to stdout (one JSON document
//! with `--json`). A download that does not complete exits 1 with its interrupt reason; one
//! stopped by Ctrl-C or SIGTERM keeps its progress (synced and journaled) and exits 130 or 143.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;
use session::downloads::{DownloadItem, DownloadOptions, DownloadState, WillDownloadDecision};

use crate::ctx::{CliError, Ctx};

/// `ses download` arguments.
#[derive(clap::Args, Debug)]
pub(crate) struct DownloadArgs {
    /// The URL to download.
    url: String,
    /// Save into this directory (default: the session's download path).
    #[arg(long, value_name = "DIR")]
    to: Option<PathBuf>,
    /// Save under this file name (default: from the response, made unique).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Extra request header, `'Name: value'` (repeatable).
    #[arg(short = 'H', long = "header", value_name = "K: V")]
    headers: Vec<String>,
    /// Retry transient failures this many times (continuing by range) before giving up.
    #[arg(long, value_name = "N", default_value_t = 0)]
    retries: u32,
}

/// Bad usage (exit 2).
fn usage(message: String) -> CliError {
    CliError { message, code: 2 }
}

fn parse_header(raw: &str) -> Result<(String, String), CliError> {
    let (name, value) = raw
        .split_once(':')
        .ok_or_else(|| usage(format!("-H {raw:?}: expected 'Name: value'")))?;
    Ok((name.trim().to_owned(), value.trim().to_owned()))
}

pub(crate) fn summary_json(item: &DownloadItem) -> serde_json::Value {
    serde_json::to_value(item.summary()).unwrap_or_else(|_| json!({}))
}

pub(crate) fn summary_text(item: &DownloadItem) -> String {
    let s = item.summary();
    let mut text = format!(
        "id:          {}\nstate:       {}\nurl:         {}\nsavePath:    {}\nfilename:    {}\nmimeType:    {}\nreceived:    {} of {} bytes",
        s.id,
        s.state,
        s.url,
        s.save_path,
        s.filename,
        s.mime_type,
        s.received_bytes,
        if s.total_bytes == 0 {
            "?".to_owned()
        } else {
            s.total_bytes.to_string()
        },
    );
    if let Some(reason) = s.interrupt_reason {
        text.push_str(&format!("\nreason:      {reason}"));
    }
    if s.state == DownloadState::Interrupted {
        text.push_str(&format!("\ncanResume:   {}", s.can_resume));
    }
    if s.restarts > 0 {
        text.push_str(&format!(
            "\nrestarts:    {} (started again from byte 0)",
            s.restarts
        ));
    }
    text
}

/// A bar with ETA when the size is known, a spinner with bytes and rate otherwise.
fn set_bar_style(bar: &indicatif::ProgressBar, total: u64) {
    let template = if total > 0 {
        "{msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}"
    } else {
        "{msg} {spinner} {bytes} {binary_bytes_per_sec}"
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_length(total);
}

/// Shows progress until the item stops; returns its final state. On SIGINT (Ctrl-C) or SIGTERM
/// the download is stopped with its progress synced and journaled (so `ses downloads resume`
/// continues from the bytes on disk) and the error exits 130 or 143, as a shell expects; a second
/// signal while that happens exits at once.
pub(crate) async fn follow(item: &DownloadItem) -> Result<DownloadState, CliError> {
    use tokio::signal::unix::{SignalKind, signal};
    let signals = signal(SignalKind::interrupt())
        .and_then(|int| signal(SignalKind::terminate()).map(|term| (int, term)));
    let (mut int, mut term) =
        signals.map_err(|e| CliError::failed(format!("cannot watch for signals: {e}")))?;
    let progress = show_progress(item);
    let (name, code) = tokio::select! {
        state = progress => return Ok(state),
        _ = int.recv() => ("SIGINT", 130),
        _ = term.recv() => ("SIGTERM", 143),
    };
    item.interrupt_for_shutdown();
    tokio::select! {
        _ = item.done() => {}
        _ = int.recv() => {}
        _ = term.recv() => {}
    }
    Err(CliError {
        message: format!(
            "{name}: download {} stopped at {} bytes, progress saved (resume with: ses downloads resume {})",
            item.id(),
            item.received_bytes(),
            item.id()
        ),
        code,
    })
}

async fn show_progress(item: &DownloadItem) -> DownloadState {
    let terminal = std::io::stderr().is_terminal();
    let bar = terminal.then(|| {
        let bar = indicatif::ProgressBar::new(0);
        set_bar_style(&bar, item.total_bytes());
        bar.set_message(item.filename());
        bar
    });
    let done = item.done();
    tokio::pin!(done);
    let state = loop {
        tokio::select! {
            state = &mut done => break state,
            _ = tokio::time::sleep(Duration::from_millis(200)) => {
                // No terminal, no progress: a pipe or a log gets the result only.
                if let Some(bar) = &bar {
                    let total = item.total_bytes();
                    if total > 0 && bar.length() != Some(total) {
                        // The size is known once the response head arrived.
                        set_bar_style(bar, total);
                    }
                    bar.set_message(item.filename());
                    bar.set_position(item.received_bytes());
                }
            }
        }
    };
    if let Some(bar) = bar {
        bar.set_position(item.received_bytes());
        bar.finish_and_clear();
    }
    state
}

/// Prints the summary; an item that did not complete is an error (exit 1).
pub(crate) fn report(ctx: &Ctx, item: &DownloadItem, state: DownloadState) -> Result<(), CliError> {
    ctx.print(&summary_json(item), || summary_text(item));
    match state {
        DownloadState::Completed => Ok(()),
        DownloadState::Cancelled => Err(CliError::failed(format!(
            "download {} was cancelled",
            item.id()
        ))),
        _ => Err(CliError::failed(format!(
            "download {} interrupted: {}{}",
            item.id(),
            item.interrupt_reason()
                .map(|r| r.name())
                .unwrap_or("unknown reason"),
            if item.can_resume() {
                format!(" (resume with: ses downloads resume {})", item.id())
            } else {
                String::new()
            }
        ))),
    }
}

/// `ses download`.
pub(crate) async fn run(ctx: &Ctx, args: DownloadArgs) -> Result<(), CliError> {
    let headers = args
        .headers
        .iter()
        .map(|h| parse_header(h))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(name) = &args.name
        && (name.is_empty()
            || name.contains('/')
            || name.contains('\\')
            || name == "."
            || name == "..")
    {
        return Err(usage(format!(
            "--name {name:?}: expected a plain file name"
        )));
    }
    let dir = match &args.to {
        Some(dir) => Some(
            std::path::absolute(dir)
                .map_err(|e| CliError::failed(format!("--to {}: {e}", dir.display())))?,
        ),
        None => None,
    };
    if dir.is_some() || args.name.is_some() {
        let dir = dir.unwrap_or_else(|| ctx.session.download_path());
        let name = args.name.clone();
        ctx.session
            .set_will_download_handler(Some(move |item: DownloadItem| {
                let path = match &name {
                    Some(name) => dir.join(name),
                    None => session::downloads::filename::unique_path(&dir, &item.filename()),
                };
                async move { WillDownloadDecision::SaveTo(path) }
            }));
    }
    ctx.session.download_manager().set_retries(args.retries);
    let item = ctx
        .session
        .download_url(&args.url, DownloadOptions { headers })?;
    let state = follow(&item).await?;
    report(ctx, &item, state)
}
