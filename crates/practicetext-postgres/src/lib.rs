//! # practicetext-postgres
//!
//! The PostgreSQL store, for several app servers sharing one database.
//! [`PgStore`] implements every storage port of [`practicetext_core::ports`]
//! and passes the conformance suite that every store runs
//! (`practicetext-store-tests`). It uses the synchronous `postgres` client:
//! no async runtime to set up.
//!
//! ```no_run
//! use practicetext_core::ports::DirectoryStore;
//! use practicetext_postgres::PgStore;
//!
//! let store = PgStore::connect("postgresql://practicetext@db.internal/practice")?;
//! let directory = store.directory(&"happy-paws".into())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## How it stores
//! - Tables live in one schema, `practicetext` unless
//!   [`PgStore::connect_in_schema`] names another (tests give each run its
//!   own schema).
//! - Connecting applies the schema migrations the database lacks, each in its
//!   own transaction, under a PostgreSQL advisory lock: app servers starting
//!   at once migrate once. A schema written by a newer version is refused
//!   ([`ConnectError::SchemaTooNew`]). Applied versions are listed in the
//!   schema's `schema_migrations` table.
//! - Columns that are queried (organization id, username, group and client
//!   ids, numbers as E.164 text, cell phones) are typed, in the "C"
//!   collation; the rest of each record is the core's serde JSON in a
//!   `record` column. Every query names the organization.
//! - Instants are BIGINT microseconds since the Unix epoch, as in the SQLite
//!   store (records keep full precision in their JSON).
//! - Atomic across app servers: a rate window or an idempotency claim is
//!   one conditional upsert on the key's row; a consent change locks the
//!   number's row, applies the core's `consent::apply` and appends the
//!   history in one transaction; a secure conversation's save starts with
//!   a compare-and-set of its version; "one active conversation per
//!   participants" is a partial unique index.
//! - The bulk ports (`inbound_contexts`, `have_clients_by_phone`,
//!   `claim_all`, `complete_all`, `put_messages`, `mark_delivered_to_all`,
//!   `record_all`), which `Engine::handle_inbound_batch` uses for a batch
//!   whose texts cannot see each other, are one statement each over
//!   arrays (`unnest ... WITH ORDINALITY`); rows are written in key order,
//!   so two app servers' batches lock shared rows in the same order.
//!   Repeated keys in one call go one by one (one statement cannot upsert
//!   a row twice).
//! - One connection behind a mutex, with its prepared statements; a lost
//!   connection fails the call in flight ([`StoreError::Backend`], safe to
//!   retry) and is replaced on the next call.
//! - Errors become [`StoreError`]s whose messages carry no patient data
//!   (PostgreSQL's DETAIL lines, which quote key values, are dropped).
//! - Plain TCP or a unix socket only: TLS is not wired in yet.
//!
//! ## Testing against a server
//! The tests that need a server are compiled with the feature
//! `server-tests` and read `PRACTICETEXT_PG_URL`; `make test` runs them via
//! `scripts/with-postgres.sh`, which starts a throwaway server.

#![warn(missing_docs)]

mod broadcast;
mod consent;
mod conversation;
mod delivery;
mod directory;
mod history;
mod inbox;
mod migrations;
mod rate;
mod record;
mod secure;
#[cfg(all(test, feature = "server-tests"))]
mod server_tests;
mod sql;
mod usage;

use std::cell::RefCell;
use std::collections::HashMap;

use parking_lot::{ReentrantMutex, ReentrantMutexGuard};
use postgres::{Client, Config, NoTls, Statement};
use practicetext_core::phone::E164;
use practicetext_core::ports::StoreError;

use crate::directory::KeptDirectory;

pub use migrations::SCHEMA_VERSION;

/// The schema [`PgStore::connect`] uses.
pub const DEFAULT_SCHEMA: &str = "practicetext";

/// A store kept in a PostgreSQL schema. `Send + Sync`: share it between
/// threads behind an `Arc`.
pub struct PgStore {
    config: Config,
    schema: String,
    session: ReentrantMutex<RefCell<Session>>,
}

/// One connection, the statements prepared on it, and how many units
/// ([`Atomic::atomically`]) the thread holding the lock has open on it.
///
/// [`Atomic::atomically`]: practicetext_core::ports::Atomic::atomically
struct Session {
    client: Client,
    statements: HashMap<&'static str, Statement>,
    /// The directories read for our numbers, checked by version before use.
    kept: HashMap<E164, KeptDirectory>,
    /// Open units (a transaction; nested ones are savepoints).
    units: u32,
}

/// Why a store could not connect.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectError {
    /// The URL is malformed or the server could not be reached or refused us.
    #[error(
        "could not connect to PostgreSQL: {message}; check the URL, the server and its access rules"
    )]
    Connect {
        /// The client's or server's message.
        message: String,
    },
    /// The schema name is not a plain identifier.
    #[error(
        "'{name}' is not a usable schema name: use 1 to 63 ASCII letters, digits and underscores, not starting with a digit"
    )]
    InvalidSchemaName {
        /// The name given (cut to 64 characters).
        name: String,
    },
    /// A schema migration failed; the schema stays at the version before it.
    #[error(
        "upgrading the database schema to version {version} failed: {message}; the schema was left at version {}",
        version.saturating_sub(1)
    )]
    Migration {
        /// The version the failed step would have reached.
        version: u32,
        /// The server's message.
        message: String,
    },
    /// The schema was written by a newer version of practicetext.
    #[error(
        "the database schema has version {found} but this build knows versions up to {supported}; upgrade practicetext"
    )]
    SchemaTooNew {
        /// The schema's version.
        found: u32,
        /// The newest version this build knows.
        supported: u32,
    },
}

impl ConnectError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ConnectError::Connect { .. } => "store_connect_failed",
            ConnectError::InvalidSchemaName { .. } => "store_invalid_schema_name",
            ConnectError::Migration { .. } => "store_migration_failed",
            ConnectError::SchemaTooNew { .. } => "store_schema_too_new",
        }
    }
}

impl PgStore {
    /// Connects to the database at `url` (`postgresql://user:password@host/db`
    /// or `host=... dbname=...`) and brings the `practicetext` schema up to date.
    pub fn connect(url: &str) -> Result<PgStore, ConnectError> {
        Self::connect_in_schema(url, DEFAULT_SCHEMA)
    }

    /// Like [`connect`](Self::connect), with the tables in `schema` (created
    /// if missing): several deployments or test runs can share one database.
    pub fn connect_in_schema(url: &str, schema: &str) -> Result<PgStore, ConnectError> {
        let schema = checked_schema(schema)?;
        let config: Config = url.parse().map_err(connect_failed)?;
        let mut client = session_client(&config, &schema).map_err(connect_failed)?;
        migrations::migrate(&mut client, &schema)?;
        Ok(PgStore {
            config,
            schema,
            session: ReentrantMutex::new(RefCell::new(Session {
                client,
                statements: HashMap::new(),
                kept: HashMap::new(),
                units: 0,
            })),
        })
    }

    /// The schema the tables live in.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The schema version of the database (always [`SCHEMA_VERSION`] once
    /// connect succeeded, unless a newer build migrated it since).
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.run(|db| db.schema_version())
    }

    /// The session, reconnected first if the connection was lost (between
    /// units: a unit whose connection is lost fails). Reentrant: the thread
    /// running a unit locks it again for each call the unit makes, while
    /// other threads wait.
    fn lock(&self) -> Result<ReentrantMutexGuard<'_, RefCell<Session>>, StoreError> {
        let guard = self.session.lock();
        {
            let mut session = guard.try_borrow_mut().map_err(|_| sql::busy())?;
            if session.client.is_closed() && session.units == 0 {
                tracing::warn!("postgres store: connection lost, reconnecting");
                session.client =
                    session_client(&self.config, &self.schema).map_err(record::backend)?;
                session.statements.clear();
                session.kept.clear();
            }
        }
        Ok(guard)
    }
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

/// A connection whose unqualified names resolve in `schema`.
fn session_client(config: &Config, schema: &str) -> Result<Client, postgres::Error> {
    let mut client = config.connect(NoTls)?;
    client.batch_execute(&format!("SET search_path TO {}", quoted(schema)))?;
    Ok(client)
}

/// `schema` if it is a plain identifier (so quoting it is enough to use it
/// in SQL text).
fn checked_schema(schema: &str) -> Result<String, ConnectError> {
    let mut chars = schema.chars();
    let ok = schema.len() <= 63
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(schema.to_owned())
    } else {
        Err(ConnectError::InvalidSchemaName {
            name: schema.chars().take(64).collect(),
        })
    }
}

/// A checked schema name as an SQL identifier.
fn quoted(schema: &str) -> String {
    format!("\"{schema}\"")
}

fn connect_failed(e: postgres::Error) -> ConnectError {
    ConnectError::Connect {
        message: record::describe(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_is_send_and_sync() {
        fn shareable<T: Send + Sync>() {}
        shareable::<PgStore>();
    }

    #[test]
    fn schema_names_must_be_plain_identifiers() {
        for good in ["practicetext", "_x", "pt_test_12_3", &"a".repeat(63)] {
            assert_eq!(checked_schema(good).as_deref(), Ok(good));
        }
        for bad in [
            "",
            "1abc",
            "has space",
            "x\"; DROP TABLE y; --",
            "ü",
            &"a".repeat(64),
        ] {
            let err = checked_schema(bad).unwrap_err();
            assert_eq!(err.code(), "store_invalid_schema_name", "{bad}");
        }
    }

    #[test]
    fn a_bad_schema_name_is_refused_before_connecting() {
        let err = PgStore::connect_in_schema("postgresql://127.0.0.1:1/x", "a-b").unwrap_err();
        assert_eq!(err.code(), "store_invalid_schema_name");
    }

    #[test]
    fn an_unreachable_server_is_a_connect_error() {
        let err = PgStore::connect("postgresql://nobody@127.0.0.1:1/nothing").unwrap_err();
        assert_eq!(err.code(), "store_connect_failed", "{err}");
    }

    #[test]
    fn a_malformed_url_is_a_connect_error() {
        let err = PgStore::connect("postgresql://[::1").unwrap_err();
        assert_eq!(err.code(), "store_connect_failed", "{err}");
    }
}
