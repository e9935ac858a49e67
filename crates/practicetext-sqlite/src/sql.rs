//! Helpers every port uses: prepared (cached) statements returning records,
//! instants as microseconds, and the write transaction.

use practicetext_core::ports::{Atomic, StoreError, Timestamp};
use rusqlite::{Connection, OptionalExtension, Params};
use serde::de::DeserializeOwned;

use crate::SqliteStore;
use crate::record::{backend, from_json};

/// Runs a write; returns the number of rows changed.
pub(crate) fn write(
    conn: &Connection,
    sql: &str,
    params: impl Params,
) -> Result<usize, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    stmt.execute(params).map_err(backend)
}

/// The record of the one row `sql` selects, if any.
pub(crate) fn one<T: DeserializeOwned>(
    conn: &Connection,
    what: &str,
    sql: &str,
    params: impl Params,
) -> Result<Option<T>, StoreError> {
    let text: Option<String> = value(conn, sql, params)?;
    text.map(|t| from_json(what, &t)).transpose()
}

/// The records of every row `sql` selects, in its order.
pub(crate) fn all<T: DeserializeOwned>(
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

/// The first column of the one row `sql` selects, if any.
pub(crate) fn value<T: rusqlite::types::FromSql>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
) -> Result<Option<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    stmt.query_row(params, |r| r.get(0))
        .optional()
        .map_err(backend)
}

/// An instant as stored: microseconds since the Unix epoch (every instant
/// chrono can hold fits).
pub(crate) fn micros(t: Timestamp) -> i64 {
    t.timestamp_micros()
}

/// An instant read back from microseconds.
pub(crate) fn from_micros(us: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_timestamp_micros(us).ok_or_else(|| StoreError::Backend {
        message: "a stored instant is out of range; it was changed by hand".into(),
    })
}

impl SqliteStore {
    /// Runs `work` on the connection: outside a unit each statement is its
    /// own transaction, inside one it belongs to the unit.
    pub(crate) fn with_conn<R>(
        &self,
        work: impl FnOnce(&Connection) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let guard = self.lock();
        let session = guard.try_borrow().map_err(|_| busy())?;
        work(&session.conn)
    }

    /// Runs `work` as one write: in its own `IMMEDIATE` transaction (the
    /// write lock is taken at the start, other processes wait for it up to
    /// the busy timeout, so a read-modify-write cannot interleave with
    /// another writer), or in a savepoint of the open unit. An error rolls
    /// the write back.
    pub(crate) fn write_tx<R>(
        &self,
        work: impl FnOnce(&Connection) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        self.bracketed(&WRITE, work)
    }

    /// Runs `work`, whose only write is one statement (atomic on its own),
    /// as one write: in its own `IMMEDIATE` transaction, or directly in the
    /// open unit (no savepoint: a failed statement changes nothing, and a
    /// savepoint would copy every page the statement changes). The bulk
    /// ports run one such write per item here too: outside a unit all
    /// items are one transaction; inside one, a failure part way leaves
    /// the items before it written to the unit, which fails with the call
    /// (the engine rolls its unit back on any store error).
    pub(crate) fn one_write_tx<R>(
        &self,
        work: impl FnOnce(&Connection) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        if self.units(|n| *n > 0)? {
            return self.with_conn(work);
        }
        self.bracketed(&WRITE, work)
    }

    /// Runs `work`'s reads on one snapshot: a read transaction, or the open
    /// unit.
    pub(crate) fn read_tx<R>(
        &self,
        work: impl FnOnce(&Connection) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        if self.units(|n| *n > 0)? {
            return self.with_conn(work);
        }
        self.bracketed(&READ, work)
    }

    /// Runs `work` between `bracket`'s statements (a savepoint instead
    /// inside a unit); rolls back on an error or a panic.
    fn bracketed<R>(
        &self,
        bracket: &'static Bracket,
        work: impl FnOnce(&Connection) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let bracket = if self.units(|n| *n > 0)? {
            &CALL
        } else {
            bracket
        };
        self.with_conn(|conn| {
            exec(conn, bracket.open)?;
            let open = Open {
                conn,
                bracket,
                done: false,
            };
            let out = work(conn)?;
            open.commit()?;
            Ok(out)
        })
    }

    /// Runs one statement without parameters (BEGIN, COMMIT, ...).
    fn control(&self, sql: &str) -> Result<(), StoreError> {
        self.with_conn(|conn| exec(conn, sql))
    }

    /// Opens a unit: `BEGIN IMMEDIATE` for the outermost, a savepoint for
    /// a nested one.
    fn open_unit(&self) -> Result<bool, StoreError> {
        let outermost = self.units(|n| *n == 0)?;
        if outermost {
            self.with_session(|s| s.cache.unit_opened())?;
        }
        self.control(if outermost {
            "BEGIN IMMEDIATE"
        } else {
            "SAVEPOINT unit"
        })?;
        self.with_session(|s| {
            s.units += 1;
            if !outermost {
                s.pending.nested_opened();
            }
        })?;
        Ok(outermost)
    }

    /// Runs `f` on the session (none of its statements running).
    pub(crate) fn with_session<R>(
        &self,
        f: impl FnOnce(&mut crate::Session) -> R,
    ) -> Result<R, StoreError> {
        let guard = self.lock();
        let mut session = guard.try_borrow_mut().map_err(|_| busy())?;
        Ok(f(&mut session))
    }

    /// Runs `f` on the writes the open unit keeps for its commit; `None`
    /// outside a unit (the write is made at once).
    pub(crate) fn keep_for_commit<R>(
        &self,
        f: impl FnOnce(&mut crate::pending::Pending) -> R,
    ) -> Result<Option<R>, StoreError> {
        self.with_session(|s| {
            #[cfg(test)]
            if s.pending.immediate {
                return None;
            }
            (s.units > 0).then(|| f(&mut s.pending))
        })
    }

    /// Reads or changes the open unit count.
    fn units<R>(&self, f: impl FnOnce(&mut u32) -> R) -> Result<R, StoreError> {
        let guard = self.lock();
        let mut session = guard.try_borrow_mut().map_err(|_| busy())?;
        Ok(f(&mut session.units))
    }
}

/// Runs one cached statement without parameters.
fn exec(conn: &Connection, sql: &str) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    stmt.execute([]).map_err(backend)?;
    Ok(())
}

/// How a transaction or savepoint of one call opens, commits and rolls
/// back (statements kept prepared, unlike rusqlite's `Transaction`).
struct Bracket {
    open: &'static str,
    commit: &'static str,
    rollback: &'static [&'static str],
}

const WRITE: Bracket = Bracket {
    open: "BEGIN IMMEDIATE",
    commit: "COMMIT",
    rollback: &["ROLLBACK"],
};

const READ: Bracket = Bracket {
    open: "BEGIN",
    commit: "COMMIT",
    rollback: &["ROLLBACK"],
};

/// A call's savepoint inside a unit.
const CALL: Bracket = Bracket {
    open: "SAVEPOINT call",
    commit: "RELEASE call",
    rollback: &["ROLLBACK TO call", "RELEASE call"],
};

/// An open transaction or savepoint of one call: rolled back when dropped
/// before [`Open::commit`] (an error or a panic in the work).
struct Open<'c> {
    conn: &'c Connection,
    bracket: &'static Bracket,
    done: bool,
}

impl Open<'_> {
    fn commit(mut self) -> Result<(), StoreError> {
        exec(self.conn, self.bracket.commit)?;
        self.done = true;
        Ok(())
    }
}

impl Drop for Open<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        for sql in self.bracket.rollback {
            if let Err(e) = exec(self.conn, sql) {
                tracing::error!(message = %e, "sqlite store: a write could not be rolled back");
            }
        }
    }
}

/// A connection already in use by this thread (a store call made from
/// inside another store call): refused rather than deadlocked.
pub(crate) fn busy() -> StoreError {
    StoreError::Backend {
        message: "the SQLite connection is in use by this thread".into(),
    }
}

/// Closes a unit when dropped: commits it when [`Unit::commit`] was
/// called, rolls it back otherwise (an error or a panic in the work).
struct Unit<'a> {
    store: &'a SqliteStore,
    outermost: bool,
    committed: bool,
}

impl Unit<'_> {
    fn commit(mut self) -> Result<(), StoreError> {
        self.committed = true;
        if !self.outermost {
            return self.store.control("RELEASE unit");
        }
        // The kept writes first (a failure leaves the transaction open:
        // the drop rolls it back).
        self.store.with_session(|s| s.pending.flush(&s.conn))??;
        self.store.control("COMMIT")
    }
}

impl Drop for Unit<'_> {
    fn drop(&mut self) {
        let _ = self.store.units(|n| *n = n.saturating_sub(1));
        let mut kept = false;
        if self.committed && !std::thread::panicking() {
            // A failed COMMIT leaves the transaction open: end it.
            let open = self.store.with_conn(|c| Ok(!c.is_autocommit()));
            kept = !(self.outermost && open.unwrap_or(false));
        }
        let outermost = self.outermost;
        let _ = self.store.with_session(|s| match outermost {
            true => s.pending.clear(),
            false => s.pending.nested_closed(kept),
        });
        if kept {
            return;
        }
        self.store.forget_cache();
        let sql = if self.outermost {
            "ROLLBACK"
        } else {
            "ROLLBACK TO unit; RELEASE unit"
        };
        if let Err(e) = self
            .store
            .with_conn(|c| c.execute_batch(sql).map_err(backend))
        {
            tracing::error!(message = %e, "sqlite store: a unit could not be rolled back");
        }
    }
}

/// One `IMMEDIATE` transaction per unit: other processes wait for the
/// write lock until it commits; calls of other threads on this store wait
/// on its (reentrant) lock. Nested units are savepoints.
impl Atomic for SqliteStore {
    fn atomically<R, E, F>(&self, work: F) -> Result<R, E>
    where
        F: FnOnce() -> Result<R, E>,
        E: From<StoreError>,
    {
        let _held = self.lock();
        let outermost = self.open_unit()?;
        let unit = Unit {
            store: self,
            outermost,
            committed: false,
        };
        let out = work()?;
        unit.commit()?;
        Ok(out)
    }
}

/// Query plans, for the tests that prove every read searches an index.
#[cfg(test)]
pub(crate) mod plans {
    use rusqlite::Connection;

    /// The steps of `sql`'s query plan, with every parameter bound to text.
    pub(crate) fn plan(conn: &Connection, sql: &str) -> Vec<String> {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let args = vec!["x"; stmt.parameter_count()];
        stmt.query_map(rusqlite::params_from_iter(args), |r| r.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// Asserts that `sql` finds its rows through `index` (a name, or
    /// "PRIMARY KEY"), never scans a table and never sorts: it stays fast
    /// whatever the tables hold.
    pub(crate) fn assert_searches(conn: &Connection, sql: &str, index: &str) {
        let plan = plan(conn, sql);
        assert!(plan.iter().any(|s| s.contains(index)), "{sql}: {plan:?}");
        for step in &plan {
            assert!(!step.starts_with("SCAN"), "{sql}: {plan:?}");
            assert!(!step.contains("TEMP B-TREE"), "{sql}: {plan:?}");
        }
    }
}
