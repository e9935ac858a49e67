//! The `--state` file of `practicetext broadcast run`: the in-memory store,
//! written to a JSON file (temporary file, then rename) after every change
//! of the broadcast or the pace, so a run stopped by Ctrl-C or a crash
//! resumes where it was (SPEC B9). The SQLite store will replace it.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::TimeDelta;
use practicetext_core::broadcast::{Broadcast, RecipientProgress, RecipientStatus, pace_key};
use practicetext_core::consent::{ConsentChange, ConsentState, ConsentTransition};
use practicetext_core::ids::{BroadcastId, OrganizationId};
use practicetext_core::memory::MemoryStore;
use practicetext_core::phone::E164;
use practicetext_core::ports::{
    BroadcastStore, ConsentStore, RateKey, RateWindowStore, RecipientClaim, StoreError, Timestamp,
};
use serde::{Deserialize, Serialize};

/// What the state file holds.
#[derive(Serialize, Deserialize)]
pub struct Saved {
    /// Format version.
    pub version: u32,
    /// The broadcast.
    pub broadcast: Broadcast,
    /// Its recipients as they stand.
    pub recipients: Vec<RecipientProgress>,
    /// When the last alert from its number went out (the pace, B5).
    pub pace_last_acquired: Option<Timestamp>,
}

/// A [`MemoryStore`] that saves its broadcast to `path` after each change.
pub struct StateStore {
    inner: MemoryStore,
    path: Option<PathBuf>,
    org: OrganizationId,
}

impl StateStore {
    /// A store saving to `path` (or nowhere).
    pub fn new(inner: MemoryStore, path: Option<PathBuf>, org: OrganizationId) -> Self {
        StateStore { inner, path, org }
    }

    /// The state saved at `path`, if the file exists.
    pub fn load(path: &Path) -> anyhow::Result<Option<Saved>> {
        match fs::read_to_string(path) {
            Ok(text) => {
                let saved: Saved = serde_json::from_str(&text)
                    .map_err(|e| anyhow::anyhow!("{} is not a state file: {e}", path.display()))?;
                Ok(Some(saved))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
        }
    }

    /// Puts a saved broadcast back into the store.
    pub fn restore(&self, saved: &Saved) -> Result<(), StoreError> {
        self.inner
            .create_broadcast(&saved.broadcast, &saved.recipients)?;
        if let Some(at) = saved.pace_last_acquired {
            let key = pace_key(saved.broadcast.from);
            self.inner
                .try_acquire(&self.org, &key, TimeDelta::zero(), at)?;
        }
        Ok(())
    }

    /// Writes the state file: a temporary file beside it, then a rename,
    /// so the file is always whole.
    fn save(&self) -> Result<(), StoreError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let Some(broadcast) = self.inner.broadcasts(&self.org)?.into_iter().next() else {
            return Ok(());
        };
        let saved = Saved {
            version: 1,
            recipients: self.inner.recipients(&self.org, &broadcast.id)?,
            pace_last_acquired: self
                .inner
                .last_acquired(&self.org, &pace_key(broadcast.from))?,
            broadcast,
        };
        let backend = |e: &dyn std::fmt::Display| StoreError::Backend {
            message: format!("cannot write the state file {}: {e}", path.display()),
        };
        let json = serde_json::to_vec(&saved).map_err(|e| backend(&e))?;
        let tmp = path.with_extension("tmp");
        fs::write(&tmp, json).map_err(|e| backend(&e))?;
        fs::rename(&tmp, path).map_err(|e| backend(&e))
    }
}

impl ConsentStore for StateStore {
    fn consent(&self, org: &OrganizationId, number: E164) -> Result<ConsentState, StoreError> {
        self.inner.consent(org, number)
    }
    fn record_consent(
        &self,
        org: &OrganizationId,
        change: &ConsentChange,
    ) -> Result<ConsentTransition, StoreError> {
        self.inner.record_consent(org, change)
    }
    fn consent_history(
        &self,
        org: &OrganizationId,
        number: Option<E164>,
    ) -> Result<Vec<ConsentChange>, StoreError> {
        self.inner.consent_history(org, number)
    }
}

impl RateWindowStore for StateStore {
    fn try_acquire(
        &self,
        org: &OrganizationId,
        key: &RateKey,
        window: TimeDelta,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let acquired = self.inner.try_acquire(org, key, window, now)?;
        if acquired {
            self.save()?;
        }
        Ok(acquired)
    }
    fn last_acquired(
        &self,
        org: &OrganizationId,
        key: &RateKey,
    ) -> Result<Option<Timestamp>, StoreError> {
        self.inner.last_acquired(org, key)
    }
    fn count_since(
        &self,
        org: &OrganizationId,
        key: &RateKey,
        since: Timestamp,
    ) -> Result<u32, StoreError> {
        self.inner.count_since(org, key, since)
    }
}

impl BroadcastStore for StateStore {
    fn create_broadcast(
        &self,
        broadcast: &Broadcast,
        recipients: &[RecipientProgress],
    ) -> Result<(), StoreError> {
        self.inner.create_broadcast(broadcast, recipients)?;
        self.save()
    }
    fn broadcast(
        &self,
        org: &OrganizationId,
        id: &BroadcastId,
    ) -> Result<Option<Broadcast>, StoreError> {
        self.inner.broadcast(org, id)
    }
    fn broadcasts(&self, org: &OrganizationId) -> Result<Vec<Broadcast>, StoreError> {
        self.inner.broadcasts(org)
    }
    fn recipients(
        &self,
        org: &OrganizationId,
        id: &BroadcastId,
    ) -> Result<Vec<RecipientProgress>, StoreError> {
        self.inner.recipients(org, id)
    }
    fn claim_recipient(
        &self,
        org: &OrganizationId,
        id: &BroadcastId,
        worker: &str,
        lease: TimeDelta,
        now: Timestamp,
    ) -> Result<RecipientClaim, StoreError> {
        let claim = self.inner.claim_recipient(org, id, worker, lease, now)?;
        if matches!(claim, RecipientClaim::Claimed { .. }) {
            self.save()?;
        }
        Ok(claim)
    }
    fn update_recipient(
        &self,
        org: &OrganizationId,
        id: &BroadcastId,
        index: u32,
        worker: &str,
        status: &RecipientStatus,
    ) -> Result<(), StoreError> {
        self.inner
            .update_recipient(org, id, index, worker, status)?;
        self.save()
    }
}
