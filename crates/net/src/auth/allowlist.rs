//! `allowNTLMCredentialsForDomains`: Chromium's server allow-list syntax.

use url::Url;

use crate::proxy::BypassRules;

/// Which servers may receive cached NTLM credentials without the login handler being asked.
///
/// The syntax is Chromium's `--auth-server-allowlist`: entries separated by `,` (or `;`), each a
/// host pattern with optional scheme and port; `*` allows every host, and a pattern without a
/// leading `*` matches as a suffix (`example.com` is `*example.com`). An empty string allows
/// none. Unlike Chromium, loopback hosts are not allowed implicitly.
///
/// Proxies are not subject to the list: a proxy's `407` is answered with its cached NTLM
/// credentials whatever the list says, as Chromium's allow-list filter lets every proxy pass.
///
/// Example: see [the `auth` module's examples](crate::auth).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NtlmAllowList {
    rules: Option<BypassRules>,
}

impl NtlmAllowList {
    /// Parses the list; entries that cannot be parsed are skipped, as Chromium does.
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn parse(text: &str) -> NtlmAllowList {
        let entries: Vec<String> = text
            .split([',', ';'])
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(suffix_pattern)
            .collect();
        if entries.is_empty() {
            return NtlmAllowList { rules: None };
        }
        // `<-loopback>` first: the implicit loopback rule is off, later rules still match.
        let text = format!("<-loopback>,{}", entries.join(","));
        NtlmAllowList {
            rules: Some(BypassRules::parse(&text)),
        }
    }

    /// Whether `url`'s server is on the list.
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn allows(&self, url: &Url) -> bool {
        self.rules.as_ref().is_some_and(|r| r.matches(url, false))
    }
}

/// `example.com` → `*example.com`, keeping a scheme prefix, IP literals and CIDR blocks as they are.
fn suffix_pattern(entry: &str) -> String {
    let (scheme, rest) = match entry.split_once("://") {
        Some((s, r)) => (format!("{s}://"), r),
        None => (String::new(), entry),
    };
    let host = rest.split(':').next().unwrap_or(rest);
    let literal = rest.starts_with('[')
        || rest.contains('/')
        || host.parse::<std::net::IpAddr>().is_ok()
        || rest.starts_with('*')
        || rest.starts_with('<');
    if literal {
        entry.to_string()
    } else {
        format!("{scheme}*{rest}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(list: &str, url: &str) -> bool {
        NtlmAllowList::parse(list).allows(&Url::parse(url).expect("url"))
    }

    #[test]
    fn chromium_syntax() {
        // The example of Electron's docs.
        let list = "*example.com, *foobar.com, *baz";
        assert!(allows(list, "http://intranet.example.com/"));
        assert!(allows(list, "https://foobar.com/x"));
        assert!(allows(list, "http://a.baz:8080/"));
        assert!(!allows(list, "http://example.org/"));
        assert!(allows("*", "http://anything.test/"));
        // Suffix matching without the star, scheme and port when given.
        assert!(allows("corp.test", "http://wiki.corp.test/"));
        assert!(allows("https://corp.test", "https://wiki.corp.test/"));
        assert!(!allows("https://corp.test", "http://wiki.corp.test/"));
        assert!(allows("corp.test:8080", "http://wiki.corp.test:8080/"));
        assert!(!allows("corp.test:8080", "http://wiki.corp.test:80/"));
        assert!(allows("10.0.0.0/8", "http://10.1.2.3/"));
    }

    #[test]
    fn empty_turns_it_off_and_loopback_is_not_implicit() {
        // electron#18245: an empty string means no server.
        assert!(!allows("", "http://intranet.example.com/"));
        assert!(!allows(" , ", "http://intranet.example.com/"));
        assert!(!allows("*example.com", "http://127.0.0.1/"));
        assert!(!allows("*example.com", "http://localhost/"));
        assert!(allows("localhost", "http://localhost/"));
        assert!(!NtlmAllowList::default().allows(&Url::parse("http://a.test/").expect("url")));
    }
}
