//! Small pieces of HTTP header syntax (RFC 9110 §5.6) shared by the header parsers.

/// `s` without leading and trailing optional whitespace (spaces and tabs).
///
/// Example: see [`split_unquoted`].
pub fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', tail @ ..] = s {
        s = tail;
    }
    while let [head @ .., b' ' | b'\t'] = s {
        s = head;
    }
    s
}

/// Splits `line` on `delimiter` where it stands outside double-quoted strings (a backslash
/// escapes the next byte inside quotes), trimming optional whitespace around each element and
/// skipping elements that are empty: `a, "b,c" ,,d` split on `,` gives `a`, `"b,c"`, `d`.
///
/// ```
/// use session_base::header::{split_unquoted, trim_ows};
///
/// let parts: Vec<&[u8]> = split_unquoted(br#"a, "b,c" ,,d"#, b',').collect();
/// assert_eq!(parts, [&b"a"[..], br#""b,c""#, b"d"]);
///
/// let mut rest = split_unquoted(b"first; bad; worse", b';');
/// assert_eq!(rest.next(), Some(&b"first"[..]));
/// rest.clear(); // stop at the first malformed element
/// assert_eq!(rest.next(), None);
/// assert_eq!(trim_ows(b" \tvalue "), b"value");
/// ```
pub fn split_unquoted(line: &[u8], delimiter: u8) -> SplitUnquoted<'_> {
    SplitUnquoted {
        rest: line,
        delimiter,
    }
}

/// The iterator of [`split_unquoted`].
///
/// Example: see [`split_unquoted`].
#[derive(Clone, Debug)]
pub struct SplitUnquoted<'a> {
    rest: &'a [u8],
    delimiter: u8,
}

impl SplitUnquoted<'_> {
    /// Drops the elements not yet returned (for parsers that stop at the first malformed one).
    ///
    /// Example: see [`split_unquoted`].
    pub fn clear(&mut self) {
        self.rest = &[];
    }
}

impl<'a> Iterator for SplitUnquoted<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        while !self.rest.is_empty() {
            let mut in_quote = false;
            let mut escaped = false;
            let mut end = self.rest.len();
            for (i, &b) in self.rest.iter().enumerate() {
                if in_quote {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_quote = false;
                    }
                } else if b == b'"' {
                    in_quote = true;
                } else if b == self.delimiter {
                    end = i;
                    break;
                }
            }
            let element = trim_ows(&self.rest[..end]);
            self.rest = self.rest.get(end + 1..).unwrap_or(&[]);
            if !element.is_empty() {
                return Some(element);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_outside_quotes_only() {
        let parts: Vec<&[u8]> = split_unquoted(br#"a, "b,c" ,,d"#, b',').collect();
        assert_eq!(parts, vec![&b"a"[..], &br#""b,c""#[..], &b"d"[..]]);
        let parts: Vec<&[u8]> =
            split_unquoted(br#"attachment; filename="a\";b"; x=1"#, b';').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[1], &br#"filename="a\";b""#[..]);
        assert_eq!(split_unquoted(b" , ", b',').count(), 0);
        assert_eq!(trim_ows(b"\t x \t"), b"x");
    }
}
