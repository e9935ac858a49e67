//! [`UsageStore`] on `usage_days`: one upsert per text adds to the counters
//! in place (saturating at the largest stored integer), so texts counted by
//! several processes at once all count.

use chrono::{Datelike, NaiveDate};
use practicetext_core::conversation::Direction;
use practicetext_core::ids::{OrganizationId, Username};
use practicetext_core::inbox::usage::UsageRow;
use practicetext_core::ports::{StoreError, UsageStore};
use rusqlite::params;

use std::collections::BTreeMap;

use crate::SqliteStore;
use crate::pending::{Counts, UsageKey};
use crate::record::backend;
use crate::sql::write;

/// Adds `excluded`'s counts to the row, each saturating at `i64::MAX`.
pub(crate) const RECORD: &str = "INSERT INTO usage_days (organization_id, day, has_user, username, \
     texts_in, texts_out, segments_in, segments_out) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
     ON CONFLICT (organization_id, day, has_user, username) DO UPDATE SET \
     texts_in = CASE WHEN texts_in > 9223372036854775807 - excluded.texts_in \
         THEN 9223372036854775807 ELSE texts_in + excluded.texts_in END, \
     texts_out = CASE WHEN texts_out > 9223372036854775807 - excluded.texts_out \
         THEN 9223372036854775807 ELSE texts_out + excluded.texts_out END, \
     segments_in = CASE WHEN segments_in > 9223372036854775807 - excluded.segments_in \
         THEN 9223372036854775807 ELSE segments_in + excluded.segments_in END, \
     segments_out = CASE WHEN segments_out > 9223372036854775807 - excluded.segments_out \
         THEN 9223372036854775807 ELSE segments_out + excluded.segments_out END";
const USAGE: &str = "SELECT day, has_user, username, texts_in, texts_out, segments_in, segments_out \
     FROM usage_days WHERE organization_id = ?1 AND day BETWEEN ?2 AND ?3 \
     ORDER BY day, has_user, username";

/// A day as stored: its number counted from 0001-01-01 as day 1.
fn day_number(day: NaiveDate) -> i32 {
    day.num_days_from_ce()
}

fn bad_row() -> StoreError {
    StoreError::Backend {
        message: "a stored usage row is out of range; it was changed by hand".into(),
    }
}

fn counter(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| bad_row())
}

impl UsageStore for SqliteStore {
    /// Inside a unit, kept for its commit (see [`crate::pending`]).
    fn record(
        &self,
        org: &OrganizationId,
        user: Option<&Username>,
        day: NaiveDate,
        direction: Direction,
        segments: u32,
    ) -> Result<(), StoreError> {
        let segments = i64::from(segments);
        let counts = match direction {
            Direction::Inbound => [1, 0, segments, 0],
            Direction::Outbound => [0, 1, 0, segments],
        };
        let kept = self.keep_for_commit(|p| {
            let key = UsageKey {
                organization: org.as_str().to_owned(),
                day: day_number(day),
                user: user.map(|u| u.as_str().to_owned()),
            };
            p.record_usage(key, counts)
        })?;
        if kept.is_some() {
            return Ok(());
        }
        let username = user.map_or("", |u| u.as_str());
        let params = params![
            org.as_str(),
            day_number(day),
            user.is_some(),
            username,
            counts[0],
            counts[1],
            counts[2],
            counts[3]
        ];
        self.with_conn(|conn| write(conn, RECORD, params))?;
        Ok(())
    }

    /// Inside a unit, the counts it keeps for its commit are added.
    fn usage(
        &self,
        org: &OrganizationId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<UsageRow>, StoreError> {
        let days = day_number(from)..=day_number(to);
        let params = params![org.as_str(), days.start(), days.end()];
        let stored: Vec<(i32, Option<String>, Counts)> = self.with_conn(|conn| {
            let mut stmt = conn.prepare_cached(USAGE).map_err(backend)?;
            let rows = stmt
                .query_map(params, |r| {
                    let user = r
                        .get::<_, bool>(1)?
                        .then(|| r.get::<_, String>(2))
                        .transpose()?;
                    Ok((
                        r.get::<_, i32>(0)?,
                        user,
                        [r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?],
                    ))
                })
                .map_err(backend)?;
            rows.map(|row| row.map_err(backend)).collect()
        })?;
        let kept: Vec<(UsageKey, Counts)> = self
            .keep_for_commit(|p| p.usage_of(org.as_str(), days).cloned().collect())?
            .unwrap_or_default();
        let rows = if kept.is_empty() {
            stored
        } else {
            let mut rows: BTreeMap<(i32, Option<String>), Counts> = stored
                .into_iter()
                .map(|(day, user, counts)| ((day, user), counts))
                .collect();
            // A row whose counts a nested unit took back is no row.
            for (key, counts) in kept.into_iter().filter(|(_, c)| *c != [0; 4]) {
                let row = rows.entry((key.day, key.user)).or_default();
                for (x, y) in row.iter_mut().zip(counts) {
                    *x = x.saturating_add(y);
                }
            }
            rows.into_iter()
                .map(|((day, user), counts)| (day, user, counts))
                .collect()
        };
        rows.into_iter()
            .map(|(day, user, counts)| {
                Ok(UsageRow {
                    day: NaiveDate::from_num_days_from_ce_opt(day).ok_or_else(bad_row)?,
                    user: user.map(Username::new),
                    texts_in: counter(counts[0])?,
                    texts_out: counter(counts[1])?,
                    segments_in: counter(counts[2])?,
                    segments_out: counter(counts[3])?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::plans::assert_searches;

    /// The report goes through the primary key, in the promised order, with
    /// no full scan and no sort.
    #[test]
    fn every_read_searches_an_index_and_needs_no_sort() {
        let store = SqliteStore::open_in_memory().unwrap();
        let guard = store.lock();
        let session = guard.borrow();
        let conn = &session.conn;
        assert_searches(conn, USAGE, "PRIMARY KEY");
    }
}
