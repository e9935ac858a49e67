//! The in-memory store: every storage port kept in maps, one lock per port.
//! For tests, for the CLI's scenario replay and for small hosts that keep
//! nothing between runs. It keeps every promise the SQLite and PostgreSQL
//! stores keep, and runs the same conformance suite.
//!
//! Each port's state and trait implementation live in their own file
//! (`directory.rs`, ...); this file only holds them together.

mod broadcast;
mod consent;
mod conversation;
mod delivery;
mod directory;
mod history;
mod inbound;
mod inbox;
mod keyed;
mod rate;
mod secure;
mod usage;

use std::sync::{Mutex, MutexGuard};

use crate::ports::{Atomic, StoreError};

/// A hash map whose lookups and inserts take borrowed keys
/// ([`hashbrown::HashMap::entry_ref`] clones a key only when it inserts
/// it), so reading or bumping a record copies no id.
type Map<K, V> = hashbrown::HashMap<K, V, rustc_hash::FxBuildHasher>;

/// A store that lives in memory and implements every storage port.
#[derive(Default)]
pub struct MemoryStore {
    directory: Mutex<directory::DirectoryState>,
    deliveries: Mutex<delivery::DeliveryState>,
    consent: Mutex<consent::ConsentLedger>,
    rate: Mutex<rate::RateState>,
    idempotency: Mutex<rate::IdempotencyState>,
    conversations: Mutex<conversation::ConversationState>,
    secure: Mutex<secure::SecureState>,
    history: Mutex<history::HistoryState>,
    inbox: Mutex<inbox::InboxState>,
    usage: Mutex<usage::UsageState>,
    broadcasts: Mutex<broadcast::BroadcastState>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Runs the unit's calls as they come (see [`Atomic::atomically`]): each
/// port has its own lock and a process's memory does not survive a crash.
impl Atomic for MemoryStore {
    fn atomically<R, E, F>(&self, work: F) -> Result<R, E>
    where
        F: FnOnce() -> Result<R, E>,
        E: From<StoreError>,
    {
        work()
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemoryStore { .. }")
    }
}

/// Locks one port's state. A poisoned lock means a panic happened while a
/// write was half done; refuse rather than serve possibly inconsistent state.
fn lock<T>(m: &Mutex<T>) -> Result<MutexGuard<'_, T>, StoreError> {
    m.lock().map_err(|_| StoreError::Backend {
        message: "the in-memory store was poisoned by an earlier panic".into(),
    })
}
