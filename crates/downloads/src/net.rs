//! [`Fetcher`] over the session's request pipeline (`session_net::Net`): downloads share the
//! session's pool, host rules, proxy, TLS policy, cookies and network emulation.

use futures_util::StreamExt as _;
use futures_util::future::BoxFuture;
use session_net::{CacheMode, CredentialsMode, FetchOptions, Net, RequestBody};

use crate::fetch::{FetchError, FetchRequest, FetchResponse, Fetcher};

/// Sends download requests through a [`Net`]: credentials included (cookies go along, as in a
/// browser's downloads), the HTTP cache bypassed (`no-store`: a download is never served from
/// or written to the cache).
#[derive(Clone, Debug)]
pub struct NetFetcher {
    net: Net,
}

impl NetFetcher {
    /// Downloads over `net`.
    ///
    /// Example: see [`Downloads`](crate::Downloads).
    pub fn new(net: Net) -> Self {
        NetFetcher { net }
    }
}

fn convert(e: session_net::Error) -> FetchError {
    FetchError::from_net_error(e.kind().name(), e.to_string())
}

impl Fetcher for NetFetcher {
    fn fetch(
        &self,
        request: FetchRequest,
    ) -> BoxFuture<'static, Result<FetchResponse, FetchError>> {
        let net = self.net.clone();
        Box::pin(async move {
            let mut req = http::Request::new(RequestBody::empty());
            *req.headers_mut() = request.headers;
            req.extensions_mut().insert(
                FetchOptions::new()
                    .url(request.url)
                    .cache(CacheMode::NoStore)
                    .credentials(CredentialsMode::Include),
            );
            let response = net.fetch(req).await.map_err(convert)?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let url_chain = response.url_chain().to_vec();
            let body = response.into_body().map(|chunk| chunk.map_err(convert));
            Ok(FetchResponse {
                status,
                headers,
                url_chain,
                body: Box::pin(body),
            })
        })
    }
}
