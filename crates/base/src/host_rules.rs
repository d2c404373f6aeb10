//! Host rules in the syntax of Chromium's `--host-resolver-rules`.
//!
//! A rule list is comma separated; each rule is one of
//!
//! - `MAP pattern host[:port]`: a host matching `pattern` resolves as `host` (and connects to
//!   `port` when one is given);
//! - `MAP pattern ~NOTFOUND`: a host matching `pattern` does not resolve
//!   (`net::ERR_NAME_NOT_RESOLVED`);
//! - `EXCLUDE pattern`: a host matching `pattern` is left alone by every `MAP` rule.
//!
//! Patterns use `*` (any run of characters) and `?` (one character), compared without regard
//! to case, against the host and against `host:port`. The first matching `MAP` rule wins;
//! exclusions are checked before any `MAP` rule. Keywords are case-insensitive.
//!
//! ```
//! use session_base::host_rules::{HostRules, Mapping};
//!
//! let rules: HostRules = "MAP gone.test ~NOTFOUND, MAP x.test 127.0.0.1:8443, MAP *.test 127.0.0.1"
//!     .parse()
//!     .unwrap();
//! assert_eq!(rules.map("a.test", 80), Mapping::To { host: "127.0.0.1".into(), port: 80 });
//! assert_eq!(rules.map("gone.test", 443), Mapping::NotFound);
//! assert_eq!(rules.map("example.com", 443), Mapping::Unchanged);
//! assert!(!rules.is_empty() && HostRules::default().is_empty());
//! assert!("MAP onlyonehost".parse::<HostRules>().is_err());
//! ```

use std::fmt;
use std::str::FromStr;

/// A parsed rule list; the empty list maps nothing.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostRules {
    rules: Vec<Rule>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Rule {
    Map { pattern: String, target: Target },
    Exclude { pattern: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    NotFound,
    Host { host: String, port: Option<u16> },
}

/// What the rules say about one `host:port`.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mapping {
    /// No rule applies: resolve the host as it is.
    Unchanged,
    /// Resolve `host` instead and connect to `port` (the original port unless the rule gave one).
    /// `host` is an IP literal (IPv6 without brackets) or a name.
    To {
        /// The replacement host.
        host: String,
        /// The port to connect to.
        port: u16,
    },
    /// The host must not resolve.
    NotFound,
}

/// A rule list that could not be parsed; the message names the offending rule.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostRulesError(String);

impl fmt::Display for HostRulesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HostRulesError {}

impl FromStr for HostRules {
    type Err = HostRulesError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut rules = Vec::new();
        for raw in s.split(',') {
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            let parts: Vec<&str> = raw.split_whitespace().collect();
            let bad = |why: &str| HostRulesError(format!("invalid host rule '{raw}': {why}"));
            match parts.first().map(|k| k.to_ascii_lowercase()).as_deref() {
                Some("map") => {
                    let [_, pattern, target] = parts[..] else {
                        return Err(bad("expected 'MAP pattern host[:port]'"));
                    };
                    let target = if target.eq_ignore_ascii_case("~NOTFOUND") {
                        Target::NotFound
                    } else {
                        let (host, port) =
                            split_host_port(target).ok_or_else(|| bad("bad replacement host"))?;
                        Target::Host { host, port }
                    };
                    rules.push(Rule::Map {
                        pattern: pattern.to_ascii_lowercase(),
                        target,
                    });
                }
                Some("exclude") => {
                    let [_, pattern] = parts[..] else {
                        return Err(bad("expected 'EXCLUDE pattern'"));
                    };
                    rules.push(Rule::Exclude {
                        pattern: pattern.to_ascii_lowercase(),
                    });
                }
                _ => return Err(bad("a rule starts with MAP or EXCLUDE")),
            }
        }
        Ok(HostRules { rules })
    }
}

/// Splits `host`, `host:port`, `[v6]` or `[v6]:port`; the host comes back without brackets.
fn split_host_port(s: &str) -> Option<(String, Option<u16>)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        host.parse::<std::net::Ipv6Addr>().ok()?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?.parse().ok()?),
        };
        return Some((host.to_string(), port));
    }
    match s.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => {
            if host.is_empty() {
                return None;
            }
            Some((host.to_ascii_lowercase(), Some(port.parse().ok()?)))
        }
        Some(_) => None,
        None if s.is_empty() => None,
        None => Some((s.to_ascii_lowercase(), None)),
    }
}

/// `*` and `?` wildcard match, both sides already lower-case.
fn wildcard(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some(p);
            mark = t;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            t = mark;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

impl HostRules {
    /// Whether the list has no rules.
    ///
    /// Example: see [the module's example](self).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// What the rules say about `host` (lower-case, IPv6 without brackets) at `port`.
    ///
    /// Example: see [the module's example](self).
    pub fn map(&self, host: &str, port: u16) -> Mapping {
        if self.rules.is_empty() {
            return Mapping::Unchanged;
        }
        let host = host.to_ascii_lowercase();
        let host_port = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let matches = |pattern: &str| {
            wildcard(pattern.as_bytes(), host.as_bytes())
                || wildcard(pattern.as_bytes(), host_port.as_bytes())
        };
        if self
            .rules
            .iter()
            .any(|r| matches!(r, Rule::Exclude { pattern } if matches(pattern)))
        {
            return Mapping::Unchanged;
        }
        for rule in &self.rules {
            if let Rule::Map { pattern, target } = rule
                && matches(pattern)
            {
                return match target {
                    Target::NotFound => Mapping::NotFound,
                    Target::Host { host, port: p } => Mapping::To {
                        host: host.clone(),
                        port: p.unwrap_or(port),
                    },
                };
            }
        }
        Mapping::Unchanged
    }
}

impl fmt::Display for HostRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, rule) in self.rules.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            match rule {
                Rule::Exclude { pattern } => write!(f, "EXCLUDE {pattern}")?,
                Rule::Map {
                    pattern,
                    target: Target::NotFound,
                } => write!(f, "MAP {pattern} ~NOTFOUND")?,
                Rule::Map {
                    pattern,
                    target: Target::Host { host, port },
                } => {
                    let host = if host.contains(':') {
                        format!("[{host}]")
                    } else {
                        host.clone()
                    };
                    match port {
                        Some(p) => write!(f, "MAP {pattern} {host}:{p}")?,
                        None => write!(f, "MAP {pattern} {host}")?,
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(s: &str) -> HostRules {
        s.parse().expect("valid rules")
    }

    #[test]
    fn electron_spec_rules() {
        // The rules Electron's spec runner installs (DNS-01, DNS-03, DNS-05).
        let r = rules(
            "MAP localhost2 127.0.0.1, MAP ipv4.localhost2 10.0.0.1, MAP ipv6.localhost2 [::1], MAP notfound.localhost2 ~NOTFOUND",
        );
        assert_eq!(
            r.map("ipv4.localhost2", 80),
            Mapping::To {
                host: "10.0.0.1".into(),
                port: 80
            }
        );
        assert_eq!(
            r.map("ipv6.localhost2", 443),
            Mapping::To {
                host: "::1".into(),
                port: 443
            }
        );
        assert_eq!(r.map("notfound.localhost2", 80), Mapping::NotFound);
        assert_eq!(
            r.map("localhost2", 80),
            Mapping::To {
                host: "127.0.0.1".into(),
                port: 80
            }
        );
        assert_eq!(r.map("other", 80), Mapping::Unchanged);
    }

    #[test]
    fn first_match_wins_and_port_replacement() {
        let r = rules("MAP x.test 127.0.0.1:8443, MAP *.test 127.0.0.1");
        assert_eq!(
            r.map("x.test", 443),
            Mapping::To {
                host: "127.0.0.1".into(),
                port: 8443
            }
        );
        assert_eq!(
            r.map("A.Test", 443),
            Mapping::To {
                host: "127.0.0.1".into(),
                port: 443
            }
        );
    }

    #[test]
    fn exclude_wins_over_map() {
        let r = rules("MAP * 127.0.0.1, EXCLUDE keep.example");
        assert_eq!(r.map("keep.example", 80), Mapping::Unchanged);
        assert_eq!(
            r.map("other.example", 80),
            Mapping::To {
                host: "127.0.0.1".into(),
                port: 80
            }
        );
    }

    #[test]
    fn pattern_can_name_the_port() {
        let r = rules("MAP *:8080 127.0.0.2");
        assert_eq!(
            r.map("a.b", 8080),
            Mapping::To {
                host: "127.0.0.2".into(),
                port: 8080
            }
        );
        assert_eq!(r.map("a.b", 80), Mapping::Unchanged);
    }

    #[test]
    fn wildcards() {
        assert!(wildcard(b"*.test", b"a.b.test"));
        assert!(!wildcard(b"*.test", b"test"));
        assert!(wildcard(b"a?c", b"abc"));
        assert!(wildcard(b"*", b""));
        assert!(!wildcard(b"a*b", b"acbc"));
    }

    #[test]
    fn bad_rules_name_the_rule() {
        for bad in [
            "MAP onlypattern",
            "FOO a b",
            "MAP a b c",
            "EXCLUDE",
            "MAP a [zz]",
            "MAP a h:notaport",
        ] {
            let err = bad.parse::<HostRules>().expect_err(bad).to_string();
            assert!(
                err.contains(bad.split_whitespace().next().unwrap_or("")),
                "{err}"
            );
        }
        assert!(rules(" , ").is_empty());
    }

    #[test]
    fn display_round_trips() {
        let text = "MAP *.test 127.0.0.1, MAP v6 [::1]:8443, MAP n ~NOTFOUND, EXCLUDE a.test";
        assert_eq!(rules(text).to_string(), text);
        assert_eq!(rules(&rules(text).to_string()), rules(text));
    }
}
