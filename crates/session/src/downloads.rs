//! Downloads of a session: everything of `session-downloads`, re-exported, and the session's
//! download methods (Electron's `downloadURL`, `createInterruptedDownload`, `will-download`).
//!
//! Downloads go through the session's request pipeline ([`Session::net`]), land in the
//! session's download directory ([`Session::set_download_path`]) unless `will-download` picks a
//! path, and a persistent partition keeps their journal (`Download Journal.json`) so
//! interrupted ones are listed and resumable after a restart.

use std::path::Path;
use std::sync::Arc;

use crate::error::{Error as FacadeError, ErrorKind as FacadeErrorKind};
use crate::session::Session;
pub use session_downloads::*;

/// The session's download manager and a warning when a corrupt journal was moved aside.
pub(crate) fn new_downloads(
    storage_path: Option<&Path>,
    net: &session_net::Net,
) -> Result<(Downloads, Option<String>), FacadeError> {
    let (journal, warning) = match storage_path {
        Some(dir) => Journal::open_or_reset(dir.join(journal::FILE_NAME)).map_err(|e| {
            FacadeError::with_source(FacadeErrorKind::Io, "cannot open the download journal", e)
        })?,
        None => (Journal::in_memory(), None),
    };
    let downloads = Downloads::new(DownloadsConfig::new(
        Arc::new(NetFetcher::new(net.clone())),
        journal,
        crate::paths::default_download_dir(),
    ));
    Ok((downloads, warning))
}

fn convert(e: session_downloads::Error) -> FacadeError {
    let kind = match e.kind() {
        session_downloads::ErrorKind::Io => FacadeErrorKind::Io,
        session_downloads::ErrorKind::CorruptJournal => FacadeErrorKind::Corrupt,
        _ => FacadeErrorKind::InvalidArgument,
    };
    FacadeError::new(kind, e.to_string())
}

impl Session {
    /// The session's download manager (items, the journal, the `will-download` handler).
    ///
    /// Example: see [`Downloads`].
    pub fn download_manager(&self) -> &Downloads {
        &self.inner.downloads
    }

    fn sync_download_dir(&self) {
        // The directory lives in Preferences; an absolute path always passes.
        let _ = self.inner.downloads.set_download_path(self.download_path());
    }

    /// Starts downloading `url` (Electron's `downloadURL`) with extra request headers; the item
    /// is announced to the `will-download` handler once the response head is known, before any
    /// byte is written. Needs a tokio runtime. Errors for a bad URL or header.
    ///
    /// Example: see [`Downloads`].
    pub fn download_url(
        &self,
        url: &str,
        options: DownloadOptions,
    ) -> Result<DownloadItem, FacadeError> {
        self.sync_download_dir();
        self.inner
            .downloads
            .download_url(url, options)
            .map_err(convert)
    }

    /// Recreates an interrupted download of an earlier run (Electron's
    /// `createInterruptedDownload`); `resume()` on the item continues it with a range request.
    ///
    /// Example: see [`Downloads`].
    pub async fn create_interrupted_download(
        &self,
        options: InterruptedDownloadOptions,
    ) -> Result<DownloadItem, FacadeError> {
        self.sync_download_dir();
        self.inner
            .downloads
            .create_interrupted_download(options)
            .await
            .map_err(convert)
    }

    /// The async `will-download` handler (Electron's `will-download` event with
    /// `setSavePath`/`preventDefault`); `None` restores the default (the download directory).
    ///
    /// Example: see [`Downloads`].
    pub fn set_will_download_handler<F, Fut>(&self, handler: Option<F>)
    where
        F: Fn(DownloadItem) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = WillDownloadDecision> + Send + 'static,
    {
        self.inner.downloads.set_will_download_handler(handler);
    }

    /// Every download of the session, oldest first: the running ones and, for a persistent
    /// partition, those of earlier runs from the journal (interrupted ones can be resumed).
    ///
    /// Example: see [`Downloads`].
    pub fn downloads(&self) -> Vec<DownloadItem> {
        self.inner.downloads.downloads()
    }

    /// The download with `id`, running or from the journal.
    ///
    /// Example: see [`Downloads`].
    pub fn download(&self, id: u64) -> Option<DownloadItem> {
        self.inner.downloads.get(id)
    }
}
