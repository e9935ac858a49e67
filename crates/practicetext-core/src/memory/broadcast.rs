//! In-memory [`BroadcastStore`].

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};

use super::{MemoryStore, lock};
use crate::broadcast::{Broadcast, RecipientProgress, RecipientStatus};
use crate::ids::{BroadcastId, OrganizationId};
use crate::ports::{BroadcastStore, RecipientClaim, StoreError, Timestamp};

#[derive(Default)]
pub(super) struct BroadcastState {
    /// Broadcasts with their recipients, by organization and id; `order`
    /// keeps creation order for the activity list.
    entries: BTreeMap<(OrganizationId, BroadcastId), Entry>,
    order: Vec<(OrganizationId, BroadcastId)>,
}

struct Entry {
    broadcast: Broadcast,
    recipients: Vec<RecipientProgress>,
}

fn not_found(id: &BroadcastId) -> StoreError {
    StoreError::NotFound {
        what: "broadcast",
        id: id.to_string(),
    }
}

impl BroadcastState {
    fn entry(&mut self, org: &OrganizationId, id: &BroadcastId) -> Result<&mut Entry, StoreError> {
        self.entries
            .get_mut(&(org.clone(), id.clone()))
            .ok_or_else(|| not_found(id))
    }
}

impl BroadcastStore for MemoryStore {
    fn create_broadcast(
        &self,
        broadcast: &Broadcast,
        recipients: &[RecipientProgress],
    ) -> Result<(), StoreError> {
        let in_order = recipients
            .iter()
            .enumerate()
            .all(|(i, r)| r.index as usize == i);
        if !in_order {
            return Err(StoreError::Conflict {
                message: "recipient indexes must be 0, 1, 2, ... in order".into(),
            });
        }
        let mut state = lock(&self.broadcasts)?;
        let key = (broadcast.organization.clone(), broadcast.id.clone());
        if state.entries.contains_key(&key) {
            return Err(StoreError::Conflict {
                message: format!("broadcast '{}' exists", broadcast.id),
            });
        }
        state.order.push(key.clone());
        state.entries.insert(
            key,
            Entry {
                broadcast: broadcast.clone(),
                recipients: recipients.to_vec(),
            },
        );
        Ok(())
    }

    fn broadcast(
        &self,
        org: &OrganizationId,
        id: &BroadcastId,
    ) -> Result<Option<Broadcast>, StoreError> {
        let state = lock(&self.broadcasts)?;
        Ok(state
            .entries
            .get(&(org.clone(), id.clone()))
            .map(|e| e.broadcast.clone()))
    }

    fn broadcasts(&self, org: &OrganizationId) -> Result<Vec<Broadcast>, StoreError> {
        let state = lock(&self.broadcasts)?;
        Ok(state
            .order
            .iter()
            .filter(|(o, _)| o == org)
            .filter_map(|k| state.entries.get(k))
            .map(|e| e.broadcast.clone())
            .collect())
    }

    fn recipients(
        &self,
        org: &OrganizationId,
        id: &BroadcastId,
    ) -> Result<Vec<RecipientProgress>, StoreError> {
        let mut state = lock(&self.broadcasts)?;
        Ok(state.entry(org, id)?.recipients.clone())
    }

    fn claim_recipient(
        &self,
        org: &OrganizationId,
        id: &BroadcastId,
        worker: &str,
        lease: TimeDelta,
        now: Timestamp,
    ) -> Result<RecipientClaim, StoreError> {
        let mut state = lock(&self.broadcasts)?;
        let recipients = &mut state.entry(org, id)?.recipients;
        let interrupted = recipients.iter().position(|r| match &r.status {
            RecipientStatus::Sending {
                worker: w,
                lease_until,
                ..
            } => w == worker || *lease_until <= now,
            _ => false,
        });
        let due = || {
            recipients.iter().position(|r| match r.status {
                RecipientStatus::Pending { not_before, .. } => not_before.is_none_or(|t| t <= now),
                _ => false,
            })
        };
        let (pos, was_sending) = match interrupted {
            Some(i) => (i, true),
            None => match due() {
                Some(i) => (i, false),
                None => return Ok(wait_or_finished(recipients)),
            },
        };
        let Some(r) = recipients.get_mut(pos) else {
            return Ok(wait_or_finished(recipients));
        };
        let retries = match r.status {
            RecipientStatus::Pending { retries, .. } | RecipientStatus::Sending { retries, .. } => {
                retries
            }
            _ => 0,
        };
        r.status = RecipientStatus::Sending {
            worker: worker.to_owned(),
            lease_until: now
                .checked_add_signed(lease)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
            retries,
        };
        Ok(RecipientClaim::Claimed {
            recipient: r.clone(),
            interrupted: was_sending,
        })
    }

    fn update_recipient(
        &self,
        org: &OrganizationId,
        id: &BroadcastId,
        index: u32,
        worker: &str,
        status: &RecipientStatus,
    ) -> Result<(), StoreError> {
        let mut state = lock(&self.broadcasts)?;
        let recipients = &mut state.entry(org, id)?.recipients;
        let r = recipients
            .get_mut(index as usize)
            .ok_or_else(|| StoreError::NotFound {
                what: "broadcast recipient",
                id: index.to_string(),
            })?;
        match &r.status {
            RecipientStatus::Sending { worker: w, .. } if w == worker => {
                r.status = status.clone();
                Ok(())
            }
            _ => Err(StoreError::Conflict {
                message: format!("recipient {index} is not held by worker '{worker}'"),
            }),
        }
    }
}

/// When anything not final may next be claimed, or `Finished`.
fn wait_or_finished(recipients: &[RecipientProgress]) -> RecipientClaim {
    let until = recipients
        .iter()
        .filter_map(|r| match &r.status {
            RecipientStatus::Pending { not_before, .. } => {
                Some(not_before.unwrap_or(DateTime::<Utc>::MIN_UTC))
            }
            RecipientStatus::Sending { lease_until, .. } => Some(*lease_until),
            _ => None,
        })
        .min();
    match until {
        Some(until) => RecipientClaim::NotYet { until },
        None => RecipientClaim::Finished,
    }
}
