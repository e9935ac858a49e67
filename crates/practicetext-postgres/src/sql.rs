//! Helpers every port uses: prepared statements cached per connection,
//! records read from JSON, instants as microseconds, and transactions.

use std::collections::HashMap;

use postgres::types::ToSql;
use postgres::{Client, GenericClient, Row, Statement};
use practicetext_core::phone::E164;
use practicetext_core::ports::{Atomic, StoreError, Timestamp};
use serde::de::DeserializeOwned;

use crate::directory::KeptDirectory;
use crate::record::{backend, from_json};
use crate::{PgStore, Session};

/// Statement parameters.
pub(crate) type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// A connection, or a transaction on it, with the statements prepared on
/// that connection.
pub(crate) struct Db<'s, C> {
    client: &'s mut C,
    statements: &'s mut HashMap<&'static str, Statement>,
    /// The connection's kept directories (see [`crate::directory`]).
    pub(crate) kept: &'s mut HashMap<E164, KeptDirectory>,
}

/// How many numbers' directories a connection keeps at most (all are
/// forgotten when a new one would exceed it).
const KEPT_DIRECTORIES: usize = 256;

impl<C: GenericClient> Db<'_, C> {
    /// `sql` prepared on this connection (once; a statement prepared inside
    /// a transaction outlives it).
    fn prepare(&mut self, sql: &'static str) -> Result<Statement, postgres::Error> {
        if let Some(stmt) = self.statements.get(sql) {
            return Ok(stmt.clone());
        }
        let stmt = self.client.prepare(sql)?;
        self.statements.insert(sql, stmt.clone());
        Ok(stmt)
    }

    /// Keeps `kept` as the directory of `number`.
    pub(crate) fn keep(&mut self, number: E164, kept: KeptDirectory) {
        if self.kept.len() >= KEPT_DIRECTORIES && !self.kept.contains_key(&number) {
            self.kept.clear();
        }
        self.kept.insert(number, kept);
    }

    /// Runs a write; the server's error as it is (to tell a violated
    /// constraint from a failure).
    pub(crate) fn try_execute(
        &mut self,
        sql: &'static str,
        params: Params<'_>,
    ) -> Result<u64, postgres::Error> {
        let stmt = self.prepare(sql)?;
        self.client.execute(&stmt, params)
    }

    /// Runs a write; returns the number of rows changed.
    pub(crate) fn execute(
        &mut self,
        sql: &'static str,
        params: Params<'_>,
    ) -> Result<u64, StoreError> {
        self.try_execute(sql, params).map_err(backend)
    }

    /// Every row `sql` returns.
    pub(crate) fn rows(
        &mut self,
        sql: &'static str,
        params: Params<'_>,
    ) -> Result<Vec<Row>, StoreError> {
        let stmt = self.prepare(sql).map_err(backend)?;
        self.client.query(&stmt, params).map_err(backend)
    }

    /// The one row `sql` returns, if any.
    pub(crate) fn row(
        &mut self,
        sql: &'static str,
        params: Params<'_>,
    ) -> Result<Option<Row>, StoreError> {
        let stmt = self.prepare(sql).map_err(backend)?;
        self.client.query_opt(&stmt, params).map_err(backend)
    }

    /// The record (first column, JSON text) of the one row `sql` returns.
    pub(crate) fn one<T: DeserializeOwned>(
        &mut self,
        what: &str,
        sql: &'static str,
        params: Params<'_>,
    ) -> Result<Option<T>, StoreError> {
        self.row(sql, params)?
            .map(|r| from_json(what, r.try_get(0).map_err(backend)?))
            .transpose()
    }

    /// The records of every row `sql` returns, in its order.
    pub(crate) fn all<T: DeserializeOwned>(
        &mut self,
        what: &str,
        sql: &'static str,
        params: Params<'_>,
    ) -> Result<Vec<T>, StoreError> {
        self.rows(sql, params)?
            .iter()
            .map(|r| from_json(what, r.try_get(0).map_err(backend)?))
            .collect()
    }
}

/// Column `i` of `row`.
pub(crate) fn get<'r, T: postgres::types::FromSql<'r>>(
    row: &'r Row,
    i: usize,
) -> Result<T, StoreError> {
    row.try_get(i).map_err(backend)
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

impl Db<'_, Client> {
    /// The schema's version (see [`crate::migrations::current_version`]).
    pub(crate) fn schema_version(&mut self) -> Result<u32, StoreError> {
        crate::migrations::current_version(self.client).map_err(backend)
    }

    /// Runs statements without parameters (BEGIN, SAVEPOINT, ...).
    fn control(&mut self, sql: &str) -> Result<(), StoreError> {
        self.client.batch_execute(sql).map_err(backend)
    }
}

/// The connection already in use by this thread (a store call made from
/// inside another store call): refused rather than deadlocked.
pub(crate) fn busy() -> StoreError {
    StoreError::Backend {
        message: "the PostgreSQL connection is in use by this thread".into(),
    }
}

/// How a transaction or savepoint opens, commits and rolls back.
struct Bracket {
    open: &'static str,
    commit: &'static str,
    rollback: &'static str,
}

const TRANSACTION: Bracket = Bracket {
    open: "BEGIN",
    commit: "COMMIT",
    rollback: "ROLLBACK",
};

/// A call's savepoint inside a unit: a failed statement rolls back to it
/// instead of aborting the unit's transaction.
const CALL_SAVEPOINT: Bracket = Bracket {
    open: "SAVEPOINT call",
    commit: "RELEASE SAVEPOINT call",
    rollback: "ROLLBACK TO SAVEPOINT call; RELEASE SAVEPOINT call",
};

const UNIT_SAVEPOINT: Bracket = Bracket {
    open: "SAVEPOINT unit",
    commit: "RELEASE SAVEPOINT unit",
    rollback: "ROLLBACK TO SAVEPOINT unit; RELEASE SAVEPOINT unit",
};

impl PgStore {
    /// Runs `work` on the connection: outside a unit each statement is its
    /// own transaction, inside one it belongs to the unit.
    pub(crate) fn run<R>(
        &self,
        work: impl FnOnce(&mut Db<'_, Client>) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let guard = self.lock()?;
        let mut session = guard.try_borrow_mut().map_err(|_| busy())?;
        let Session {
            client,
            statements,
            kept,
            ..
        } = &mut *session;
        work(&mut Db {
            client,
            statements,
            kept,
        })
    }

    /// Runs `work` in one READ COMMITTED transaction (a savepoint inside a
    /// unit), committed if it returns `Ok` and rolled back otherwise. Row
    /// locks (`FOR UPDATE`, an upsert's conflict row) are held to the
    /// commit (of the unit, inside one).
    pub(crate) fn in_tx<R>(
        &self,
        work: impl FnOnce(&mut Db<'_, Client>) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let in_unit = self.with_units(|n| *n > 0)?;
        self.bracketed(
            if in_unit {
                &CALL_SAVEPOINT
            } else {
                &TRANSACTION
            },
            work,
        )
    }

    /// Runs one statement that may fail on a constraint so that the failure
    /// does not abort an open unit (a savepoint inside one; as it is
    /// otherwise).
    pub(crate) fn run_guarded<R>(
        &self,
        work: impl FnOnce(&mut Db<'_, Client>) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        if self.with_units(|n| *n > 0)? {
            self.bracketed(&CALL_SAVEPOINT, work)
        } else {
            self.run(work)
        }
    }

    fn bracketed<R>(
        &self,
        bracket: &Bracket,
        work: impl FnOnce(&mut Db<'_, Client>) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        self.run(|db| {
            db.control(bracket.open)?;
            match work(db) {
                Ok(out) => {
                    db.control(bracket.commit)?;
                    Ok(out)
                }
                Err(e) => {
                    if let Err(rollback) = db.control(bracket.rollback) {
                        tracing::error!(message = %rollback, "postgres store: rollback failed");
                    }
                    Err(e)
                }
            }
        })
    }

    /// Reads or changes the open unit count.
    fn with_units<R>(&self, f: impl FnOnce(&mut u32) -> R) -> Result<R, StoreError> {
        let guard = self.lock()?;
        let mut session = guard.try_borrow_mut().map_err(|_| busy())?;
        Ok(f(&mut session.units))
    }
}

/// Closes a unit when dropped: commits it when [`Unit::commit`] was
/// called, rolls it back otherwise (an error or a panic in the work).
struct Unit<'a> {
    store: &'a PgStore,
    bracket: &'static Bracket,
    committed: bool,
}

impl Unit<'_> {
    fn commit(mut self) -> Result<(), StoreError> {
        self.committed = true;
        let done = self.store.run(|db| db.control(self.bracket.commit));
        if done.is_err() {
            self.committed = false;
        }
        done
    }
}

impl Drop for Unit<'_> {
    fn drop(&mut self) {
        let _ = self.store.with_units(|n| *n = n.saturating_sub(1));
        if self.committed {
            return;
        }
        if let Err(e) = self.store.run(|db| db.control(self.bracket.rollback)) {
            tracing::error!(message = %e, "postgres store: a unit could not be rolled back");
        }
    }
}

/// One READ COMMITTED transaction per unit: other app servers see nothing
/// of it before the commit and wait for the rows it locked; calls of other
/// threads on this store wait on its (reentrant) lock. Nested units are
/// savepoints.
impl Atomic for PgStore {
    fn atomically<R, E, F>(&self, work: F) -> Result<R, E>
    where
        F: FnOnce() -> Result<R, E>,
        E: From<StoreError>,
    {
        let _held = self.lock()?;
        let outermost = self.with_units(|n| *n == 0)?;
        let bracket = if outermost {
            &TRANSACTION
        } else {
            &UNIT_SAVEPOINT
        };
        self.run(|db| db.control(bracket.open))?;
        self.with_units(|n| *n += 1)?;
        let unit = Unit {
            store: self,
            bracket,
            committed: false,
        };
        let out = work()?;
        unit.commit()?;
        Ok(out)
    }
}
