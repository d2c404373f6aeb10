//! [`Session::websocket`]: WebSockets through the session's pipeline (see
//! [`session_net::websocket`] for what applies to the handshake and the frames).

use session_net::websocket::WebSocketBuilder;

use crate::session::Session;

impl Session {
    /// A WebSocket to `url` (`ws:`, `wss:`, or `http:`/`https:` standing for them) whose
    /// opening handshake goes through this session's pipeline like any request of type
    /// `webSocket`: HSTS, declarativeNetRequest, webRequest, cookies both ways, the login
    /// handler, proxies (a `CONNECT` tunnel), TLS policy and the net log. Add headers,
    /// subprotocols or an origin on the builder, then `connect()`.
    ///
    /// ```
    /// use session::net::websocket::Message;
    /// use session::{SessionOptions, Sessions};
    /// use session_test_support::{HOST_RULES, TestSite};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let site = TestSite::start(); // a loopback server with a WebSocket route, /ws
    /// let dir = tempfile::tempdir().unwrap();
    /// let session = Sessions::new(dir.path())
    ///     .from_partition("chat", SessionOptions::default())
    ///     .unwrap();
    /// session.net().set_host_rules(HOST_RULES.parse().unwrap());
    ///
    /// let url = format!("ws://a.test:{}/ws?protocols=chat", site.http_port());
    /// let mut ws = session
    ///     .websocket(&url)
    ///     .protocol("chat")
    ///     .header("X-Client", "example")
    ///     .connect()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(ws.protocol(), Some("chat"));
    /// assert_eq!(ws.status(), 101);
    ///
    /// ws.send_text("hello").await.unwrap();
    /// assert_eq!(ws.recv().await.unwrap().unwrap(), Message::Text("hello".into()));
    /// ws.send_binary(vec![1u8, 2, 3]).await.unwrap();
    /// assert_eq!(ws.recv().await.unwrap().unwrap(), Message::Binary(vec![1u8, 2, 3].into()));
    ///
    /// // The server answers our close frame with its own.
    /// let theirs = ws.close(1000, "bye").await.unwrap();
    /// assert_eq!(theirs.map(|f| f.code), Some(1000));
    /// # });
    /// ```
    pub fn websocket(&self, url: impl AsRef<str>) -> WebSocketBuilder {
        self.net().websocket(url.as_ref())
    }
}
