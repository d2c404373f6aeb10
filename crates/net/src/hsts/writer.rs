//! The `TransportSecurity` file's writer thread, so that no request waits for the disk.
//!
//! A change is made in memory under the state's lock and the thread is told ("dirty"), which
//! costs a channel send. The thread waits for [`COMMIT_INTERVAL`] so that a burst of responses
//! costs one write (Chromium's `ImportantFileWriter` waits 10 s), then takes the lock just long
//! enough to serialise the entries and writes the file with `atomic_write` outside it. A
//! [`Writer::flush`] writes what is pending at once and waits for it; dropping the writer does
//! the same and joins the thread, so a partition reopened after its last handle went sees every
//! change.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::Shared;

/// How long a change waits for more before the file is written.
pub(crate) const COMMIT_INTERVAL: Duration = Duration::from_secs(1);

enum Message {
    /// The entries changed.
    Dirty,
    /// Write what is pending now and answer.
    Flush(SyncSender<Result<(), String>>),
}

/// The handle of the writer thread (sending is memory only).
pub(crate) struct Writer {
    tx: Option<Sender<Message>>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    pub(crate) fn start(path: PathBuf, shared: Arc<Shared>) -> std::io::Result<Writer> {
        let (tx, rx) = channel();
        let thread = std::thread::Builder::new()
            .name("transport-security-writer".into())
            .spawn(move || run(&path, &shared, &rx))?;
        Ok(Writer {
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    /// Tells the thread the entries changed.
    pub(crate) fn dirty(&self) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Message::Dirty);
        }
    }

    /// Writes pending changes now; returns once they are on disk (or failed).
    pub(crate) fn flush(&self) -> Result<(), String> {
        let (ack, done) = sync_channel(1);
        let sent = self
            .tx
            .as_ref()
            .is_some_and(|tx| tx.send(Message::Flush(ack)).is_ok());
        if !sent {
            return Err("the writer thread is gone".into());
        }
        done.recv()
            .unwrap_or_else(|_| Err("the writer thread is gone".into()))
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Closing the channel makes the thread write what is pending and end.
        self.tx.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(path: &std::path::Path, shared: &Shared, rx: &Receiver<Message>) {
    let write = || -> Result<(), String> {
        let bytes = shared.snapshot();
        session_base::fs::atomic_write(path, &bytes).map_err(|e| {
            let message = format!("cannot write {}: {e}", path.display());
            tracing::warn!("{message}");
            message
        })
    };
    let mut due: Option<Instant> = None;
    loop {
        let message = match due {
            None => match rx.recv() {
                Ok(m) => Some(m),
                Err(_) => return,
            },
            Some(at) => match rx.recv_timeout(at.saturating_duration_since(Instant::now())) {
                Ok(m) => Some(m),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => {
                    let _ = write();
                    return;
                }
            },
        };
        match message {
            Some(Message::Dirty) => {
                due.get_or_insert_with(|| Instant::now() + COMMIT_INTERVAL);
            }
            Some(Message::Flush(ack)) => {
                let result = if due.take().is_some() {
                    write()
                } else {
                    Ok(())
                };
                let _ = ack.send(result);
            }
            None => {
                due = None;
                let _ = write();
            }
        }
    }
}
