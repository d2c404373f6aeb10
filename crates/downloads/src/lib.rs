//! `DownloadItem`: downloads of a session that pause, resume across restarts and never splice
//! bytes of two versions of a file.
//!
//! The pieces, bottom up:
//!
//! - [`disposition`]: `Content-Disposition` parsing with Chromium's leniencies (RFC 6266,
//!   RFC 5987 `filename*`, RFC 2047 words, percent escapes).
//! - [`filename`]: the suggested file name (header, then URL, then `download` + an extension
//!   from the MIME type), sanitised to one safe path component, made unique (`name (1).ext`).
//! - [`state`]: Electron's states, Chromium's interrupt reasons, the record of one download.
//! - [`journal`]: the per-partition journal that lets interrupted downloads resume after a
//!   restart.
//! - [`part`]: the temporary file beside the target, renamed into place when complete.
//! - [`Downloads`] and [`DownloadItem`]: the manager of a session (`download_url`,
//!   `create_interrupted_download`, the async `will-download` handler, the journal's items) and
//!   Electron's `DownloadItem` (pause as backpressure, resume with `Range` + `If-Range` verified
//!   by `206` + `Content-Range`, a restart from byte 0 announced by
//!   [`DownloadEvent::Restarted`] when the server's version changed or it ignores ranges, and
//!   exactly one [`DownloadEvent::Done`] per start or resume). Requests go through a
//!   [`Fetcher`], which the `session` facade implements over the session's request pipeline.
//!
//! ```
//! use session_downloads::filename::generate_filename;
//!
//! let url = url::Url::parse("https://example.test/files/report").unwrap();
//! let name = generate_filename(
//!     &url,
//!     Some(b"attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"),
//!     "application/pdf",
//!     "",
//! );
//! assert_eq!(name, "résumé.pdf");
//!
//! // A hostile header cannot leave the download directory.
//! let name = generate_filename(&url, Some(b"attachment; filename=\"../../etc/passwd\""), "", "");
//! assert!(!name.contains('/'));
//! ```

pub mod disposition;
mod engine;
mod error;
pub mod fetch;
pub mod filename;
mod item;
pub mod journal;
mod manager;
pub mod net;
pub mod part;
pub mod state;

pub use disposition::{ContentDisposition, DispositionType};
pub use error::{Error, ErrorKind, Result};
pub use fetch::{FetchError, FetchRequest, FetchResponse, Fetcher};
pub use item::{DownloadEvent, DownloadItem, RestartReason};
pub use journal::Journal;
pub use manager::{
    DownloadOptions, Downloads, DownloadsConfig, InterruptedDownloadOptions, WillDownloadDecision,
    WillDownloadHandler,
};
pub use net::NetFetcher;
pub use state::{DownloadRecord, DownloadState, DownloadSummary, InterruptReason};
