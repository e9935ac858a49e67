//! In-memory [`UsageStore`].

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{Map, MemoryStore, lock};
use crate::conversation::Direction;
use crate::ids::{OrganizationId, Username};
use crate::inbox::usage::UsageRow;
use crate::ports::{StoreError, UsageStore};

#[derive(Default)]
pub(super) struct UsageState {
    /// Counters per organization and day.
    days: Map<OrganizationId, BTreeMap<NaiveDate, Day>>,
}

/// The counters of one day.
#[derive(Default)]
struct Day {
    /// Texts no single user sent or received.
    nobody: Option<UsageRow>,
    /// Per user (`usage` sorts them).
    users: Map<Username, UsageRow>,
}

impl Day {
    /// The rows, `None` first, then by user.
    fn rows(&self) -> impl Iterator<Item = &UsageRow> {
        let mut users: Vec<&UsageRow> = self.users.values().collect();
        users.sort_by(|a, b| a.user.cmp(&b.user));
        self.nobody.iter().chain(users)
    }
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
        let mut state = lock(&self.usage)?;
        let counters = state
            .days
            .entry_ref(org)
            .or_default()
            .entry(day)
            .or_default();
        let row = match user {
            Some(u) => counters
                .users
                .entry_ref(u)
                .or_insert_with(|| UsageRow::empty(day, Some(u.clone()))),
            None => counters
                .nobody
                .get_or_insert_with(|| UsageRow::empty(day, None)),
        };
        row.add_text(direction, segments);
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
            .days
            .get(org)
            .into_iter()
            .flat_map(|days| days.range(from..=to))
            .flat_map(|(_, day)| day.rows())
            .cloned()
            .collect())
    }
}
