//! Global options, the opened session and output helpers shared by every command.

use clap::Args;
use session::net::protocol::{self, CustomScheme, Privileges};
use session::{Session, SessionOptions, Sessions};
use std::path::PathBuf;

/// Options before the command (CLI.md "Global options").
#[derive(Args, Debug, Clone)]
pub(crate) struct GlobalArgs {
    /// Application data root (default: $SES_USER_DATA, else the platform data dir + /ses).
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) user_data: Option<PathBuf>,
    /// "" (default session), persist:NAME (on disk) or NAME (in memory).
    #[arg(long, global = true, value_name = "P", default_value = "")]
    pub(crate) partition: String,
    /// Use the session stored at this absolute directory instead of a partition.
    #[arg(long, global = true, value_name = "DIR", conflicts_with = "partition")]
    pub(crate) path: Option<PathBuf>,
    /// Print one JSON document on stdout.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// Host resolver rules, e.g. "MAP *.test 127.0.0.1".
    #[arg(long, global = true, value_name = "R")]
    pub(crate) host_rules: Option<String>,
    /// Extra trusted root certificate(s), PEM.
    #[arg(long, global = true, value_name = "PEM")]
    pub(crate) ca_file: Option<PathBuf>,
    /// Proxy rules for this run.
    #[arg(long, global = true, value_name = "RULES")]
    pub(crate) proxy: Option<String>,
    /// Proxy bypass rules for this run.
    #[arg(long, global = true, value_name = "RULES")]
    pub(crate) proxy_bypass: Option<String>,
    /// PAC script URL for this run.
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) pac_url: Option<String>,
    /// Proxy mode for this run.
    #[arg(long, global = true, value_name = "MODE")]
    pub(crate) proxy_mode: Option<String>,
    /// Credentials for the proxy's 407 (curl's -U); asks for the password on a terminal when
    /// only USER is given.
    #[arg(long, global = true, value_name = "USER[:PASS]")]
    pub(crate) proxy_user: Option<String>,
    /// User agent for this run.
    #[arg(long, global = true, value_name = "UA")]
    pub(crate) user_agent: Option<String>,
    /// Accepted languages for this run, e.g. "en-US,fr".
    #[arg(long, global = true, value_name = "L")]
    pub(crate) accept_language: Option<String>,
    /// Load an unpacked extension for this run (repeatable; persistent partitions only).
    #[arg(long = "extension", global = true, value_name = "DIR")]
    pub(crate) extensions: Vec<PathBuf>,
    /// Start a new browser session: drop the partition's session cookies when opening it
    /// (curl's -j). Without it, session cookies live on across runs of a persistent partition.
    #[arg(long, global = true)]
    pub(crate) junk_session_cookies: bool,
    /// Wait up to SECONDS for a partition another process holds, instead of failing at once.
    #[arg(long, global = true, value_name = "SECONDS")]
    pub(crate) lock_wait: Option<f64>,
    /// Serve SCHEME from DIR for this run (a standard scheme; repeatable), e.g. app=./dist.
    #[arg(long, global = true, value_name = "SCHEME=DIR")]
    pub(crate) serve_dir: Vec<String>,
    /// Say on stderr what the session notes along the way (`* ` lines), e.g. a loopback
    /// destination that bypasses the configured proxy.
    #[arg(short = 'v', long, global = true)]
    pub(crate) verbose: bool,
}

impl GlobalArgs {
    /// The application data root.
    pub(crate) fn user_data_dir(&self) -> PathBuf {
        self.user_data
            .clone()
            .or_else(|| std::env::var_os("SES_USER_DATA").map(PathBuf::from))
            .unwrap_or_else(|| {
                dirs::data_dir()
                    .unwrap_or_else(std::env::temp_dir)
                    .join("ses")
            })
    }

    /// The registry for this run.
    pub(crate) fn sessions(&self) -> Sessions {
        Sessions::for_app_at(self.user_data_dir(), "", "")
    }
}

/// The `--serve-dir SCHEME=DIR` values: a lower-cased valid scheme and an existing directory.
fn serve_dirs(values: &[String]) -> Result<Vec<(String, PathBuf)>, CliError> {
    let usage = |message: String| CliError { message, code: 2 };
    values
        .iter()
        .map(|v| {
            let (scheme, dir) = v
                .split_once('=')
                .ok_or_else(|| usage(format!("--serve-dir '{v}': expected SCHEME=DIR")))?;
            let scheme = protocol::scheme::check_scheme(scheme)
                .map_err(|e| usage(format!("--serve-dir '{v}': {}", e.detail())))?;
            let dir = PathBuf::from(dir);
            if !dir.is_dir() {
                return Err(usage(format!(
                    "--serve-dir '{v}': {} is not a directory",
                    dir.display()
                )));
            }
            Ok((scheme, dir))
        })
        .collect()
}

/// A failure: the one line printed on stderr and the exit status.
#[derive(Debug, Clone)]
pub(crate) struct CliError {
    pub(crate) message: String,
    pub(crate) code: i32,
}

impl CliError {
    /// The operation failed (exit 1).
    pub(crate) fn failed(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            code: 1,
        }
    }
}

impl CliError {
    /// The operation failed with `e` (exit 1): its message and each cause of its
    /// `source()` chain, joined by `: `, each text once.
    pub(crate) fn report(e: &(dyn std::error::Error + 'static)) -> Self {
        CliError::failed(report(e))
    }
}

/// `e` and its causes, `outer: inner: innermost`; a cause whose text the previous one already
/// contains is skipped.
pub(crate) fn report(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let t = c.to_string();
        if !t.is_empty() && !text.contains(&t) {
            text.push_str(": ");
            text.push_str(&t);
        }
        cause = c.source();
    }
    text
}

impl From<session::Error> for CliError {
    fn from(e: session::Error) -> Self {
        CliError::report(&e)
    }
}

/// The opened session and the options of this run.
pub(crate) struct Ctx {
    pub(crate) global: GlobalArgs,
    pub(crate) session: Session,
}

impl Ctx {
    /// Opens the session the global options name and applies the per-run settings.
    pub(crate) fn open(global: GlobalArgs) -> Result<Self, CliError> {
        let sessions = global.sessions();
        let served = serve_dirs(&global.serve_dir)?;
        let custom: Vec<CustomScheme> = served
            .iter()
            .filter(|(scheme, _)| !protocol::is_builtin_scheme(scheme))
            .map(|(scheme, _)| {
                CustomScheme::new(
                    scheme.clone(),
                    Privileges::new().standard(true).secure(true).stream(true),
                )
            })
            .collect();
        sessions.register_schemes_as_privileged(&custom)?;
        // A browser session spans runs: session cookies persist on a persistent partition
        // until `cookies end-session` or --junk-session-cookies (the library's default stays
        // Chromium's, where they end with the process).
        let options =
            || SessionOptions::default().persist_session_cookies(!global.junk_session_cookies);
        let wait = match global.lock_wait {
            Some(s) if s.is_finite() && s >= 0.0 => Some(std::time::Duration::from_secs_f64(s)),
            Some(s) => {
                return Err(CliError {
                    message: format!("--lock-wait: '{s}' is not a number of seconds"),
                    code: 2,
                });
            }
            None => None,
        };
        let deadline = wait.map(|w| std::time::Instant::now() + w);
        let session = loop {
            let opened = match &global.path {
                Some(path) => sessions.from_path(path, options()),
                None => sessions.from_partition(&global.partition, options()),
            };
            match opened {
                Err(e)
                    if e.kind() == session::ErrorKind::PartitionInUse
                        && deadline.is_some_and(|d| std::time::Instant::now() < d) =>
                {
                    // The other process releases the lock when it ends (the OS drops it).
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                other => break other?,
            }
        };
        for (scheme, dir) in served {
            session
                .protocol()
                .handle(&scheme, protocol::serve_dir(dir))
                .map_err(|e| CliError::failed(format!("--serve-dir {scheme}: {}", e.detail())))?;
        }
        if let Some(rules) = &global.host_rules {
            let rules = rules.parse().map_err(|e| CliError {
                message: format!("--host-rules: {e}"),
                code: 2,
            })?;
            session.net().set_host_rules(rules);
        }
        if let Some(ca) = &global.ca_file {
            let pem = std::fs::read(ca).map_err(|e| {
                CliError::failed(format!(
                    "--ca-file {}: cannot read the file: {e}",
                    ca.display()
                ))
            })?;
            session.net().add_trusted_roots_pem(&pem).map_err(|e| {
                CliError::failed(format!("--ca-file {}: {}", ca.display(), e.detail()))
            })?;
        }
        if global.user_agent.is_some() || global.accept_language.is_some() {
            let ua = global.user_agent.clone().unwrap_or_default();
            session.set_user_agent(&ua, global.accept_language.as_deref());
        }
        for dir in &global.extensions {
            let dir = std::fs::canonicalize(dir)
                .map_err(|e| CliError::failed(format!("--extension {}: {e}", dir.display())))?;
            let loaded = session
                .extensions()
                .load_extension(&dir, session::extensions::LoadOptions::default())
                .map_err(|e| CliError::failed(e.to_string()))?;
            for w in &loaded.warnings {
                eprintln!("ses: warning: {w}");
            }
        }
        Ok(Ctx { global, session })
    }

    /// Applies `--proxy`, `--proxy-bypass`, `--pac-url` and `--proxy-mode` (`set_proxy` for
    /// this run); without any of them the session keeps direct connections.
    pub(crate) async fn apply_proxy(&self) -> Result<(), CliError> {
        let g = &self.global;
        if g.proxy.is_none()
            && g.proxy_bypass.is_none()
            && g.pac_url.is_none()
            && g.proxy_mode.is_none()
        {
            return Ok(());
        }
        let mut config = session::proxy::ProxyConfig::default();
        config.mode = g.proxy_mode.clone();
        config.proxy_rules = g.proxy.clone();
        config.proxy_bypass_rules = g.proxy_bypass.clone();
        config.pac_script = g.pac_url.clone();
        if let Err(e) = config.effective_mode() {
            return Err(CliError {
                message: format!("--proxy-mode: {}", e.detail()),
                code: 2,
            });
        }
        self.session
            .set_proxy(config)
            .await
            .map_err(|e| CliError::report(&e))
    }

    /// Prints `json` with `--json`, else `text`.
    pub(crate) fn print(&self, json: &serde_json::Value, text: impl FnOnce() -> String) {
        if self.global.json {
            out_line(&json.to_string());
        } else {
            let t = text();
            if !t.is_empty() {
                out_line(&t);
            }
        }
    }
}

/// Writes `bytes` to stdout. A reader that went away (`ses fetch URL | head -1`) ends the
/// program at once, quietly and with status 0, as ripgrep does; another failure is reported.
pub(crate) fn out(bytes: &[u8]) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        stdout_failed(e);
    }
}

/// [`out`] of `line` and a newline.
pub(crate) fn out_line(line: &str) {
    let mut bytes = Vec::with_capacity(line.len() + 1);
    bytes.extend_from_slice(line.as_bytes());
    bytes.push(b'\n');
    out(&bytes);
}

/// Ends the program after a failed write to stdout (quietly for a closed pipe).
pub(crate) fn stdout_failed(e: std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    err_line(&format!("ses: cannot write to stdout: {e}"));
    std::process::exit(1);
}

/// A line on stderr; a closed stderr is not an error worth dying for.
pub(crate) fn err_line(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{line}");
}
