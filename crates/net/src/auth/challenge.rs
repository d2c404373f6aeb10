//! `WWW-Authenticate` / `Proxy-Authenticate` (RFC 9110 §11.6.1, §11.7.1): challenges, parsed
//! from any number of header lines, each holding any number of challenges.

use std::fmt;

use session_base::header::{split_unquoted, trim_ows};

/// Most challenges kept from one response; a server sending more is hostile.
const MAX_CHALLENGES: usize = 32;
/// Most parameters of one challenge.
const MAX_PARAMS: usize = 32;
/// Longest header line looked at.
const MAX_LINE: usize = 16 * 1024;

/// A challenge header could not be parsed; says what and where.
///
/// Example: see [the `auth` module's examples](crate::auth).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChallengeError {
    detail: String,
}

impl ChallengeError {
    fn new(detail: impl Into<String>) -> Self {
        ChallengeError {
            detail: detail.into(),
        }
    }
}

impl fmt::Display for ChallengeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for ChallengeError {}

/// One challenge: a scheme and either a `token68` or `name=value` parameters.
///
/// Example: see [the `auth` module's examples](crate::auth).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// The scheme, lower case (`basic`, `digest`, `ntlm`, ...).
    pub scheme: String,
    /// The `token68` form (NTLM's base64 message), if that is what followed the scheme.
    pub token68: Option<String>,
    /// Parameters in order, names lower case, quoted strings unescaped.
    pub params: Vec<(String, String)>,
}

impl Challenge {
    /// The value of parameter `name` (case-insensitive), the first when repeated.
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `realm`, empty when absent.
    ///
    /// Example: see [the `auth` module's examples](crate::auth).
    pub fn realm(&self) -> &str {
        self.param("realm").unwrap_or("")
    }
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_token68_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)
}

/// Splits a leading token off `s`.
fn token(s: &[u8]) -> (&[u8], &[u8]) {
    let n = s.iter().take_while(|b| is_tchar(**b)).count();
    s.split_at(n)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A parameter value: a token or a quoted string (backslash escapes), then nothing else.
fn value(s: &[u8], name: &str, line: &str) -> Result<String, ChallengeError> {
    let s = trim_ows(s);
    if let Some(rest) = s.strip_prefix(b"\"") {
        let mut out = Vec::with_capacity(rest.len());
        let mut i = 0;
        while i < rest.len() {
            match rest[i] {
                b'\\' if i + 1 < rest.len() => {
                    out.push(rest[i + 1]);
                    i += 2;
                }
                b'"' => {
                    if !trim_ows(&rest[i + 1..]).is_empty() {
                        return Err(ChallengeError::new(format!(
                            "text after the quoted value of '{name}' in '{line}'"
                        )));
                    }
                    return Ok(text(&out));
                }
                b => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        return Err(ChallengeError::new(format!(
            "the quoted value of '{name}' is not closed in '{line}'"
        )));
    }
    let (tok, rest) = token(s);
    if tok.is_empty() || !rest.is_empty() {
        return Err(ChallengeError::new(format!(
            "the value of '{name}' is neither a token nor a quoted string in '{line}'"
        )));
    }
    Ok(text(tok))
}

/// Whether `s` (after a token) is `BWS "=" BWS value` rather than the `=` padding of a token68.
fn param_follows(after_token: &[u8]) -> Option<&[u8]> {
    let rest = trim_ows(after_token);
    let rest = rest.strip_prefix(b"=")?;
    let v = trim_ows(rest);
    match v.first() {
        Some(b'"') => Some(v),
        Some(b) if is_tchar(*b) && *b != b'=' => Some(v),
        _ => None,
    }
}

/// Parses one header line into its challenges.
///
/// Example: see [the `auth` module's examples](crate::auth).
pub fn parse_line(line: &[u8]) -> Result<Vec<Challenge>, ChallengeError> {
    let shown = text(&line[..line.len().min(200)]);
    if line.len() > MAX_LINE {
        return Err(ChallengeError::new(format!(
            "a challenge header of {} bytes is longer than {MAX_LINE}",
            line.len()
        )));
    }
    let mut out: Vec<Challenge> = Vec::new();
    for element in split_unquoted(line, b',') {
        let (first, rest) = token(element);
        if first.is_empty() {
            return Err(ChallengeError::new(format!(
                "'{}' does not start with a scheme or parameter name in '{shown}'",
                text(element)
            )));
        }
        if let Some(v) = param_follows(rest) {
            // `name=value` of the current challenge.
            let name = text(first).to_ascii_lowercase();
            let Some(current) = out.last_mut() else {
                return Err(ChallengeError::new(format!(
                    "parameter '{name}' before any scheme in '{shown}'"
                )));
            };
            if current.token68.is_some() {
                return Err(ChallengeError::new(format!(
                    "parameter '{name}' after a token68 in '{shown}'"
                )));
            }
            if current.params.len() >= MAX_PARAMS {
                return Err(ChallengeError::new(format!(
                    "more than {MAX_PARAMS} parameters in one challenge of '{shown}'"
                )));
            }
            let v = value(v, &name, &shown)?;
            current.params.push((name, v));
            continue;
        }
        // A new challenge: `scheme`, `scheme token68` or `scheme name=value`.
        if out.len() >= MAX_CHALLENGES {
            return Err(ChallengeError::new(format!(
                "more than {MAX_CHALLENGES} challenges in '{shown}'"
            )));
        }
        let scheme = text(first).to_ascii_lowercase();
        let mut challenge = Challenge {
            scheme,
            token68: None,
            params: Vec::new(),
        };
        if !rest.is_empty() && !matches!(rest[0], b' ' | b'\t') {
            return Err(ChallengeError::new(format!(
                "unexpected '{}' after the scheme '{}' in '{shown}'",
                text(&rest[..1]),
                challenge.scheme
            )));
        }
        let rest = trim_ows(rest);
        if !rest.is_empty() {
            let (name, after) = token(rest);
            if let Some(v) = param_follows(after).filter(|_| !name.is_empty()) {
                let name = text(name).to_ascii_lowercase();
                let v = value(v, &name, &shown)?;
                challenge.params.push((name, v));
            } else {
                let n = rest.iter().take_while(|b| is_token68_char(**b)).count();
                let pad = rest[n..].iter().take_while(|b| **b == b'=').count();
                if n == 0 || !trim_ows(&rest[n + pad..]).is_empty() {
                    return Err(ChallengeError::new(format!(
                        "'{}' after the scheme '{}' is neither a token68 nor a parameter in '{shown}'",
                        text(rest),
                        challenge.scheme
                    )));
                }
                challenge.token68 = Some(text(&rest[..n + pad]));
            }
        }
        out.push(challenge);
    }
    if out.is_empty() {
        return Err(ChallengeError::new(format!("no challenge in '{shown}'")));
    }
    Ok(out)
}

/// Every challenge of every line. Lines that cannot be parsed are skipped (as Chromium does);
/// the error of the first such line is returned when no line gave a challenge.
///
/// Example: see [the `auth` module's examples](crate::auth).
pub fn parse<'a>(
    lines: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Vec<Challenge>, ChallengeError> {
    let mut out = Vec::new();
    let mut first_error = None;
    for line in lines {
        match parse_line(line) {
            Ok(mut c) => out.append(&mut c),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
        if out.len() > MAX_CHALLENGES {
            return Err(ChallengeError::new(format!(
                "more than {MAX_CHALLENGES} challenges in one response"
            )));
        }
    }
    match first_error {
        Some(e) if out.is_empty() => Err(e),
        _ => Ok(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: &str) -> Vec<Challenge> {
        parse_line(line.as_bytes()).expect(line)
    }

    #[test]
    fn one_basic_challenge() {
        let c = p(r#"Basic realm="Foo""#);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].scheme, "basic");
        assert_eq!(c[0].realm(), "Foo");
    }

    #[test]
    fn several_challenges_in_one_line() {
        // RFC 9110 §11.6.1's example shape: schemes, token68 and parameters mixed.
        let c = p(
            r#"Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple", NTLM, Negotiate abc+/d==, Digest realm="r", nonce="a,b""#,
        );
        let schemes: Vec<&str> = c.iter().map(|c| c.scheme.as_str()).collect();
        assert_eq!(schemes, ["newauth", "basic", "ntlm", "negotiate", "digest"]);
        assert_eq!(c[0].param("TITLE"), Some(r#"Login to "apps""#));
        assert_eq!(c[0].param("type"), Some("1"));
        assert_eq!(c[1].realm(), "simple");
        assert!(c[2].params.is_empty() && c[2].token68.is_none());
        assert_eq!(c[3].token68.as_deref(), Some("abc+/d=="));
        assert_eq!(c[4].param("nonce"), Some("a,b"));
    }

    #[test]
    fn spaces_around_equals_and_token68_padding() {
        let c = p(r#"Digest realm = "x" , nonce= abc"#);
        assert_eq!(c[0].realm(), "x");
        assert_eq!(c[0].param("nonce"), Some("abc"));
        let c = p("NTLM TlRMTVNTUAACAAAA=");
        assert_eq!(c[0].token68.as_deref(), Some("TlRMTVNTUAACAAAA="));
    }

    #[test]
    fn across_lines_and_bad_lines_skipped() {
        let lines: [&[u8]; 3] = [
            b"Basic realm=\"a",
            b"Digest realm=\"b\", nonce=\"n\"",
            b"NTLM",
        ];
        let c = parse(lines).expect("two good lines");
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].scheme, "digest");
        let bad: [&[u8]; 1] = [b"Basic realm=\"a"];
        let e = parse(bad).expect_err("unclosed quote");
        assert!(e.to_string().contains("not closed"), "{e}");
    }

    #[test]
    fn hostile_input_is_an_error_never_a_panic() {
        for line in [
            "",
            ",,,",
            "=",
            "realm=\"x\"",
            "Basic realm=\"x",
            "Basic realm=x y",
            "Basic realm=\"x\" trailing",
            "Basic \u{0}\u{1}",
            "Basic(realm)",
            "Basic realm=\"x\", Digest ===",
            "NTLM abc, foo=bar",
            "\"quoted\" scheme",
        ] {
            assert!(parse_line(line.as_bytes()).is_err(), "{line:?} parsed");
        }
        let many = "Basic realm=x, ".repeat(MAX_CHALLENGES + 1);
        assert!(parse_line(many.as_bytes()).is_err());
        let params = format!("Digest {}", "a=b, ".repeat(MAX_PARAMS + 1));
        assert!(parse_line(params.as_bytes()).is_err());
        assert!(parse_line(&vec![b'a'; MAX_LINE + 1]).is_err());
        // Random bytes never panic.
        let alphabet = b"Basic Digest NTLM realm=\",\\ =abc";
        let mut x: u32 = 12345;
        for _ in 0..2000 {
            let line: Vec<u8> = (0..40)
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    alphabet[(x >> 16) as usize % alphabet.len()]
                })
                .collect();
            let _ = parse_line(&line);
        }
    }

    #[test]
    fn non_utf8_realm_is_kept_lossily() {
        let c = parse_line(b"Basic realm=\"caf\xe9\"").expect("latin-1 realm");
        assert_eq!(c[0].realm(), "caf\u{fffd}");
    }
}
