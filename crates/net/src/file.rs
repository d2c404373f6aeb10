//! `file:` URLs, answered by the protocol module's file responder (ranges, validators,
//! conditionals), with Chromium's errors for what a file response cannot say.

use http::{HeaderMap, Method, StatusCode};
use url::Url;

use crate::error::{Error, NetError, Result};
use crate::response::HopResponse;

/// Serves `url` (a `file:` URL) as a response. A missing file fails with
/// `net::ERR_FILE_NOT_FOUND` and an unsatisfiable range with
/// `net::ERR_REQUEST_RANGE_NOT_SATISFIABLE`, as Chromium's file loader does.
pub(crate) async fn serve(
    url: &Url,
    method: &Method,
    request_headers: &HeaderMap,
) -> Result<HopResponse> {
    let path = url.to_file_path().map_err(|_| {
        Error::new(
            NetError::InvalidUrl,
            format!("'{url}' is not a local file URL"),
        )
    })?;
    let response = crate::protocol::respond(&path, method, request_headers)
        .await
        .map_err(|e| e.into_net_error())?;
    if response.status() == StatusCode::RANGE_NOT_SATISFIABLE {
        let range = request_headers
            .get(http::header::RANGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let len = response
            .headers()
            .get(http::header::CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("bytes */"))
            .unwrap_or("?");
        return Err(Error::new(
            NetError::RequestRangeNotSatisfiable,
            format!(
                "range '{range}' is outside {} ({len} bytes)",
                path.display()
            ),
        ));
    }
    let (parts, body) = response.into_parts();
    Ok(HopResponse::new(parts.status, parts.headers, body))
}
