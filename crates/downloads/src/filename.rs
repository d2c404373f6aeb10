//! Choosing the file name of a download, and keeping it inside the chosen directory.
//!
//! The order is Chromium's `net::GenerateFileName` with Electron's default name: the
//! `Content-Disposition` file name, then the last segment of the URL path, then `download`; a name
//! without an extension gets one from the MIME type (`download.pdf`, DL-09). Whatever the server
//! sends, [`sanitize_filename`] reduces it to one plain path component: no separators, no `.` or
//! `..`, no control or reserved characters, no Windows device names, at most
//! [`MAX_FILENAME_BYTES`] bytes.
//!
//! ```
//! use session_downloads::filename::*;
//! use url::Url;
//!
//! let url = Url::parse("https://a.test/files/Annual%20report.tar.gz?x=1").unwrap();
//! assert_eq!(filename_from_url(&url, ""), "Annual report.tar.gz");
//! assert_eq!(extension_of("Annual report.tar.gz"), Some("tar.gz"));
//! assert_eq!(extension_of("README"), None);
//! assert_eq!(extension_for_mime("application/pdf; charset=binary"), Some("pdf"));
//! assert_eq!(extension_for_mime("application/octet-stream"), None);
//!
//! // No name anywhere: Electron's default, with an extension from the type.
//! let bare = Url::parse("https://a.test/").unwrap();
//! assert_eq!(generate_filename(&bare, None, "image/png", ""), format!("{DEFAULT_NAME}.png"));
//!
//! // Whatever the server says, one plain component of bounded length.
//! assert_eq!(sanitize_filename("../../etc/passwd"), "_.._etc_passwd");
//! assert_eq!(sanitize_filename("CON.txt"), "_CON.txt");
//! assert!(sanitize_filename(&"x".repeat(500)).len() <= MAX_FILENAME_BYTES);
//!
//! // Beside an existing file, `name (1).ext`; the bytes go to `<name>.part` first.
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("report.pdf"), b"old").unwrap();
//! let target = unique_path(dir.path(), "report.pdf");
//! assert_eq!(target, dir.path().join("report (1).pdf"));
//! assert_eq!(temp_path_for(&target), dir.path().join(format!("report (1).pdf{TEMP_SUFFIX}")));
//! ```

use std::path::{Path, PathBuf};

use url::Url;

use crate::disposition::{ContentDisposition, percent_decode};

/// The name used when neither the header nor the URL gives one (Electron passes `download`).
///
/// Example: see [the module's example](self).
pub const DEFAULT_NAME: &str = "download";

/// Longest generated file name in bytes, leaving room under the usual 255-byte limit for a
/// ` (n)` uniquifier and the temporary file's suffix.
///
/// Example: see [the module's example](self).
pub const MAX_FILENAME_BYTES: usize = 200;

/// Suffix of the temporary file a download writes before it is renamed into place.
///
/// Example: see [the module's example](self).
pub const TEMP_SUFFIX: &str = ".part";

/// The file name Chromium would suggest for a response, sanitised.
///
/// `content_disposition` is the raw header value, `mime_type` the response's type (may be
/// empty), `referrer_charset` decodes non-UTF-8 bytes (may be empty).
///
/// Example: see [the module's example](self) and [the crate's](crate).
pub fn generate_filename(
    url: &Url,
    content_disposition: Option<&[u8]>,
    mime_type: &str,
    referrer_charset: &str,
) -> String {
    let from_header = content_disposition
        .map(|h| ContentDisposition::parse(h, referrer_charset).filename)
        .unwrap_or_default();
    let mut name = sanitize_component(&from_header);
    if name.is_empty() {
        name = sanitize_component(&filename_from_url(url, referrer_charset));
    }
    if name.is_empty() {
        name = DEFAULT_NAME.to_owned();
    }
    if extension_of(&name).is_none()
        && let Some(ext) = extension_for_mime(mime_type)
    {
        name.push('.');
        name.push_str(ext);
    }
    finish(name)
}

/// Reduces any string to a safe single file name: never empty, never a path.
///
/// Example: see [the module's example](self).
pub fn sanitize_filename(name: &str) -> String {
    let name = sanitize_component(name);
    if name.is_empty() {
        return DEFAULT_NAME.to_owned();
    }
    finish(name)
}

fn finish(name: String) -> String {
    truncate_name(&avoid_reserved(name), MAX_FILENAME_BYTES)
}

/// The last path segment of `url`, percent-decoded (UTF-8, else the referrer charset). Empty
/// for URLs without a hierarchical path (`data:`, `about:`) or ending in `/`.
///
/// Example: see [the module's example](self).
pub fn filename_from_url(url: &Url, referrer_charset: &str) -> String {
    if url.cannot_be_a_base() || url.scheme() == "data" || url.scheme() == "about" {
        return String::new();
    }
    let segment = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or("");
    let bytes = percent_decode(segment.as_bytes());
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let bytes = e.into_bytes();
            encoding_rs::Encoding::for_label_no_replacement(referrer_charset.as_bytes())
                .and_then(|enc| enc.decode_without_bom_handling_and_without_replacement(&bytes))
                .map(|s| s.into_owned())
                .unwrap_or_else(|| String::from_utf8_lossy(&bytes).into_owned())
        }
    }
}

/// Characters never allowed in a generated name: controls, path separators, characters some
/// file systems refuse, and invisible characters that can disguise an extension.
fn is_illegal(c: char) -> bool {
    c.is_control()
        || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{feff}' | '\u{fffe}' | '\u{ffff}')
}

fn sanitize_component(name: &str) -> String {
    let replaced: String = name
        .chars()
        .map(|c| if is_illegal(c) { '_' } else { c })
        .collect();
    // Leading dots would hide the file (and `.`/`..` are directories); trailing dots and
    // spaces are dropped by Windows.
    let trimmed = replaced.trim_matches(|c: char| c == '.' || c.is_whitespace());
    if trimmed.chars().all(|c| c == '_') {
        // Nothing but replaced characters: not a meaningful name.
        return String::new();
    }
    trimmed.to_owned()
}

/// Windows device names (`CON`, `nul.txt`, `COM1`...) get a `_` in front on every platform, so a
/// file saved here can be copied anywhere.
fn avoid_reserved(name: String) -> String {
    let stem = name.split('.').next().unwrap_or("").trim_end();
    let upper = stem.to_ascii_uppercase();
    let reserved = matches!(
        upper.as_str(),
        "CON" | "PRN" | "AUX" | "NUL" | "CLOCK$" | "CONIN$" | "CONOUT$"
    ) || ((upper.starts_with("COM") || upper.starts_with("LPT"))
        && upper.len() == 4
        && upper.as_bytes()[3].is_ascii_digit());
    if reserved { format!("_{name}") } else { name }
}

/// The extension of `name` without the dot, treating `.tar.gz`-style pairs as one.
///
/// Example: see [the module's example](self).
pub fn extension_of(name: &str) -> Option<&str> {
    let dot = name.rfind('.')?;
    if dot == 0 || dot + 1 == name.len() {
        return None;
    }
    let last = &name[dot + 1..];
    if matches!(
        last.to_ascii_lowercase().as_str(),
        "gz" | "bz2" | "xz" | "z" | "zst"
    ) && let Some(prev) = name[..dot].rfind('.')
        && prev > 0
        && name[prev + 1..dot].eq_ignore_ascii_case("tar")
    {
        return Some(&name[prev + 1..]);
    }
    Some(last)
}

/// Splits `name` into stem and extension (with its dot), per [`extension_of`].
fn split_extension(name: &str) -> (&str, &str) {
    match extension_of(name) {
        Some(ext) if ext.len() <= 24 => name.split_at(name.len() - ext.len() - 1),
        _ => (name, ""),
    }
}

fn truncate_name(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let (stem, ext) = split_extension(name);
    let budget = max.saturating_sub(ext.len());
    let mut cut = budget.min(stem.len());
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    let stem = stem[..cut].trim_end_matches(|c: char| c == '.' || c.is_whitespace());
    format!("{stem}{ext}")
}

/// The preferred extension for a MIME type (parameters ignored); `None` for unknown types and
/// `application/octet-stream`, as Chromium adds none there.
///
/// Example: see [the module's example](self).
pub fn extension_for_mime(mime_type: &str) -> Option<&'static str> {
    let essence = mime_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let preferred = match essence.as_str() {
        "" | "application/octet-stream" => return None,
        "application/pdf" => "pdf",
        "text/plain" => "txt",
        "text/html" => "html",
        "text/css" => "css",
        "text/csv" => "csv",
        "text/javascript" | "application/javascript" => "js",
        "application/json" => "json",
        "application/xml" | "text/xml" => "xml",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/svg+xml" => "svg",
        "image/x-icon" | "image/vnd.microsoft.icon" => "ico",
        "audio/mpeg" => "mp3",
        "audio/ogg" => "ogg",
        "audio/wav" | "audio/x-wav" => "wav",
        "video/mp4" => "mp4",
        "video/webm" => "webm",
        "application/zip" => "zip",
        "application/gzip" | "application/x-gzip" => "gz",
        "application/x-tar" => "tar",
        "application/wasm" => "wasm",
        other => return mime_guess::get_mime_extensions_str(other)?.first().copied(),
    };
    Some(preferred)
}

/// `dir/name`, or `dir/stem (n).ext` for the first `n` whose file and temporary file are both
/// free. The name is sanitised first, so the result is always directly inside `dir`.
///
/// Example: see [the module's example](self).
pub fn unique_path(dir: &Path, name: &str) -> PathBuf {
    let name = sanitize_filename(name);
    let candidate = dir.join(&name);
    if is_free(&candidate) {
        return candidate;
    }
    let (stem, ext) = split_extension(&name);
    let mut n = 1u32;
    loop {
        let candidate = dir.join(format!("{stem} ({n}){ext}"));
        if is_free(&candidate) || n == u32::MAX {
            return candidate;
        }
        n += 1;
    }
}

fn is_free(path: &Path) -> bool {
    !path.exists() && !temp_path_for(path).exists()
}

/// The temporary file beside `target` that holds the bytes until completion.
///
/// Example: see [the module's example](self).
pub fn temp_path_for(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(TEMP_SUFFIX);
    target.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test url")
    }

    #[test]
    fn disposition_then_url_then_default() {
        let u = url("http://a.test/dir/file%20name.zip?x=1");
        assert_eq!(
            generate_filename(&u, Some(b"attachment; filename=cd.bin"), "", ""),
            "cd.bin"
        );
        assert_eq!(
            generate_filename(&u, Some(b"inline"), "", ""),
            "file name.zip"
        );
        // DL-09: no name anywhere, extension from the MIME type.
        let u = url("http://127.0.0.1:1234/?testFilename");
        assert_eq!(
            generate_filename(&u, Some(b"inline"), "application/pdf", ""),
            "download.pdf"
        );
        assert_eq!(
            generate_filename(&u, None, "application/octet-stream", ""),
            "download"
        );
    }

    #[test]
    fn hostile_names_stay_one_component() {
        for hostile in [
            "../../x",
            "/etc/passwd",
            "..",
            ".",
            "a/../../b",
            "C:\\win\\x",
            "\u{0}\u{1}",
        ] {
            let name = sanitize_filename(hostile);
            assert!(
                !name.contains('/') && !name.contains('\\'),
                "{hostile:?} -> {name:?}"
            );
            assert!(
                name != "." && name != ".." && !name.is_empty(),
                "{hostile:?} -> {name:?}"
            );
            let joined = Path::new("/dl").join(&name);
            assert_eq!(joined.parent(), Some(Path::new("/dl")));
        }
        assert_eq!(sanitize_filename("../../x"), "_.._x");
        assert_eq!(sanitize_filename("CON"), "_CON");
        assert_eq!(sanitize_filename("lpt1.txt"), "_lpt1.txt");
        assert_eq!(sanitize_filename("a\u{202e}txt.exe"), "a_txt.exe");
    }

    #[test]
    fn long_names_keep_extension() {
        let long = format!("{}.tar.gz", "é".repeat(5000));
        let name = sanitize_filename(&long);
        assert!(name.len() <= MAX_FILENAME_BYTES);
        assert!(name.ends_with(".tar.gz"));
    }

    #[test]
    fn uniquifier() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = unique_path(dir.path(), "a.tar.gz");
        assert_eq!(first, dir.path().join("a.tar.gz"));
        std::fs::write(&first, b"x").expect("write");
        assert_eq!(
            unique_path(dir.path(), "a.tar.gz"),
            dir.path().join("a (1).tar.gz")
        );
        std::fs::write(temp_path_for(&dir.path().join("a (1).tar.gz")), b"x").expect("write");
        assert_eq!(
            unique_path(dir.path(), "a.tar.gz"),
            dir.path().join("a (2).tar.gz")
        );
    }
}
