//! [`RateWindowStore`] on `rate_acquisitions` and [`IdempotencyStore`] on
//! `idempotency_keys`. Both decide and write in one `IMMEDIATE`
//! transaction: the write lock is held from the read to the commit, so
//! processes racing for one key at one instant get exactly one success.

use chrono::TimeDelta;
use practicetext_core::ids::OrganizationId;
use practicetext_core::ports::{
    Claim, IdempotencyStore, RateKey, RateWindowStore, StoreError, Timestamp,
};
use rusqlite::params;

use crate::SqliteStore;
use crate::record::backend;
use crate::sql::{from_micros, micros, value, write};

/// How long acquisitions are kept after a later one of the same key (and
/// at least one window): `count_since` looks back 24 hours (X4).
const KEEP: TimeDelta = TimeDelta::hours(48);

const LATEST_UP_TO: &str = "SELECT max(at) FROM rate_acquisitions \
     WHERE organization_id = ?1 AND key = ?2 AND at <= ?3";
const ACQUIRE: &str =
    "INSERT INTO rate_acquisitions (organization_id, key, at) VALUES (?1, ?2, ?3)";
const PRUNE: &str = "DELETE FROM rate_acquisitions \
     WHERE organization_id = ?1 AND key = ?2 AND at < ?3";
const LAST: &str = "SELECT max(at) FROM rate_acquisitions WHERE organization_id = ?1 AND key = ?2";
const COUNT_SINCE: &str = "SELECT count(*) FROM rate_acquisitions \
     WHERE organization_id = ?1 AND key = ?2 AND at >= ?3";

/// Takes the key unless it is done or leased at `?3`: one row changed
/// means acquired.
const TAKE: &str = "INSERT INTO idempotency_keys (scope, key, done, lease_until) \
     VALUES (?1, ?2, 0, ?4) ON CONFLICT (scope, key) DO UPDATE SET lease_until = excluded.lease_until \
     WHERE done = 0 AND lease_until <= ?3";
const DONE: &str = "SELECT done FROM idempotency_keys WHERE scope = ?1 AND key = ?2";
pub(crate) const COMPLETE: &str = "INSERT INTO idempotency_keys (scope, key, done, lease_until) \
     VALUES (?1, ?2, 1, ?3) ON CONFLICT (scope, key) DO UPDATE SET done = 1";
/// [`COMPLETE`] in scope `?1` at `?2` for every key of the JSON array of
/// strings `?3` (the completions a unit kept for its commit).
pub(crate) const COMPLETE_ALL: &str = "INSERT INTO idempotency_keys \
     (scope, key, done, lease_until) \
     SELECT ?1, k.value, 1, ?2 FROM json_each(?3) AS k WHERE true \
     ON CONFLICT (scope, key) DO UPDATE SET done = 1";

/// A span in microseconds, saturating (windows and leases beyond ±292,000
/// years are as good as forever).
fn span(d: TimeDelta) -> i64 {
    d.num_microseconds().unwrap_or(if d < TimeDelta::zero() {
        i64::MIN
    } else {
        i64::MAX
    })
}

impl RateWindowStore for SqliteStore {
    fn try_acquire(
        &self,
        org: &OrganizationId,
        key: &RateKey,
        window: TimeDelta,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let (org, key, now_us) = (org.as_str(), key.as_str(), micros(now));
        self.write_tx(|conn| {
            let latest: Option<i64> =
                value(conn, LATEST_UP_TO, params![org, key, now_us])?.flatten();
            if latest.is_some_and(|prev| now_us < prev.saturating_add(span(window))) {
                return Ok(false);
            }
            write(conn, ACQUIRE, params![org, key, now_us])?;
            let forget_before = now_us.saturating_sub(span(KEEP.max(window)));
            write(conn, PRUNE, params![org, key, forget_before])?;
            Ok(true)
        })
    }

    fn last_acquired(
        &self,
        org: &OrganizationId,
        key: &RateKey,
    ) -> Result<Option<Timestamp>, StoreError> {
        let last: Option<i64> = self
            .with_conn(|conn| value(conn, LAST, params![org.as_str(), key.as_str()]))?
            .flatten();
        last.map(from_micros).transpose()
    }

    fn count_since(
        &self,
        org: &OrganizationId,
        key: &RateKey,
        since: Timestamp,
    ) -> Result<u32, StoreError> {
        let params = params![org.as_str(), key.as_str(), micros(since)];
        let n: i64 = self
            .with_conn(|conn| value(conn, COUNT_SINCE, params))?
            .unwrap_or(0);
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }
}

impl IdempotencyStore for SqliteStore {
    fn claim(
        &self,
        scope: &str,
        key: &str,
        lease: TimeDelta,
        now: Timestamp,
    ) -> Result<Claim, StoreError> {
        let claims = self.claim_all(scope, &[key], lease, now)?;
        claims
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::Backend {
                message: "a claim got no answer".into(),
            })
    }

    /// Each key as [`claim`](Self::claim) claims it, in order, the
    /// statements prepared once for all.
    fn claim_all(
        &self,
        scope: &str,
        keys: &[&str],
        lease: TimeDelta,
        now: Timestamp,
    ) -> Result<Vec<Claim>, StoreError> {
        let (now_us, until) = (micros(now), micros(now).saturating_add(span(lease)));
        // The keys the open unit completed (kept for its commit).
        let completed: Vec<bool> = self
            .keep_for_commit(|p| keys.iter().map(|k| p.is_completed(scope, k)).collect())?
            .unwrap_or_else(|| vec![false; keys.len()]);
        self.one_write_tx(|conn| {
            let mut take = conn.prepare_cached(TAKE).map_err(backend)?;
            keys.iter()
                .zip(completed)
                .map(|(key, completed)| {
                    if completed {
                        return Ok(Claim::Done);
                    }
                    if take
                        .execute(params![scope, key, now_us, until])
                        .map_err(backend)?
                        == 1
                    {
                        return Ok(Claim::Acquired);
                    }
                    let done: Option<bool> = value(conn, DONE, params![scope, key])?;
                    Ok(match done {
                        Some(true) => Claim::Done,
                        _ => Claim::InProgress,
                    })
                })
                .collect()
        })
    }

    /// Inside a unit, kept for its commit (see [`crate::pending`]).
    fn complete(&self, scope: &str, key: &str, now: Timestamp) -> Result<(), StoreError> {
        self.complete_all(scope, &[key], now)
    }

    /// Inside a unit, kept for its commit all at once; outside, one
    /// statement per key.
    fn complete_all(&self, scope: &str, keys: &[&str], now: Timestamp) -> Result<(), StoreError> {
        let at = micros(now);
        if self
            .keep_for_commit(|p| keys.iter().for_each(|k| p.complete(scope, k, at)))?
            .is_some()
        {
            return Ok(());
        }
        self.with_conn(|conn| {
            let mut complete = conn.prepare_cached(COMPLETE).map_err(backend)?;
            for key in keys {
                complete.execute(params![scope, key, at]).map_err(backend)?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::plans::assert_searches;

    /// Every read (and every delete's search) goes through an index, in
    /// the promised order, with no full scan and no sort.
    #[test]
    fn every_read_searches_an_index_and_needs_no_sort() {
        let store = SqliteStore::open_in_memory().unwrap();
        let guard = store.lock();
        let session = guard.borrow();
        let conn = &session.conn;
        for (sql, index) in [
            (LATEST_UP_TO, "rate_acquisitions_by_key"),
            (LAST, "rate_acquisitions_by_key"),
            (COUNT_SINCE, "rate_acquisitions_by_key"),
            (PRUNE, "rate_acquisitions_by_key"),
            (DONE, "PRIMARY KEY"),
        ] {
            assert_searches(conn, sql, index);
        }
    }
}
