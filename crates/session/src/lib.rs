//! Electron's `session` module as a native Rust library.
//!
//! A [`Session`] is a partition of browser state: cookies, HTTP cache, proxy and DNS settings,
//! TLS policy, permissions, device grants, spellchecker and downloads. Persistent partitions
//! (`persist:name`) live on disk under the application's `user_data` directory; other
//! partitions live in memory and are gone when the process ends.
//!
//! [`Sessions`] is the application-level registry (Electron's `session` module plus the
//! `userData` path of `app`): it hands out one `Session` per partition and announces each new
//! one ([`Sessions::subscribe`]).
//!
//! ```
//! use session::{Sessions, SessionOptions};
//!
//! let user_data = tempfile::tempdir().unwrap();
//! let sessions = Sessions::new(user_data.path());
//!
//! let work = sessions.from_partition("persist:Work", SessionOptions::default()).unwrap();
//! assert!(work.is_persistent());
//! assert_eq!(work.storage_path().unwrap(), user_data.path().join("Partitions").join("work"));
//!
//! let scratch = sessions.from_partition("scratch", SessionOptions::default()).unwrap();
//! assert!(!scratch.is_persistent());
//! assert_eq!(scratch.storage_path(), None);
//!
//! // The same partition string gives the same session.
//! let again = sessions.from_partition("scratch", SessionOptions::default()).unwrap();
//! assert!(again.same_session(&scratch));
//!
//! scratch.set_user_agent("my-agent/1.0", Some("en-US,fr,de"));
//! assert_eq!(scratch.user_agent(), "my-agent/1.0");
//! assert_eq!(scratch.accept_language(), "en-US,fr;q=0.9,de;q=0.8");
//! ```
//!
//! Each subsystem is its own crate, re-exported here under its folder name
//! (`session::base`, ...), so an application needing only a cookie jar can depend on
//! `session-cookies` alone.

mod auth;
pub mod cache;
mod clear;
mod clear_site_data;
pub mod cookies;
pub mod devices;
pub mod dictionaries;
pub mod downloads;
mod error;
pub mod extensions;
pub mod net;
pub mod netlog;
mod paths;
pub mod permissions;
mod prefs;
mod preload;
pub mod proxy;
mod registry;
mod request;
mod service;
mod session;
pub mod spellcheck;
mod web_request;
mod websocket;

pub use clear::{
    ClearDataOptions, ClearStorageDataOptions, ClearedCounts, DataType, OriginFilter,
    OriginMatchingMode, StorageType,
};
pub use error::{Error, ErrorKind};
pub use preload::{PreloadScript, PreloadScriptRegistration, PreloadScriptType};
pub use registry::{SessionCreated, Sessions};
pub use request::{IntoHeaderName, RequestBuilder};
pub use service::UrlChain;
pub use session::{Session, SessionOptions};
pub use session_base as base;
pub use session_base::user_agent::{accept_language_header, default_user_agent};
