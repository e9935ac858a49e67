//! Versioned schema migrations. [`MIGRATIONS`] is the ordered list of SQL
//! steps; step `i` moves the database from version `i` to `i + 1`, and the
//! version is kept in SQLite's `user_version`. Opening applies the missing
//! steps, each in its own `IMMEDIATE` transaction (so two processes opening
//! one file at once apply each step once), and refuses a file newer than
//! this build.
//!
//! To change the schema, append a file to `migrations/` and to
//! [`MIGRATIONS`]; never edit a step that was released. The upgrade test
//! below then asks for a seed: data as written at the previous version.

use rusqlite::{Connection, TransactionBehavior};

use crate::OpenError;
use crate::record::describe;

/// The schema steps, oldest first.
pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_directory.sql"),
    include_str!("../migrations/0002_engine.sql"),
    include_str!("../migrations/0003_delivery_broadcast.sql"),
    include_str!("../migrations/0004_inbox.sql"),
    include_str!("../migrations/0005_inbox_keys.sql"),
];

/// The schema version this build writes: the number of steps.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32; // ok: a handful of steps

/// Brings `conn` to [`SCHEMA_VERSION`].
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), OpenError> {
    migrate_with(conn, MIGRATIONS)
}

/// The database's schema version.
pub(crate) fn user_version(conn: &Connection) -> Result<u32, rusqlite::Error> {
    let v: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    Ok(u32::try_from(v).unwrap_or(u32::MAX))
}

/// Applies the steps of `steps` that `conn` lacks.
fn migrate_with(conn: &mut Connection, steps: &[&str]) -> Result<(), OpenError> {
    let supported = u32::try_from(steps.len()).unwrap_or(u32::MAX);
    let open_failed = |e: rusqlite::Error| OpenError::Open {
        message: describe(&e),
    };
    let found = crate::retry_busy(|| user_version(conn)).map_err(open_failed)?;
    if found > supported {
        return Err(OpenError::SchemaTooNew { found, supported });
    }
    for (version, sql) in (1..).zip(steps).skip(found as usize) {
        crate::retry_busy(|| apply(conn, version, sql)).map_err(|e| OpenError::Migration {
            version,
            message: describe(&e),
        })?;
    }
    Ok(())
}

/// Applies one step unless another connection already did.
fn apply(conn: &mut Connection, version: u32, sql: &str) -> Result<(), rusqlite::Error> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if user_version(&tx)? >= version {
        return Ok(());
    }
    tx.execute_batch(sql)?;
    tx.pragma_update(None, "user_version", version)?;
    tx.commit()?;
    tracing::info!(version, "sqlite store: schema migrated");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqliteStore;
    use practicetext_core::directory::Directory;
    use practicetext_core::ports::DirectoryStore;
    use practicetext_store_tests::fixtures;

    /// Data as written at each version, one entry per version: `SEEDS[v]`
    /// is SQL inserting the records of [`seeded_directory`] (and from
    /// version 2 on those of `practicetext_store_tests::seeds`) into a
    /// database at version `v` (nothing at version 0, the empty file). Adding a step
    /// to [`MIGRATIONS`] makes this array one short until the seed for the
    /// new version is added.
    const SEEDS: [&str; MIGRATIONS.len() + 1] = [
        "",
        include_str!("../migrations/seeds/0001.sql"),
        include_str!("../migrations/seeds/0002.sql"),
        include_str!("../migrations/seeds/0003.sql"),
        include_str!("../migrations/seeds/0004.sql"),
        include_str!("../migrations/seeds/0005.sql"),
    ];

    /// The version that added deliveries and broadcasts (found by file, so
    /// it stays right when steps are merged in before it).
    fn broadcast_version() -> usize {
        let step = include_str!("../migrations/0003_delivery_broadcast.sql");
        MIGRATIONS.iter().position(|m| *m == step).unwrap() + 1
    }

    /// Checks the delivery and broadcast of the seeds from
    /// [`broadcast_version`] on.
    fn assert_seeded_broadcast(store: &SqliteStore, from: usize) {
        use practicetext_core::ports::{BroadcastStore, DeliveryStore};
        use practicetext_store_tests::broadcast_fixtures as bf;
        let org = "seed-org".into();
        let id = "bc-seed".into();
        if from < broadcast_version() {
            assert_eq!(store.delivery("SM-seed").unwrap(), None);
            assert_eq!(store.broadcasts(&org).unwrap(), vec![]);
            return;
        }
        let want = bf::delivery("seed-org", "SM-seed");
        assert_eq!(
            store.delivery("SM-seed").unwrap(),
            Some(want),
            "seed of version {from}"
        );
        let b = bf::broadcast("seed-org", "bc-seed");
        assert_eq!(
            store.broadcasts(&org).unwrap(),
            vec![b],
            "seed of version {from}"
        );
        let mut want = bf::recipients(8);
        for (r, status) in want.iter_mut().zip(bf::every_status()) {
            r.status = status;
        }
        assert_eq!(
            store.recipients(&org, &id).unwrap(),
            want,
            "seed of version {from}"
        );
    }

    /// What every seed holds, as the current code must read it.
    fn seeded_directory() -> (Directory, practicetext_core::directory::Client) {
        let org = "seed-org";
        let dir = Directory {
            organization: fixtures::organization(org),
            users: vec![fixtures::user(org, "amir"), fixtures::bare_user(org, "zoe")],
            groups: vec![fixtures::group(org, "front-desk")],
            numbers: fixtures::every_route()
                .into_iter()
                .zip(10..)
                .map(|(route, line)| fixtures::owned_number(org, fixtures::phone(line), route))
                .collect(),
        };
        (dir, fixtures::client(org, "c-1", Some(fixtures::phone(30))))
    }

    fn database_at(path: &std::path::Path, version: usize) {
        let mut conn = Connection::open(path).unwrap();
        migrate_with(&mut conn, &MIGRATIONS[..version]).unwrap();
        assert_eq!(user_version(&conn).unwrap() as usize, version);
        conn.execute_batch(SEEDS[version]).unwrap();
    }

    #[test]
    fn upgrades_from_every_earlier_version_keeping_data() {
        for from in 0..=MIGRATIONS.len() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("old.db");
            database_at(&path, from);
            let store = SqliteStore::open(&path)
                .unwrap_or_else(|e| panic!("upgrade from version {from}: {e}"));
            assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
            let (want, client) = seeded_directory();
            let org = &want.organization.id;
            if from >= 2 {
                practicetext_store_tests::seeds::check_engine_records(&store);
            }
            if from > 0 {
                assert_eq!(
                    store.directory(org).unwrap(),
                    want,
                    "seed of version {from}"
                );
                let found = store.clients_by_phone(org, fixtures::phone(30)).unwrap();
                assert_eq!(found, vec![client], "seed of version {from}");
            }
            if from >= 2 {
                practicetext_store_tests::seeds::extend_engine_records(&store);
            }
            assert_seeded_broadcast(&store, from);
            let fresh = fixtures::client("other-org", "c-9", Some(fixtures::phone(31)));
            store.put_client(&fresh).unwrap();
            assert_eq!(
                store.client(&fresh.organization, &fresh.id).unwrap(),
                Some(fresh)
            );
        }
    }

    #[test]
    fn reopening_applies_nothing_and_keeps_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let org = fixtures::organization("org-a");
        SqliteStore::open(&path)
            .unwrap()
            .put_organization(&org)
            .unwrap();
        let again = SqliteStore::open(&path).unwrap();
        assert_eq!(again.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(again.organization(&org.id).unwrap(), Some(org));
    }

    #[test]
    fn processes_opening_a_new_file_at_once_migrate_once() {
        const OPENERS: usize = 4;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shared.db");
        let start = std::sync::Barrier::new(OPENERS);
        let stores: Vec<SqliteStore> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..OPENERS)
                .map(|_| {
                    s.spawn(|| {
                        start.wait();
                        SqliteStore::open(&path)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap().unwrap())
                .collect()
        });
        for store in &stores {
            assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        }
    }

    #[test]
    fn two_stores_on_one_file_share_writes_and_wait_for_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shared.db");
        let (a, b) = (
            SqliteStore::open(&path).unwrap(),
            SqliteStore::open(&path).unwrap(),
        );
        std::thread::scope(|s| {
            for (name, store) in [("a", &a), ("b", &b)] {
                s.spawn(move || {
                    for i in 0..50 {
                        let c = fixtures::bare_client("org-a", &format!("{name}{i:02}"), None);
                        store.put_client(&c).unwrap();
                    }
                });
            }
        });
        let org = "org-a".into();
        let seen_by_a = a.client(&org, &"b49".into()).unwrap();
        assert_eq!(seen_by_a, Some(fixtures::bare_client("org-a", "b49", None)));
        let seen_by_b = b.client(&org, &"a49".into()).unwrap();
        assert_eq!(seen_by_b, Some(fixtures::bare_client("org-a", "a49", None)));
    }

    #[test]
    fn refuses_a_database_newer_than_the_code() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        database_at(&path, MIGRATIONS.len());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        drop(conn);
        let err = SqliteStore::open(&path).unwrap_err();
        assert_eq!(
            err,
            OpenError::SchemaTooNew {
                found: SCHEMA_VERSION + 1,
                supported: SCHEMA_VERSION
            }
        );
        assert_eq!(err.code(), "store_schema_too_new");
    }

    #[test]
    fn a_failed_step_is_rolled_back_and_leaves_the_previous_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        let broken = "CREATE TABLE half_done (x TEXT); INSERT INTO no_such_table VALUES (1);";
        let steps = [MIGRATIONS[0], broken];
        let err = migrate_with(&mut conn, &steps).unwrap_err();
        assert!(
            matches!(err, OpenError::Migration { version: 2, .. }),
            "{err:?}"
        );
        assert_eq!(err.code(), "store_migration_failed");
        assert_eq!(user_version(&conn).unwrap(), 1);
        let half_done: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'half_done'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(half_done, 0);
    }
}
