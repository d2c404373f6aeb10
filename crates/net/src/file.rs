//! `file:` URLs served from disk, with a single `Range: bytes=` range.

use std::io::SeekFrom;

use http::{HeaderMap, HeaderValue, StatusCode, header};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;
use url::Url;

use crate::body::Body;
use crate::error::{Error, NetError, Result};
use crate::response::HopResponse;

/// A byte range `start..=end` of a file of `len` bytes, from a `Range` header value.
/// `Ok(None)`: no usable range (serve the whole file); `Err`: unsatisfiable.
pub(crate) fn parse_range(value: &str, len: u64) -> std::result::Result<Option<(u64, u64)>, ()> {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Ok(None);
    };
    let (a, b) = (a.trim(), b.trim());
    let range = match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ok(None),
        (true, false) => {
            let n: u64 = b.parse().map_err(|_| ())?;
            if n == 0 || len == 0 {
                return Err(());
            }
            (len.saturating_sub(n), len - 1)
        }
        (false, _) => {
            let start: u64 = a.parse().map_err(|_| ())?;
            let end: u64 = if b.is_empty() {
                len.saturating_sub(1)
            } else {
                b.parse().map_err(|_| ())?
            };
            if start >= len || end < start {
                return Err(());
            }
            (start, end.min(len - 1))
        }
    };
    Ok(Some(range))
}

/// Serves `url` (a `file:` URL) as a response.
pub(crate) async fn serve(url: &Url, request_headers: &HeaderMap) -> Result<HopResponse> {
    let path = url.to_file_path().map_err(|_| {
        Error::new(
            NetError::InvalidUrl,
            format!("'{url}' is not a local file URL"),
        )
    })?;
    let mut file = tokio::fs::File::open(&path).await.map_err(|e| {
        let kind = match e.kind() {
            std::io::ErrorKind::NotFound => NetError::FileNotFound,
            std::io::ErrorKind::PermissionDenied => NetError::AccessDenied,
            _ => NetError::Failed,
        };
        Error::new(kind, format!("cannot open {}: {e}", path.display()))
    })?;
    let meta = file.metadata().await.map_err(|e| {
        Error::new(
            NetError::Failed,
            format!("cannot stat {}: {e}", path.display()),
        )
    })?;
    if meta.is_dir() {
        return Err(Error::new(
            NetError::FileNotFound,
            format!(
                "{} is a directory (directory listings are not served)",
                path.display()
            ),
        ));
    }
    let len = meta.len();
    let range = match request_headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
    {
        Some(v) => parse_range(v, len).map_err(|_| {
            Error::new(
                NetError::RequestRangeNotSatisfiable,
                format!("range '{v}' is outside {} ({len} bytes)", path.display()),
            )
        })?,
        None => None,
    };
    let mut headers = HeaderMap::new();
    let mime = mime_guess::from_path(&path).first_or_octet_stream();
    if let Ok(v) = HeaderValue::from_str(mime.essence_str()) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    let (status, start, count) = match range {
        Some((s, e)) => {
            let v = format!("bytes {s}-{e}/{len}");
            if let Ok(v) = HeaderValue::from_str(&v) {
                headers.insert(header::CONTENT_RANGE, v);
            }
            (StatusCode::PARTIAL_CONTENT, s, e - s + 1)
        }
        None => (StatusCode::OK, 0, len),
    };
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(count));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if start > 0 {
        file.seek(SeekFrom::Start(start)).await.map_err(|e| {
            Error::new(
                NetError::Failed,
                format!("cannot seek in {}: {e}", path.display()),
            )
        })?;
    }
    let shown = path.display().to_string();
    let stream = futures_util::StreamExt::map(
        ReaderStream::with_capacity(file.take(count), 64 * 1024),
        move |r| {
            r.map_err(|e| Error::new(NetError::Failed, format!("reading {shown} failed: {e}")))
        },
    );
    Ok(HopResponse::new(status, headers, Body::from_stream(stream)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Ok(Some((0, 9))));
        assert_eq!(parse_range("bytes=90-", 100), Ok(Some((90, 99))));
        assert_eq!(parse_range("bytes=-10", 100), Ok(Some((90, 99))));
        assert_eq!(parse_range("bytes=50-500", 100), Ok(Some((50, 99))));
        assert_eq!(parse_range("bytes=100-", 100), Err(()));
        assert_eq!(parse_range("bytes=5-2", 100), Err(()));
        assert_eq!(parse_range("items=1-2", 100), Ok(None));
        assert_eq!(parse_range("bytes=0-1,5-6", 100), Ok(None));
    }
}
