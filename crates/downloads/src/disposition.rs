//! `Content-Disposition` parsing the way Chromium's downloads read it.
//!
//! RFC 6266 defines the header and RFC 5987 the `filename*` extended value; browsers accept far
//! more than the grammar allows, and what a download is called depends on those leniencies. This
//! parser follows Chromium's `HttpContentDisposition` so that a file gets the same name it gets in
//! Electron:
//!
//! - the disposition type is the text before the first `;` when it is a valid token (`inline`,
//!   `attachment`, anything else counts as `attachment`); otherwise the whole value is read as
//!   parameters and the type is `inline`;
//! - parameters are `;`-separated `name=value` pairs, double quotes protect `;`; parsing stops at
//!   the first malformed pair (no `=`, or a quote before the `=`);
//! - the first non-empty `filename` wins; its words (split on whitespace) are decoded one by one:
//!   raw non-ASCII bytes as UTF-8 (else the referrer charset), RFC 2047 encoded words
//!   (`=?charset?B|Q?...?=`), or percent-escaped UTF-8;
//! - the first valid `filename*` (`charset'lang'pct-encoded`, ASCII only) wins over `filename`
//!   and is NFC-normalised.

use base64::Engine as _;
use encoding_rs::Encoding;

/// The disposition type of a `Content-Disposition` header.
///
/// Example: see [`ContentDisposition`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DispositionType {
    /// Display in place (also the type of a header with no valid type token).
    Inline,
    /// Save as a file (also any unknown type token, as Chromium does).
    Attachment,
}

/// Bits describing what the parser met, as Chromium's `ParseResultFlags` (same values).
///
/// Example: see [`ContentDisposition`].
pub mod flags {
    /// A disposition type token was present.
    ///
    /// Example: see [`ContentDisposition`](super::ContentDisposition).
    pub const HAS_DISPOSITION_TYPE: u32 = 1;
    /// The type token was neither `inline` nor `attachment`.
    ///
    /// Example: see [`ContentDisposition`](super::ContentDisposition).
    pub const HAS_UNKNOWN_DISPOSITION_TYPE: u32 = 2;
    /// A usable `filename` parameter was found.
    ///
    /// Example: see [`ContentDisposition`](super::ContentDisposition).
    pub const HAS_FILENAME: u32 = 4;
    /// A usable `filename*` parameter was found.
    ///
    /// Example: see [`ContentDisposition`](super::ContentDisposition).
    pub const HAS_EXT_FILENAME: u32 = 8;
    /// The `filename` value held raw non-ASCII bytes.
    ///
    /// Example: see [`ContentDisposition`](super::ContentDisposition).
    pub const HAS_NON_ASCII_STRINGS: u32 = 16;
    /// The `filename` value held percent escapes.
    ///
    /// Example: see [`ContentDisposition`](super::ContentDisposition).
    pub const HAS_PERCENT_ENCODED_STRINGS: u32 = 32;
    /// The `filename` value held RFC 2047 encoded words.
    ///
    /// Example: see [`ContentDisposition`](super::ContentDisposition).
    pub const HAS_RFC2047_ENCODED_STRINGS: u32 = 64;
    /// The `filename` value starts with a single quote.
    ///
    /// Example: see [`ContentDisposition`](super::ContentDisposition).
    pub const HAS_SINGLE_QUOTED_FILENAME: u32 = 128;
}

/// A parsed `Content-Disposition` header.
///
/// ```
/// use session_downloads::disposition::flags;
/// use session_downloads::{ContentDisposition, DispositionType};
///
/// let cd = ContentDisposition::parse_str(r#"attachment; filename="a b.txt"; filename*=UTF-8''%E2%82%AC.txt"#);
/// assert!(cd.is_attachment());
/// assert_eq!(cd.filename, "€.txt"); // filename* wins
/// assert_eq!(cd.parse_flags, flags::HAS_DISPOSITION_TYPE | flags::HAS_FILENAME | flags::HAS_EXT_FILENAME);
///
/// // RFC 2047 words, and raw bytes in the referrer's charset.
/// let cd = ContentDisposition::parse_str("inline; filename==?UTF-8?B?w6l0w6kuanBn?=");
/// assert_eq!((cd.disposition_type, cd.filename.as_str()), (DispositionType::Inline, "été.jpg"));
/// assert_ne!(cd.parse_flags & flags::HAS_RFC2047_ENCODED_STRINGS, 0);
/// let cd = ContentDisposition::parse(b"attachment; filename=\xe9t\xe9.txt", "windows-1252");
/// assert_eq!(cd.filename, "été.txt");
///
/// // Unknown types count as attachment; nothing usable gives no name, never an error.
/// let cd = ContentDisposition::parse_str("download; filename=x.bin");
/// assert!(cd.is_attachment() && cd.parse_flags & flags::HAS_UNKNOWN_DISPOSITION_TYPE != 0);
/// assert_eq!(ContentDisposition::parse_str(";;;").filename, "");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentDisposition {
    /// The disposition type.
    pub disposition_type: DispositionType,
    /// The decoded file name; empty when the header names none usable.
    pub filename: String,
    /// [`flags`] bits describing what was found.
    pub parse_flags: u32,
}

impl ContentDisposition {
    /// Parses a header value given as bytes (a header may carry non-ASCII bytes).
    ///
    /// `referrer_charset` (an encoding label such as `windows-1253`, or `""`) decodes raw
    /// non-ASCII bytes that are not UTF-8. Parsing never fails: an unusable header yields an
    /// empty `filename` and type `inline`.
    ///
    /// Example: see [`ContentDisposition`].
    pub fn parse(header: &[u8], referrer_charset: &str) -> Self {
        let mut flags = 0;
        let (disposition_type, params_start) = consume_type(header, &mut flags);
        let mut filename = String::new();
        let mut ext_filename = String::new();
        for pair in NameValuePairs::new(&header[params_start..]) {
            let Some((name, raw_value)) = pair else { break };
            if filename.is_empty() && name.eq_ignore_ascii_case(b"filename") {
                let value = unquote_lenient(raw_value);
                if let Some((decoded, word_flags)) = decode_filename_value(&value, referrer_charset)
                    && !decoded.is_empty()
                {
                    flags |= word_flags | flags::HAS_FILENAME;
                    if decoded.starts_with('\'') {
                        flags |= flags::HAS_SINGLE_QUOTED_FILENAME;
                    }
                    filename = decoded;
                }
            } else if ext_filename.is_empty()
                && name.eq_ignore_ascii_case(b"filename*")
                && let Some(decoded) = decode_ext_value(raw_value)
                && !decoded.is_empty()
            {
                flags |= flags::HAS_EXT_FILENAME;
                ext_filename = decoded;
            }
        }
        ContentDisposition {
            disposition_type,
            filename: if ext_filename.is_empty() {
                filename
            } else {
                ext_filename
            },
            parse_flags: flags,
        }
    }

    /// Parses a header value given as a string (each char below U+0100 taken as one byte when
    /// the string is not plain UTF-8 text from the wire; normally just its UTF-8 bytes).
    ///
    /// Example: see [`ContentDisposition`].
    pub fn parse_str(header: &str) -> Self {
        Self::parse(header.as_bytes(), "")
    }

    /// Whether the header asks for the body to be saved (`attachment`).
    ///
    /// Example: see [`ContentDisposition`].
    pub fn is_attachment(&self) -> bool {
        self.disposition_type == DispositionType::Attachment
    }
}

use session_base::header::trim_ows as trim_lws;

/// RFC 7230 `token`: visible ASCII except separators.
fn is_token(s: &[u8]) -> bool {
    !s.is_empty()
        && s.iter()
            .all(|&b| b > 0x20 && b < 0x7f && !b"()<>@,;:\\\"/[]?={}".contains(&b))
}

fn consume_type(header: &[u8], flags: &mut u32) -> (DispositionType, usize) {
    let delimiter = header
        .iter()
        .position(|&b| b == b';')
        .unwrap_or(header.len());
    let token = trim_lws(&header[..delimiter]);
    if !is_token(token) {
        return (DispositionType::Inline, 0);
    }
    *flags |= flags::HAS_DISPOSITION_TYPE;
    let kind = if token.eq_ignore_ascii_case(b"inline") {
        DispositionType::Inline
    } else if token.eq_ignore_ascii_case(b"attachment") {
        DispositionType::Attachment
    } else {
        *flags |= flags::HAS_UNKNOWN_DISPOSITION_TYPE;
        DispositionType::Attachment
    };
    (kind, delimiter)
}

/// Splits on `;` outside double quotes (a backslash escapes inside quotes), skipping elements
/// that are empty after trimming, and yields `Some((name, raw value))` per well-formed pair or
/// `None` for the first malformed one.
struct NameValuePairs<'a> {
    elements: session_base::header::SplitUnquoted<'a>,
}

impl<'a> NameValuePairs<'a> {
    fn new(rest: &'a [u8]) -> Self {
        NameValuePairs {
            elements: session_base::header::split_unquoted(rest, b';'),
        }
    }
}

impl<'a> Iterator for NameValuePairs<'a> {
    type Item = Option<(&'a [u8], &'a [u8])>;

    fn next(&mut self) -> Option<Self::Item> {
        let element = self.elements.next()?;
        let Some(equals) = element.iter().position(|&b| b == b'=') else {
            // A parameter without a value ends the parameter list.
            self.elements.clear();
            return Some(None);
        };
        if equals == 0 || element[..equals].contains(&b'"') {
            self.elements.clear();
            return Some(None);
        }
        Some(Some((
            trim_lws(&element[..equals]),
            trim_lws(&element[equals + 1..]),
        )))
    }
}

/// Removes the quotes of a quoted-string and its backslash escapes; a value with an opening
/// quote but no closing one loses just the opening quote.
fn unquote_lenient(value: &[u8]) -> Vec<u8> {
    match value {
        [b'"', inner @ .., b'"'] => {
            let mut out = Vec::with_capacity(inner.len());
            let mut escaped = false;
            for &b in inner {
                if b == b'\\' && !escaped {
                    escaped = true;
                    continue;
                }
                escaped = false;
                out.push(b);
            }
            out
        }
        [b'"', rest @ ..] => rest.to_vec(),
        _ => value.to_vec(),
    }
}

/// Decodes `bytes` in the charset named by `label` (WHATWG labels), refusing malformed input.
fn convert_to_utf8(bytes: &[u8], label: &str) -> Option<String> {
    let encoding = Encoding::for_label_no_replacement(label.trim().as_bytes())?;
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|s| s.into_owned())
}

/// The `filename` value: whitespace-separated words decoded one by one. Whitespace after an
/// RFC 2047 word is dropped, any other whitespace byte becomes one space. `None` when a word
/// cannot be decoded.
fn decode_filename_value(input: &[u8], referrer_charset: &str) -> Option<(String, u32)> {
    let mut out = String::new();
    let mut word_flags = 0;
    let mut previous_was_rfc2047 = true;
    let mut start = 0;
    let is_ws = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let mut i = 0;
    while i <= input.len() {
        if i == input.len() || is_ws(input[i]) {
            if start < i {
                let (decoded, rfc2047) =
                    decode_word(&input[start..i], referrer_charset, &mut word_flags)?;
                previous_was_rfc2047 = rfc2047;
                out.push_str(&decoded);
            }
            if i < input.len() && !previous_was_rfc2047 {
                out.push(' ');
            }
            start = i + 1;
        }
        i += 1;
    }
    if out.is_empty() {
        word_flags = 0;
    }
    Some((out, word_flags))
}

/// One word of a `filename` value; returns the text and whether it was an RFC 2047 word.
fn decode_word(word: &[u8], referrer_charset: &str, flags: &mut u32) -> Option<(String, bool)> {
    if !word.is_ascii() {
        let text = match std::str::from_utf8(word) {
            Ok(s) => s.to_owned(),
            Err(_) if !referrer_charset.is_empty() => convert_to_utf8(word, referrer_charset)?,
            // Chromium falls back to the OS's multibyte charset, which is UTF-8 here and so
            // fails on these bytes.
            Err(_) => return None,
        };
        *flags |= flags::HAS_NON_ASCII_STRINGS;
        return Some((text, false));
    }
    if let Some(result) = decode_rfc2047_word(word) {
        let text = result?;
        *flags |= flags::HAS_RFC2047_ENCODED_STRINGS;
        return Some((text, true));
    }
    if word.contains(&b'%') {
        let unescaped = percent_decode(word);
        let text = String::from_utf8(unescaped).ok()?;
        if text.as_bytes() != word {
            *flags |= flags::HAS_PERCENT_ENCODED_STRINGS;
        }
        return Some((text, false));
    }
    // ASCII without escapes: taken as it is.
    Some((String::from_utf8_lossy(word).into_owned(), false))
}

/// `None` when `word` is not an RFC 2047 encoded word at all, `Some(None)` when it starts like
/// one but is broken (which fails the whole value), `Some(Some(text))` when decoded.
fn decode_rfc2047_word(word: &[u8]) -> Option<Option<String>> {
    // Parts between '?' (empty parts skipped): "=", charset, "B"|"Q", text, "=".
    let parts: Vec<&[u8]> = word
        .split(|&b| b == b'?')
        .filter(|p| !p.is_empty())
        .collect();
    if parts.first().copied() != Some(b"=".as_slice()) {
        return None;
    }
    let mut charset: &[u8] = b"";
    let mut b_encoding = false;
    let mut decoded = String::new();
    for (index, part) in parts.iter().enumerate() {
        match index {
            0 => {}
            1 => charset = part,
            2 => {
                if part.len() > 1 || !b"bBqQ".contains(&part[0]) {
                    return None;
                }
                b_encoding = part[0] == b'b' || part[0] == b'B';
            }
            3 => {
                let charset = std::str::from_utf8(charset).ok();
                match charset.and_then(|c| decode_bq(part, b_encoding, c)) {
                    Some(text) => decoded = text,
                    None => return Some(None),
                }
            }
            4 if *part == b"=" => {}
            _ => return Some(None),
        }
    }
    if word.last() == Some(&b'=') {
        Some(Some(decoded))
    } else {
        Some(None)
    }
}

fn decode_bq(text: &[u8], b_encoding: bool, charset: &str) -> Option<String> {
    let bytes = if b_encoding {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
            .ok()?
    } else {
        q_decode(text)?
    };
    if bytes.is_empty() {
        return Some(String::new());
    }
    convert_to_utf8(&bytes, charset)
}

/// RFC 2047 "Q" decoding: `_` is a space, `=XX` a byte, other printable ASCII itself.
fn q_decode(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        if b == b'_' {
            out.push(b' ');
        } else if b == b'=' {
            let hi = hex_value(*text.get(i + 1)?)?;
            let lo = hex_value(*text.get(i + 2)?)?;
            out.push(hi << 4 | lo);
            i += 2;
        } else if b > 0x20 && b < 0x7f && b != b'?' {
            out.push(b);
        } else {
            return None;
        }
        i += 1;
    }
    Some(out)
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Decodes every valid `%XX`; other `%` are kept.
pub(crate) fn percent_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                input.get(i + 1).and_then(|&b| hex_value(b)),
                input.get(i + 2).and_then(|&b| hex_value(b)),
            )
        {
            out.push(hi << 4 | lo);
            i += 3;
            continue;
        }
        out.push(input[i]);
        i += 1;
    }
    out
}

/// RFC 5987 `ext-value`: `charset'[language]'value-chars`, ASCII only, no quotes.
fn decode_ext_value(raw: &[u8]) -> Option<String> {
    if !raw.is_ascii() || raw.contains(&b'"') {
        return None;
    }
    let first = raw.iter().position(|&b| b == b'\'')?;
    let second = first + 1 + raw[first + 1..].iter().position(|&b| b == b'\'')?;
    let charset = std::str::from_utf8(&raw[..first]).ok()?;
    let value = &raw[second + 1..];
    if charset.is_empty() || value.contains(&b'\'') {
        return None;
    }
    let unescaped = percent_decode(value);
    let text = convert_to_utf8(&unescaped, charset)?;
    Some(
        icu_normalizer::ComposingNormalizerBorrowed::new_nfc()
            .normalize(&text)
            .into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(header: &str) -> String {
        ContentDisposition::parse_str(header).filename
    }

    #[test]
    fn quoted_and_token_filenames() {
        // RFC 6266 section 4.1
        assert_eq!(name("attachment; filename=\"a b.pdf\""), "a b.pdf");
        assert_eq!(name("attachment; filename=a.pdf"), "a.pdf");
        assert_eq!(name("attachment; filename=\"bar"), "bar");
        assert_eq!(name("attachment; name=\"x\""), "");
    }

    #[test]
    fn ext_value_wins_and_is_normalised() {
        // RFC 6266 section 4.3, RFC 5987 section 3.2
        assert_eq!(
            name("attachment; filename=\"ae.html\"; filename*=UTF-8''a%cc%88.html"),
            "\u{e4}.html"
        );
        assert_eq!(name("attachment; filename*=''foo.html"), "");
    }

    #[test]
    fn type_detection() {
        let cd = ContentDisposition::parse_str("foobar");
        assert_eq!(cd.disposition_type, DispositionType::Attachment);
        assert_eq!(
            cd.parse_flags,
            flags::HAS_DISPOSITION_TYPE | flags::HAS_UNKNOWN_DISPOSITION_TYPE
        );
        let cd = ContentDisposition::parse_str("\"attachment\"");
        assert_eq!(cd.disposition_type, DispositionType::Inline);
    }

    #[test]
    fn rfc2047_words() {
        assert_eq!(
            name("attachment; filename==?utf-8?Q?a_b=2Epng?="),
            "a b.png"
        );
        assert_eq!(name("attachment; filename==?utf-8?Q?a=2?="), "");
    }
}
