//! Helpers every port uses: prepared statements cached per connection,
//! records read from JSON, instants as microseconds, and transactions.

use std::collections::HashMap;

use postgres::types::ToSql;
use postgres::{Client, GenericClient, Row, Statement, Transaction};
use practicetext_core::ports::{StoreError, Timestamp};
use serde::de::DeserializeOwned;

use crate::record::{backend, from_json};
use crate::{PgStore, Session};

/// Statement parameters.
pub(crate) type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// A connection, or a transaction on it, with the statements prepared on
/// that connection.
pub(crate) struct Db<'s, C> {
    client: &'s mut C,
    statements: &'s mut HashMap<&'static str, Statement>,
}

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

impl PgStore {
    /// Runs `work` on the connection; each statement is its own transaction.
    pub(crate) fn run<R>(
        &self,
        work: impl FnOnce(&mut Db<'_, Client>) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut guard = self.lock()?;
        let Session { client, statements } = &mut *guard;
        work(&mut Db { client, statements })
    }

    /// Runs `work` in one READ COMMITTED transaction, committed if it
    /// returns `Ok` and rolled back otherwise. Row locks (`FOR UPDATE`, an
    /// upsert's conflict row) are held to the commit.
    pub(crate) fn in_tx<R>(
        &self,
        work: impl FnOnce(&mut Db<'_, Transaction<'_>>) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut guard = self.lock()?;
        let Session { client, statements } = &mut *guard;
        let mut tx = client.transaction().map_err(backend)?;
        let out = work(&mut Db {
            client: &mut tx,
            statements,
        })?;
        tx.commit().map_err(backend)?;
        Ok(out)
    }
}
