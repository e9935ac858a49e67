//! [`BroadcastStore`] on the `broadcasts` and `broadcast_recipients` tables
//! of migration 3. A claim runs in one transaction that picks its row with
//! `SELECT ... FOR UPDATE SKIP LOCKED`: workers on several app servers
//! claiming at once each lock a different recipient, and a row another
//! claim holds is skipped, never handed out twice.

use postgres::Client;
use practicetext_core::broadcast::{Broadcast, RecipientProgress, RecipientStatus};
use practicetext_core::chrono::{DateTime, TimeDelta, Utc};
use practicetext_core::ids::{BroadcastId, OrganizationId};
use practicetext_core::ports::{BroadcastStore, RecipientClaim, StoreError, Timestamp};

use crate::PgStore;
use crate::record::to_json;
use crate::sql::{Db, Params};

const CREATE_BROADCAST: &str = "INSERT INTO broadcasts (organization_id, id, record) \
     VALUES ($1, $2, $3::text::json) ON CONFLICT (organization_id, id) DO NOTHING";
const INSERT_RECIPIENT: &str = "INSERT INTO broadcast_recipients \
     (organization_id, broadcast_id, idx, state, worker, due, record) \
     VALUES ($1, $2, $3, $4, $5, $6, $7::text::json)";
const BROADCAST: &str =
    "SELECT record::text FROM broadcasts WHERE organization_id = $1 AND id = $2";
const BROADCASTS: &str =
    "SELECT record::text FROM broadcasts WHERE organization_id = $1 ORDER BY seq";
const RECIPIENTS: &str = "SELECT record::text FROM broadcast_recipients \
     WHERE organization_id = $1 AND broadcast_id = $2 ORDER BY idx";
const RECIPIENT: &str = "SELECT record::text FROM broadcast_recipients \
     WHERE organization_id = $1 AND broadcast_id = $2 AND idx = $3 FOR UPDATE";
/// A recipient in `sending` this worker holds or whose lease has ended.
const INTERRUPTED: &str = "SELECT record::text FROM broadcast_recipients \
     WHERE organization_id = $1 AND broadcast_id = $2 AND state = 'sending' \
     AND (worker = $3 OR due <= $4) ORDER BY idx LIMIT 1 FOR UPDATE SKIP LOCKED";
/// The pending recipient with the lowest index that is due.
const DUE: &str = "SELECT record::text FROM broadcast_recipients \
     WHERE organization_id = $1 AND broadcast_id = $2 AND state = 'pending' \
     AND (due IS NULL OR due <= $3) ORDER BY idx LIMIT 1 FOR UPDATE SKIP LOCKED";
/// The not-final recipient that may be claimed first (NULL `due` first).
const NEXT_DUE: &str = "SELECT record::text FROM broadcast_recipients \
     WHERE organization_id = $1 AND broadcast_id = $2 AND state IN ('pending', 'sending') \
     ORDER BY due NULLS FIRST LIMIT 1";
const SET_STATUS: &str = "UPDATE broadcast_recipients SET state = $4, worker = $5, due = $6, \
     record = $7::text::json WHERE organization_id = $1 AND broadcast_id = $2 AND idx = $3";

/// `t` as fixed-width text whose byte order is time order, to the
/// nanosecond, over chrono's whole range: seconds shifted to be positive,
/// then the nanoseconds (up to 10 digits: a leap second has 1e9 or more).
fn due_key(t: Timestamp) -> String {
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

/// Fails with not found unless the broadcast exists.
fn require(
    db: &mut Db<'_, Client>,
    org: &OrganizationId,
    id: &BroadcastId,
) -> Result<(), StoreError> {
    let found: Option<Broadcast> =
        db.one("broadcast", BROADCAST, &[&org.as_str(), &id.as_str()])?;
    found.map(|_| ()).ok_or_else(|| not_found(id))
}

/// Writes a recipient's status (and its record) to its row.
fn set_status(
    db: &mut Db<'_, Client>,
    org: &OrganizationId,
    id: &BroadcastId,
    recipient: &RecipientProgress,
) -> Result<(), StoreError> {
    let (state, worker, due) = columns(&recipient.status);
    let record = to_json("broadcast recipient", recipient)?;
    let index = i64::from(recipient.index);
    let params: Params<'_> = &[
        &org.as_str(),
        &id.as_str(),
        &index,
        &state,
        &worker,
        &due,
        &record,
    ];
    db.execute(SET_STATUS, params)?;
    Ok(())
}

/// Claims one recipient inside a transaction (see
/// [`BroadcastStore::claim_recipient`]).
fn claim(
    db: &mut Db<'_, Client>,
    org: &OrganizationId,
    id: &BroadcastId,
    worker: &str,
    lease: TimeDelta,
    now: Timestamp,
) -> Result<RecipientClaim, StoreError> {
    require(db, org, id)?;
    let (o, b, now_key) = (org.as_str(), id.as_str(), due_key(now));
    let what = "broadcast recipient";
    let interrupted: Option<RecipientProgress> =
        db.one(what, INTERRUPTED, &[&o, &b, &worker, &now_key])?;
    let (mut recipient, was_sending) = match interrupted {
        Some(r) => (r, true),
        None => match db.one(what, DUE, &[&o, &b, &now_key])? {
            Some(r) => (r, false),
            None => {
                let next: Option<RecipientProgress> = db.one(what, NEXT_DUE, &[&o, &b])?;
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
    set_status(db, org, id, &recipient)?;
    Ok(RecipientClaim::Claimed {
        recipient,
        interrupted: was_sending,
    })
}

impl BroadcastStore for PgStore {
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
        self.in_tx(|db| {
            let created = db.execute(CREATE_BROADCAST, &[&org, &id, &record])?;
            if created == 0 {
                return Err(StoreError::Conflict {
                    message: format!("broadcast '{}' exists", broadcast.id),
                });
            }
            for r in recipients {
                let (state, worker, due) = columns(&r.status);
                let json = to_json("broadcast recipient", r)?;
                let index = i64::from(r.index);
                db.execute(
                    INSERT_RECIPIENT,
                    &[&org, &id, &index, &state, &worker, &due, &json],
                )?;
            }
            Ok(())
        })
    }

    fn broadcast(
        &self,
        org: &OrganizationId,
        id: &BroadcastId,
    ) -> Result<Option<Broadcast>, StoreError> {
        self.run(|db| db.one("broadcast", BROADCAST, &[&org.as_str(), &id.as_str()]))
    }

    fn broadcasts(&self, org: &OrganizationId) -> Result<Vec<Broadcast>, StoreError> {
        self.run(|db| db.all("broadcast", BROADCASTS, &[&org.as_str()]))
    }

    /// Reads in one transaction: the broadcast and its recipients together.
    fn recipients(
        &self,
        org: &OrganizationId,
        id: &BroadcastId,
    ) -> Result<Vec<RecipientProgress>, StoreError> {
        self.in_tx(|db| {
            require(db, org, id)?;
            db.all(
                "broadcast recipient",
                RECIPIENTS,
                &[&org.as_str(), &id.as_str()],
            )
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
        self.in_tx(|db| claim(db, org, id, worker, lease, now))
    }

    fn update_recipient(
        &self,
        org: &OrganizationId,
        id: &BroadcastId,
        index: u32,
        worker: &str,
        status: &RecipientStatus,
    ) -> Result<(), StoreError> {
        self.in_tx(|db| {
            require(db, org, id)?;
            let params: Params<'_> = &[&org.as_str(), &id.as_str(), &i64::from(index)];
            let found: Option<RecipientProgress> =
                db.one("broadcast recipient", RECIPIENT, params)?;
            let mut recipient = found.ok_or_else(|| StoreError::NotFound {
                what: "broadcast recipient",
                id: index.to_string(),
            })?;
            let held = matches!(&recipient.status,
                RecipientStatus::Sending { worker: w, .. } if w == worker);
            if !held {
                return Err(StoreError::Conflict {
                    message: format!("recipient {index} is not held by worker '{worker}'"),
                });
            }
            recipient.status = status.clone();
            set_status(db, org, id, &recipient)
        })
    }
}

/// The retries a claimed recipient keeps.
fn retries(status: &RecipientStatus) -> u32 {
    match status {
        RecipientStatus::Pending { retries, .. } | RecipientStatus::Sending { retries, .. } => {
            *retries
        }
        _ => 0,
    }
}

/// When the first not-final recipient may next be claimed, or `Finished`.
fn wait_or_finished(next: Option<&RecipientProgress>) -> RecipientClaim {
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
            base - TimeDelta::nanoseconds(1),
            base,
            base + TimeDelta::nanoseconds(1),
            base + TimeDelta::seconds(1),
            DateTime::<Utc>::MAX_UTC,
        ];
        let keys: Vec<String> = times.iter().map(|t| due_key(*t)).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        assert!(keys.iter().all(|k| k.len() == 30), "{keys:?}");
    }
}
