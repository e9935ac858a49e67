//! [`BroadcastStore`] on the `broadcasts` and `broadcast_recipients` tables
//! of migration 3. A claim runs in one `IMMEDIATE` transaction: it takes
//! the database's write lock before reading, so two connections (threads
//! or processes sharing the file) never claim the same recipient.

use practicetext_core::broadcast::{Broadcast, RecipientProgress, RecipientStatus};
use practicetext_core::chrono::{DateTime, TimeDelta, Utc};
use practicetext_core::ids::{BroadcastId, OrganizationId};
use practicetext_core::ports::{BroadcastStore, RecipientClaim, StoreError, Timestamp};
use rusqlite::{Connection, OptionalExtension, Params, params};

use crate::SqliteStore;
use crate::record::{backend, from_json, to_json};

const CREATE_BROADCAST: &str = "INSERT INTO broadcasts (organization_id, id, record) \
     VALUES (?1, ?2, ?3) ON CONFLICT (organization_id, id) DO NOTHING";
const INSERT_RECIPIENT: &str = "INSERT INTO broadcast_recipients \
     (organization_id, broadcast_id, idx, state, worker, due, record) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
const BROADCAST: &str = "SELECT record FROM broadcasts WHERE organization_id = ?1 AND id = ?2";
const BROADCASTS: &str = "SELECT record FROM broadcasts WHERE organization_id = ?1 ORDER BY seq";
const RECIPIENTS: &str = "SELECT record FROM broadcast_recipients \
     WHERE organization_id = ?1 AND broadcast_id = ?2 ORDER BY idx";
const RECIPIENT: &str = "SELECT record FROM broadcast_recipients \
     WHERE organization_id = ?1 AND broadcast_id = ?2 AND idx = ?3";
/// A recipient in `sending` this worker holds or whose lease has ended.
const INTERRUPTED: &str = "SELECT record FROM broadcast_recipients \
     WHERE organization_id = ?1 AND broadcast_id = ?2 AND state = 'sending' \
     AND (worker = ?3 OR due <= ?4) ORDER BY idx LIMIT 1";
/// The pending recipient with the lowest index that is due.
const DUE: &str = "SELECT record FROM broadcast_recipients \
     WHERE organization_id = ?1 AND broadcast_id = ?2 AND state = 'pending' \
     AND (due IS NULL OR due <= ?3) ORDER BY idx LIMIT 1";
/// The not-final recipient that may be claimed first (NULL `due` first).
const NEXT_DUE: &str = "SELECT record FROM broadcast_recipients \
     WHERE organization_id = ?1 AND broadcast_id = ?2 AND state IN ('pending', 'sending') \
     ORDER BY due LIMIT 1";
const SET_STATUS: &str = "UPDATE broadcast_recipients SET state = ?4, worker = ?5, due = ?6, \
     record = ?7 WHERE organization_id = ?1 AND broadcast_id = ?2 AND idx = ?3";

/// `t` as fixed-width text whose byte order is time order, to the
/// nanosecond, over chrono's whole range: seconds shifted to be positive,
/// then the nanoseconds (up to 10 digits: a leap second has 1e9 or more).
pub(crate) fn due_key(t: Timestamp) -> String {
    let seconds = t.timestamp().saturating_add(10_000_000_000_000);
    format!("{seconds:020}{:010}", t.timestamp_subsec_nanos())
}

/// The typed columns of a status: state name, worker, and due instant.
fn columns(status: &RecipientStatus) -> (&'static str, Option<&str>, Option<String>) {
    match status {
        RecipientStatus::Pending { not_before, .. } => ("pending", None, not_before.map(due_key)),
        RecipientStatus::Sending {
            worker,
            lease_until,
            ..
        } => (
            "sending",
            Some(worker.as_str()),
            Some(due_key(*lease_until)),
        ),
        RecipientStatus::Sent { .. } => ("sent", None, None),
        RecipientStatus::Failed { .. } => ("failed", None, None),
        RecipientStatus::Skipped { .. } => ("skipped", None, None),
    }
}

fn not_found(id: &BroadcastId) -> StoreError {
    StoreError::NotFound {
        what: "broadcast",
        id: id.to_string(),
    }
}

/// The record of the one row `sql` selects, if any.
fn one<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    what: &str,
    sql: &str,
    params: impl Params,
) -> Result<Option<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let text: Option<String> = stmt
        .query_row(params, |r| r.get(0))
        .optional()
        .map_err(backend)?;
    text.map(|t| from_json(what, &t)).transpose()
}

/// The records of every row `sql` selects, in its order.
fn all<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    what: &str,
    sql: &str,
    params: impl Params,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let rows = stmt
        .query_map(params, |r| r.get::<_, String>(0))
        .map_err(backend)?;
    rows.map(|text| from_json(what, &text.map_err(backend)?))
        .collect()
}

/// Fails with not found unless the broadcast exists.
fn require(conn: &Connection, org: &OrganizationId, id: &BroadcastId) -> Result<(), StoreError> {
    let found: Option<Broadcast> = one(conn, "broadcast", BROADCAST, [org.as_str(), id.as_str()])?;
    found.map(|_| ()).ok_or_else(|| not_found(id))
}

/// Writes a recipient's status (and its record) to its row.
fn set_status(
    conn: &Connection,
    org: &OrganizationId,
    id: &BroadcastId,
    recipient: &RecipientProgress,
) -> Result<(), StoreError> {
    let (state, worker, due) = columns(&recipient.status);
    let record = to_json("broadcast recipient", recipient)?;
    let mut stmt = conn.prepare_cached(SET_STATUS).map_err(backend)?;
    let keys = (org.as_str(), id.as_str(), recipient.index);
    stmt.execute(params![keys.0, keys.1, keys.2, state, worker, due, record])
        .map_err(backend)?;
    Ok(())
}

impl BroadcastStore for SqliteStore {
    fn create_broadcast(
        &self,
        broadcast: &Broadcast,
        recipients: &[RecipientProgress],
    ) -> Result<(), StoreError> {
        let in_order = (0u64..)
            .zip(recipients)
            .all(|(i, r)| u64::from(r.index) == i);
        if !in_order {
            return Err(StoreError::Conflict {
                message: "recipient indexes must be 0, 1, 2, ... in order".into(),
            });
        }
        let record = to_json("broadcast", broadcast)?;
        let (org, id) = (broadcast.organization.as_str(), broadcast.id.as_str());
        self.write_tx(|tx| {
            let created = tx
                .prepare_cached(CREATE_BROADCAST)
                .and_then(|mut s| s.execute(params![org, id, record]))
                .map_err(backend)?;
            if created == 0 {
                return Err(StoreError::Conflict {
                    message: format!("broadcast '{}' exists", broadcast.id),
                });
            }
            let mut insert = tx.prepare_cached(INSERT_RECIPIENT).map_err(backend)?;
            for r in recipients {
                let (state, worker, due) = columns(&r.status);
                let json = to_json("broadcast recipient", r)?;
                insert
                    .execute(params![org, id, r.index, state, worker, due, json])
                    .map_err(backend)?;
            }
            Ok(())
        })
    }

    fn broadcast(
        &self,
        org: &OrganizationId,
        id: &BroadcastId,
    ) -> Result<Option<Broadcast>, StoreError> {
        let keys = [org.as_str(), id.as_str()];
        self.with_conn(|conn| one(conn, "broadcast", BROADCAST, keys))
    }

    fn broadcasts(&self, org: &OrganizationId) -> Result<Vec<Broadcast>, StoreError> {
        self.with_conn(|conn| all(conn, "broadcast", BROADCASTS, [org.as_str()]))
    }

    /// Reads in one transaction: a consistent list while workers write.
    fn recipients(
        &self,
        org: &OrganizationId,
        id: &BroadcastId,
    ) -> Result<Vec<RecipientProgress>, StoreError> {
        self.read_tx(|tx| {
            require(tx, org, id)?;
            let keys = [org.as_str(), id.as_str()];
            all(tx, "broadcast recipient", RECIPIENTS, keys)
        })
    }

    fn claim_recipient(
        &self,
        org: &OrganizationId,
        id: &BroadcastId,
        worker: &str,
        lease: TimeDelta,
        now: Timestamp,
    ) -> Result<RecipientClaim, StoreError> {
        self.write_tx(|tx| claim(tx, org, id, worker, lease, now))
    }

    fn update_recipient(
        &self,
        org: &OrganizationId,
        id: &BroadcastId,
        index: u32,
        worker: &str,
        status: &RecipientStatus,
    ) -> Result<(), StoreError> {
        self.write_tx(|tx| {
            require(tx, org, id)?;
            let found: Option<RecipientProgress> = one(
                tx,
                "broadcast recipient",
                RECIPIENT,
                params![org.as_str(), id.as_str(), index],
            )?;
            let mut recipient = found.ok_or_else(|| StoreError::NotFound {
                what: "broadcast recipient",
                id: index.to_string(),
            })?;
            if !held_by(&recipient.status, worker) {
                return Err(StoreError::Conflict {
                    message: format!("recipient {index} is not held by worker '{worker}'"),
                });
            }
            recipient.status = status.clone();
            set_status(tx, org, id, &recipient)
        })
    }
}

/// Claims one recipient inside a write transaction (see
/// [`BroadcastStore::claim_recipient`]).
fn claim(
    tx: &Connection,
    org: &OrganizationId,
    id: &BroadcastId,
    worker: &str,
    lease: TimeDelta,
    now: Timestamp,
) -> Result<RecipientClaim, StoreError> {
    require(tx, org, id)?;
    let (o, b, now_key) = (org.as_str(), id.as_str(), due_key(now));
    let what = "broadcast recipient";
    let interrupted: Option<RecipientProgress> =
        one(tx, what, INTERRUPTED, params![o, b, worker, now_key])?;
    let (mut recipient, was_sending) = match interrupted {
        Some(r) => (r, true),
        None => match one(tx, what, DUE, params![o, b, now_key])? {
            Some(r) => (r, false),
            None => {
                let next: Option<RecipientProgress> = one(tx, what, NEXT_DUE, [o, b])?;
                return Ok(wait_or_finished(next.as_ref()));
            }
        },
    };
    recipient.status = RecipientStatus::Sending {
        worker: worker.to_owned(),
        lease_until: now
            .checked_add_signed(lease)
            .unwrap_or(DateTime::<Utc>::MAX_UTC),
        retries: retries(&recipient.status),
    };
    set_status(tx, org, id, &recipient)?;
    Ok(RecipientClaim::Claimed {
        recipient,
        interrupted: was_sending,
    })
}

/// True when `status` is `sending` held by `worker`.
pub(crate) fn held_by(status: &RecipientStatus, worker: &str) -> bool {
    matches!(status, RecipientStatus::Sending { worker: w, .. } if w == worker)
}

/// The retries a claimed recipient keeps.
pub(crate) fn retries(status: &RecipientStatus) -> u32 {
    match status {
        RecipientStatus::Pending { retries, .. } | RecipientStatus::Sending { retries, .. } => {
            *retries
        }
        _ => 0,
    }
}

/// When the first not-final recipient may next be claimed, or `Finished`.
pub(crate) fn wait_or_finished(next: Option<&RecipientProgress>) -> RecipientClaim {
    let until = next.and_then(|r| match &r.status {
        RecipientStatus::Pending { not_before, .. } => {
            Some(not_before.unwrap_or(DateTime::<Utc>::MIN_UTC))
        }
        RecipientStatus::Sending { lease_until, .. } => Some(*lease_until),
        _ => None,
    });
    match until {
        Some(until) => RecipientClaim::NotYet { until },
        None => RecipientClaim::Finished,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_keys_sort_in_time_order_to_the_nanosecond() {
        let base: Timestamp = "2026-11-23T15:00:00Z".parse().unwrap();
        let times = [
            DateTime::<Utc>::MIN_UTC,
            "1901-01-01T00:00:00Z".parse().unwrap(),
            base - TimeDelta::nanoseconds(1),
            base,
            base + TimeDelta::nanoseconds(1),
            base + TimeDelta::milliseconds(999),
            base + TimeDelta::seconds(1),
            DateTime::<Utc>::MAX_UTC,
        ];
        let keys: Vec<String> = times.iter().map(|t| due_key(*t)).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        assert!(keys.iter().all(|k| k.len() == 30), "{keys:?}");
    }

    /// Every read finds its rows through an index with no full scan.
    #[test]
    fn every_read_searches_an_index() {
        let store = SqliteStore::open_in_memory().unwrap();
        let guard = store.lock();
        let session = guard.borrow();
        let conn = &session.conn;
        let reads = [
            BROADCAST,
            BROADCASTS,
            RECIPIENTS,
            RECIPIENT,
            INTERRUPTED,
            DUE,
            NEXT_DUE,
            crate::delivery::DELIVERY,
        ];
        for sql in reads {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let args = ["x"; 4];
            let args = &args[..stmt.parameter_count()];
            let plan: Vec<String> = stmt
                .query_map(rusqlite::params_from_iter(args), |r| r.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert!(
                plan.iter().all(|p| !p.starts_with("SCAN")),
                "{sql}: {plan:?}"
            );
            assert!(plan[0].starts_with("SEARCH"), "{sql}: {plan:?}");
        }
    }
}
