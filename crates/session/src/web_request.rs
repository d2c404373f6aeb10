//! webRequest of a session (Electron's `ses.webRequest`): [`Session::web_request`], the
//! listeners of `session-net`'s [`crate::net::web_request`]. They run after the
//! declarativeNetRequest rules of loaded extensions, and see every request of the session:
//! fetches, downloads, dictionary downloads, PAC scripts, HTTP cache hits.

use crate::net::web_request::WebRequest;
use crate::session::Session;

impl Session {
    /// `ses.webRequest`: listeners that see, and may change, every request of the session.
    ///
    /// Example: see [`Session::protocol`].
    pub fn web_request(&self) -> &WebRequest {
        self.inner.net.web_request()
    }
}
