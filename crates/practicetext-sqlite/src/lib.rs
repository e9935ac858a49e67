//! # practicetext-sqlite
//!
//! The SQLite store: the embedded default, one database file per
//! deployment. [`SqliteStore`] implements every storage port of
//! [`practicetext_core::ports`] and passes the conformance suite that every
//! store runs (`practicetext-store-tests`).
//!
//! ```
//! use practicetext_core::ports::DirectoryStore;
//! use practicetext_sqlite::SqliteStore;
//!
//! let dir = tempfile::tempdir()?;
//! let store = SqliteStore::open(dir.path().join("practice.db"))?;
//! assert_eq!(store.users(&"happy-paws".into())?, vec![]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## How it stores
//! - Opening applies the schema migrations the file lacks, each in its own
//!   transaction, and refuses a file written by a newer version
//!   ([`OpenError::SchemaTooNew`]). The version is SQLite's `user_version`.
//! - WAL journal, `synchronous = NORMAL` (or `FULL`, see [`Durability`]),
//!   foreign keys on, and a busy timeout so several processes can share one
//!   file. An 8 MiB page cache per connection, reads through a memory map,
//!   and a checkpoint every 10,000 WAL pages instead of 1,000.
//! - Columns that are queried (organization id, username, group and client
//!   ids, numbers as E.164 text, cell phones) are typed; the rest of each
//!   record is the core's serde JSON in a `record` column. Every query names
//!   the organization (the inbox's through the number of a conversation,
//!   found by organization and conversation id).
//! - Instants are stored as microseconds since the Unix epoch (records keep
//!   full precision in their JSON).
//! - Read-modify-writes (a consent change applied with the core's
//!   `consent::apply`, a rate window, an idempotency claim, a secure
//!   conversation's version check) run in one `IMMEDIATE` transaction, so
//!   processes sharing the file cannot interleave them; "one active
//!   conversation per participants" is a partial unique index.
//! - One connection behind a mutex: calls from many threads are serialised.
//! - Errors become [`StoreError`]s whose messages carry no patient data.

#![warn(missing_docs)]

mod broadcast;
mod consent;
mod conversation;
mod delivery;
mod directory;
mod history;
mod inbox;
mod migrations;
mod pending;
mod rate;
mod record;
mod secure;
mod sql;
mod usage;

use std::cell::RefCell;
use std::path::Path;
use std::time::Duration;

use parking_lot::{ReentrantMutex, ReentrantMutexGuard};
use practicetext_core::ports::StoreError;
use rusqlite::Connection;

pub use migrations::SCHEMA_VERSION;

/// Prepared statements kept per connection: more than the store has.
const STATEMENT_CACHE: usize = 256;

/// How long a call waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The page cache of each connection, in KiB (SQLite's negative
/// `cache_size`): 8 MiB, taken only as pages are read. With SQLite's
/// default (2 MiB) the indexes an inbound text touches no longer fit after
/// a few thousand texts. A larger cache costs at commits: a transaction
/// that split a B-tree page ends with SQLite walking its whole page cache
/// (the split lends a page the number of the lock page for a moment, and
/// the commit's truncation to the file size then visits every cached
/// page). With 64 MiB, once filled by 150,000 texts, that walk took 8 % of
/// the CPU and one text per commit cost 160-180 µs; with 8 MiB 1 % and
/// 148-154 µs, the reads it lost served by the memory map.
const CACHE_KIB: i64 = 8 * 1024;

/// How much of the file SQLite reads through a memory map instead of
/// `pread` (256 MiB of address space, not of memory).
const MMAP_BYTES: i64 = 256 * 1024 * 1024;

/// Pages the WAL may hold before a commit copies them back into the
/// database file (SQLite's default is 1,000). Each checkpoint writes every
/// page changed since the last one and syncs both files: fewer, larger
/// checkpoints write a page that many texts change (an index's last leaf,
/// a day's usage row) once instead of once per 1,000 pages.
const AUTOCHECKPOINT_PAGES: i64 = 10_000;

/// The size the WAL file is cut back to after a checkpoint that reset it,
/// so it does not keep the largest size it ever reached.
const WAL_LIMIT_BYTES: i64 = 64 * 1024 * 1024;

/// How far a committed write is durable: SQLite's `synchronous` setting
/// for the WAL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous = NORMAL` (the default): a commit is written to the WAL
    /// before it returns but the WAL is synced to the disk only at
    /// checkpoints. A committed unit survives the process being killed
    /// (SIGKILL, a panic, an abort) and never leaves the file corrupt; a
    /// power loss or an operating-system crash may lose the units committed
    /// since the last checkpoint (the file stays consistent: it rolls back
    /// to an earlier commit).
    #[default]
    ProcessCrash,
    /// `synchronous = FULL`: the WAL is synced to the disk at every commit,
    /// so a committed unit also survives a power loss or an
    /// operating-system crash, for one `fsync` per commit (a few hundred
    /// microseconds to several milliseconds, depending on the disk; batches
    /// of texts share one).
    PowerLoss,
}

impl Durability {
    fn synchronous(self) -> &'static str {
        match self {
            Durability::ProcessCrash => "NORMAL",
            Durability::PowerLoss => "FULL",
        }
    }
}

/// A store kept in one SQLite database. `Send + Sync`: share it between
/// threads behind an `Arc`.
pub struct SqliteStore {
    session: ReentrantMutex<RefCell<Session>>,
}

/// The connection, and how many units ([`Atomic::atomically`]) the thread
/// holding the lock has open on it.
///
/// [`Atomic::atomically`]: practicetext_core::ports::Atomic::atomically
struct Session {
    conn: Connection,
    units: u32,
    /// Directories and number owners read before, while nobody changed
    /// the file (see [`directory::Cache`]).
    cache: directory::Cache,
    /// Writes the open unit makes at its commit (see [`pending`]).
    pending: pending::Pending,
}

/// Why a database could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// SQLite could not open or configure the file.
    #[error("could not open the SQLite database: {message}; check the path and its permissions")]
    Open {
        /// SQLite's message.
        message: String,
    },
    /// A schema migration failed; the database stays at the version before it.
    #[error(
        "upgrading the database schema to version {version} failed: {message}; the database was left at version {}",
        version.saturating_sub(1)
    )]
    Migration {
        /// The version the failed step would have reached.
        version: u32,
        /// SQLite's message.
        message: String,
    },
    /// The file was written by a newer version of practicetext.
    #[error(
        "the database has schema version {found} but this build knows versions up to {supported}; upgrade practicetext"
    )]
    SchemaTooNew {
        /// The file's schema version.
        found: u32,
        /// The newest version this build knows.
        supported: u32,
    },
}

impl OpenError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            OpenError::Open { .. } => "store_open_failed",
            OpenError::Migration { .. } => "store_migration_failed",
            OpenError::SchemaTooNew { .. } => "store_schema_too_new",
        }
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its
    /// schema up to date; commits are durable against the process being
    /// killed ([`Durability::ProcessCrash`]).
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, OpenError> {
        Self::open_with(path, Durability::default())
    }

    /// Opens the database at `path` as [`open`](Self::open) does, with
    /// commits as durable as `durability` says: pass
    /// [`Durability::PowerLoss`] when a committed text must survive a power
    /// cut too.
    pub fn open_with(
        path: impl AsRef<Path>,
        durability: Durability,
    ) -> Result<SqliteStore, OpenError> {
        let conn = Connection::open(path).map_err(open_failed)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_failed)?;
        // Switching a new file to WAL needs an exclusive lock, and SQLite
        // answers "busy" at once (without its busy handler) while another
        // connection is opening the same file: wait and try again.
        retry_busy(|| conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(())))
            .map_err(open_failed)?;
        for (pragma, value) in [
            ("synchronous", durability.synchronous().to_owned()),
            ("mmap_size", MMAP_BYTES.to_string()),
            ("wal_autocheckpoint", AUTOCHECKPOINT_PAGES.to_string()),
            ("journal_size_limit", WAL_LIMIT_BYTES.to_string()),
        ] {
            set_pragma(&conn, pragma, &value).map_err(open_failed)?;
        }
        Self::configure(conn)
    }

    /// A private database in memory, gone when the store is dropped.
    pub fn open_in_memory() -> Result<SqliteStore, OpenError> {
        Self::configure(Connection::open_in_memory().map_err(open_failed)?)
    }

    fn configure(mut conn: Connection) -> Result<SqliteStore, OpenError> {
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(open_failed)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_failed)?;
        // Savepoints (a write inside a unit, each text of a batch) keep the
        // pages they change in a statement journal: in memory, not in a
        // temporary file written for every such write.
        conn.pragma_update(None, "temp_store", "MEMORY")
            .map_err(open_failed)?;
        conn.pragma_update(None, "cache_size", -CACHE_KIB)
            .map_err(open_failed)?;
        // Every statement the store runs stays prepared (the default keeps
        // 16, fewer than one inbound text uses).
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        migrations::migrate(&mut conn)?;
        Ok(SqliteStore {
            session: ReentrantMutex::new(RefCell::new(Session {
                conn,
                units: 0,
                cache: directory::Cache::default(),
                pending: pending::Pending::default(),
            })),
        })
    }

    /// The schema version of the open database (always [`SCHEMA_VERSION`]
    /// once open succeeded).
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.with_conn(|conn| migrations::user_version(conn).map_err(record::backend))
    }

    /// The session, for one call or one unit. Reentrant: the thread running
    /// a unit locks it again for each call the unit makes, while other
    /// threads wait.
    fn lock(&self) -> ReentrantMutexGuard<'_, RefCell<Session>> {
        self.session.lock()
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteStore { .. }")
    }
}

/// Runs `step` again while SQLite reports the database busy or locked, for
/// at most [`BUSY_TIMEOUT`]: the few places where SQLite does not call its
/// busy handler (changing the journal mode, reading the schema of a file
/// another connection is creating) then wait like every other statement.
pub(crate) fn retry_busy<T>(mut step: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    let mut pause = Duration::from_millis(1);
    loop {
        match step() {
            Err(e) if is_busy(&e) && std::time::Instant::now() < deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            done => return done,
        }
    }
}

/// Sets a pragma to a value of ours (a keyword or a number), reading and
/// dropping the row some pragmas answer with.
fn set_pragma(conn: &Connection, pragma: &str, value: &str) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare(&format!("PRAGMA {pragma} = {value}"))?;
    let mut rows = stmt.query([])?;
    while rows.next()?.is_some() {}
    Ok(())
}

/// Whether `e` is SQLite's "database is busy" or "database is locked".
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn open_failed(e: rusqlite::Error) -> OpenError {
    OpenError::Open {
        message: record::describe(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_is_send_and_sync() {
        fn shareable<T: Send + Sync>() {}
        shareable::<SqliteStore>();
    }

    #[test]
    fn open_configures_wal_foreign_keys_and_busy_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("t.db")).unwrap();
        let guard = store.lock();
        let session = guard.borrow();
        let conn = &session.conn;
        let get = |pragma: &str| -> String {
            conn.pragma_query_value(None, pragma, |r| {
                r.get::<_, rusqlite::types::Value>(0)
                    .map(|v| format!("{v:?}"))
            })
            .unwrap()
        };
        assert_eq!(get("journal_mode"), "Text(\"wal\")");
        assert_eq!(get("foreign_keys"), "Integer(1)");
        assert_eq!(get("busy_timeout"), "Integer(5000)");
        assert_eq!(get("synchronous"), "Integer(1)");
        assert_eq!(get("cache_size"), format!("Integer({})", -CACHE_KIB));
        assert_eq!(
            get("wal_autocheckpoint"),
            format!("Integer({AUTOCHECKPOINT_PAGES})")
        );
        assert_eq!(get("temp_store"), "Integer(2)");
    }

    #[test]
    fn durability_against_power_loss_syncs_every_commit() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open_with(dir.path().join("t.db"), Durability::PowerLoss).unwrap();
        let guard = store.lock();
        let session = guard.borrow();
        let full: i64 = session
            .conn
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .unwrap();
        assert_eq!(full, 2, "synchronous = FULL");
    }

    #[test]
    fn a_file_that_is_not_a_database_is_refused_with_a_code() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "x".repeat(4096)).unwrap();
        let err = SqliteStore::open(&path).unwrap_err();
        assert_eq!(err.code(), "store_open_failed", "{err}");
    }

    #[test]
    fn a_missing_directory_is_refused_with_a_code() {
        let dir = tempfile::tempdir().unwrap();
        let err = SqliteStore::open(dir.path().join("no/such/dir/t.db")).unwrap_err();
        assert_eq!(err.code(), "store_open_failed", "{err}");
    }
}
