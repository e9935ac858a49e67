//! [`RateWindowStore`] on `rate_keys` and `rate_acquisitions`, and
//! [`IdempotencyStore`] on `idempotency_keys`.
//!
//! Atomic across app servers: an acquisition in time order is one
//! statement, an upsert on the key's row whose `DO UPDATE ... WHERE last +
//! window <= now` is evaluated on the latest committed row after waiting
//! for any racing writer, so of four servers acquiring one key at one
//! instant exactly one gets the row. A caller whose `now` is earlier than
//! the key's latest acquisition (a late worker) locks the key's row and
//! judges by the acquisitions before its `now`. A claim is the same kind
//! of conditional upsert.

use std::collections::HashSet;

use chrono::TimeDelta;
use postgres::GenericClient;
use practicetext_core::ids::OrganizationId;
use practicetext_core::ports::{
    Claim, IdempotencyStore, RateKey, RateWindowStore, StoreError, Timestamp,
};

use crate::PgStore;
use crate::sql::{Db, from_micros, get, micros};

/// How long acquisitions are kept after a later one of the same key (and
/// at least one window): `count_since` looks back 24 hours (X4).
const KEEP: TimeDelta = TimeDelta::hours(48);

/// In time order: takes the key if its latest acquisition is at or before
/// `$4` (= now - window), logs the acquisition and forgets old ones.
const ACQUIRE_IN_ORDER: &str = "WITH k AS (\
         INSERT INTO rate_keys AS r (organization_id, key, last_at) VALUES ($1, $2, $3) \
         ON CONFLICT (organization_id, key) DO UPDATE SET last_at = EXCLUDED.last_at \
         WHERE r.last_at <= $4 RETURNING 1), \
     logged AS (INSERT INTO rate_acquisitions (organization_id, key, at) \
         SELECT $1, $2, $3 FROM k RETURNING 1), \
     forgotten AS (DELETE FROM rate_acquisitions \
         WHERE organization_id = $1 AND key = $2 AND at < $5 AND EXISTS (SELECT 1 FROM k)) \
     SELECT count(*) FROM logged";
const LOCK_KEY: &str =
    "SELECT last_at FROM rate_keys WHERE organization_id = $1 AND key = $2 FOR UPDATE";
const LATEST_UP_TO: &str = "SELECT max(at) FROM rate_acquisitions \
     WHERE organization_id = $1 AND key = $2 AND at <= $3";
const LOG: &str = "INSERT INTO rate_acquisitions (organization_id, key, at) VALUES ($1, $2, $3)";
const LAST: &str = "SELECT last_at FROM rate_keys WHERE organization_id = $1 AND key = $2";
const COUNT_SINCE: &str = "SELECT count(*) FROM rate_acquisitions \
     WHERE organization_id = $1 AND key = $2 AND at >= $3";

/// Takes the key unless it is done or its lease still runs at `$3`.
const CLAIM: &str = "INSERT INTO idempotency_keys AS k (scope, key, done, lease_until) \
     VALUES ($1, $2, false, $4) ON CONFLICT (scope, key) DO UPDATE \
     SET lease_until = EXCLUDED.lease_until WHERE NOT k.done AND k.lease_until <= $3";
/// [`CLAIM`] for distinct keys (`$2`), in key order; returns the keys
/// acquired.
const CLAIM_ALL: &str = "INSERT INTO idempotency_keys AS k (scope, key, done, lease_until) \
     SELECT $1, u, false, $4 FROM unnest($2::text[]) AS u ORDER BY u \
     ON CONFLICT (scope, key) DO UPDATE \
     SET lease_until = EXCLUDED.lease_until WHERE NOT k.done AND k.lease_until <= $3 \
     RETURNING key";
const CLAIM_STATES: &str =
    "SELECT key, done FROM idempotency_keys WHERE scope = $1 AND key = ANY($2::text[])";
/// [`COMPLETE`] for distinct keys, in key order.
const COMPLETE_ALL: &str = "INSERT INTO idempotency_keys (scope, key, done, lease_until) \
     SELECT $1, u, true, $3 FROM unnest($2::text[]) AS u ORDER BY u \
     ON CONFLICT (scope, key) DO UPDATE SET done = true";
const CLAIM_STATE: &str = "SELECT done FROM idempotency_keys WHERE scope = $1 AND key = $2";
const COMPLETE: &str = "INSERT INTO idempotency_keys (scope, key, done, lease_until) \
     VALUES ($1, $2, true, $3) ON CONFLICT (scope, key) DO UPDATE SET done = true";

/// A span in microseconds, saturating (windows and leases beyond ±292,000
/// years are as good as forever).
fn span(d: TimeDelta) -> i64 {
    d.num_microseconds().unwrap_or(if d < TimeDelta::zero() {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// The acquisition of a late worker, with the key's row locked: judged by
/// the latest acquisition at or before `now`.
fn acquire_out_of_order<C: GenericClient>(
    db: &mut Db<'_, C>,
    (org, key): (&str, &str),
    window: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let locked = db.row(LOCK_KEY, &[&org, &key])?;
    if locked.is_none() {
        return Ok(false);
    }
    let latest: Option<i64> = match db.row(LATEST_UP_TO, &[&org, &key, &now])? {
        Some(r) => get(&r, 0)?,
        None => None,
    };
    if latest.is_some_and(|prev| now < prev.saturating_add(window)) {
        return Ok(false);
    }
    db.execute(LOG, &[&org, &key, &now])?;
    Ok(true)
}

impl RateWindowStore for PgStore {
    fn try_acquire(
        &self,
        org: &OrganizationId,
        key: &RateKey,
        window: TimeDelta,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let (ids, now) = ((org.as_str(), key.as_str()), micros(now));
        let window = span(window).max(0);
        let free_before = now.saturating_sub(window);
        let forget_before = now.saturating_sub(span(KEEP).max(window));
        let params: [&(dyn postgres::types::ToSql + Sync); 5] =
            [&ids.0, &ids.1, &now, &free_before, &forget_before];
        let logged = self.run(|db| match db.row(ACQUIRE_IN_ORDER, &params)? {
            Some(r) => get::<i64>(&r, 0),
            None => Ok(0),
        })?;
        if logged > 0 {
            return Ok(true);
        }
        let last = self.last_micros(ids)?;
        if last.is_none_or(|last| last <= now) {
            return Ok(false);
        }
        self.in_tx(|db| acquire_out_of_order(db, ids, window, now))
    }

    fn last_acquired(
        &self,
        org: &OrganizationId,
        key: &RateKey,
    ) -> Result<Option<Timestamp>, StoreError> {
        self.last_micros((org.as_str(), key.as_str()))?
            .map(from_micros)
            .transpose()
    }

    fn count_since(
        &self,
        org: &OrganizationId,
        key: &RateKey,
        since: Timestamp,
    ) -> Result<u32, StoreError> {
        let params: [&(dyn postgres::types::ToSql + Sync); 3] =
            [&org.as_str(), &key.as_str(), &micros(since)];
        let n = self.run(|db| match db.row(COUNT_SINCE, &params)? {
            Some(r) => get::<i64>(&r, 0),
            None => Ok(0),
        })?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }
}

impl PgStore {
    /// The key's latest acquisition in microseconds, if any.
    fn last_micros(&self, (org, key): (&str, &str)) -> Result<Option<i64>, StoreError> {
        self.run(|db| db.row(LAST, &[&org, &key])?.map(|r| get(&r, 0)).transpose())
    }
}

impl IdempotencyStore for PgStore {
    fn claim(
        &self,
        scope: &str,
        key: &str,
        lease: TimeDelta,
        now: Timestamp,
    ) -> Result<Claim, StoreError> {
        let now = micros(now);
        let until = now.saturating_add(span(lease));
        self.run(|db| {
            if db.execute(CLAIM, &[&scope, &key, &now, &until])? == 1 {
                return Ok(Claim::Acquired);
            }
            let done = db.row(CLAIM_STATE, &[&scope, &key])?;
            Ok(match done.map(|r| get::<bool>(&r, 0)).transpose()? {
                Some(true) => Claim::Done,
                _ => Claim::InProgress,
            })
        })
    }

    fn complete(&self, scope: &str, key: &str, now: Timestamp) -> Result<(), StoreError> {
        self.run(|db| db.execute(COMPLETE, &[&scope, &key, &micros(now)]))?;
        Ok(())
    }

    /// Distinct keys in one statement (and one more for the keys not
    /// acquired); repeated keys one by one.
    fn claim_all(
        &self,
        scope: &str,
        keys: &[&str],
        lease: TimeDelta,
        now: Timestamp,
    ) -> Result<Vec<Claim>, StoreError> {
        let mut distinct: Vec<&str> = keys.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        if keys.len() < 2 || distinct.len() != keys.len() {
            return keys
                .iter()
                .map(|k| self.claim(scope, k, lease, now))
                .collect();
        }
        let now = micros(now);
        let until = now.saturating_add(span(lease));
        self.run(|db| {
            let acquired: HashSet<String> = db
                .rows(CLAIM_ALL, &[&scope, &distinct, &now, &until])?
                .iter()
                .map(|r| get(r, 0))
                .collect::<Result<_, _>>()?;
            let rest: Vec<&str> = keys
                .iter()
                .copied()
                .filter(|k| !acquired.contains(*k))
                .collect();
            let mut done = HashSet::new();
            if !rest.is_empty() {
                for r in db.rows(CLAIM_STATES, &[&scope, &rest])? {
                    if get::<bool>(&r, 1)? {
                        done.insert(get::<String>(&r, 0)?);
                    }
                }
            }
            Ok(keys
                .iter()
                .map(|k| match (acquired.contains(*k), done.contains(*k)) {
                    (true, _) => Claim::Acquired,
                    (false, true) => Claim::Done,
                    (false, false) => Claim::InProgress,
                })
                .collect())
        })
    }

    /// Every key in one statement.
    fn complete_all(&self, scope: &str, keys: &[&str], now: Timestamp) -> Result<(), StoreError> {
        let mut distinct: Vec<&str> = keys.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.is_empty() {
            return Ok(());
        }
        self.run(|db| db.execute(COMPLETE_ALL, &[&scope, &distinct, &micros(now)]))?;
        Ok(())
    }
}
