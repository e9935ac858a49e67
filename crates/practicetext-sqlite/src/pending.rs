//! Writes a unit keeps in memory and makes just before its commit: usage
//! counts ([`UsageStore::record`]) and idempotency completions
//! ([`IdempotencyStore::complete`]). A batch of inbound texts adds to the
//! same usage row and completes one key per text; written at the commit
//! they take one statement per usage row and one for all the keys, instead
//! of two statements per text.
//!
//! Nothing else can tell the difference: the unit holds the write lock
//! from its `BEGIN IMMEDIATE` to its commit, so no other connection reads
//! these rows before the commit; a unit that rolls back (or a nested unit,
//! a savepoint, that does) drops what it kept; and this connection's own
//! reads of them inside the unit ([`IdempotencyStore::claim`],
//! [`UsageStore::usage`]) add what is kept to what the file holds.
//!
//! [`UsageStore::record`]: practicetext_core::ports::UsageStore::record
//! [`UsageStore::usage`]: practicetext_core::ports::UsageStore::usage
//! [`IdempotencyStore::complete`]: practicetext_core::ports::IdempotencyStore::complete
//! [`IdempotencyStore::claim`]: practicetext_core::ports::IdempotencyStore::claim

use practicetext_core::ports::StoreError;
use rusqlite::{Connection, params};

use crate::record::to_json;
use crate::sql::write;

/// Counts added to one usage row: texts in, texts out, segments in,
/// segments out.
pub(crate) type Counts = [i64; 4];

/// One usage row's key: organization, day number, user (`None`: no single
/// user).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct UsageKey {
    pub(crate) organization: String,
    pub(crate) day: i32,
    pub(crate) user: Option<String>,
}

/// A completed idempotency key: scope, key, and the instant (microseconds)
/// a new row's lease is set to.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Completed {
    scope: String,
    key: String,
    at: i64,
}

/// What the open unit keeps for its commit.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    /// Usage rows with the counts to add, each key once.
    usage: Vec<(UsageKey, Counts)>,
    /// Every count added, in order (what a nested unit's rollback takes
    /// back).
    usage_log: Vec<(usize, Counts)>,
    completed: Vec<Completed>,
    /// For each open nested unit: the lengths of `usage_log` and
    /// `completed` when it opened.
    marks: Vec<(usize, usize)>,
    /// Tests only: write at once, as without this module (the reference
    /// of the model test).
    #[cfg(test)]
    pub(crate) immediate: bool,
}

/// Adds without overflowing (counters saturate, as the stored ones do).
fn add(a: &mut Counts, b: &Counts) {
    for (x, y) in a.iter_mut().zip(b) {
        *x = x.saturating_add(*y);
    }
}

/// `a - b` for counts `b` added to `a` before (undoes `add` unless it
/// saturated; a saturated row stays saturated).
fn sub(a: &mut Counts, b: &Counts) {
    for (x, y) in a.iter_mut().zip(b) {
        if *x != i64::MAX {
            *x -= *y;
        }
    }
}

impl Pending {
    /// Keeps `counts` for the usage row `key`.
    pub(crate) fn record_usage(&mut self, key: UsageKey, counts: Counts) {
        let place = match self.usage.iter().position(|(k, _)| *k == key) {
            Some(place) => place,
            None => {
                self.usage.push((key, [0; 4]));
                self.usage.len() - 1
            }
        };
        if let Some((_, row)) = self.usage.get_mut(place) {
            add(row, &counts);
        }
        self.usage_log.push((place, counts));
    }

    /// Keeps the completion of `key` in `scope` at `at`.
    pub(crate) fn complete(&mut self, scope: &str, key: &str, at: i64) {
        self.completed.push(Completed {
            scope: scope.to_owned(),
            key: key.to_owned(),
            at,
        });
    }

    /// Whether the unit completed `key` in `scope`.
    pub(crate) fn is_completed(&self, scope: &str, key: &str) -> bool {
        self.completed
            .iter()
            .any(|c| c.scope == scope && c.key == key)
    }

    /// The usage rows kept for `organization` with a day in `days`.
    pub(crate) fn usage_of<'a>(
        &'a self,
        organization: &'a str,
        days: std::ops::RangeInclusive<i32>,
    ) -> impl Iterator<Item = &'a (UsageKey, Counts)> + 'a {
        self.usage
            .iter()
            .filter(move |(k, _)| k.organization == organization && days.contains(&k.day))
    }

    /// A nested unit opened.
    pub(crate) fn nested_opened(&mut self) {
        self.marks
            .push((self.usage_log.len(), self.completed.len()));
    }

    /// A nested unit closed: what it kept stays with the unit around it
    /// when it was `kept`, and is dropped when it rolled back.
    pub(crate) fn nested_closed(&mut self, kept: bool) {
        let Some((usage, completed)) = self.marks.pop() else {
            return;
        };
        if kept {
            return;
        }
        self.completed.truncate(completed);
        for (place, counts) in self.usage_log.drain(usage..) {
            if let Some((_, row)) = self.usage.get_mut(place) {
                sub(row, &counts);
            }
        }
    }

    /// The outermost unit ended (committed after [`flush`](Self::flush),
    /// or rolled back): nothing is kept.
    pub(crate) fn clear(&mut self) {
        self.usage.clear();
        self.usage_log.clear();
        self.completed.clear();
        self.marks.clear();
    }

    /// Writes what is kept, in the open transaction, and forgets it.
    pub(crate) fn flush(&mut self, conn: &Connection) -> Result<(), StoreError> {
        let usage = std::mem::take(&mut self.usage);
        let completed = std::mem::take(&mut self.completed);
        self.clear();
        for (key, counts) in usage {
            if counts == [0; 4] {
                continue;
            }
            let params = params![
                key.organization,
                key.day,
                key.user.is_some(),
                key.user.as_deref().unwrap_or(""),
                counts[0],
                counts[1],
                counts[2],
                counts[3]
            ];
            write(conn, crate::usage::RECORD, params)?;
        }
        // One statement per run of completions with the same scope and
        // instant (a batch's are one run).
        let mut rest = completed.as_slice();
        while let Some(first) = rest.first() {
            let run = rest
                .iter()
                .take_while(|c| c.scope == first.scope && c.at == first.at)
                .count();
            let (this, next) = rest.split_at(run);
            rest = next;
            if let [one] = this {
                write(
                    conn,
                    crate::rate::COMPLETE,
                    params![one.scope, one.key, one.at],
                )?;
                continue;
            }
            let keys: Vec<&str> = this.iter().map(|c| c.key.as_str()).collect();
            let keys = to_json("idempotency key list", &keys)?;
            write(
                conn,
                crate::rate::COMPLETE_ALL,
                params![first.scope, first.at, keys],
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(user: Option<&str>) -> UsageKey {
        UsageKey {
            organization: "org-a".into(),
            day: 1,
            user: user.map(str::to_owned),
        }
    }

    #[test]
    fn a_rolled_back_nested_unit_takes_back_its_counts_and_completions() {
        let mut p = Pending::default();
        p.record_usage(key(None), [1, 0, 2, 0]);
        p.complete("inbound", "a", 5);
        p.nested_opened();
        p.record_usage(key(None), [1, 0, 3, 0]);
        p.record_usage(key(Some("amir")), [0, 1, 0, 1]);
        p.complete("inbound", "b", 6);
        assert!(p.is_completed("inbound", "b"));
        p.nested_closed(false);
        assert!(p.is_completed("inbound", "a"));
        assert!(!p.is_completed("inbound", "b"));
        let rows: Vec<_> = p.usage_of("org-a", 1..=1).cloned().collect();
        assert_eq!(
            rows,
            vec![(key(None), [1, 0, 2, 0]), (key(Some("amir")), [0; 4])]
        );
        p.nested_opened();
        p.record_usage(key(None), [1, 0, 1, 0]);
        p.complete("inbound", "c", 7);
        p.nested_closed(true);
        assert!(p.is_completed("inbound", "c"));
        let rows: Vec<_> = p.usage_of("org-a", 1..=1).cloned().collect();
        assert_eq!(rows[0], (key(None), [2, 0, 3, 0]));
        assert_eq!(p.usage_of("org-a", 2..=3).count(), 0);
        assert_eq!(p.usage_of("org-b", 1..=1).count(), 0);
    }

    mod model {
        use chrono::{NaiveDate, TimeDelta};
        use practicetext_core::conversation::Direction;
        use practicetext_core::ids::{OrganizationId, Username};
        use practicetext_core::ports::{
            Atomic, IdempotencyStore, StoreError, Timestamp, UsageStore,
        };
        use proptest::prelude::*;

        use crate::SqliteStore;

        /// One step of a program run in nested units.
        #[derive(Debug, Clone)]
        enum Op {
            Record {
                user: Option<u8>,
                day: u32,
                outbound: bool,
                segments: u32,
            },
            Usage {
                from: u32,
                to: u32,
            },
            Claim {
                key: u8,
            },
            Complete {
                key: u8,
            },
            /// A unit runs the steps that follow, up to its `Close`.
            Open,
            /// Ends the innermost open unit: committed, or rolled back by
            /// an error.
            Close {
                commit: bool,
            },
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                3 => (proptest::option::of(0..2u8), 0..3u32, any::<bool>(), 0..3u32).prop_map(
                    |(user, day, outbound, segments)| Op::Record { user, day, outbound, segments }
                ),
                1 => (0..3u32, 0..3u32).prop_map(|(from, to)| Op::Usage { from, to }),
                2 => (0..4u8).prop_map(|key| Op::Claim { key }),
                2 => (0..4u8).prop_map(|key| Op::Complete { key }),
                2 => Just(Op::Open),
                2 => any::<bool>().prop_map(|commit| Op::Close { commit }),
            ]
        }

        fn day(d: u32) -> NaiveDate {
            NaiveDate::from_ymd_opt(2026, 12, 1 + d).unwrap()
        }

        fn now() -> Timestamp {
            Timestamp::from_timestamp(1_800_000_000, 0).unwrap()
        }

        /// Runs `ops` from `*at` until the `Close` of the unit they are in
        /// (or the end), writing every answer to `log`.
        fn run(
            store: &SqliteStore,
            ops: &[Op],
            at: &mut usize,
            log: &mut Vec<String>,
        ) -> Result<(), StoreError> {
            let org = OrganizationId::new("org-a");
            while let Some(op) = ops.get(*at) {
                *at += 1;
                match op {
                    Op::Record {
                        user,
                        day: d,
                        outbound,
                        segments,
                    } => {
                        let user = user.map(|u| Username::new(format!("user-{u}")));
                        let direction = if *outbound {
                            Direction::Outbound
                        } else {
                            Direction::Inbound
                        };
                        store.record(&org, user.as_ref(), day(*d), direction, *segments)?;
                    }
                    Op::Usage { from, to } => {
                        log.push(format!("{:?}", store.usage(&org, day(*from), day(*to))?));
                    }
                    Op::Claim { key } => {
                        let lease = TimeDelta::seconds(30);
                        let claim = store.claim("inbound", &format!("k{key}"), lease, now())?;
                        log.push(format!("{claim:?}"));
                    }
                    Op::Complete { key } => {
                        store.complete("inbound", &format!("k{key}"), now())?;
                    }
                    Op::Open => {
                        let done: Result<(), StoreError> =
                            store.atomically(|| run(store, ops, at, log));
                        log.push(format!("unit {}", done.is_ok()));
                    }
                    Op::Close { commit: true } => return Ok(()),
                    Op::Close { commit: false } => {
                        return Err(StoreError::Backend {
                            message: "roll back".into(),
                        });
                    }
                }
            }
            Ok(())
        }

        /// Everything the store answers after the program.
        fn outcome(store: &SqliteStore, ops: &[Op]) -> Vec<String> {
            let mut log = Vec::new();
            let mut at = 0;
            while at < ops.len() {
                let _ = run(store, ops, &mut at, &mut log);
            }
            let org = OrganizationId::new("org-a");
            log.push(format!("{:?}", store.usage(&org, day(0), day(3)).unwrap()));
            for key in 0..4 {
                let later = now() + TimeDelta::minutes(1);
                let claim = store.claim("inbound", &format!("k{key}"), TimeDelta::zero(), later);
                log.push(format!("k{key} {claim:?}"));
            }
            log
        }

        proptest! {
            /// A program of usage counts, usage reads, claims and
            /// completions in nested units (some rolled back) answers the
            /// same, and leaves the same rows, whether the unit keeps the
            /// writes for its commit or writes them at once.
            #[test]
            fn kept_writes_answer_as_writes_made_at_once(
                ops in proptest::collection::vec(op(), 1..60)
            ) {
                let kept = SqliteStore::open_in_memory().unwrap();
                let at_once = SqliteStore::open_in_memory().unwrap();
                at_once.with_session(|s| s.pending.immediate = true).unwrap();
                prop_assert_eq!(outcome(&kept, &ops), outcome(&at_once, &ops));
            }
        }
    }
}
