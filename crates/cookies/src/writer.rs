//! The persistent jar's writer thread: it owns the SQLite connection, so no request ever waits
//! for the disk while holding the jar's lock.
//!
//! Under the lock, a change is applied to memory and its touched domains' records (encoded
//! snapshots, see [`crate::store::records`]) are queued, in the order the changes happened. The
//! thread takes everything that queued up while it was busy, keeps the newest record per domain
//! and commits them in one transaction: a burst of responses setting cookies shares one fsync
//! instead of each paying its own. A caller whose change must be durable holds a [`Durable`]
//! and waits on it after releasing the lock; it completes once the transaction that carries the
//! change has committed (or failed). Dropping the writer drains the queue and joins the thread,
//! so a jar reopened after its last handle went sees every change.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread::JoinHandle;

use crate::error::{Error, ErrorKind, Result};
use crate::store::Store;

/// Encoded records of one change batch: a domain key and its cookies, `None` to delete the row.
pub(crate) type Records = Vec<(String, Option<Vec<u8>>)>;

enum Message {
    /// Records to write; `ack` completes once they are committed.
    Write { records: Records, ack: Option<Ack> },
    /// Checkpoint the write-ahead log after writing what came before.
    Checkpoint(Ack),
}

/// The handle of the writer thread, kept under the jar's lock (sending is memory only).
pub(crate) struct Writer {
    tx: Option<Sender<Message>>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    /// Starts the thread over `store`.
    pub(crate) fn start(store: Store, name: String) -> Result<Writer> {
        let (tx, rx) = channel();
        let thread = std::thread::Builder::new()
            .name(name)
            .spawn(move || run(store, rx))
            .map_err(|e| Error::store("cookie store writer thread", e))?;
        Ok(Writer {
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    /// Queues `records`; the returned [`Durable`] completes when they are committed.
    pub(crate) fn write(&self, records: Records) -> Durable {
        if records.is_empty() {
            return Durable::done();
        }
        let ack = Ack::default();
        self.send(Message::Write {
            records,
            ack: Some(ack.clone()),
        });
        Durable(Some(ack))
    }

    /// Queues `records` without anyone waiting for them (expired cookies, access times).
    pub(crate) fn write_later(&self, records: Records) {
        if !records.is_empty() {
            self.send(Message::Write { records, ack: None });
        }
    }

    /// Queues a checkpoint of the write-ahead log after everything queued before.
    pub(crate) fn checkpoint(&self) -> Durable {
        let ack = Ack::default();
        self.send(Message::Checkpoint(ack.clone()));
        Durable(Some(ack))
    }

    fn send(&self, message: Message) {
        let sent = self.tx.as_ref().map(|tx| tx.send(message));
        if let Some(Err(std::sync::mpsc::SendError(message))) = sent {
            // The thread is gone (it only ends when the writer is dropped, or by a panic):
            // report the change as not stored rather than leaving its caller waiting.
            let failed =
                |ack: &Ack| ack.complete(Err("cookie store: the writer thread stopped".into()));
            match message {
                Message::Write { ack, .. } => ack.iter().for_each(failed),
                Message::Checkpoint(ack) => failed(&ack),
            }
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        drop(self.tx.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// How many queued messages one transaction takes at most.
const MAX_BATCH: usize = 4096;

fn run(mut store: Store, rx: Receiver<Message>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        let mut newest: HashMap<String, Option<Vec<u8>>> = HashMap::new();
        let mut acks = Vec::new();
        let mut checkpoints = Vec::new();
        for message in batch {
            match message {
                Message::Write { records, ack } => {
                    newest.extend(records);
                    acks.extend(ack);
                }
                Message::Checkpoint(ack) => checkpoints.push(ack),
            }
        }
        let mut records: Records = newest.into_iter().collect();
        records.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let written = store.write(&records).map_err(|e| e.to_string());
        for ack in acks {
            ack.complete(written.clone());
        }
        if !checkpoints.is_empty() {
            let done = written
                .clone()
                .and_then(|()| store.checkpoint().map_err(|e| e.to_string()));
            for ack in checkpoints {
                ack.complete(done.clone());
            }
        }
    }
}

#[derive(Default)]
struct AckState {
    result: Option<std::result::Result<(), String>>,
    waker: Option<Waker>,
}

/// The completion of one queued write, shared by the writer thread and its waiter.
#[derive(Clone, Default)]
struct Ack(Arc<(Mutex<AckState>, Condvar)>);

impl Ack {
    fn lock(&self) -> std::sync::MutexGuard<'_, AckState> {
        self.0.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn complete(&self, result: std::result::Result<(), String>) {
        let waker = {
            let mut state = self.lock();
            state.result = Some(result);
            state.waker.take()
        };
        self.0.1.notify_all();
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// A change on its way to disk: [`Durable::wait`] blocks until it is committed, or `.await` it
/// (it needs no particular runtime). Dropping it does not cancel the write.
#[must_use = "a change is durable only once its Durable completes"]
pub(crate) struct Durable(Option<Ack>);

impl Durable {
    /// Nothing to wait for (an in-memory jar, or no stored cookie changed).
    pub(crate) fn done() -> Durable {
        Durable(None)
    }

    /// Blocks the calling thread until the change is committed.
    pub(crate) fn wait(self) -> Result<()> {
        let Some(ack) = self.0 else {
            return Ok(());
        };
        let mut state = ack.lock();
        loop {
            if let Some(result) = state.result.take() {
                return to_result(result);
            }
            state = ack.0.1.wait(state).unwrap_or_else(|p| p.into_inner());
        }
    }
}

fn to_result(result: std::result::Result<(), String>) -> Result<()> {
    result.map_err(|e| Error::new(ErrorKind::Store, e))
}

impl Future for Durable {
    type Output = Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let Some(ack) = self.0.as_ref() else {
            return Poll::Ready(Ok(()));
        };
        let mut state = ack.lock();
        match state.result.take() {
            Some(result) => {
                drop(state);
                self.0 = None;
                Poll::Ready(to_result(result))
            }
            None => {
                state.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl std::fmt::Debug for Durable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Durable")
            .field(&if self.0.is_some() { "pending" } else { "done" })
            .finish()
    }
}
