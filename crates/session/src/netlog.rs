//! `netLog` of a session: Chrome's NetLog JSON file of every request, socket, DNS lookup and
//! TLS handshake of the session while a log runs (see [`session_net::netlog`] for the format,
//! capture modes and the `max_file_size` behaviour).

use crate::session::Session;
pub use session_net::netlog::{CaptureMode, NetLog, NetLogOptions, har_from_net_log};

impl Session {
    /// `ses.netLog`: the session's log handle (`start_logging`, `stop_logging`,
    /// `currently_logging`). One log runs at a time per session; a log still running when the
    /// last handle of the session goes away is finished.
    ///
    /// Example: see [`NetLog`].
    pub fn net_log(&self) -> NetLog {
        self.inner.net.net_log()
    }
}
