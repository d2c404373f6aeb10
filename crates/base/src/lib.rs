//! Vocabulary shared by two or more session crates.
//!
//! - [`events::LazySender`]: an event channel made when the first listener subscribes.
//! - [`fs::atomic_write`]: write-temp, fsync, rename, the way every file that must survive a
//!   crash is written (Preferences, `Custom Dictionary.txt`, the download journal), and
//!   [`fs::move_aside`], how an unreadable store file is set aside as `<name>.corrupt-<time>`.
//! - [`host_rules::HostRules`]: Chromium's `--host-resolver-rules` (`MAP`, `~NOTFOUND`, `EXCLUDE`).
//! - [`header`]: header-syntax helpers (splitting outside quoted strings) for the parsers of
//!   `Cache-Control`, `Content-Disposition` and friends.
//! - [`lock::PartitionLock`]: the exclusive lock a persistent partition holds while it is open.
//! - [`origin::Origin`], [`origin::Site`] and [`origin::registrable_domain`]: origins and sites
//!   as Chromium computes them, with the public suffix list.
//! - [`user_agent`]: the default User-Agent in Electron's format and the `Accept-Language`
//!   header with Chromium's q-values.
//!
//! ```
//! use session_base::origin::{Origin, Site};
//!
//! let url = url::Url::parse("https://www.example.co.uk:8443/a").unwrap();
//! let origin = Origin::from_url(&url);
//! assert_eq!(origin.to_string(), "https://www.example.co.uk:8443");
//! assert_eq!(Site::from_url(&url).to_string(), "https://example.co.uk");
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod events;
pub mod fs;
pub mod glob;
pub mod header;
pub mod host_rules;
pub mod lock;
pub mod origin;
pub mod pattern;
pub mod user_agent;
