//! In-memory [`RateWindowStore`] and [`IdempotencyStore`].

use std::collections::BTreeMap;

use chrono::TimeDelta;

use super::{MemoryStore, lock};
use crate::ids::OrganizationId;
use crate::ports::{Claim, IdempotencyStore, RateKey, RateWindowStore, StoreError, Timestamp};

#[derive(Default)]
pub(super) struct RateState {
    /// Successful acquisitions per key, in time order.
    acquisitions: BTreeMap<(OrganizationId, RateKey), Vec<Timestamp>>,
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
    /// By (scope, key): a hash map, as the keys only grow (one per provider
    /// message id) and are never listed in order.
    keys: rustc_hash::FxHashMap<(String, String), Slot>,
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
            .entry((org.clone(), key.clone()))
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
        let state = lock(&self.rate)?;
        Ok(state
            .acquisitions
            .get(&(org.clone(), key.clone()))
            .and_then(|t| t.last().copied()))
    }

    fn count_since(
        &self,
        org: &OrganizationId,
        key: &RateKey,
        since: Timestamp,
    ) -> Result<u32, StoreError> {
        let state = lock(&self.rate)?;
        let n = state
            .acquisitions
            .get(&(org.clone(), key.clone()))
            .map_or(0, |t| t.len() - t.partition_point(|&at| at < since));
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
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
        let k = (scope.to_owned(), key.to_owned());
        let outcome = match state.keys.get(&k) {
            Some(Slot::Done) => Claim::Done,
            Some(Slot::InProgress { until }) if now < *until => Claim::InProgress,
            _ => Claim::Acquired,
        };
        if outcome == Claim::Acquired {
            state
                .keys
                .insert(k, Slot::InProgress { until: now + lease });
        }
        Ok(outcome)
    }

    fn complete(&self, scope: &str, key: &str, _now: Timestamp) -> Result<(), StoreError> {
        let mut state = lock(&self.idempotency)?;
        state
            .keys
            .insert((scope.to_owned(), key.to_owned()), Slot::Done);
        Ok(())
    }
}
