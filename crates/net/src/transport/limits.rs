//! Socket limits as a browser keeps them (a connection-level layer of the [`super::Dialer`]):
//! at most [`SocketLimits::per_host`] sockets to one destination (Chromium's socket group
//! limit, 6), [`SocketLimits::per_proxy`] through one proxy (32) and [`SocketLimits::total`]
//! in the session (256). A socket counts from the moment it starts connecting until it is
//! closed; an idle pooled socket counts too.
//!
//! A request that finds no pooled connection and no free slot waits in a queue, first come
//! first served across the whole session. It is served by, whichever comes first:
//! - a connection of its destination going idle (handed over directly, never parked);
//! - a socket closing (its slot goes to the oldest waiter whose destination and proxy are
//!   under their limits, see [`pick`]);
//! - an HTTP/2 connection to its destination appearing (it is told to look in the pool
//!   again: one HTTP/2 connection carries every request).
//!
//! When the session-wide or proxy limit is what holds a request back, an idle socket of
//! another destination is closed to make room, and a socket going idle is closed instead of
//! pooled, as Chromium does. A waiting request that is
//! cancelled (its future dropped) leaves the queue; whatever was about to be handed to it goes
//! to the next one, so nothing is lost and nobody waits for a dead request.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use super::Key;
use super::conn::H1Conn;
use crate::proxy::ProxyServer;

/// How many sockets a session may have open.
///
/// Example: see [`Net`](crate::Net), which sets them with `set_socket_limits`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SocketLimits {
    /// To one destination (scheme, host, port and proxy): Chromium's 6.
    pub per_host: usize,
    /// Through one proxy server: Chromium's 32.
    pub per_proxy: usize,
    /// In the whole session: Chromium's 256.
    pub total: usize,
}

impl Default for SocketLimits {
    fn default() -> Self {
        SocketLimits {
            per_host: 6,
            per_proxy: 32,
            total: 256,
        }
    }
}

impl SocketLimits {
    /// Limits with these three values; each is at least 1.
    ///
    /// Example: see [`Net`](crate::Net).
    pub fn new(per_host: usize, per_proxy: usize, total: usize) -> Self {
        SocketLimits {
            per_host: per_host.max(1),
            per_proxy: per_proxy.max(1),
            total: total.max(1),
        }
    }
}

/// What a waiting request receives.
pub(crate) enum Grant {
    /// A slot: open a new connection with it.
    Slot(Slot),
    /// An idle connection of its destination, handed over.
    Conn(H1Conn),
    /// An HTTP/2 connection to its destination is in the pool: look again.
    Retry,
}

struct Waiter {
    seq: u64,
    /// Must open a new connection (a pooled one failed, or credentials changed).
    fresh: bool,
    tx: oneshot::Sender<Grant>,
}

#[derive(Default)]
struct Group {
    open: usize,
    waiters: VecDeque<Waiter>,
}

#[derive(Default)]
struct State {
    limits: SocketLimits,
    total: usize,
    proxies: HashMap<ProxyServer, usize>,
    groups: HashMap<Key, Group>,
    seq: u64,
}

/// The socket counts and the queue of one session.
pub(crate) struct Limiter {
    state: Mutex<State>,
}

/// One open (or opening) socket's place in the counts; dropping it frees the place and serves
/// the queue.
pub(crate) struct Slot {
    limiter: Arc<Limiter>,
    key: Key,
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Slot({}:{})", self.key.host, self.key.port)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let grants = {
            let mut st = self.limiter.lock();
            st.total = st.total.saturating_sub(1);
            if let Some(p) = &self.key.proxy
                && let Some(n) = st.proxies.get_mut(p)
            {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    st.proxies.remove(p);
                }
            }
            if let Some(g) = st.groups.get_mut(&self.key) {
                g.open = g.open.saturating_sub(1);
                if g.open == 0 && g.waiters.is_empty() {
                    st.groups.remove(&self.key);
                }
            }
            self.limiter.take_slots(&mut st)
        };
        // Outside the lock: a grant that cannot be delivered drops its slot, which comes back
        // here.
        deliver(grants);
    }
}

fn deliver(grants: Vec<(oneshot::Sender<Grant>, Slot)>) {
    for (tx, slot) in grants {
        let _ = tx.send(Grant::Slot(slot));
    }
}

/// Where a group stands against the limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Standing {
    /// The oldest waiter's place in the queue.
    pub(crate) seq: u64,
    /// Sockets open to the destination.
    pub(crate) open: usize,
    /// Sockets open through its proxy (0 for DIRECT).
    pub(crate) proxy_open: usize,
    /// Whether it goes through a proxy.
    pub(crate) proxied: bool,
}

/// Which waiting group gets a free slot: the one whose oldest waiter came first, among those
/// under their destination and proxy limits; none when the session is at its total.
pub(crate) fn pick(limits: &SocketLimits, total: usize, groups: &[Standing]) -> Option<usize> {
    if total >= limits.total {
        return None;
    }
    groups
        .iter()
        .enumerate()
        .filter(|(_, g)| {
            g.open < limits.per_host && (!g.proxied || g.proxy_open < limits.per_proxy)
        })
        .min_by_key(|(_, g)| g.seq)
        .map(|(i, _)| i)
}

/// Why [`Limiter::acquire`] could not give a slot at once.
pub(crate) enum Wait {
    /// Queued; the receiver gets the grant.
    Queued(oneshot::Receiver<Grant>),
    /// Queued, and the session (or proxy) limit is what holds it: closing an idle socket of
    /// another destination would make room.
    Stalled(oneshot::Receiver<Grant>),
}

impl Limiter {
    pub(crate) fn new(limits: SocketLimits) -> Arc<Self> {
        Arc::new(Limiter {
            state: Mutex::new(State {
                limits,
                ..State::default()
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The limits in force.
    pub(crate) fn limits(&self) -> SocketLimits {
        self.lock().limits
    }

    /// New limits; waiting requests that now fit are served.
    pub(crate) fn set_limits(self: &Arc<Self>, limits: SocketLimits) {
        let grants = {
            let mut st = self.lock();
            st.limits = limits;
            self.take_slots(&mut st)
        };
        deliver(grants);
    }

    /// Sockets open (or opening) in the session.
    pub(crate) fn open(&self) -> usize {
        self.lock().total
    }

    /// Requests waiting in the queue (those whose future was dropped are not counted).
    pub(crate) fn queued(&self) -> usize {
        self.lock()
            .groups
            .values()
            .map(|g| g.waiters.iter().filter(|w| !w.tx.is_closed()).count())
            .sum()
    }

    /// A slot for a new socket to `key` now, or a place in the queue.
    pub(crate) fn acquire(self: &Arc<Self>, key: &Key, fresh: bool) -> Result<Slot, Wait> {
        let mut st = self.lock();
        let limits = st.limits;
        let proxy_open = key
            .proxy
            .as_ref()
            .map_or(0, |p| st.proxies.get(p).copied().unwrap_or(0));
        let total_ok = st.total < limits.total;
        let group = st.groups.entry(key.clone()).or_default();
        let host_ok = group.open < limits.per_host;
        let proxy_ok = key.proxy.is_none() || proxy_open < limits.per_proxy;
        // Nobody jumps the queue of its own destination.
        if host_ok && proxy_ok && total_ok && group.waiters.is_empty() {
            group.open += 1;
            Self::count(&mut st, key);
            return Ok(Slot {
                limiter: self.clone(),
                key: key.clone(),
            });
        }
        let (tx, rx) = oneshot::channel();
        st.seq += 1;
        let seq = st.seq;
        st.groups
            .get_mut(key)
            .expect("group just made")
            .waiters
            .push_back(Waiter { seq, fresh, tx });
        if host_ok && !(proxy_ok && total_ok) {
            Err(Wait::Stalled(rx))
        } else {
            Err(Wait::Queued(rx))
        }
    }

    fn count(st: &mut State, key: &Key) {
        st.total += 1;
        if let Some(p) = &key.proxy {
            *st.proxies.entry(p.clone()).or_default() += 1;
        }
    }

    /// Hands `conn` (gone idle) to the oldest live waiter of `key` that can take a pooled
    /// connection; gives it back when there is none.
    pub(crate) fn offer(&self, key: &Key, mut conn: H1Conn) -> Option<H1Conn> {
        loop {
            let waiter = {
                let mut st = self.lock();
                let Some(g) = st.groups.get_mut(key) else {
                    return Some(conn);
                };
                g.waiters.retain(|w| !w.tx.is_closed());
                match g.waiters.iter().position(|w| !w.fresh) {
                    Some(i) => g.waiters.remove(i).expect("position in range"),
                    None => return Some(conn),
                }
            };
            match waiter.tx.send(Grant::Conn(conn)) {
                Ok(()) => return None,
                Err(Grant::Conn(c)) => conn = c,
                Err(_) => return None,
            }
        }
    }

    /// Whether a request to another destination than `key` waits only because the session
    /// (or its proxy) is at its limit: an idle socket to `key` should then close rather than
    /// wait in the pool.
    pub(crate) fn stalled_elsewhere(&self, key: &Key) -> bool {
        let st = self.lock();
        let limits = st.limits;
        let full = st.total >= limits.total;
        st.groups.iter().any(|(k, g)| {
            k != key
                && g.open < limits.per_host
                && (full || (k.proxy.is_some() && k.proxy == key.proxy))
                && g.waiters.iter().any(|w| !w.tx.is_closed())
        })
    }

    /// Whether a live request that can take a pooled connection waits for a socket to `key`.
    pub(crate) fn has_waiter(&self, key: &Key) -> bool {
        self.lock()
            .groups
            .get(key)
            .is_some_and(|g| g.waiters.iter().any(|w| !w.fresh && !w.tx.is_closed()))
    }

    /// An HTTP/2 connection to `key` is in the pool: its waiters look again.
    pub(crate) fn h2_ready(&self, key: &Key) {
        let waiters: Vec<Waiter> = {
            let mut st = self.lock();
            match st.groups.get_mut(key) {
                Some(g) => g.waiters.drain(..).collect(),
                None => return,
            }
        };
        for w in waiters {
            let _ = w.tx.send(Grant::Retry);
        }
    }

    /// Gives free slots to waiters, oldest first, while the limits allow (called with the
    /// lock held; the grants are delivered after it is released).
    fn take_slots(self: &Arc<Self>, st: &mut State) -> Vec<(oneshot::Sender<Grant>, Slot)> {
        let mut grants = Vec::new();
        loop {
            // Waiters whose requests were dropped leave first.
            st.groups.retain(|_, g| {
                g.waiters.retain(|w| !w.tx.is_closed());
                g.open > 0 || !g.waiters.is_empty()
            });
            let (keys, standings): (Vec<&Key>, Vec<Standing>) = st
                .groups
                .iter()
                .filter_map(|(k, g)| {
                    let w = g.waiters.front()?;
                    Some((
                        k,
                        Standing {
                            seq: w.seq,
                            open: g.open,
                            proxy_open: k
                                .proxy
                                .as_ref()
                                .map_or(0, |p| st.proxies.get(p).copied().unwrap_or(0)),
                            proxied: k.proxy.is_some(),
                        },
                    ))
                })
                .unzip();
            let Some(i) = pick(&st.limits, st.total, &standings) else {
                return grants;
            };
            let key = keys[i].clone();
            let g = st.groups.get_mut(&key).expect("picked group");
            let w = g.waiters.pop_front().expect("picked waiter");
            g.open += 1;
            Self::count(st, &key);
            grants.push((
                w.tx,
                Slot {
                    limiter: self.clone(),
                    key,
                },
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(seq: u64, open: usize, proxy_open: usize, proxied: bool) -> Standing {
        Standing {
            seq,
            open,
            proxy_open,
            proxied,
        }
    }

    #[test]
    fn the_oldest_waiter_under_its_limits_gets_the_slot() {
        let l = SocketLimits::default();
        // The oldest group is at its per-host limit: the next oldest goes.
        assert_eq!(
            pick(&l, 10, &[s(1, 6, 0, false), s(2, 3, 0, false)]),
            Some(1)
        );
        assert_eq!(
            pick(&l, 10, &[s(5, 1, 0, false), s(2, 3, 0, false)]),
            Some(1)
        );
        // Through a proxy at its 32: not that one.
        assert_eq!(
            pick(&l, 40, &[s(1, 2, 32, true), s(2, 5, 0, false)]),
            Some(1)
        );
        assert_eq!(
            pick(&l, 40, &[s(1, 2, 31, true), s(2, 5, 0, false)]),
            Some(0)
        );
        // The session at its total: nobody.
        assert_eq!(pick(&l, 256, &[s(1, 0, 0, false)]), None);
        assert_eq!(pick(&l, 3, &[s(1, 6, 0, false)]), None);
        assert_eq!(pick(&l, 0, &[]), None);
    }

    #[test]
    fn limits_are_at_least_one() {
        assert_eq!(SocketLimits::new(0, 0, 0), SocketLimits::new(1, 1, 1));
        assert_eq!(SocketLimits::default(), SocketLimits::new(6, 32, 256));
    }

    fn key(host: &str) -> Key {
        Key {
            https: false,
            host: host.into(),
            port: 80,
            proxy: None,
            websocket: false,
        }
    }

    #[tokio::test]
    async fn a_freed_slot_goes_to_the_queue_and_a_dropped_waiter_is_skipped() {
        let lim = Limiter::new(SocketLimits::new(1, 32, 2));
        let a1 = lim.acquire(&key("a"), false).ok().expect("first slot");
        let Err(Wait::Queued(dead)) = lim.acquire(&key("a"), false) else {
            panic!("a second socket to a waits")
        };
        let Err(Wait::Queued(live)) = lim.acquire(&key("a"), false) else {
            panic!("a third socket to a waits")
        };
        let b1 = lim
            .acquire(&key("b"), false)
            .ok()
            .expect("b has its own group");
        // The session is full: c is stalled by the total, not by its own group.
        let Err(Wait::Stalled(c)) = lim.acquire(&key("c"), false) else {
            panic!("c waits for the session")
        };
        assert_eq!(lim.open(), 2);
        drop(dead);
        drop(a1);
        // The dead waiter was skipped: the live one of a has the slot, c (later) does not.
        let Ok(Grant::Slot(a2)) = live.await else {
            panic!("slot for the live waiter")
        };
        assert_eq!(lim.open(), 2);
        drop(b1);
        let Ok(Grant::Slot(_c1)) = c.await else {
            panic!("c gets b's slot")
        };
        drop(a2);
        assert_eq!(lim.open(), 1);
    }

    #[tokio::test]
    async fn raising_the_limits_serves_the_queue() {
        let lim = Limiter::new(SocketLimits::new(1, 32, 256));
        let _a1 = lim.acquire(&key("a"), false).ok().expect("slot");
        let Err(Wait::Queued(rx)) = lim.acquire(&key("a"), false) else {
            panic!("waits")
        };
        lim.set_limits(SocketLimits::new(2, 32, 256));
        let Ok(Grant::Slot(_a2)) = rx.await else {
            panic!("served")
        };
        assert_eq!(lim.open(), 2);
    }
}
