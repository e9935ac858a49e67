//! [`UsageStore`] on `usage_days`: one upsert per text adds to the counters
//! in place (saturating at the largest BIGINT), so texts counted by several
//! app servers at once all count. Each connection adds to its own shard of
//! the row (migration 4: its server process id modulo 16), so app servers
//! do not queue at one locked row; reads sum the shards.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use practicetext_core::conversation::Direction;
use practicetext_core::ids::{OrganizationId, Username};
use practicetext_core::inbox::usage::UsageRow;
use practicetext_core::ports::{StoreError, UsageCount, UsageStore};

use crate::PgStore;
use crate::sql::get;

/// The upsert's second half: adds `EXCLUDED`'s counts to the row, each
/// saturating at `i64::MAX`.
macro_rules! add_counts {
    () => {
        " ON CONFLICT (organization_id, day, has_user, username, shard) DO UPDATE SET \
         texts_in = CASE WHEN u.texts_in > 9223372036854775807 - EXCLUDED.texts_in \
             THEN 9223372036854775807 ELSE u.texts_in + EXCLUDED.texts_in END, \
         texts_out = CASE WHEN u.texts_out > 9223372036854775807 - EXCLUDED.texts_out \
             THEN 9223372036854775807 ELSE u.texts_out + EXCLUDED.texts_out END, \
         segments_in = CASE WHEN u.segments_in > 9223372036854775807 - EXCLUDED.segments_in \
             THEN 9223372036854775807 ELSE u.segments_in + EXCLUDED.segments_in END, \
         segments_out = CASE WHEN u.segments_out > 9223372036854775807 - EXCLUDED.segments_out \
             THEN 9223372036854775807 ELSE u.segments_out + EXCLUDED.segments_out END"
    };
}

/// Adds one text's counts to its row (see `add_counts!`).
const RECORD: &str = concat!(
    "INSERT INTO usage_days AS u (organization_id, day, has_user, username, \
     texts_in, texts_out, segments_in, segments_out, shard) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, pg_backend_pid() % 16)",
    add_counts!()
);
/// [`RECORD`] for rows with distinct counters (arrays of the same
/// parameters), in key order.
const RECORD_ALL: &str = concat!(
    "INSERT INTO usage_days AS u (organization_id, day, has_user, username, \
     texts_in, texts_out, segments_in, segments_out, shard) \
     SELECT q.org, q.day, q.has_user, q.username, q.a, q.b, q.c, q.d, pg_backend_pid() % 16 \
     FROM unnest($1::text[], $2::int[], $3::bool[], $4::text[], \
         $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[]) \
         AS q(org, day, has_user, username, a, b, c, d) \
     ORDER BY 1, 2, 3, 4",
    add_counts!()
);
/// The shards' sums, saturating at `i64::MAX` as each shard does.
const USAGE: &str = "SELECT day, has_user, username, \
     least(sum(texts_in), 9223372036854775807)::bigint, \
     least(sum(texts_out), 9223372036854775807)::bigint, \
     least(sum(segments_in), 9223372036854775807)::bigint, \
     least(sum(segments_out), 9223372036854775807)::bigint \
     FROM usage_days WHERE organization_id = $1 AND day BETWEEN $2 AND $3 \
     GROUP BY day, has_user, username ORDER BY day, has_user, username";

/// A day as stored: its number counted from 0001-01-01 as day 1.
fn day_number(day: NaiveDate) -> i32 {
    day.num_days_from_ce()
}

/// What one text adds: texts in, texts out, segments in, segments out.
fn deltas(direction: Direction, segments: u32) -> [i64; 4] {
    let segments = i64::from(segments);
    match direction {
        Direction::Inbound => [1, 0, segments, 0],
        Direction::Outbound => [0, 1, 0, segments],
    }
}

fn bad_row() -> StoreError {
    StoreError::Backend {
        message: "a stored usage row is out of range; it was changed by hand".into(),
    }
}

fn counter(row: &postgres::Row, i: usize) -> Result<u64, StoreError> {
    u64::try_from(get::<i64>(row, i)?).map_err(|_| bad_row())
}

impl UsageStore for PgStore {
    fn record(
        &self,
        org: &OrganizationId,
        user: Option<&Username>,
        day: NaiveDate,
        direction: Direction,
        segments: u32,
    ) -> Result<(), StoreError> {
        let [a, b, c, d] = deltas(direction, segments);
        let (org, day, has_user) = (org.as_str(), day_number(day), user.is_some());
        let username = user.map_or("", |u| u.as_str());
        self.run(|db| db.execute(RECORD, &[&org, &day, &has_user, &username, &a, &b, &c, &d]))?;
        Ok(())
    }

    /// Texts with the same counters added up first (saturating), then
    /// every row in one statement.
    fn record_all(&self, counts: &[UsageCount<'_>]) -> Result<(), StoreError> {
        let mut rows: BTreeMap<(&str, i32, bool, &str), [i64; 4]> = BTreeMap::new();
        for c in counts {
            let key = (
                c.org.as_str(),
                day_number(c.day),
                c.user.is_some(),
                c.user.map_or("", |u| u.as_str()),
            );
            let row = rows.entry(key).or_default();
            for (sum, add) in row.iter_mut().zip(deltas(c.direction, c.segments)) {
                *sum = sum.saturating_add(add);
            }
        }
        if rows.is_empty() {
            return Ok(());
        }
        let orgs: Vec<&str> = rows.keys().map(|k| k.0).collect();
        let days: Vec<i32> = rows.keys().map(|k| k.1).collect();
        let has_user: Vec<bool> = rows.keys().map(|k| k.2).collect();
        let users: Vec<&str> = rows.keys().map(|k| k.3).collect();
        let column = |i: usize| -> Vec<i64> { rows.values().map(|v| v[i]).collect() };
        let (a, b, c, d) = (column(0), column(1), column(2), column(3));
        self.run(|db| {
            db.execute(
                RECORD_ALL,
                &[&orgs, &days, &has_user, &users, &a, &b, &c, &d],
            )
        })?;
        Ok(())
    }

    fn usage(
        &self,
        org: &OrganizationId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<UsageRow>, StoreError> {
        let (from, to) = (day_number(from), day_number(to));
        let rows = self.run(|db| db.rows(USAGE, &[&org.as_str(), &from, &to]))?;
        rows.iter()
            .map(|r| {
                let day = NaiveDate::from_num_days_from_ce_opt(get(r, 0)?).ok_or_else(bad_row)?;
                Ok(UsageRow {
                    day,
                    user: get::<bool>(r, 1)?
                        .then(|| get::<String>(r, 2))
                        .transpose()?
                        .map(Username::new),
                    texts_in: counter(r, 3)?,
                    texts_out: counter(r, 4)?,
                    segments_in: counter(r, 5)?,
                    segments_out: counter(r, 6)?,
                })
            })
            .collect()
    }
}
