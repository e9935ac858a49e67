//! Test code: compiled only under `#[cfg(test)]` (declared by the parent module).
//! Tests that need a PostgreSQL server (feature `server-tests`): the
//! conformance suite and the migration tests. The server comes from
//! `PRACTICETEXT_PG_URL`; without it every test here fails (a suite that
//! silently passes would hide a broken store). `make test` provides one via
//! `scripts/with-postgres.sh`.
//!
//! Each test works in a fresh schema of its own, dropped when the test ends
//! (passed or failed), so the tests run in parallel and leave nothing behind.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{SystemTime, UNIX_EPOCH};

use postgres::{Client, NoTls};
use practicetext_core::directory::Directory;
use practicetext_core::ports::DirectoryStore;
use practicetext_store_tests::fixtures;

use super::migrations::{MIGRATIONS, current_version, migrate_with};
use super::*;

/// Where the tests' server is.
fn url() -> String {
    std::env::var("PRACTICETEXT_PG_URL").unwrap_or_else(|_| {
        panic!(
            "the PostgreSQL tests need a server: set PRACTICETEXT_PG_URL or run via \
             scripts/with-postgres.sh (e.g. `make pg-test`)"
        )
    })
}

/// A schema name no other test, run or process uses.
fn fresh_schema_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    format!("pt_test_{}_{nanos}_{n}", std::process::id())
}

/// A schema of its own for one test, dropped (with everything in it) when
/// this guard is dropped; derefs to the store when it has one.
struct Scratch {
    url: String,
    schema: String,
    store: Option<PgStore>,
}

impl Scratch {
    fn empty() -> Scratch {
        Scratch {
            url: url(),
            schema: fresh_schema_name(),
            store: None,
        }
    }

    /// A raw connection whose search_path is this schema.
    fn client(&self) -> Client {
        session_client(&self.url.parse().unwrap(), &self.schema).unwrap()
    }
}

impl std::ops::Deref for Scratch {
    type Target = PgStore;
    fn deref(&self) -> &PgStore {
        self.store
            .as_ref()
            .expect("this scratch schema has a store")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        drop(self.store.take());
        let dropped = Client::connect(&self.url, NoTls).and_then(|mut c| {
            c.batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {} CASCADE",
                quoted(&self.schema)
            ))
        });
        if let Err(e) = dropped {
            eprintln!("could not drop test schema {}: {e}", self.schema);
        }
    }
}

/// A fresh, migrated store in its own schema.
fn scratch_store() -> Scratch {
    let mut scratch = Scratch::empty();
    scratch.store = Some(PgStore::connect_in_schema(&scratch.url, &scratch.schema).unwrap());
    scratch
}

/// Three more stores on the same schema: each worker of the concurrent
/// claim check claims through a connection of its own.
fn more_handles(scratch: &Scratch) -> Vec<PgStore> {
    (0..3)
        .map(|_| PgStore::connect_in_schema(&scratch.url, &scratch.schema).unwrap())
        .collect()
}

practicetext_store_tests::store_conformance_tests!(scratch_store, handles = more_handles);
practicetext_store_tests::atomic_store_tests!(scratch_store);

/// Data as written at each version: `SEEDS[v]` inserts the records of
/// [`seeded_directory`] (and from version 2 on those of
/// `practicetext_store_tests::seeds`) into a schema at version `v`
/// (nothing at 0). Adding
/// a step to [`MIGRATIONS`] makes this array one short until the seed for
/// the new version is added.
const SEEDS: [&str; MIGRATIONS.len() + 1] = [
    "",
    include_str!("../migrations/seeds/0001.sql"),
    include_str!("../migrations/seeds/0002.sql"),
    include_str!("../migrations/seeds/0003.sql"),
    include_str!("../migrations/seeds/0004.sql"),
];

/// The version that added deliveries and broadcasts (found by file, so it
/// stays right when steps are merged in before it).
fn broadcast_version() -> usize {
    let step = include_str!("../migrations/0003_delivery_broadcast.sql");
    MIGRATIONS.iter().position(|m| *m == step).unwrap() + 1
}

/// Checks the delivery and broadcast of the seeds from
/// [`broadcast_version`] on.
fn assert_seeded_broadcast(store: &PgStore, from: usize) {
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

/// A scratch schema at `version`, holding that version's seed.
fn schema_at(version: usize) -> Scratch {
    let scratch = Scratch::empty();
    let mut client = scratch.client();
    migrate_with(&mut client, &scratch.schema, &MIGRATIONS[..version]).unwrap();
    assert_eq!(current_version(&mut client).unwrap() as usize, version);
    client.batch_execute(SEEDS[version]).unwrap();
    scratch
}

#[test]
fn upgrades_from_every_earlier_version_keeping_data() {
    for from in 0..=MIGRATIONS.len() {
        let mut scratch = schema_at(from);
        let store = PgStore::connect_in_schema(&url(), &scratch.schema)
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
        scratch.store = Some(store);
    }
}

#[test]
fn refuses_a_schema_newer_than_the_code() {
    let scratch = schema_at(MIGRATIONS.len());
    let newer = i32::try_from(SCHEMA_VERSION + 1).unwrap();
    scratch
        .client()
        .execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[&newer],
        )
        .unwrap();
    let err = PgStore::connect_in_schema(&url(), &scratch.schema).unwrap_err();
    assert_eq!(
        err,
        ConnectError::SchemaTooNew {
            found: SCHEMA_VERSION + 1,
            supported: SCHEMA_VERSION
        }
    );
    assert_eq!(err.code(), "store_schema_too_new");
}

#[test]
fn a_failed_step_is_rolled_back_and_leaves_the_previous_version() {
    let scratch = Scratch::empty();
    let mut client = scratch.client();
    let broken = "CREATE TABLE half_done (x TEXT); INSERT INTO no_such_table VALUES (1);";
    let err = migrate_with(&mut client, &scratch.schema, &[MIGRATIONS[0], broken]).unwrap_err();
    assert!(
        matches!(err, ConnectError::Migration { version: 2, .. }),
        "{err:?}"
    );
    assert_eq!(err.code(), "store_migration_failed");
    assert_eq!(current_version(&mut client).unwrap(), 1);
    let half_done = client
        .query_one("SELECT to_regclass('half_done') IS NOT NULL", &[])
        .unwrap();
    assert!(!half_done.get::<_, bool>(0));
    let lock_free = client
        .query_one(
            "SELECT pg_try_advisory_lock($1, $2)",
            &[&0x7074_i32, &super::migrations::schema_key(&scratch.schema)],
        )
        .unwrap();
    assert!(
        lock_free.get::<_, bool>(0),
        "the migration lock was released"
    );
}

#[test]
fn app_servers_connecting_at_once_migrate_once() {
    const SERVERS: usize = 6;
    let mut scratch = Scratch::empty();
    let start = Arc::new(Barrier::new(SERVERS));
    let schema = scratch.schema.clone();
    let stores: Vec<PgStore> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..SERVERS)
            .map(|_| {
                let (start, schema) = (Arc::clone(&start), schema.clone());
                s.spawn(move || {
                    start.wait();
                    PgStore::connect_in_schema(&url(), &schema)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap().unwrap())
            .collect()
    });
    let applied = scratch
        .client()
        .query_one("SELECT count(*) FROM schema_migrations", &[])
        .unwrap();
    assert_eq!(applied.get::<_, i64>(0), i64::from(SCHEMA_VERSION));
    let org = fixtures::organization("org-a");
    stores[0].put_organization(&org).unwrap();
    assert_eq!(
        stores[SERVERS - 1].organization(&org.id).unwrap(),
        Some(org)
    );
    scratch.store = stores.into_iter().next();
}

#[test]
fn stores_in_two_schemas_of_one_database_are_separate() {
    let (a, b) = (scratch_store(), scratch_store());
    let org = fixtures::organization("org-a");
    a.put_organization(&org).unwrap();
    a.put_number(&fixtures::owned_number("org-a", fixtures::phone(10), None))
        .unwrap();
    assert_eq!(b.organization(&org.id).unwrap(), None);
    b.put_number(&fixtures::owned_number("org-b", fixtures::phone(10), None))
        .unwrap();
}

#[test]
fn key_columns_compare_in_byte_order_whatever_the_database_locale() {
    let scratch = scratch_store();
    let rows = scratch
        .client()
        .query(
            "SELECT table_name::text, column_name::text, coalesce(collation_name::text, '') \
             FROM information_schema.columns \
             WHERE table_schema = $1 AND data_type = 'text' AND table_name <> 'schema_migrations'",
            &[&scratch.schema],
        )
        .unwrap();
    assert!(rows.len() >= 10, "found {} text columns", rows.len());
    for row in rows {
        let (table, column, collation): (String, String, String) =
            (row.get(0), row.get(1), row.get(2));
        assert_eq!(collation, "C", "{table}.{column} must use the C collation");
    }
}

/// The server process behind the store's connection.
fn backend_pid(store: &PgStore) -> i32 {
    let guard = store.lock().unwrap();
    let mut session = guard.borrow_mut();
    let row = session.client.query_one("SELECT pg_backend_pid()", &[]);
    row.unwrap().get(0)
}

#[test]
fn a_lost_connection_fails_at_most_one_call_and_is_replaced() {
    let scratch = scratch_store();
    let org = fixtures::organization("org-a");
    scratch.put_organization(&org).unwrap();
    let pid = backend_pid(&scratch);
    let mut admin = Client::connect(&scratch.url, NoTls).unwrap();
    admin
        .execute("SELECT pg_terminate_backend($1)", &[&pid])
        .unwrap();
    let gone = "SELECT count(*) FROM pg_stat_activity WHERE pid = $1";
    for _ in 0..500 {
        if admin.query_one(gone, &[&pid]).unwrap().get::<_, i64>(0) == 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    match scratch.organization(&org.id) {
        Ok(found) => assert_eq!(found, Some(org.clone())),
        Err(e) => assert_eq!(e.code(), "store_backend", "{e}"),
    }
    assert_eq!(scratch.organization(&org.id).unwrap(), Some(org));
    assert_ne!(
        backend_pid(&scratch),
        pid,
        "a new connection replaced the lost one"
    );
}

/// `url` with another user (as key=value pairs; no password).
fn url_as(url: &str, user: &str) -> String {
    let config: postgres::Config = url.parse().unwrap();
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let dbname = config.get_dbname().unwrap_or(user);
    format!("host='{host}' port={port} user={user} dbname='{dbname}'")
}

/// Needs a server where the test user may create roles (the throwaway one).
#[test]
fn a_user_without_create_rights_connects_to_an_up_to_date_schema() {
    let scratch = scratch_store();
    let role = format!("{}_app", scratch.schema);
    let schema = quoted(&scratch.schema);
    let mut admin = scratch.client();
    admin
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA {schema} TO {role}; \
             GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA {schema} TO {role}"
        ))
        .unwrap();
    let connected = PgStore::connect_in_schema(&url_as(&scratch.url, &role), &scratch.schema);
    let version = connected
        .as_ref()
        .map(|store| store.schema_version())
        .map_err(Clone::clone);
    drop(connected);
    admin
        .batch_execute(&format!(
            "REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}; \
             REVOKE ALL ON SCHEMA {schema} FROM {role}; DROP ROLE {role}"
        ))
        .unwrap();
    assert_eq!(version, Ok(Ok(SCHEMA_VERSION)));
}

#[test]
fn conflict_and_backend_messages_carry_no_patient_data() {
    let scratch = scratch_store();
    let secret = fixtures::phone(4321);
    scratch
        .put_number(&fixtures::owned_number("org-a", secret, None))
        .unwrap();
    let err = scratch
        .put_number(&fixtures::owned_number("org-b", secret, None))
        .unwrap_err();
    assert!(!err.to_string().contains("4321"), "{err}");
    scratch
        .client()
        .execute(
            "UPDATE numbers SET record = '{\"number\": \"Jane Doe +16502534321\"}'",
            &[],
        )
        .unwrap();
    let err = scratch.number(secret).unwrap_err();
    assert_eq!(err.code(), "store_backend");
    assert!(!err.to_string().contains("Jane"), "{err}");
    assert!(!err.to_string().contains("4321"), "{err}");
}

/// The sample practice, written through `store`.
fn put_sample(store: &PgStore) -> Directory {
    let dir = practicetext_core::testing::sample_directory();
    store.put_organization(&dir.organization).unwrap();
    dir.users.iter().for_each(|u| store.put_user(u).unwrap());
    dir.groups.iter().for_each(|g| store.put_group(g).unwrap());
    dir.numbers
        .iter()
        .for_each(|n| store.put_number(n).unwrap());
    dir
}

/// `store`'s answer for the front desk's number, which must be owned.
fn front_desk(store: &PgStore) -> (practicetext_core::directory::OwnedNumber, Directory) {
    let number = practicetext_core::phone::E164::parse("+16502530010").unwrap();
    store.number_with_directory(number).unwrap().unwrap()
}

/// A directory a connection kept is checked against the directory's
/// version on every read: writes of another app server (each kind of
/// directory record, a number moved to another organization) and writes
/// by hand are seen at once.
#[test]
fn a_kept_directory_sees_every_later_directory_write() {
    let scratch = scratch_store();
    let other = PgStore::connect_in_schema(&scratch.url, &scratch.schema).unwrap();
    let mut dir = put_sample(&other);
    let (owner, read) = front_desk(&scratch);
    assert_eq!((owner.organization.as_str(), &read), ("happy-paws", &dir));
    assert_eq!(front_desk(&scratch).1, dir, "read again from what was kept");

    dir.organization.name = "Happy Paws Vet & Spa".into();
    other.put_organization(&dir.organization).unwrap();
    assert_eq!(front_desk(&scratch).1, dir, "organization");
    dir.users[1].display_name = "Robert".into();
    other.put_user(&dir.users[1]).unwrap();
    assert_eq!(front_desk(&scratch).1, dir, "user");
    dir.groups[0].members.pop();
    other.put_group(&dir.groups[0]).unwrap();
    assert_eq!(front_desk(&scratch).1, dir, "group");
    dir.numbers[3].sms_enabled = false;
    other.put_number(&dir.numbers[3]).unwrap();
    assert_eq!(front_desk(&scratch), (dir.numbers[3].clone(), dir.clone()));

    let mut client = scratch.client();
    client
        .execute("DELETE FROM users WHERE username = 'bob'", &[])
        .unwrap();
    dir.users.pop();
    assert_eq!(front_desk(&scratch).1, dir, "a user deleted by hand");
    client.batch_execute("TRUNCATE groups").unwrap();
    dir.groups.clear();
    assert_eq!(front_desk(&scratch).1, dir, "groups truncated by hand");

    let mut moved = practicetext_core::testing::sample_directory();
    moved.organization.id = "new-owner".into();
    moved.organization.name = "New owner".into();
    other.put_organization(&moved.organization).unwrap();
    client
        .execute(
            "UPDATE numbers SET organization_id = 'new-owner', \
             record = json_build_object('number', number, 'organization', 'new-owner', \
                 'sms_enabled', true, 'route', NULL) WHERE number = '+16502530010'",
            &[],
        )
        .unwrap();
    let (owner, read) = front_desk(&scratch);
    assert_eq!(owner.organization.as_str(), "new-owner");
    assert_eq!(read.organization, moved.organization);
    assert_eq!(read.numbers, vec![owner]);
    client
        .execute("DELETE FROM numbers WHERE number = '+16502530010'", &[])
        .unwrap();
    let number = practicetext_core::phone::E164::parse("+16502530010").unwrap();
    assert_eq!(scratch.number_with_directory(number).unwrap(), None);
}

/// A directory read inside a unit that rolls back is not taken for
/// current afterwards: the version it had is never committed.
#[test]
fn a_directory_read_in_a_rolled_back_unit_is_not_kept() {
    use practicetext_core::ports::{Atomic, StoreError};
    let scratch = scratch_store();
    let other = PgStore::connect_in_schema(&scratch.url, &scratch.schema).unwrap();
    let dir = put_sample(&other);
    let mut renamed = dir.users[0].clone();
    renamed.display_name = "Not kept".into();
    let failed: Result<(), StoreError> = scratch.atomically(|| {
        scratch.put_user(&renamed)?;
        assert_eq!(front_desk(&scratch).1.users[0], renamed);
        Err(StoreError::Conflict {
            message: "roll back".into(),
        })
    });
    assert!(failed.is_err());
    assert_eq!(front_desk(&scratch).1, dir);
    let mut bob = dir.users[1].clone();
    bob.display_name = "Robert".into();
    other.put_user(&bob).unwrap();
    let read = front_desk(&scratch).1;
    assert_eq!((&read.users[0], &read.users[1]), (&dir.users[0], &bob));
}

/// Usage counted by several connections (each adding to the shard of its
/// server process) reads as one row per day and user.
#[test]
fn usage_counted_by_several_connections_reads_as_one_row() {
    use practicetext_core::conversation::Direction;
    use practicetext_core::ports::UsageStore;
    let scratch = scratch_store();
    let org = "org-a".into();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let stores: Vec<PgStore> = (0..4)
        .map(|_| PgStore::connect_in_schema(&scratch.url, &scratch.schema).unwrap())
        .collect();
    for (i, s) in stores.iter().enumerate() {
        s.record(&org, None, day, Direction::Inbound, 2).unwrap();
        s.record(
            &org,
            None,
            day,
            Direction::Outbound,
            u32::try_from(i).unwrap(),
        )
        .unwrap();
    }
    let shards: i64 = scratch
        .client()
        .query_one("SELECT count(*) FROM usage_days", &[])
        .unwrap()
        .get(0);
    let pids: std::collections::BTreeSet<i32> =
        stores.iter().map(|s| backend_pid(s) % 16).collect();
    assert_eq!(
        shards,
        i64::try_from(pids.len()).unwrap(),
        "one row per shard"
    );
    let rows = scratch.usage(&org, day, day).unwrap();
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(
        (r.texts_in, r.texts_out, r.segments_in, r.segments_out),
        (4, 4, 8, 6)
    );
}

/// Everything an engine wrote that a reader can see (for comparing two
/// schemas that handled the same texts).
fn engine_contents(store: &PgStore, claims: &[String]) -> String {
    use practicetext_core::ports::{
        ConsentStore, ConversationFilter, ConversationStore, IdempotencyStore, InboxStore,
        UsageStore,
    };
    let org = practicetext_store_tests::engine::org();
    let mut out = String::new();
    for c in store
        .conversations(&org, &ConversationFilter::default())
        .unwrap()
    {
        out += &format!("{c:?}\n{:?}\n", store.messages(&org, &c.id).unwrap());
    }
    for u in store.users(&org).unwrap() {
        out += &format!("{:?}\n", store.entries(&org, &u.username).unwrap());
    }
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    out += &format!("{:?}\n", store.usage(&org, day, day).unwrap());
    out += &format!("{:?}\n", store.consent_history(&org, None).unwrap());
    let t = chrono::DateTime::from_timestamp(1_795_446_000, 0).unwrap();
    for id in claims {
        let claim = store.claim("inbound", id, chrono::TimeDelta::zero(), t);
        out += &format!("{claim:?}");
    }
    out
}

/// `handle_inbound_batch` (bulk statements where the texts cannot see
/// each other) records on PostgreSQL what its one-by-one reference
/// records: batches to the front desk's group (the bulk path: existing
/// conversations, plain texts), to Alice (auto-replies), STOPs, a
/// number nobody owns, repeated senders and provider ids.
#[test]
fn a_batch_in_bulk_records_what_one_by_one_records() {
    use practicetext_core::inbound::InboundText;
    use practicetext_core::sensitive::MessageBody;
    use practicetext_core::webhook::Sender;
    use practicetext_store_tests::engine::{engine, patient, put_practice};

    let t = |provider: u32, from: u16, to: &str, body: &str, second: i64| InboundText {
        provider_id: Some(format!("SMbulk{provider}")),
        from: Sender::Number(patient(from)),
        to: practicetext_core::phone::E164::parse(to).unwrap(),
        body: MessageBody::from(body),
        media_count: 0,
        received_at: chrono::DateTime::from_timestamp(1_795_446_000 + second, 0).unwrap(),
    };
    let (group, alice, nobody) = ("+16502530010", "+16502530001", "+16502530099");
    let batches: Vec<Vec<InboundText>> = vec![
        // New conversations: one by one inside the bulk path.
        (0..6).map(|i| t(i, i as u16, group, "Hi", 0)).collect(),
        // Plain texts in bulk, with a refused one.
        (0..6)
            .map(|i| t(10 + i, i as u16, group, "Is Rex ready?", 5))
            .chain([t(16, 7, nobody, "Hi", 5)])
            .collect(),
        // Plain, a STOP, an auto-reply and a duplicate of an earlier id.
        vec![
            t(20, 0, group, "Is Rex ready?", 10),
            t(21, 1, group, "STOP", 10),
            t(22, 2, alice, "Hello", 10),
            t(3, 3, group, "Hi", 10),
            t(24, 4, group, "Again", 10),
        ],
        // A repeated sender: one by one.
        vec![t(30, 5, group, "One", 20), t(31, 5, group, "Two", 20)],
        // Plain again, repeats of bodies (X4 compares with the previous).
        (0..6)
            .map(|i| t(40 + i, i as u16, group, "Is Rex ready?", 30))
            .collect(),
        // Plain texts of two segments each.
        (0..4)
            .map(|i| t(50 + i, i as u16, group, &"Is Rex ready? ".repeat(15), 40))
            .collect(),
    ];
    let (bulk, reference) = (scratch_store(), scratch_store());
    put_practice(&*bulk);
    put_practice(&*reference);
    let now = chrono::DateTime::from_timestamp(1_795_446_100, 0).unwrap();
    let own = |s: &Scratch| PgStore::connect_in_schema(&s.url, &s.schema).unwrap();
    let (bulk_engine, reference_engine) =
        (engine(own(&bulk), now, 3), engine(own(&reference), now, 3));
    for texts in &batches {
        let got = bulk_engine.handle_inbound_batch(texts).unwrap();
        let want = reference_engine
            .handle_inbound_batch_one_by_one(texts)
            .unwrap();
        assert_eq!(got, want);
        assert_eq!(
            bulk_engine.transport().take(),
            reference_engine.transport().take()
        );
    }
    let claims: Vec<String> = (0..60).map(|i| format!("SMbulk{i}")).collect();
    assert_eq!(
        engine_contents(&bulk, &claims),
        engine_contents(&reference, &claims)
    );
}

/// The bulk ports' edges: repeated keys, keys already done or held, a
/// message whose conversation is missing.
#[test]
fn bulk_claims_and_messages_answer_as_one_by_one() {
    use practicetext_core::conversation::{Author, Direction, Message};
    use practicetext_core::ids::{ConversationId, MessageId};
    use practicetext_core::ports::{Claim, ConversationStore, IdempotencyStore};

    let store = scratch_store();
    let t = chrono::DateTime::from_timestamp(1_795_446_000, 0).unwrap();
    let lease = chrono::TimeDelta::seconds(60);
    assert_eq!(
        store.claim("inbound", "held", lease, t),
        Ok(Claim::Acquired)
    );
    assert_eq!(
        store.claim("inbound", "done", lease, t),
        Ok(Claim::Acquired)
    );
    store.complete("inbound", "done", t).unwrap();
    let claims = store.claim_all("inbound", &["new", "held", "done", "other"], lease, t);
    use Claim::*;
    assert_eq!(claims, Ok(vec![Acquired, InProgress, Done, Acquired]));
    let repeated = store.claim_all("inbound", &["again", "again"], lease, t);
    assert_eq!(repeated, Ok(vec![Acquired, InProgress]));
    store
        .complete_all("inbound", &["new", "new", "other"], t)
        .unwrap();
    let after = store.claim_all("inbound", &["new", "other"], lease, t);
    assert_eq!(after, Ok(vec![Done, Done]));

    let message = |id: &str| Message {
        id: MessageId::new(id),
        organization: "happy-paws".into(),
        conversation: ConversationId::new("missing"),
        direction: Direction::Inbound,
        author: Author::Outside,
        body: "Hi".into(),
        at: t,
        provider_id: None,
    };
    let err = store
        .put_messages(&[message("m1"), message("m2")])
        .unwrap_err();
    assert_eq!(err.code(), "not_found", "{err}");
}
