//! `ses cookies list|set|remove|store|header|import|export|flush`: the session's cookie jar.

use clap::{Args as ClapArgs, Subcommand, ValueEnum};
use serde_json::{Value, json};
use session::base::origin::Site;
use session::cookies::{Cookie, CookieDetails, CookieFilter, Format, RequestContext, SameSite};
use url::Url;

use crate::ctx::{CliError, Ctx};

/// `ses cookies ...`.
#[derive(ClapArgs, Debug)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// List cookies (`cookies.get(filter)`).
    List {
        /// Cookies a request to this URL would carry.
        #[arg(long)]
        url: Option<String>,
        /// Exact name.
        #[arg(long)]
        name: Option<String>,
        /// A host that must domain-match the cookie.
        #[arg(long)]
        domain: Option<String>,
        /// Exact path.
        #[arg(long)]
        path: Option<String>,
        /// Secure flag (true|false).
        #[arg(long, value_name = "B")]
        secure: Option<bool>,
        /// Session (true) or persistent (false).
        #[arg(long, value_name = "B")]
        session: Option<bool>,
        /// HttpOnly flag (true|false).
        #[arg(long, value_name = "B")]
        http_only: Option<bool>,
    },
    /// Set a cookie (`cookies.set(details)`); prints the stored cookie.
    Set {
        /// The URL the cookie is set as if from.
        #[arg(long)]
        url: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// Value.
        #[arg(long, default_value = "")]
        value: String,
        /// Domain (makes a domain cookie).
        #[arg(long)]
        domain: Option<String>,
        /// Path.
        #[arg(long)]
        path: Option<String>,
        /// Mark Secure.
        #[arg(long)]
        secure: bool,
        /// Mark HttpOnly.
        #[arg(long)]
        http_only: bool,
        /// Expiry, seconds since the epoch (a session cookie when absent).
        #[arg(long, value_name = "EPOCH_S")]
        expires: Option<f64>,
        /// unspecified|no_restriction|lax|strict (default lax).
        #[arg(long)]
        same_site: Option<String>,
    },
    /// Remove the cookies named N that a request to U would carry.
    Remove {
        /// URL.
        #[arg(long)]
        url: String,
        /// Name.
        #[arg(long)]
        name: String,
    },
    /// Process the Set-Cookie headers of one response from URL, in order.
    Store {
        /// The response's URL.
        url: String,
        /// Set-Cookie values.
        #[arg(required = true)]
        values: Vec<String>,
        /// The strings are `document.cookie` assignments by a page at URL.
        #[arg(long)]
        script: bool,
    },
    /// The Cookie header a request to URL would carry.
    Header {
        /// The request URL.
        url: String,
        /// What `document.cookie` returns to a page at URL instead.
        #[arg(long)]
        script: bool,
        /// The site for cookies (the initiating page); default: same-site.
        #[arg(long, value_name = "URL")]
        site_for_cookies: Option<String>,
        /// The request is a top-level navigation.
        #[arg(long)]
        top_level_navigation: bool,
        /// The request method.
        #[arg(long, value_name = "M", default_value = "GET")]
        method: String,
    },
    /// Import a curl/wget cookies.txt or a JSON array of cookies.
    Import {
        /// The file.
        file: std::path::PathBuf,
        /// Its format (default: JSON when it starts with `[`, else Netscape).
        #[arg(long)]
        format: Option<FileFormat>,
    },
    /// Print every cookie as cookies.txt (default) or JSON.
    Export {
        /// The format.
        #[arg(long, default_value = "netscape")]
        format: FileFormat,
    },
    /// `cookies.flushStore()`.
    Flush,
    /// End the browser session: drop the partition's session cookies.
    EndSession,
}

impl Args {
    /// Whether this is `cookies end-session` (the session is opened without session cookies).
    pub(crate) fn ends_session(&self) -> bool {
        matches!(self.command, Cmd::EndSession)
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FileFormat {
    Netscape,
    Json,
}

impl From<FileFormat> for Format {
    fn from(f: FileFormat) -> Self {
        match f {
            FileFormat::Netscape => Format::Netscape,
            FileFormat::Json => Format::Json,
        }
    }
}

fn failed(e: impl std::fmt::Display) -> CliError {
    CliError::failed(e.to_string())
}

fn parse_url(s: &str) -> Result<Url, CliError> {
    Url::parse(s).map_err(|e| CliError::failed(format!("invalid URL '{s}': {e}")))
}

fn cookie_json(c: &Cookie) -> Value {
    serde_json::to_value(c).unwrap_or(Value::Null)
}

fn cookie_line(c: &Cookie) -> String {
    let mut flags = Vec::new();
    if c.secure == Some(true) {
        flags.push("Secure".to_owned());
    }
    if c.http_only == Some(true) {
        flags.push("HttpOnly".to_owned());
    }
    flags.push(format!("SameSite={}", c.same_site.as_str()));
    match c.expiration_date {
        Some(e) => flags.push(format!("Expires={e:.0}")),
        None => flags.push("Session".to_owned()),
    }
    format!(
        "{}\t{}\t{}={}\t{}",
        c.domain.as_deref().unwrap_or(""),
        c.path.as_deref().unwrap_or(""),
        c.name,
        c.value,
        flags.join("; ")
    )
}

pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    let jar = ctx.session.cookies();
    match args.command {
        Cmd::List {
            url,
            name,
            domain,
            path,
            secure,
            session,
            http_only,
        } => {
            let filter = CookieFilter {
                url,
                name,
                domain,
                path,
                secure,
                session,
                http_only,
                partition_key: None,
            };
            let cookies = jar.get(&filter).map_err(failed)?;
            let json = Value::Array(cookies.iter().map(cookie_json).collect());
            ctx.print(&json, || {
                cookies
                    .iter()
                    .map(cookie_line)
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Cmd::Set {
            url,
            name,
            value,
            domain,
            path,
            secure,
            http_only,
            expires,
            same_site,
        } => {
            let same_site = same_site
                .as_deref()
                .map(SameSite::parse)
                .transpose()
                .map_err(failed)?;
            let details = CookieDetails {
                url,
                name,
                value,
                domain,
                path,
                secure: secure.then_some(true),
                http_only: Some(http_only),
                expiration_date: expires,
                same_site,
            };
            let cookie = jar.set(&details).map_err(failed)?;
            ctx.print(&cookie_json(&cookie), || cookie_line(&cookie));
        }
        Cmd::Remove { url, name } => {
            let n = jar.remove(&url, &name).map_err(failed)?;
            ctx.print(&json!({ "removed": n }), || format!("removed {n}"));
        }
        Cmd::Store {
            url,
            values,
            script,
        } => {
            let u = parse_url(&url)?;
            let outcomes = if script {
                let page = RequestContext::from_page(&u);
                values
                    .iter()
                    .map(|v| jar.set_document_cookie(&u, v, &page))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(failed)?
            } else {
                jar.set_from_response(&u, &values, &RequestContext::default())
                    .map_err(failed)?
            };
            let rows: Vec<Value> = outcomes
                .iter()
                .map(|o| match o {
                    Ok(()) => json!({ "stored": true }),
                    Err(reason) => json!({ "stored": false, "reason": reason.message() }),
                })
                .collect();
            ctx.print(&Value::Array(rows), || {
                values
                    .iter()
                    .zip(&outcomes)
                    .map(|(v, o)| match o {
                        Ok(()) => format!("stored\t{v}"),
                        Err(reason) => format!("refused\t{v}\t{}", reason.message()),
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Cmd::Header {
            url,
            script,
            site_for_cookies,
            top_level_navigation,
            method,
        } => {
            let u = parse_url(&url)?;
            let site = site_for_cookies
                .as_deref()
                .map(parse_url)
                .transpose()?
                .map(|s| Site::from_url(&s));
            let request = RequestContext {
                top_frame_site: site.clone(),
                site_for_cookies: site,
                top_level_navigation,
                method,
            };
            let cookie = if script {
                let page = if request.site_for_cookies.is_some() {
                    request
                } else {
                    RequestContext::from_page(&u)
                };
                jar.document_cookie(&u, &page)
            } else {
                jar.cookie_header(&u, &request).unwrap_or_default()
            };
            // Text mode prints the header value, an empty line when there is none.
            if ctx.global.json {
                crate::ctx::out_line(&json!({ "cookie": cookie }).to_string());
            } else {
                crate::ctx::out_line(&cookie);
            }
        }
        Cmd::Import { file, format } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| CliError::failed(format!("cannot read {}: {e}", file.display())))?;
            let format = format.map(Format::from).unwrap_or_else(|| {
                if text.trim_start().starts_with('[') {
                    Format::Json
                } else {
                    Format::Netscape
                }
            });
            let n = jar.import(&text, format).map_err(failed)?;
            ctx.print(&json!({ "imported": n }), || format!("imported {n}"));
        }
        Cmd::Export { format } => {
            crate::ctx::out(jar.export(format.into()).as_bytes());
            if matches!(format, FileFormat::Json) {
                crate::ctx::out(b"\n");
            }
        }
        Cmd::Flush => {
            jar.flush_store().map_err(failed)?;
            ctx.print(&json!({}), String::new);
        }
        Cmd::EndSession => {
            // The store was opened without session cookies, which dropped them from disk.
            jar.flush_store().map_err(failed)?;
            ctx.print(&json!({}), String::new);
        }
    }
    Ok(())
}
