//! `DownloadItem`: a cloneable handle on one download, with Electron's whole surface.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, watch};

use crate::error::{Error, ErrorKind, Result};
use crate::manager::ManagerInner;
use crate::state::{DownloadRecord, DownloadState, DownloadSummary, InterruptReason};

/// What a download announces. Every start or resume of an item ends in exactly one `Done`.
///
/// Example: see [`Fetcher`](crate::Fetcher).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DownloadEvent {
    /// Progress, a pause or a resume (`state` is `progressing`).
    Updated {
        /// The item's id.
        id: u64,
        /// The state after the change.
        state: DownloadState,
    },
    /// The download started again from byte 0 instead of continuing, and why.
    Restarted {
        /// The item's id.
        id: u64,
        /// Why the received bytes could not be kept.
        reason: RestartReason,
    },
    /// The item reached a terminal state: `completed`, `cancelled` or `interrupted` (see
    /// [`DownloadItem::interrupt_reason`] and [`DownloadItem::can_resume`]).
    Done {
        /// The item's id.
        id: u64,
        /// The terminal state.
        state: DownloadState,
        /// Why, when interrupted or cancelled.
        reason: Option<InterruptReason>,
    },
}

/// Why a resume had to start again from byte 0.
///
/// Example: see [`Downloads`](crate::Downloads); a restart is announced as
/// [`DownloadEvent::Restarted`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum RestartReason {
    /// The response carried neither `ETag` nor `Last-Modified`, so a range could not be
    /// tied to the same version.
    NoValidator,
    /// The server answered the `If-Range` request with the whole (changed) entity.
    ValidatorChanged,
    /// The server ignored `Range` and sent the whole entity with the same validator.
    RangeIgnored,
    /// The server's `Content-Range` did not continue the received bytes.
    BadContentRange,
    /// The partial file was missing or shorter than recorded.
    PartialFileMissing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Control {
    pub(crate) paused: bool,
    pub(crate) cancelled: bool,
    /// The application is shutting down: stop, keep the bytes on disk, end interrupted
    /// (`USER_SHUTDOWN`), resumable.
    pub(crate) shutdown: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Phase {
    state: DownloadState,
    running: bool,
}

/// A cloneable handle on one download. All clones see the same item; the item lives while a
/// transfer runs even when no handle is kept, and is released when it stops.
///
/// Example: see [`Downloads`](crate::Downloads) and [`Fetcher`](crate::Fetcher).
#[derive(Clone)]
pub struct DownloadItem {
    pub(crate) inner: Arc<ItemInner>,
}

impl std::fmt::Debug for DownloadItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadItem")
            .field("record", &*self.inner.record())
            .finish()
    }
}

pub(crate) struct ItemInner {
    record: Mutex<DownloadRecord>,
    /// Serialises journal writes of this item so a late checkpoint never overwrites a
    /// terminal state.
    journal_lock: Mutex<()>,
    events: broadcast::Sender<DownloadEvent>,
    phase: watch::Sender<Phase>,
    control: watch::Sender<Control>,
    rate: Mutex<RateMeter>,
    /// While the `will-download` handler runs, the save path may be set.
    choosing_path: std::sync::atomic::AtomicBool,
    pub(crate) manager: Weak<ManagerInner>,
}

impl ItemInner {
    fn record(&self) -> MutexGuard<'_, DownloadRecord> {
        // Updates are single assignments; a panic elsewhere cannot leave a torn record.
        self.record.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl DownloadItem {
    pub(crate) fn new(record: DownloadRecord, running: bool, manager: Weak<ManagerInner>) -> Self {
        let state = record.state;
        DownloadItem {
            inner: Arc::new(ItemInner {
                record: Mutex::new(record),
                journal_lock: Mutex::new(()),
                events: broadcast::channel(256).0,
                phase: watch::channel(Phase { state, running }).0,
                control: watch::channel(Control::default()).0,
                rate: Mutex::new(RateMeter::default()),
                choosing_path: std::sync::atomic::AtomicBool::new(false),
                manager,
            }),
        }
    }

    fn read<T>(&self, f: impl FnOnce(&DownloadRecord) -> T) -> T {
        f(&self.inner.record())
    }

    /// The item's id, unique within its session's partition.
    ///
    /// Example: see [`crate::Downloads`].
    pub fn id(&self) -> u64 {
        self.read(|r| r.id)
    }

    /// The URL the bytes come from, the last of the chain (Electron's `getURL`).
    ///
    /// Example: see [`crate::Downloads`].
    pub fn url(&self) -> String {
        self.read(|r| r.url().to_owned())
    }

    /// Every URL including redirects (`getURLChain`).
    ///
    /// Example: see [`crate::Downloads`].
    pub fn url_chain(&self) -> Vec<String> {
        self.read(|r| r.url_chain.clone())
    }

    /// The response's MIME type (`getMimeType`).
    ///
    /// Example: see [`crate::Downloads`].
    pub fn mime_type(&self) -> String {
        self.read(|r| r.mime_type.clone())
    }

    /// The suggested file name (`getFilename`): from `Content-Disposition`, the URL or
    /// `download` + extension, sanitised.
    ///
    /// Example: see [`crate::Downloads`].
    pub fn filename(&self) -> String {
        self.read(|r| r.filename.clone())
    }

    /// The response's raw `Content-Disposition` (`getContentDisposition`).
    ///
    /// Example: see [`crate::Downloads`].
    pub fn content_disposition(&self) -> String {
        self.read(|r| r.content_disposition.clone())
    }

    /// Total size in bytes, 0 when unknown (`getTotalBytes`).
    ///
    /// Example: see [`crate::Downloads`].
    pub fn total_bytes(&self) -> u64 {
        self.read(|r| r.total_bytes)
    }

    /// Bytes received so far (`getReceivedBytes`).
    ///
    /// Example: see [`crate::Downloads`].
    pub fn received_bytes(&self) -> u64 {
        self.read(|r| r.received_bytes)
    }

    /// Percent complete, 0 when the total is unknown (`getPercentComplete`).
    ///
    /// Example: see [`crate::Downloads`].
    pub fn percent_complete(&self) -> u32 {
        self.read(DownloadRecord::percent_complete)
    }

    /// Current speed over the last second or so; 0 when paused or not running
    /// (`getCurrentBytesPerSecond`).
    ///
    /// Example: see [`crate::Downloads`].
    pub fn current_bytes_per_second(&self) -> u64 {
        let phase = *self.inner.phase.borrow();
        if !phase.running || phase.state != DownloadState::Progressing || self.is_paused() {
            return 0;
        }
        self.inner
            .rate
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .rate()
    }

    /// The current state (`getState`).
    ///
    /// Example: see [`crate::Downloads`].
    pub fn state(&self) -> DownloadState {
        self.read(|r| r.state)
    }

    /// Why the item is interrupted or cancelled (Chromium's reason), `None` otherwise.
    ///
    /// Example: see [`crate::Downloads`].
    pub fn interrupt_reason(&self) -> Option<InterruptReason> {
        self.read(|r| r.interrupt_reason)
    }

    /// The HTTP status of the last response, when one came (an interrupted download's 404...).
    ///
    /// Example: see [`crate::Downloads`].
    pub fn last_status(&self) -> Option<u16> {
        self.read(|r| r.last_status)
    }

    /// The `Last-Modified` validator (`getLastModifiedTime`).
    ///
    /// Example: see [`crate::Downloads`].
    pub fn last_modified_time(&self) -> String {
        self.read(|r| r.last_modified_time.clone())
    }

    /// The `ETag` validator (`getETag`).
    ///
    /// Example: see [`crate::Downloads`].
    pub fn etag(&self) -> String {
        self.read(|r| r.etag.clone())
    }

    /// Seconds since the Unix epoch when the download started (`getStartTime`).
    ///
    /// Example: see [`crate::Downloads`].
    pub fn start_time(&self) -> f64 {
        self.read(|r| r.start_time)
    }

    /// Seconds since the Unix epoch when it stopped, 0 while running (`getEndTime`).
    ///
    /// Example: see [`crate::Downloads`].
    pub fn end_time(&self) -> f64 {
        self.read(|r| r.end_time)
    }

    /// Whether a user gesture started it (`hasUserGesture`); false for `download_url`.
    ///
    /// Example: see [`crate::Downloads`].
    pub fn has_user_gesture(&self) -> bool {
        self.read(|r| r.has_user_gesture)
    }

    /// How many times the download started again from byte 0 instead of continuing.
    ///
    /// Example: see [`crate::Downloads`].
    pub fn restarts(&self) -> u32 {
        self.read(|r| r.restarts)
    }

    /// Where the file goes (`getSavePath`); `None` before the `will-download` stage decided.
    ///
    /// Example: see [`crate::Downloads`].
    pub fn save_path(&self) -> Option<PathBuf> {
        self.read(|r| r.save_path.clone())
    }

    /// Sets where the file goes (`setSavePath`). Allowed inside the `will-download` handler
    /// and while the item is interrupted, never while bytes are being written. The path must be
    /// absolute; missing directories are created when the download starts. A partial file of
    /// an interrupted item moves along.
    ///
    /// Example: see [`crate::Downloads`].
    pub fn set_save_path(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        if !path.is_absolute() || path.file_name().is_none() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "save path must be an absolute file path: {}",
                    path.display()
                ),
            ));
        }
        let choosing = self
            .inner
            .choosing_path
            .load(std::sync::atomic::Ordering::SeqCst);
        let phase = *self.inner.phase.borrow();
        let idle_interrupted = !phase.running && phase.state == DownloadState::Interrupted;
        if !choosing && !idle_interrupted {
            return Err(Error::new(
                ErrorKind::InvalidState,
                format!(
                    "save path of download {} can only be set in will-download or while interrupted",
                    self.id()
                ),
            ));
        }
        let mut record = self.inner.record();
        if idle_interrupted
            && let Some(old_temp) = record.temp_path()
            && old_temp.exists()
            && record.save_path.as_deref() != Some(path)
        {
            let new_temp = crate::filename::temp_path_for(path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| Error::io("cannot create directory", parent, e))?;
            }
            std::fs::rename(&old_temp, &new_temp)
                .map_err(|e| Error::io("cannot move partial download", &old_temp, e))?;
        }
        record.save_path = Some(path.to_owned());
        if let Some(name) = path.file_name() {
            record.filename = name.to_string_lossy().into_owned();
        }
        drop(record);
        if idle_interrupted {
            self.persist(None);
        }
        Ok(())
    }

    /// Pauses a running download: the engine stops reading the response (TCP backpressure)
    /// and syncs what it has. No effect on an item that is not running.
    ///
    /// Example: see [`crate::Downloads`].
    pub fn pause(&self) {
        let phase = *self.inner.phase.borrow();
        if !phase.running || phase.state != DownloadState::Progressing || self.is_paused() {
            return;
        }
        self.inner.control.send_modify(|c| c.paused = true);
        self.emit(DownloadEvent::Updated {
            id: self.id(),
            state: DownloadState::Progressing,
        });
    }

    /// Whether the download is paused (`isPaused`).
    ///
    /// Example: see [`crate::Downloads`].
    pub fn is_paused(&self) -> bool {
        self.inner.control.borrow().paused
    }

    /// Resumes a paused download, or continues an interrupted one with `Range` + `If-Range`
    /// (starting again from byte 0, and saying so with [`DownloadEvent::Restarted`], when the
    /// server's version changed or it ignores ranges).
    ///
    /// Errors when the item cannot resume (completed, cancelled, or interrupted for a reason
    /// that does not allow it) or when no tokio runtime is running.
    ///
    /// Example: see [`crate::Downloads`].
    pub fn resume(&self) -> Result<()> {
        if self.is_paused() {
            self.inner.control.send_modify(|c| c.paused = false);
            self.emit(DownloadEvent::Updated {
                id: self.id(),
                state: DownloadState::Progressing,
            });
            return Ok(());
        }
        let phase = *self.inner.phase.borrow();
        if phase.running {
            return Ok(());
        }
        let record = self.record();
        if record.state != DownloadState::Interrupted || !record.can_resume() {
            return Err(Error::new(
                ErrorKind::InvalidState,
                format!(
                    "download {} cannot resume: it is {}{}",
                    record.id,
                    record.state,
                    record
                        .interrupt_reason
                        .map(|r| format!(" ({r})"))
                        .unwrap_or_default()
                ),
            ));
        }
        let manager = self.inner.manager.upgrade().ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidState,
                format!("download {}: its session is gone", record.id),
            )
        })?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::new(
                ErrorKind::NoRuntime,
                format!("resuming download {} needs a tokio runtime", record.id),
            )
        })?;
        self.inner.control.send_replace(Control::default());
        self.update(|r| {
            r.state = DownloadState::Progressing;
            r.interrupt_reason = None;
            r.end_time = 0.0;
        });
        self.set_phase(DownloadState::Progressing, true);
        runtime.spawn(crate::engine::run(
            manager,
            self.clone(),
            crate::engine::Start::Resume,
        ));
        Ok(())
    }

    /// Whether [`resume`](Self::resume) can continue the item (`canResume`).
    ///
    /// Example: see [`crate::Downloads`].
    pub fn can_resume(&self) -> bool {
        self.read(DownloadRecord::can_resume) && self.state() != DownloadState::Progressing
            || self.is_paused()
    }

    /// Stops a running download because the application is shutting down: the bytes received
    /// so far are fsynced and journaled, and the item ends `interrupted` with `USER_SHUTDOWN`,
    /// resumable. Await [`DownloadItem::done`] before exiting. No effect on an item that is not
    /// running.
    ///
    /// Example: see [`crate::Downloads`].
    pub fn interrupt_for_shutdown(&self) {
        if self.inner.phase.borrow().running {
            self.inner.control.send_modify(|c| c.shutdown = true);
        }
    }

    /// Cancels the download: the temporary file is deleted and the item ends `cancelled`. No
    /// effect on a completed or cancelled item.
    ///
    /// Example: see [`crate::Downloads`].
    pub fn cancel(&self) {
        let phase = *self.inner.phase.borrow();
        if phase.running {
            self.inner.control.send_modify(|c| c.cancelled = true);
            return;
        }
        if phase.state != DownloadState::Interrupted {
            return;
        }
        if let Some(temp) = self.record().temp_path()
            && let Err(e) = crate::part::discard(&temp)
        {
            tracing::warn!(path = %temp.display(), "cannot delete partial download: {e}");
        }
        self.finish(
            DownloadState::Cancelled,
            Some(InterruptReason::UserCanceled),
        );
    }

    /// Events of this item. Use [`done`](Self::done) to wait for the end without missing it.
    ///
    /// Example: see [`crate::Downloads`].
    pub fn subscribe(&self) -> broadcast::Receiver<DownloadEvent> {
        self.inner.events.subscribe()
    }

    /// Waits until the item is not running and in a terminal state, and returns that state
    /// (an interrupted item that is not running returns at once). Dropping the future only
    /// stops waiting.
    ///
    /// Example: see [`crate::Downloads`].
    pub async fn done(&self) -> DownloadState {
        let mut rx = self.inner.phase.subscribe();
        match rx.wait_for(|p| !p.running && p.state.is_terminal()).await {
            Ok(phase) => phase.state,
            // The sender lives in `self.inner`, which `self` keeps alive.
            Err(_) => self.state(),
        }
    }

    /// A snapshot of everything known about the item.
    ///
    /// Example: see [`crate::Downloads`].
    pub fn record(&self) -> DownloadRecord {
        self.inner.record().clone()
    }

    /// The summary `ses` prints.
    ///
    /// Example: see [`crate::Downloads`].
    pub fn summary(&self) -> DownloadSummary {
        let mut summary = self.inner.record().summary();
        summary.can_resume = self.can_resume();
        summary
    }

    // ---- engine side ----

    pub(crate) fn inner_running(&self) -> bool {
        self.inner.phase.borrow().running
    }

    pub(crate) fn update<T>(&self, f: impl FnOnce(&mut DownloadRecord) -> T) -> T {
        f(&mut self.inner.record())
    }

    pub(crate) fn emit(&self, event: DownloadEvent) {
        // No receiver is fine.
        let _ = self.inner.events.send(event);
    }

    pub(crate) fn set_phase(&self, state: DownloadState, running: bool) {
        self.inner.phase.send_replace(Phase { state, running });
    }

    pub(crate) fn control(&self) -> watch::Receiver<Control> {
        self.inner.control.subscribe()
    }

    pub(crate) fn set_choosing_path(&self, on: bool) {
        self.inner
            .choosing_path
            .store(on, std::sync::atomic::Ordering::SeqCst);
    }

    pub(crate) fn record_progress(&self, received: u64) {
        self.inner.record().received_bytes = received;
        self.inner
            .rate
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .sample(received);
    }

    pub(crate) fn reset_rate(&self) {
        *self.inner.rate.lock().unwrap_or_else(|p| p.into_inner()) = RateMeter::default();
    }

    /// Writes the record to the journal; while progressing, `durable` (bytes known to be on
    /// disk) replaces the live count. A checkpoint that arrives after the item stopped is
    /// dropped. Blocks on the journal's fsync.
    pub(crate) fn persist(&self, durable: Option<u64>) {
        let Some(manager) = self.inner.manager.upgrade() else {
            return;
        };
        let _guard = self
            .inner
            .journal_lock
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let mut record = self.record();
        if let Some(durable) = durable {
            if record.state != DownloadState::Progressing {
                return;
            }
            record.received_bytes = durable;
        }
        if let Err(e) = manager.journal.put(&record) {
            tracing::warn!(id = record.id, "cannot write download journal: {e}");
        }
    }

    /// Moves to a terminal state: journal, phase, one `Done` event.
    pub(crate) fn finish(&self, state: DownloadState, reason: Option<InterruptReason>) {
        let id = self.update(|r| {
            r.state = state;
            r.interrupt_reason = reason;
            r.end_time = crate::state::now_seconds();
            if state == DownloadState::Completed && r.total_bytes == 0 {
                r.total_bytes = r.received_bytes;
            }
            r.id
        });
        self.reset_rate();
        self.inner.control.send_replace(Control::default());
        self.persist(None);
        if state == DownloadState::Interrupted {
            self.emit(DownloadEvent::Updated { id, state });
        }
        // The event goes first, so whoever `done()` wakes finds it already sent.
        self.emit(DownloadEvent::Done { id, state, reason });
        self.set_phase(state, false);
    }
}

/// Bytes-per-second over a sliding window of about one second.
#[derive(Debug, Default)]
struct RateMeter {
    samples: VecDeque<(Instant, u64)>,
}

const RATE_WINDOW: Duration = Duration::from_secs(1);

impl RateMeter {
    fn sample(&mut self, total: u64) {
        let now = Instant::now();
        if let Some(&(last, _)) = self.samples.back()
            && now.duration_since(last) < Duration::from_millis(50)
        {
            return;
        }
        self.samples.push_back((now, total));
        while self.samples.len() > 2
            && self
                .samples
                .get(1)
                .is_some_and(|&(t, _)| now.duration_since(t) > RATE_WINDOW)
        {
            self.samples.pop_front();
        }
    }

    fn rate(&self) -> u64 {
        match (self.samples.front(), self.samples.back()) {
            (Some(&(t0, b0)), Some(&(t1, b1))) if t1 > t0 => {
                ((b1 - b0) as f64 / t1.duration_since(t0).as_secs_f64()) as u64
            }
            _ => 0,
        }
    }
}
