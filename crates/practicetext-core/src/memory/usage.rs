//! In-memory [`UsageStore`].

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{MemoryStore, lock};
use crate::conversation::Direction;
use crate::ids::{OrganizationId, Username};
use crate::inbox::usage::UsageRow;
use crate::ports::{StoreError, UsageStore};

#[derive(Default)]
pub(super) struct UsageState {
    /// Counters per organization, day and user (`None` sorts first).
    rows: BTreeMap<(OrganizationId, NaiveDate, Option<Username>), UsageRow>,
}

impl UsageStore for MemoryStore {
    fn record(
        &self,
        org: &OrganizationId,
        user: Option<&Username>,
        day: NaiveDate,
        direction: Direction,
        segments: u32,
    ) -> Result<(), StoreError> {
        let user = user.cloned();
        lock(&self.usage)?
            .rows
            .entry((org.clone(), day, user.clone()))
            .or_insert_with(|| UsageRow::empty(day, user))
            .add_text(direction, segments);
        Ok(())
    }

    fn usage(
        &self,
        org: &OrganizationId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<UsageRow>, StoreError> {
        if from > to {
            return Ok(Vec::new());
        }
        let state = lock(&self.usage)?;
        Ok(state
            .rows
            .iter()
            .filter(|((o, day, _), _)| o == org && (from..=to).contains(day))
            .map(|(_, row)| row.clone())
            .collect())
    }
}
