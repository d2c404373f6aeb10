//! [`LazySender`]: a broadcast event channel made when the first listener subscribes.
//!
//! A tokio broadcast channel allocates its whole ring of slots when it is made (1,024 cookie
//! events are about 180 KiB), so a session that made its channels up front paid for them even
//! when nobody listened. Sending with no listener drops the event either way, so making the
//! channel on the first [`LazySender::subscribe`] changes nothing a listener can see.
//!
//! ```
//! use session_base::events::LazySender;
//!
//! let events: LazySender<u32> = LazySender::new(16);
//! assert!(!events.send(1)); // nobody listens: dropped, nothing allocated
//! let mut rx = events.subscribe();
//! assert!(events.send(2));
//! assert_eq!(rx.try_recv().unwrap(), 2);
//! assert_eq!(events.receiver_count(), 1);
//! ```

use std::sync::OnceLock;

use tokio_sync::sync::broadcast;

/// A broadcast sender whose channel is made on first subscription.
///
/// Example: see [the module's example](self).
#[derive(Debug)]
pub struct LazySender<T> {
    capacity: usize,
    tx: OnceLock<broadcast::Sender<T>>,
}

impl<T: Clone> LazySender<T> {
    /// A sender whose channel, once made, keeps `capacity` events per lagging receiver.
    ///
    /// Example: see [the module's example](self).
    pub const fn new(capacity: usize) -> Self {
        LazySender {
            capacity,
            tx: OnceLock::new(),
        }
    }

    /// A receiver of the events sent from now on.
    ///
    /// Example: see [the module's example](self).
    pub fn subscribe(&self) -> broadcast::Receiver<T> {
        self.tx
            .get_or_init(|| broadcast::Sender::new(self.capacity))
            .subscribe()
    }

    /// How many receivers are alive.
    ///
    /// Example: see [the module's example](self).
    pub fn receiver_count(&self) -> usize {
        self.tx.get().map_or(0, broadcast::Sender::receiver_count)
    }

    /// Sends `event` to every receiver; false when there is none (the event is dropped).
    ///
    /// Example: see [the module's example](self).
    pub fn send(&self, event: T) -> bool {
        self.tx.get().is_some_and(|tx| tx.send(event).is_ok())
    }
}
