//! `Use-As-Dictionary` (RFC 9842 section 2.1): an RFC 8941 Dictionary structured field.

use std::fmt;

/// The largest `id` a dictionary may declare (RFC 9842: 1024 characters).
///
/// Example: see [`parse_use_as_dictionary`].
pub const MAX_ID_LEN: usize = 1024;

/// What a `Use-As-Dictionary` header declares.
///
/// Example: see [`parse_use_as_dictionary`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UseAsDictionary {
    /// The `match` URL pattern (required).
    pub match_pattern: String,
    /// The `match-dest` request destinations; empty matches every destination.
    pub match_dest: Vec<String>,
    /// The `id` sent back in `Dictionary-ID`; empty when none was given.
    pub id: String,
}

/// Why a `Use-As-Dictionary` value is not a usable dictionary declaration.
///
/// Example: see [`parse_use_as_dictionary`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderError {
    value: String,
    reason: String,
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Use-As-Dictionary '{}' is not usable: {}",
            self.value, self.reason
        )
    }
}

impl std::error::Error for HeaderError {}

/// One bare item of a structured field (RFC 8941 section 3.3).
#[derive(Clone, Debug, PartialEq)]
enum Item {
    Integer(i64),
    Decimal(f64),
    String(String),
    Token(String),
    Bytes(Vec<u8>),
    Boolean(bool),
}

/// A member value: an item or an inner list (parameters are parsed and dropped).
#[derive(Clone, Debug, PartialEq)]
enum Member {
    Item(Item),
    InnerList(Vec<Item>),
}

/// Parses a `Use-As-Dictionary` value. Unknown keys are ignored (RFC 8941 extensibility);
/// `match` must be a string, `match-dest` an inner list of strings, `id` a string of at most
/// 1024 characters, and `type`, when present, the token `raw` (other types are not dictionaries
/// this client understands, as in Chromium).
///
/// ```
/// use session_cache::dictionary::{MAX_ID_LEN, parse_use_as_dictionary};
///
/// let header = parse_use_as_dictionary(r#"match="/js/*", match-dest=("script"), id="v1", x=1"#).unwrap();
/// assert_eq!(header.match_pattern, "/js/*");
/// assert_eq!(header.match_dest, ["script"]);
/// assert_eq!(header.id, "v1");
///
/// assert!(parse_use_as_dictionary(r#"id="v1""#).is_err()); // `match` is required
/// assert!(parse_use_as_dictionary(r#"match="/*", type=zstd"#).is_err()); // only `raw`
/// let long_id = format!(r#"match="/*", id="{}""#, "x".repeat(MAX_ID_LEN + 1));
/// let err = parse_use_as_dictionary(&long_id).unwrap_err();
/// assert!(err.to_string().starts_with("Use-As-Dictionary"));
/// ```
pub fn parse_use_as_dictionary(value: &str) -> Result<UseAsDictionary, HeaderError> {
    let err = |reason: &str| HeaderError {
        value: value.to_owned(),
        reason: reason.to_owned(),
    };
    let members = parse_dictionary(value).map_err(|r| err(&r))?;
    let mut out = UseAsDictionary {
        match_pattern: String::new(),
        match_dest: Vec::new(),
        id: String::new(),
    };
    let mut have_match = false;
    for (key, member) in members {
        match (key.as_str(), member) {
            ("match", Member::Item(Item::String(s))) => {
                out.match_pattern = s;
                have_match = true;
            }
            ("match", _) => return Err(err("'match' must be a string")),
            ("match-dest", Member::InnerList(items)) => {
                let mut dests = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Item::String(s) => dests.push(s),
                        _ => return Err(err("'match-dest' must be a list of strings")),
                    }
                }
                out.match_dest = dests;
            }
            ("match-dest", _) => return Err(err("'match-dest' must be an inner list")),
            ("id", Member::Item(Item::String(s))) => {
                if s.chars().count() > MAX_ID_LEN {
                    return Err(err("'id' is longer than 1024 characters"));
                }
                out.id = s;
            }
            ("id", _) => return Err(err("'id' must be a string")),
            ("type", Member::Item(Item::Token(t))) if t != "raw" => {
                return Err(err("only type=raw dictionaries are supported"));
            }
            ("type", Member::Item(Item::Token(_))) => {}
            ("type", _) => return Err(err("'type' must be a token")),
            _ => {}
        }
    }
    if !have_match || out.match_pattern.is_empty() {
        return Err(err("no 'match' pattern"));
    }
    Ok(out)
}

/// RFC 8941 section 4.2.2: a Dictionary. A later duplicate key replaces the earlier value.
fn parse_dictionary(input: &str) -> Result<Vec<(String, Member)>, String> {
    let mut p = Parser {
        s: input.as_bytes(),
        i: 0,
    };
    p.skip_sp();
    let mut out: Vec<(String, Member)> = Vec::new();
    while !p.done() {
        let key = p.key()?;
        let member = if p.peek() == Some(b'=') {
            p.i += 1;
            p.member()?
        } else {
            p.parameters()?;
            Member::Item(Item::Boolean(true))
        };
        if let Some(existing) = out.iter_mut().find(|(k, _)| *k == key) {
            existing.1 = member;
        } else {
            out.push((key, member));
        }
        p.skip_ows();
        if p.done() {
            break;
        }
        if p.peek() != Some(b',') {
            return Err(format!("expected ',' at byte {}", p.i));
        }
        p.i += 1;
        p.skip_ows();
        if p.done() {
            return Err("trailing ','".into());
        }
    }
    Ok(out)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn done(&self) -> bool {
        self.i >= self.s.len()
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_sp(&mut self) {
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
    }

    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    fn key(&mut self) -> Result<String, String> {
        let start = self.i;
        match self.peek() {
            Some(c) if c.is_ascii_lowercase() || c == b'*' => self.i += 1,
            _ => return Err(format!("expected a key at byte {start}")),
        }
        while let Some(c) = self.peek() {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || b"_-.*".contains(&c) {
                self.i += 1;
            } else {
                break;
            }
        }
        Ok(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn member(&mut self) -> Result<Member, String> {
        if self.peek() == Some(b'(') {
            self.i += 1;
            let mut items = Vec::new();
            loop {
                self.skip_sp();
                match self.peek() {
                    Some(b')') => {
                        self.i += 1;
                        self.parameters()?;
                        return Ok(Member::InnerList(items));
                    }
                    None => return Err("unterminated inner list".into()),
                    _ => {
                        items.push(self.bare_item()?);
                        self.parameters()?;
                        if !matches!(self.peek(), Some(b' ' | b')')) {
                            return Err(format!("expected ' ' or ')' at byte {}", self.i));
                        }
                    }
                }
            }
        }
        let item = self.bare_item()?;
        self.parameters()?;
        Ok(Member::Item(item))
    }

    fn parameters(&mut self) -> Result<(), String> {
        while self.peek() == Some(b';') {
            self.i += 1;
            self.skip_sp();
            self.key()?;
            if self.peek() == Some(b'=') {
                self.i += 1;
                self.bare_item()?;
            }
        }
        Ok(())
    }

    fn bare_item(&mut self) -> Result<Item, String> {
        match self.peek() {
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'"') => self.string(),
            Some(b':') => self.bytes(),
            Some(b'?') => {
                self.i += 1;
                let v = match self.peek() {
                    Some(b'1') => true,
                    Some(b'0') => false,
                    _ => return Err(format!("bad boolean at byte {}", self.i)),
                };
                self.i += 1;
                Ok(Item::Boolean(v))
            }
            Some(c) if c.is_ascii_alphabetic() || c == b'*' => Ok(self.token()),
            _ => Err(format!("expected an item at byte {}", self.i)),
        }
    }

    fn number(&mut self) -> Result<Item, String> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let digits = self.i;
        let mut dot = None;
        while let Some(c) = self.peek() {
            if c.is_ascii_digit() {
                self.i += 1;
            } else if c == b'.' && dot.is_none() {
                dot = Some(self.i);
                self.i += 1;
            } else {
                break;
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).map_err(|e| e.to_string())?;
        let int_len = dot.unwrap_or(self.i) - digits;
        match dot {
            None if int_len == 0 || int_len > 15 => Err(format!("bad integer '{text}'")),
            None => text
                .parse()
                .map(Item::Integer)
                .map_err(|_| format!("bad integer '{text}'")),
            Some(d)
                if int_len == 0 || int_len > 12 || self.i - d - 1 == 0 || self.i - d - 1 > 3 =>
            {
                Err(format!("bad decimal '{text}'"))
            }
            Some(_) => text
                .parse()
                .map(Item::Decimal)
                .map_err(|_| format!("bad decimal '{text}'")),
        }
    }

    fn string(&mut self) -> Result<Item, String> {
        self.i += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err("unterminated string".into()),
                Some(b'\\') => {
                    self.i += 1;
                    match self.peek() {
                        Some(c @ (b'"' | b'\\')) => {
                            out.push(c as char);
                            self.i += 1;
                        }
                        _ => return Err(format!("bad escape at byte {}", self.i)),
                    }
                }
                Some(b'"') => {
                    self.i += 1;
                    return Ok(Item::String(out));
                }
                Some(c @ 0x20..=0x7e) => {
                    out.push(c as char);
                    self.i += 1;
                }
                Some(c) => return Err(format!("byte 0x{c:02x} is not allowed in a string")),
            }
        }
    }

    fn token(&mut self) -> Item {
        let start = self.i;
        self.i += 1;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~:/".contains(&c) {
                self.i += 1;
            } else {
                break;
            }
        }
        Item::Token(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn bytes(&mut self) -> Result<Item, String> {
        self.i += 1;
        let start = self.i;
        while let Some(c) = self.peek() {
            if c == b':' {
                let b64 = &self.s[start..self.i];
                self.i += 1;
                return decode_base64(b64)
                    .map(Item::Bytes)
                    .ok_or_else(|| "bad byte sequence".to_owned());
            }
            if !(c.is_ascii_alphanumeric() || b"+/=".contains(&c)) {
                return Err(format!("bad byte sequence at byte {}", self.i));
            }
            self.i += 1;
        }
        Err("unterminated byte sequence".into())
    }
}

/// Standard base64, padding optional (RFC 8941 section 4.2.7). Byte sequences are not used by
/// `Use-As-Dictionary`; they are parsed so a member of that type does not void the whole field.
fn decode_base64(s: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    LENIENT.decode(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_rfc_examples() {
        // RFC 9842 section 2.1.5 examples.
        let d = parse_use_as_dictionary(r#"match="/product/*", match-dest=("document")"#)
            .expect("parses");
        assert_eq!(d.match_pattern, "/product/*");
        assert_eq!(d.match_dest, vec!["document".to_owned()]);
        let d = parse_use_as_dictionary(r#"match="/app/*/main.js""#).expect("parses");
        assert_eq!(d.match_pattern, "/app/*/main.js");
        assert!(d.match_dest.is_empty());
        assert_eq!(d.id, "");
    }

    #[test]
    fn keeps_id_and_raw_type_and_ignores_unknown_keys() {
        let d = parse_use_as_dictionary(
            r#"match="/a/*.js", id="v1 \"quoted\"", type=raw, future=?1;p=2, n=1.5"#,
        )
        .expect("parses");
        assert_eq!(d.id, r#"v1 "quoted""#);
        let e = parse_use_as_dictionary(r#"match="/a", type=other"#).expect_err("type");
        assert!(e.to_string().contains("type=raw"), "{e}");
    }

    #[test]
    fn a_later_duplicate_key_wins() {
        let d = parse_use_as_dictionary(r#"match="/a", match="/b""#).expect("parses");
        assert_eq!(d.match_pattern, "/b");
    }

    #[test]
    fn refuses_malformed_values_naming_them() {
        for bad in [
            "",
            "match=/a",
            r#"match="/a"#,
            r#"match="/a","#,
            r#"match="/a" id="x""#,
            r#"match-dest="document", match="/a""#,
            r#"match="/a", match-dest=(document)"#,
            r#"match="/a", id=5"#,
            r#"Match="/a""#,
            "match=\"\u{e9}\"",
            r#"match="""#,
        ] {
            let e = parse_use_as_dictionary(bad).expect_err(bad);
            assert!(e.to_string().contains("Use-As-Dictionary"), "{e}");
        }
        let long = format!(r#"match="/a", id="{}""#, "x".repeat(1025));
        assert!(parse_use_as_dictionary(&long).is_err());
        let ok = format!(r#"match="/a", id="{}""#, "x".repeat(1024));
        assert!(parse_use_as_dictionary(&ok).is_ok());
    }

    #[test]
    fn structured_field_items() {
        let items =
            parse_dictionary(r#"a=1, b=-2.5, c="s", d=tok/x, e=:aGk=:, f, g=?0, h=(1 "x");q"#)
                .expect("parses");
        assert_eq!(items.len(), 8);
        assert_eq!(items[0].1, Member::Item(Item::Integer(1)));
        assert_eq!(items[1].1, Member::Item(Item::Decimal(-2.5)));
        assert_eq!(items[4].1, Member::Item(Item::Bytes(b"hi".to_vec())));
        assert_eq!(items[5].1, Member::Item(Item::Boolean(true)));
        assert_eq!(items[6].1, Member::Item(Item::Boolean(false)));
        assert!(parse_dictionary("a=1234567890123456").is_err());
        assert!(parse_dictionary("a=1.2345").is_err());
    }
}
