//! In-memory [`RateWindowStore`] and [`IdempotencyStore`].

use chrono::TimeDelta;

use super::keyed::HashedMap;
use super::{Map, MemoryStore, lock};
use crate::ids::OrganizationId;
use crate::ports::{Claim, IdempotencyStore, RateKey, RateWindowStore, StoreError, Timestamp};

#[derive(Default)]
pub(super) struct RateState {
    /// Successful acquisitions per organization and key, in time order.
    acquisitions: Map<OrganizationId, Map<RateKey, Vec<Timestamp>>>,
}

impl RateState {
    /// The last acquisition of `key`.
    pub(super) fn last(&self, org: &OrganizationId, key: &RateKey) -> Option<Timestamp> {
        self.times(org, key).last().copied()
    }

    /// How many acquisitions of `key` happened at or after `since`.
    pub(super) fn count_since(&self, org: &OrganizationId, key: &RateKey, since: Timestamp) -> u32 {
        let times = self.times(org, key);
        let n = times.len() - times.partition_point(|&at| at < since);
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    fn times(&self, org: &OrganizationId, key: &RateKey) -> &[Timestamp] {
        self.acquisitions
            .get(org)
            .and_then(|keys| keys.get(key))
            .map_or(&[], Vec::as_slice)
    }
}

/// Where an idempotency key stands.
enum Slot {
    /// Claimed; the claim lapses at this instant if not completed.
    InProgress { until: Timestamp },
    /// Handled for good.
    Done,
}

#[derive(Default)]
pub(super) struct IdempotencyState {
    /// By scope, then key: hash maps, as the keys only grow (one per
    /// provider message id) and are never listed in order.
    keys: Map<String, HashedMap<Box<str>, Slot>>,
}

impl RateWindowStore for MemoryStore {
    fn try_acquire(
        &self,
        org: &OrganizationId,
        key: &RateKey,
        window: TimeDelta,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut state = lock(&self.rate)?;
        let times = state
            .acquisitions
            .entry_ref(org)
            .or_default()
            .entry_ref(key)
            .or_default();
        // Kept sorted, so a late caller with an earlier `now` still finds
        // the acquisitions around it.
        let at = times.partition_point(|&t| t <= now);
        let blocked = at > 0 && times.get(at - 1).is_some_and(|&prev| now < prev + window);
        if blocked {
            return Ok(false);
        }
        times.insert(at, now);
        Ok(true)
    }

    fn last_acquired(
        &self,
        org: &OrganizationId,
        key: &RateKey,
    ) -> Result<Option<Timestamp>, StoreError> {
        Ok(lock(&self.rate)?.last(org, key))
    }

    fn count_since(
        &self,
        org: &OrganizationId,
        key: &RateKey,
        since: Timestamp,
    ) -> Result<u32, StoreError> {
        Ok(lock(&self.rate)?.count_since(org, key, since))
    }
}

impl IdempotencyStore for MemoryStore {
    fn claim(
        &self,
        scope: &str,
        key: &str,
        lease: TimeDelta,
        now: Timestamp,
    ) -> Result<Claim, StoreError> {
        let mut state = lock(&self.idempotency)?;
        let slot = state
            .keys
            .entry_ref(scope)
            .or_default()
            .get_or_insert_with(key, || (key.into(), Slot::InProgress { until: now }));
        let outcome = match slot {
            Slot::Done => Claim::Done,
            Slot::InProgress { until } if now < *until => Claim::InProgress,
            Slot::InProgress { .. } => Claim::Acquired,
        };
        if outcome == Claim::Acquired {
            *slot = Slot::InProgress { until: now + lease };
        }
        Ok(outcome)
    }

    fn complete(&self, scope: &str, key: &str, _now: Timestamp) -> Result<(), StoreError> {
        let mut state = lock(&self.idempotency)?;
        *state
            .keys
            .entry_ref(scope)
            .or_default()
            .get_or_insert_with(key, || (key.into(), Slot::Done)) = Slot::Done;
        Ok(())
    }
}
