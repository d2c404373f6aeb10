//! Request header names on the wire as the caller spelled them (HTTP/1.1 only; HTTP/2 names
//! are lower case by the protocol).
//!
//! hyper writes HTTP/1.1 header names in Title-Case (`title_case_headers`) and keeps its own
//! case map private. The names a caller spelled ([`crate::FetchOptions::header_case`]) are put
//! back on the write side of the connection instead: as hyper's request head goes to the
//! socket, each header line whose name matches a spelling (same letters, any case) gets that
//! spelling, in place. The head keeps its length, so the counts hyper sees stay true and the
//! body passes untouched. [`respell`] is the pure part: it scans as far as whole names allow
//! and says how many input bytes its output stands for.

/// Where a scan of a request head stands between two writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scan {
    /// In the request line.
    RequestLine,
    /// At the start of a header line (or of the empty line ending the head).
    LineStart,
    /// Inside a header line, past its name.
    InLine,
    /// Past the head: the body, or nothing to do.
    Done,
}

/// Looks up `name` among `spellings` (ASCII case-insensitive).
fn spelling<'a>(name: &[u8], spellings: &'a [String]) -> Option<&'a [u8]> {
    spellings
        .iter()
        .map(String::as_bytes)
        .find(|s| s.len() == name.len() && s.eq_ignore_ascii_case(name))
}

/// Copies the part of `data` that can be decided into `out` (cleared first), with header
/// names respelled; returns how many bytes of `data` `out` stands for (equal to `out.len()`)
/// and the scan's new state. It stops before a header name that does not end in `data`; when
/// `data` starts with such a name, it covers nothing (`0`), and the caller sends `data` as it
/// is. At the end of the head it stops: what follows is the body.
pub(crate) fn respell(
    data: &[u8],
    mut scan: Scan,
    spellings: &[String],
    out: &mut Vec<u8>,
) -> (usize, Scan) {
    out.clear();
    let mut i = 0;
    while i < data.len() {
        match scan {
            Scan::Done => break,
            Scan::RequestLine | Scan::InLine => {
                let end = match memchr(b'\n', &data[i..]) {
                    Some(n) => {
                        scan = Scan::LineStart;
                        i + n + 1
                    }
                    None => data.len(),
                };
                out.extend_from_slice(&data[i..end]);
                i = end;
            }
            Scan::LineStart => {
                if data[i] == b'\r' || data[i] == b'\n' {
                    let end = if data[i] == b'\r' {
                        match data.get(i + 1) {
                            Some(b'\n') => i + 2,
                            Some(_) => i + 1,
                            None => break,
                        }
                    } else {
                        i + 1
                    };
                    out.extend_from_slice(&data[i..end]);
                    i = end;
                    scan = Scan::Done;
                    break;
                }
                let Some(colon) = data[i..].iter().position(|&b| b == b':' || b == b'\n') else {
                    break;
                };
                let name = &data[i..i + colon];
                out.extend_from_slice(spelling(name, spellings).unwrap_or(name));
                i += colon;
                scan = Scan::InLine;
            }
        }
    }
    (i, scan)
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn names_get_the_callers_spelling_and_nothing_else_changes() {
        let head = b"GET /x-api-key HTTP/1.1\r\nHost: a.test\r\nX-Api-Key: x-api-key\r\nUser-Agent: ua\r\n\r\nbody";
        let mut out = Vec::new();
        let (n, scan) = respell(
            head,
            Scan::RequestLine,
            &names(&["x-API-key", "host"]),
            &mut out,
        );
        assert_eq!(scan, Scan::Done);
        assert_eq!(n, head.len() - 4, "the body is not scanned");
        assert_eq!(
            out,
            b"GET /x-api-key HTTP/1.1\r\nhost: a.test\r\nx-API-key: x-api-key\r\nUser-Agent: ua\r\n\r\n"
        );
    }

    #[test]
    fn a_head_split_anywhere_comes_out_the_same() {
        let head = b"POST / HTTP/1.1\r\nContent-Type: a\r\nX-Lower: b\r\n\r\n";
        let spell = names(&["x-lower", "CONTENT-TYPE"]);
        let want = b"POST / HTTP/1.1\r\nCONTENT-TYPE: a\r\nx-lower: b\r\n\r\n".to_vec();
        for cut in 1..head.len() {
            // hyper offers the head in two writes cut anywhere; what a write does not cover
            // is offered again with the next one.
            let (mut sent, mut out, mut pos, mut scan) =
                (Vec::new(), Vec::new(), 0, Scan::RequestLine);
            for offer in [&head[..cut], &head[..]] {
                let (n, next) = respell(&offer[pos..], scan, &spell, &mut out);
                sent.extend_from_slice(&out);
                pos += n;
                scan = next;
            }
            assert_eq!(pos, head.len(), "cut at {cut}");
            assert_eq!(scan, Scan::Done);
            assert_eq!(sent, want, "cut at {cut}");
        }
    }

    #[test]
    fn bare_lf_heads_and_no_spellings() {
        let mut out = Vec::new();
        let (n, scan) = respell(
            b"GET / HTTP/1.1\nA: 1\n\n",
            Scan::RequestLine,
            &names(&["a"]),
            &mut out,
        );
        assert_eq!((n, scan), (21, Scan::Done));
        assert_eq!(out, b"GET / HTTP/1.1\na: 1\n\n");
        let (n, _) = respell(b"X-Y: 1\r\n", Scan::LineStart, &[], &mut out);
        assert_eq!(out, b"X-Y: 1\r\n");
        assert_eq!(n, 8);
    }
}
