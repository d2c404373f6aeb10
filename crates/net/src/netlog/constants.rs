//! The `constants` object of a log file: the tables Chrome's netlog viewer reads to name the
//! numbers of the events.

use serde_json::{Map, Value, json};

use super::{Phase, SourceType};
use crate::error::NetError;

macro_rules! event_types {
    ($($variant:ident = $name:literal,)*) => {
        /// An event type (`constants.logEventTypes`): Chrome's names, our numbers.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum EventType {
            $($variant,)*
        }

        const EVENT_TYPES: &[(EventType, &str)] = &[$((EventType::$variant, $name),)*];
    };
}

event_types! {
    RequestAlive = "REQUEST_ALIVE",
    UrlRequestStartJob = "URL_REQUEST_START_JOB",
    UrlRequestRedirected = "URL_REQUEST_REDIRECTED",
    UrlRequestRedirectJob = "URL_REQUEST_REDIRECT_JOB",
    UrlRequestFakeResponseHeadersCreated = "URL_REQUEST_FAKE_RESPONSE_HEADERS_CREATED",
    HttpTransactionSendRequestHeaders = "HTTP_TRANSACTION_SEND_REQUEST_HEADERS",
    HttpTransactionReadResponseHeaders = "HTTP_TRANSACTION_READ_RESPONSE_HEADERS",
    WebsocketSendRequestHeaders = "WEBSOCKET_SEND_REQUEST_HEADERS",
    WebsocketReadResponseHeaders = "WEBSOCKET_READ_RESPONSE_HEADERS",
    Failed = "FAILED",
    SocketAlive = "SOCKET_ALIVE",
    HostResolverManagerRequest = "HOST_RESOLVER_MANAGER_REQUEST",
    TcpConnect = "TCP_CONNECT",
    SslConnect = "SSL_CONNECT",
    SocketBytesSent = "SOCKET_BYTES_SENT",
    SocketBytesReceived = "SOCKET_BYTES_RECEIVED",
    SslSocketBytesSent = "SSL_SOCKET_BYTES_SENT",
    SslSocketBytesReceived = "SSL_SOCKET_BYTES_RECEIVED",
    SocketPoolBoundToSocket = "SOCKET_POOL_BOUND_TO_SOCKET",
    AuthHandleChallenge = "AUTH_HANDLE_CHALLENGE",
    AuthGenerateToken = "AUTH_GENERATE_TOKEN",
    ChromeExtensionIgnoredDueToConflict = "CHROME_EXTENSION_IGNORED_DUE_TO_CONFLICT",
    ChromeExtensionAbortedRequest = "CHROME_EXTENSION_ABORTED_REQUEST",
    ChromeExtensionRedirectedRequest = "CHROME_EXTENSION_REDIRECTED_REQUEST",
    ChromeExtensionModifiedHeaders = "CHROME_EXTENSION_MODIFIED_HEADERS",
    ClearSiteData = "CLEAR_SITE_DATA",
}

/// The `constants` object, as JSON text. `unix_zero` is the Unix time (ms) of our clock's zero.
pub(super) fn constants(unix_zero: u64) -> String {
    let event_types: Map<String, Value> = EVENT_TYPES
        .iter()
        .map(|(t, name)| ((*name).to_string(), json!(*t as u32)))
        .collect();
    let net_errors: Map<String, Value> = NetError::ALL
        .iter()
        .map(|e| {
            let name = e.name().trim_start_matches("net::").to_string();
            (name, json!(e.code()))
        })
        .collect();
    json!({
        "logFormatVersion": 1,
        "logEventTypes": event_types,
        "logEventPhase": {
            "PHASE_NONE": Phase::None as u8,
            "PHASE_BEGIN": Phase::Begin as u8,
            "PHASE_END": Phase::End as u8,
        },
        "logSourceType": {
            "NONE": 0,
            "URL_REQUEST": SourceType::UrlRequest as u8,
            "SOCKET": SourceType::Socket as u8,
        },
        "netError": net_errors,
        "loadFlag": {"NORMAL": 0},
        "loadState": {"IDLE": 0},
        "addressFamily": {
            "ADDRESS_FAMILY_UNSPECIFIED": 0,
            "ADDRESS_FAMILY_IPV4": 1,
            "ADDRESS_FAMILY_IPV6": 2,
        },
        "certStatusFlag": {},
        "certVerifierFlags": {},
        "certVerifyFlags": {},
        "certPathBuilderDigestPolicy": {},
        "quicError": {},
        "quicRstStreamError": {},
        "dnsQueryType": {"UNSPECIFIED": 0, "A": 1, "AAAA": 2},
        "secureDnsMode": {"Off": 0},
        "timeTickOffset": unix_zero.to_string(),
        "clientInfo": {
            "name": "session",
            "version": env!("CARGO_PKG_VERSION"),
            "os_type": std::env::consts::OS,
            "command_line": std::env::args().collect::<Vec<_>>().join(" "),
        },
        "activeFieldTrialGroups": [],
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_name_every_event_and_error() {
        let v: Value = serde_json::from_str(&constants(1000)).expect("json");
        assert_eq!(
            v["logEventTypes"].as_object().expect("types").len(),
            EVENT_TYPES.len()
        );
        assert_eq!(v["netError"]["ERR_NAME_NOT_RESOLVED"], -105);
        assert_eq!(v["logEventPhase"]["PHASE_END"], 2);
        assert_eq!(v["timeTickOffset"], "1000");
    }
}
