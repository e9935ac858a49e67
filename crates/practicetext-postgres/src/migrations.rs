//! Versioned schema migrations. [`MIGRATIONS`] is the ordered list of SQL
//! steps; step `i` moves the schema from version `i` to `i + 1`. Applied
//! versions are rows of the schema's `schema_migrations` table. Connecting
//! takes a session advisory lock keyed by the schema name, creates the
//! schema if needed, applies the missing steps (each in its own
//! transaction) and releases the lock: app servers starting at once wait
//! for the first one and then find nothing to do. A schema newer than this
//! build is refused.
//!
//! To change the schema, append a file to `migrations/` and to
//! [`MIGRATIONS`]; never edit a step that was released. The upgrade test
//! then asks for a seed: data as written at the previous version.

use postgres::Client;

use crate::record::describe;
use crate::{ConnectError, quoted};

/// The schema steps, oldest first.
pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_directory.sql"),
    include_str!("../migrations/0002_engine.sql"),
    include_str!("../migrations/0003_delivery_broadcast.sql"),
    include_str!("../migrations/0004_inbound_throughput.sql"),
];

/// The schema version this build writes: the number of steps.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32; // ok: a handful of steps

/// First key of the advisory lock: "pt" (the second is the schema's hash).
const LOCK_CLASS: i32 = 0x7074;

/// Brings `schema` to [`SCHEMA_VERSION`]; `client`'s search_path is `schema`.
pub(crate) fn migrate(client: &mut Client, schema: &str) -> Result<(), ConnectError> {
    migrate_with(client, schema, MIGRATIONS)
}

/// The highest applied version (0 for a new schema).
pub(crate) fn current_version(client: &mut Client) -> Result<u32, postgres::Error> {
    let row = client.query_one(
        "SELECT coalesce(max(version), 0) FROM schema_migrations",
        &[],
    )?;
    let v: i32 = row.get(0);
    Ok(u32::try_from(v).unwrap_or(0))
}

/// Applies the steps of `steps` the schema lacks, under the advisory lock.
pub(crate) fn migrate_with(
    client: &mut Client,
    schema: &str,
    steps: &[&str],
) -> Result<(), ConnectError> {
    let key = [
        &LOCK_CLASS as &(dyn postgres::types::ToSql + Sync),
        &schema_key(schema),
    ];
    client
        .execute("SELECT pg_advisory_lock($1, $2)", &key)
        .map_err(open_failed)?;
    let outcome = migrate_locked(client, schema, steps);
    let unlocked = client.execute("SELECT pg_advisory_unlock($1, $2)", &key);
    outcome?;
    unlocked.map_err(open_failed)?;
    Ok(())
}

fn migrate_locked(client: &mut Client, schema: &str, steps: &[&str]) -> Result<(), ConnectError> {
    create_bookkeeping(client, schema).map_err(open_failed)?;
    let supported = u32::try_from(steps.len()).unwrap_or(u32::MAX);
    let found = current_version(client).map_err(open_failed)?;
    if found > supported {
        return Err(ConnectError::SchemaTooNew { found, supported });
    }
    for (version, sql) in (1..).zip(steps).skip(found as usize) {
        apply(client, version, sql).map_err(|e| ConnectError::Migration {
            version,
            message: describe(&e),
        })?;
        tracing::info!(version, schema, "postgres store: schema migrated");
    }
    Ok(())
}

/// Creates the schema and its `schema_migrations` table unless they exist
/// (checked first: an app user without the right to create schemas can
/// still connect to an up-to-date one).
fn create_bookkeeping(client: &mut Client, schema: &str) -> Result<(), postgres::Error> {
    let exists: bool = client
        .query_one(
            "SELECT to_regclass(format('%I.schema_migrations', $1::text)) IS NOT NULL",
            &[&schema],
        )?
        .get(0);
    if exists {
        return Ok(());
    }
    client.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS {}; \
         CREATE TABLE IF NOT EXISTS schema_migrations (\
             version INTEGER PRIMARY KEY, \
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        quoted(schema)
    ))
}

fn apply(client: &mut Client, version: u32, sql: &str) -> Result<(), postgres::Error> {
    let mut tx = client.transaction()?;
    tx.batch_execute(sql)?;
    let v = i32::try_from(version).unwrap_or(i32::MAX);
    tx.execute("INSERT INTO schema_migrations (version) VALUES ($1)", &[&v])?;
    tx.commit()
}

/// A stable 32-bit key for `schema` (FNV-1a), the advisory lock's second key.
pub(crate) fn schema_key(schema: &str) -> i32 {
    let hash = schema.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    i32::from_ne_bytes(hash.to_ne_bytes())
}

fn open_failed(e: postgres::Error) -> ConnectError {
    ConnectError::Connect {
        message: describe(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_keys_are_stable_and_differ_per_schema() {
        assert_eq!(schema_key(""), 0x811c_9dc5_u32 as i32);
        assert_eq!(schema_key("a"), 0xe40c_292c_u32 as i32);
        assert_ne!(schema_key("practicetext"), schema_key("practicetext2"));
    }
}
