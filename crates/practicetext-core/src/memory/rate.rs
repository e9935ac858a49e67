//! In-memory [`RateWindowStore`] and [`IdempotencyStore`].

use chrono::TimeDelta;

use super::keyed::HashedSet;
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

/// The idempotency keys of one scope.
#[derive(Default)]
struct Keys {
    /// Keys handled for good: a hash set, as they only grow (one per
    /// provider message id) and are never listed.
    done: HashedSet<Box<str>>,
    /// Keys claimed and not completed yet (a few at a time), with the
    /// instant their claim lapses.
    claimed: Map<Box<str>, Timestamp>,
}

#[derive(Default)]
pub(super) struct IdempotencyState {
    /// By scope.
    keys: Map<String, Keys>,
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
        let keys = state.keys.entry_ref(scope).or_default();
        if keys.done.get(key).is_some() {
            return Ok(Claim::Done);
        }
        match keys.claimed.get_mut(key) {
            Some(until) if now < *until => Ok(Claim::InProgress),
            Some(until) => {
                *until = now + lease;
                Ok(Claim::Acquired)
            }
            None => {
                keys.claimed.insert(key.into(), now + lease);
                Ok(Claim::Acquired)
            }
        }
    }

    fn complete(&self, scope: &str, key: &str, _now: Timestamp) -> Result<(), StoreError> {
        let mut state = lock(&self.idempotency)?;
        let keys = state.keys.entry_ref(scope).or_default();
        // The claimed key's copy moves to the done keys.
        let owned = keys.claimed.remove_entry(key).map(|(k, _)| k);
        keys.done
            .get_or_insert_with(key, || (owned.unwrap_or_else(|| key.into()), ()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use chrono::DateTime;
    use proptest::prelude::*;

    use super::*;

    /// The reference: one map from scope and key to where the key stands
    /// (how this store kept them before the done keys got their own set).
    #[derive(Default)]
    struct Reference {
        keys: HashMap<(String, String), Option<Timestamp>>,
    }

    impl Reference {
        /// `Some(until)`: claimed until then; `None`: done.
        fn claim(&mut self, scope: &str, key: &str, lease: TimeDelta, now: Timestamp) -> Claim {
            let slot = self
                .keys
                .entry((scope.into(), key.into()))
                .or_insert(Some(now));
            match slot {
                None => Claim::Done,
                Some(until) if now < *until => Claim::InProgress,
                Some(until) => {
                    *until = now + lease;
                    Claim::Acquired
                }
            }
        }

        fn complete(&mut self, scope: &str, key: &str) {
            self.keys.insert((scope.into(), key.into()), None);
        }
    }

    proptest! {
        /// V10: claims and completions over a few scopes, keys, instants and
        /// leases answer as the reference does.
        #[test]
        fn v10_claims_agree_with_the_reference(
            steps in proptest::collection::vec(
                (any::<bool>(), 0u8..2, 0u8..4, 0i64..200, 0i64..60),
                0..200,
            ),
        ) {
            let store = MemoryStore::new();
            let mut reference = Reference::default();
            let scopes = ["inbound", "broadcast"];
            for (complete, scope, key, secs, lease) in steps {
                let scope = scopes[usize::from(scope)];
                let key = format!("SM{key}");
                let now = DateTime::from_timestamp(secs, 0).unwrap_or_default();
                if complete {
                    prop_assert!(store.complete(scope, &key, now).is_ok());
                    reference.complete(scope, &key);
                } else {
                    let lease = TimeDelta::seconds(lease);
                    prop_assert_eq!(
                        store.claim(scope, &key, lease, now).ok(),
                        Some(reference.claim(scope, &key, lease, now))
                    );
                }
            }
        }
    }
}
