//! Import and export: Netscape `cookies.txt` (curl, wget; `#HttpOnly_` prefix) and JSON arrays
//! of Electron `Cookie` objects.
//!
//! Exporting, importing into an empty jar and exporting again gives the same text in both
//! formats. Netscape's format has no SameSite or partition key: those import as `unspecified` and
//! unpartitioned; JSON keeps everything Electron's `Cookie` object has, plus `partitionKey`.

use session_base::origin::is_public_suffix;

use crate::api::Cookies;
use crate::cookie::{CanonicalCookie, Cookie};
use crate::error::{Error, ErrorKind, Result};
use crate::parse::is_disallowed_ctl;

const HTTP_ONLY_PREFIX: &str = "#HttpOnly_";

fn import_error(msg: String) -> Error {
    Error::new(ErrorKind::Import, msg)
}

/// A cookie read from a file, checked for what the jar cannot hold.
fn checked(c: CanonicalCookie, what: &str) -> Result<CanonicalCookie> {
    if c.domain.is_empty() {
        return Err(import_error(format!("{what}: empty domain")));
    }
    if !c.path.starts_with('/') {
        return Err(import_error(format!(
            "{what}: path '{}' does not start with '/'",
            c.path
        )));
    }
    if c.name.chars().chain(c.value.chars()).any(is_disallowed_ctl) {
        return Err(import_error(format!("{what}: control characters")));
    }
    if !c.host_only && is_public_suffix(&c.domain) {
        return Err(import_error(format!(
            "{what}: domain '{}' is a public suffix",
            c.domain
        )));
    }
    Ok(c)
}

fn parse_bool(s: &str, what: &str) -> Result<bool> {
    match s {
        "TRUE" | "true" => Ok(true),
        "FALSE" | "false" => Ok(false),
        _ => Err(import_error(format!(
            "{what}: expected TRUE or FALSE, found '{s}'"
        ))),
    }
}

/// Parses a Netscape `cookies.txt` (as curl's `-c` writes it); [`to_netscape`] writes one back.
///
/// ```
/// use session_cookies::{parse_netscape, to_netscape};
///
/// let text = "# Netscape HTTP Cookie File\n\
///             .example.com\tTRUE\t/\tTRUE\t2000000000\tsid\tabc\n";
/// let cookies = parse_netscape(text).unwrap();
/// assert_eq!((cookies[0].name.as_str(), cookies[0].value.as_str()), ("sid", "abc"));
/// assert_eq!(cookies[0].domain, "example.com");
/// assert!(!cookies[0].host_only, "a domain cookie");
/// let again = parse_netscape(&to_netscape(&cookies)).unwrap();
/// assert_eq!((again[0].domain.as_str(), again[0].host_only), ("example.com", false));
/// ```
pub fn parse_netscape(text: &str) -> Result<Vec<CanonicalCookie>> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let what = format!("cookies.txt line {}", i + 1);
        let line = raw.trim_end_matches('\r');
        let (line, http_only) = match line.strip_prefix(HTTP_ONLY_PREFIX) {
            Some(rest) => (rest, true),
            None => (line, false),
        };
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() != 7 && fields.len() != 6 {
            return Err(import_error(format!(
                "{what}: expected 7 tab-separated fields, found {}",
                fields.len()
            )));
        }
        let include_subdomains = parse_bool(fields[1], &what)?;
        let secure = parse_bool(fields[3], &what)?;
        let expiry: i64 = fields[4]
            .parse()
            .map_err(|_| import_error(format!("{what}: bad expiry '{}'", fields[4])))?;
        let raw_domain = fields[0].to_ascii_lowercase();
        let host_only = !(raw_domain.starts_with('.') || include_subdomains);
        let cookie = CanonicalCookie {
            name: fields[5].to_owned(),
            value: fields.get(6).copied().unwrap_or("").to_owned(),
            domain: raw_domain.trim_start_matches('.').to_owned(),
            host_only,
            path: fields[2].to_owned(),
            creation: 0,
            expires: (expiry != 0).then(|| expiry.saturating_mul(1_000_000)),
            last_access: 0,
            secure,
            http_only,
            same_site: Default::default(),
            priority: Default::default(),
            partition_key: None,
        };
        out.push(checked(cookie, &what)?);
    }
    Ok(out)
}

/// Writes cookies as a Netscape `cookies.txt`.
///
/// Example: see [`parse_netscape`].
pub fn to_netscape<'a>(cookies: impl IntoIterator<Item = &'a CanonicalCookie>) -> String {
    let mut out = String::from("# Netscape HTTP Cookie File\n");
    for c in cookies {
        if c.http_only {
            out.push_str(HTTP_ONLY_PREFIX);
        }
        let flag = |b: bool| if b { "TRUE" } else { "FALSE" };
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            c.display_domain(),
            flag(!c.host_only),
            c.path,
            flag(c.secure),
            c.expires.map_or(0, |e| e.div_euclid(1_000_000)),
            c.name,
            c.value
        ));
    }
    out
}

/// Parses a JSON array of Electron `Cookie` objects.
///
/// ```
/// use session_cookies::{parse_json, to_json};
///
/// let text = r#"[{"name":"sid","value":"1","domain":".a.test","path":"/","secure":true,
///                 "expirationDate":4102444800}]"#;
/// let cookies = parse_json(text).unwrap();
/// assert_eq!((cookies[0].domain.as_str(), cookies[0].host_only), ("a.test", false));
/// assert!(cookies[0].is_persistent());
/// let back: serde_json::Value = serde_json::from_str(&to_json(&cookies)).unwrap();
/// assert_eq!(back[0]["domain"], ".a.test");
/// assert!(parse_json("{}").is_err()); // an array is required
/// ```
pub fn parse_json(text: &str) -> Result<Vec<CanonicalCookie>> {
    let cookies: Vec<Cookie> =
        serde_json::from_str(text).map_err(|e| import_error(format!("cookie JSON: {e}")))?;
    cookies
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let what = format!("cookie JSON entry {i}");
            let raw_domain = c
                .domain
                .ok_or_else(|| import_error(format!("{what}: no domain")))?
                .to_ascii_lowercase();
            let host_only = c.host_only.unwrap_or(!raw_domain.starts_with('.'));
            let expires = match (c.session, c.expiration_date) {
                (Some(true), _) | (_, None) => None,
                (_, Some(secs)) if secs.is_finite() => Some((secs * 1e6).round() as i64),
                (_, Some(secs)) => {
                    return Err(import_error(format!("{what}: bad expirationDate {secs}")));
                }
            };
            checked(
                CanonicalCookie {
                    name: c.name,
                    value: c.value,
                    domain: raw_domain.trim_start_matches('.').to_owned(),
                    host_only,
                    path: c.path.unwrap_or_else(|| "/".to_owned()),
                    creation: 0,
                    expires,
                    last_access: 0,
                    secure: c.secure.unwrap_or(false),
                    http_only: c.http_only.unwrap_or(false),
                    same_site: c.same_site,
                    priority: Default::default(),
                    partition_key: c.partition_key.map(|k| k.top_level_site),
                },
                &what,
            )
        })
        .collect()
}

/// Writes cookies as a JSON array of Electron `Cookie` objects.
///
/// Example: see [`parse_json`].
pub fn to_json<'a>(cookies: impl IntoIterator<Item = &'a CanonicalCookie>) -> String {
    let list: Vec<Cookie> = cookies
        .into_iter()
        .map(CanonicalCookie::to_electron)
        .collect();
    serde_json::to_string_pretty(&list).unwrap_or_else(|_| "[]".to_owned())
}

/// A file format for import and export.
///
/// Example: see [`Cookies`](crate::Cookies).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Netscape `cookies.txt`.
    Netscape,
    /// JSON array of Electron `Cookie` objects.
    Json,
}

impl Cookies {
    /// Imports cookies from `text` in `format`; each is checked as `set` would check it.
    /// Returns how many were stored. A malformed file is refused whole.
    ///
    /// Example: see [`Cookies`].
    pub fn import(&self, text: &str, format: Format) -> Result<usize> {
        let cookies = match format {
            Format::Netscape => parse_netscape(text)?,
            Format::Json => parse_json(text)?,
        };
        self.insert_all(cookies)
    }

    /// Exports every cookie (oldest first) in `format`.
    ///
    /// Example: see [`Cookies`].
    pub fn export(&self, format: Format) -> String {
        let all = self.all();
        match format {
            Format::Netscape => to_netscape(&all),
            Format::Json => to_json(&all),
        }
    }
}
