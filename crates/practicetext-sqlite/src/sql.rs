//! Helpers every port uses: prepared (cached) statements returning records,
//! instants as microseconds, and the write transaction.

use practicetext_core::ports::{StoreError, Timestamp};
use rusqlite::{Connection, OptionalExtension, Params, TransactionBehavior};
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

/// The one row `sql` selects, if any, read by `read`.
pub(crate) fn row<T>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    read: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Option<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    stmt.query_row(params, read).optional().map_err(backend)
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
    /// Runs `work` in one `IMMEDIATE` transaction: the write lock is taken
    /// at the start (other processes wait for it, up to the busy timeout),
    /// so a read-modify-write cannot interleave with another writer. An
    /// error rolls everything back.
    pub(crate) fn write_tx<R>(
        &self,
        work: impl FnOnce(&Connection) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let out = work(&tx)?;
        tx.commit().map_err(backend)?;
        Ok(out)
    }

    /// Runs `work` on the connection, outside any explicit transaction
    /// (each statement is its own).
    pub(crate) fn with_conn<R>(
        &self,
        work: impl FnOnce(&Connection) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        work(&*self.lock()?)
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
