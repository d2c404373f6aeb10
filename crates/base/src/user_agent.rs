//! The default User-Agent and the Accept-Language header.

/// The Chrome version token of the default User-Agent: the Chromium release whose network
/// defaults this library follows, reported in full four-part form as Electron does.
///
/// Example: see [`default_user_agent`].
pub const CHROME_VERSION: &str = "142.0.7444.59";

/// The default User-Agent of an application, in Electron's format:
/// `Mozilla/5.0 (<os>) AppleWebKit/537.36 (KHTML, like Gecko) <App>/<version> Chrome/<chrome>
/// Session/<our version> Safari/537.36`, with spaces removed from the app name, and `<os>` as
/// Chromium reports it (`X11; Linux x86_64`, `Macintosh; Intel Mac OS X 10_15_7`,
/// `Windows NT 10.0; Win64; x64`).
///
/// ```
/// use session_base::user_agent::{CHROME_VERSION, default_user_agent};
///
/// let ua = default_user_agent("My App", "2.1.0");
/// assert!(ua.starts_with("Mozilla/5.0 ("));
/// assert!(ua.contains(&format!(" MyApp/2.1.0 Chrome/{CHROME_VERSION} Session/")));
/// assert!(ua.ends_with(" Safari/537.36"));
/// ```
pub fn default_user_agent(app_name: &str, app_version: &str) -> String {
    let app: String = app_name.chars().filter(|c| *c != ' ').collect();
    let product = if app.is_empty() {
        format!(
            "Chrome/{CHROME_VERSION} Session/{}",
            env!("CARGO_PKG_VERSION")
        )
    } else {
        format!(
            "{app}/{app_version} Chrome/{CHROME_VERSION} Session/{}",
            env!("CARGO_PKG_VERSION")
        )
    };
    format!(
        "Mozilla/5.0 ({}) AppleWebKit/537.36 (KHTML, like Gecko) {product} Safari/537.36",
        os_info()
    )
}

fn os_info() -> String {
    if cfg!(target_os = "macos") {
        "Macintosh; Intel Mac OS X 10_15_7".to_owned()
    } else if cfg!(target_os = "windows") {
        match std::env::consts::ARCH {
            "x86_64" => "Windows NT 10.0; Win64; x64".to_owned(),
            "aarch64" => "Windows NT 10.0".to_owned(),
            _ => "Windows NT 10.0; WOW64".to_owned(),
        }
    } else {
        format!("X11; Linux {}", std::env::consts::ARCH)
    }
}

/// The `Accept-Language` header for a comma-separated language list, as Chromium builds it:
/// the first language has the implicit q=1, each next one 0.1 less, never below 0.1
/// (`en-US,fr,de` → `en-US,fr;q=0.9,de;q=0.8`, SESSION-07). Blank entries are skipped; entries
/// that already carry a q-value keep it.
///
/// ```
/// use session_base::user_agent::accept_language_header;
///
/// assert_eq!(accept_language_header("en-US, fr,,de"), "en-US,fr;q=0.9,de;q=0.8");
/// ```
pub fn accept_language_header(languages: &str) -> String {
    let mut out = String::new();
    let mut q = 10u32;
    for lang in languages
        .split(',')
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(lang);
        if q < 10 && !lang.contains(';') {
            out.push_str(&format!(";q=0.{q}"));
        }
        q = q.saturating_sub(1).max(1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_q_values() {
        // SESSION-07
        assert_eq!(
            accept_language_header("en-US,fr,de"),
            "en-US,fr;q=0.9,de;q=0.8"
        );
        assert_eq!(accept_language_header("en-US"), "en-US");
        let many: Vec<String> = (0..12).map(|i| format!("l{i}")).collect();
        let header = accept_language_header(&many.join(","));
        assert!(header.ends_with("l10;q=0.1,l11;q=0.1"), "{header}");
        assert_eq!(accept_language_header(" en , ,fr"), "en,fr;q=0.9");
        assert_eq!(accept_language_header(" en , fr;q=0.5 "), "en,fr;q=0.5");
    }

    #[test]
    fn user_agent_format() {
        let ua = default_user_agent("My App", "1.2.3");
        assert!(ua.starts_with("Mozilla/5.0 ("), "{ua}");
        assert!(
            ua.contains(") AppleWebKit/537.36 (KHTML, like Gecko) MyApp/1.2.3 Chrome/"),
            "{ua}"
        );
        assert!(ua.ends_with(" Safari/537.36"), "{ua}");
        #[cfg(target_os = "linux")]
        assert!(
            ua.contains(&format!("(X11; Linux {})", std::env::consts::ARCH)),
            "{ua}"
        );
    }
}
