//! [`DirectoryStore`] on the tables of migration 1.

use practicetext_core::directory::{Client, Directory, Group, Organization, OwnedNumber, User};
use practicetext_core::ids::{ClientId, OrganizationId, Username};
use practicetext_core::phone::E164;
use practicetext_core::ports::{DirectoryStore, StoreError};
use rusqlite::params;

use std::collections::HashMap;
use std::sync::Arc;

use crate::SqliteStore;
use crate::record::{backend, to_json};
use crate::sql::{all, one, value};

/// Directories and number owners as read, kept while the database does
/// not change under them: SQLite's `data_version` changes whenever another
/// connection (this process or another) commits, and this connection's own
/// directory writes and rollbacks empty the cache. The engine reads the
/// directory of every inbound text; most of the time nothing changed it.
///
/// Inside a unit the version is read once: the unit holds the write lock
/// from its `BEGIN IMMEDIATE`, so no other connection commits until it
/// ends.
#[derive(Default)]
pub(crate) struct Cache {
    /// The `data_version` the entries were read at.
    version: Option<i64>,
    /// The version was read inside the open unit.
    checked_in_unit: bool,
    /// Counts the times the cache was emptied: an answer read from the
    /// file is kept only if the cache was not emptied since the version
    /// was checked before the read (else it may predate a write).
    generation: u64,
    /// Shared with the engine, which keeps a compiled policy per snapshot.
    directories: HashMap<OrganizationId, Arc<Directory>>,
    numbers: HashMap<E164, Option<OwnedNumber>>,
    /// Clients by cell phone (the engine asks for the sender of every
    /// inbound text), at most [`CLIENT_PHONES`] numbers.
    clients_by_phone: HashMap<(OrganizationId, E164), Vec<Client>>,
}

/// How many numbers' clients the cache keeps; when full it starts over.
const CLIENT_PHONES: usize = 10_000;

impl Cache {
    /// Forgets everything.
    pub(crate) fn clear(&mut self) {
        self.version = None;
        self.generation = self.generation.wrapping_add(1);
        self.directories.clear();
        self.numbers.clear();
        self.clients_by_phone.clear();
    }

    /// A unit opens: the version must be read again.
    pub(crate) fn unit_opened(&mut self) {
        self.checked_in_unit = false;
    }
}

impl SqliteStore {
    /// Runs `f` on the cache, emptied first if another connection committed
    /// since it was filled.
    fn cache<R>(&self, f: impl FnOnce(&mut Cache) -> R) -> Result<R, StoreError> {
        let guard = self.lock();
        let mut session = guard.try_borrow_mut().map_err(|_| crate::sql::busy())?;
        let in_unit = session.units > 0;
        if !(in_unit && session.cache.checked_in_unit) {
            let version: Option<i64> = value(&session.conn, "PRAGMA data_version", [])?;
            if session.cache.version != version {
                session.cache.clear();
                session.cache.version = version;
            }
            session.cache.checked_in_unit = in_unit;
        }
        Ok(f(&mut session.cache))
    }

    /// Runs `f` on the cache if it was not emptied since `generation` (read
    /// with [`cache`](Self::cache) before reading what `f` keeps).
    fn keep(&self, generation: u64, f: impl FnOnce(&mut Cache)) -> Result<(), StoreError> {
        let guard = self.lock();
        let mut session = guard.try_borrow_mut().map_err(|_| crate::sql::busy())?;
        if session.cache.generation == generation {
            f(&mut session.cache);
        }
        Ok(())
    }

    /// Empties the cache (a unit that may have read its own uncommitted
    /// writes was rolled back).
    pub(crate) fn forget_cache(&self) {
        let guard = self.lock();
        if let Ok(mut session) = guard.try_borrow_mut() {
            session.cache.clear();
        }
    }

    /// Runs a client write and forgets the clients in the cache.
    fn write_client(&self, sql: &str, params: impl rusqlite::Params) -> Result<usize, StoreError> {
        let guard = self.lock();
        let mut session = guard.try_borrow_mut().map_err(|_| crate::sql::busy())?;
        session.cache.clients_by_phone.clear();
        session.cache.generation = session.cache.generation.wrapping_add(1);
        let mut stmt = session.conn.prepare_cached(sql).map_err(backend)?;
        stmt.execute(params).map_err(backend)
    }

    /// Runs a directory write and empties the cache.
    fn write_directory(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<usize, StoreError> {
        let guard = self.lock();
        let mut session = guard.try_borrow_mut().map_err(|_| crate::sql::busy())?;
        session.cache.clear();
        let mut stmt = session.conn.prepare_cached(sql).map_err(backend)?;
        stmt.execute(params).map_err(backend)
    }
}

const PUT_ORGANIZATION: &str = "INSERT INTO organizations (id, record) VALUES (?1, ?2) \
     ON CONFLICT (id) DO UPDATE SET record = excluded.record";
const ORGANIZATION: &str = "SELECT record FROM organizations WHERE id = ?1";
const PUT_USER: &str = "INSERT INTO users (organization_id, username, record) VALUES (?1, ?2, ?3) \
     ON CONFLICT (organization_id, username) DO UPDATE SET record = excluded.record";
const USER: &str = "SELECT record FROM users WHERE organization_id = ?1 AND username = ?2";
const USERS: &str = "SELECT record FROM users WHERE organization_id = ?1 ORDER BY username";
const PUT_GROUP: &str = "INSERT INTO groups (organization_id, id, record) VALUES (?1, ?2, ?3) \
     ON CONFLICT (organization_id, id) DO UPDATE SET record = excluded.record";
const GROUPS: &str = "SELECT record FROM groups WHERE organization_id = ?1 ORDER BY id";
/// Updates only the owner's row: another organization's claim changes no
/// row, which [`put_number`](DirectoryStore::put_number) reports as a conflict.
const PUT_NUMBER: &str = "INSERT INTO numbers (number, organization_id, record) VALUES (?1, ?2, ?3) \
     ON CONFLICT (number) DO UPDATE SET record = excluded.record \
     WHERE numbers.organization_id = excluded.organization_id";
const NUMBER: &str = "SELECT record FROM numbers WHERE number = ?1";
const NUMBERS: &str = "SELECT record FROM numbers WHERE organization_id = ?1 ORDER BY number";
const PUT_CLIENT: &str = "INSERT INTO clients (organization_id, id, cell_phone, record) \
     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (organization_id, id) \
     DO UPDATE SET cell_phone = excluded.cell_phone, record = excluded.record";
const CLIENT: &str = "SELECT record FROM clients WHERE organization_id = ?1 AND id = ?2";
/// Names its index: without statistics SQLite would rather walk the
/// organization's whole primary key in `id` order than sort a few rows.
const CLIENTS_BY_PHONE: &str = "SELECT record FROM clients INDEXED BY clients_by_phone \
     WHERE organization_id = ?1 AND cell_phone = ?2 ORDER BY id";

impl DirectoryStore for SqliteStore {
    fn put_organization(&self, org: &Organization) -> Result<(), StoreError> {
        let record = to_json("organization", org)?;
        let params = params![org.id.as_str(), record];
        self.write_directory(PUT_ORGANIZATION, params)?;
        Ok(())
    }

    fn organization(&self, id: &OrganizationId) -> Result<Option<Organization>, StoreError> {
        self.with_conn(|conn| one(conn, "organization", ORGANIZATION, [id.as_str()]))
    }

    fn put_user(&self, user: &User) -> Result<(), StoreError> {
        let record = to_json("user", user)?;
        let params = params![user.organization.as_str(), user.username.as_str(), record];
        self.write_directory(PUT_USER, params)?;
        Ok(())
    }

    fn user(&self, org: &OrganizationId, username: &Username) -> Result<Option<User>, StoreError> {
        let params = [org.as_str(), username.as_str()];
        self.with_conn(|conn| one(conn, "user", USER, params))
    }

    fn users(&self, org: &OrganizationId) -> Result<Vec<User>, StoreError> {
        self.with_conn(|conn| all(conn, "user", USERS, [org.as_str()]))
    }

    fn put_group(&self, group: &Group) -> Result<(), StoreError> {
        let record = to_json("group", group)?;
        let params = params![group.organization.as_str(), group.id.as_str(), record];
        self.write_directory(PUT_GROUP, params)?;
        Ok(())
    }

    fn groups(&self, org: &OrganizationId) -> Result<Vec<Group>, StoreError> {
        self.with_conn(|conn| all(conn, "group", GROUPS, [org.as_str()]))
    }

    fn put_number(&self, number: &OwnedNumber) -> Result<(), StoreError> {
        let record = to_json("number", number)?;
        let params = params![
            number.number.to_string(),
            number.organization.as_str(),
            record
        ];
        let changed = self.write_directory(PUT_NUMBER, params)?;
        if changed == 0 {
            return Err(StoreError::Conflict {
                message: format!(
                    "the number {} belongs to another organization",
                    number.number.redacted()
                ),
            });
        }
        Ok(())
    }

    fn number(&self, number: E164) -> Result<Option<OwnedNumber>, StoreError> {
        let (cached, generation) =
            self.cache(|c| (c.numbers.get(&number).cloned(), c.generation))?;
        if let Some(found) = cached {
            return Ok(found);
        }
        let found: Option<OwnedNumber> =
            self.with_conn(|conn| one(conn, "number", NUMBER, [number.to_string()]))?;
        self.keep(generation, |c| {
            c.numbers.insert(number, found.clone());
        })?;
        Ok(found)
    }

    fn numbers(&self, org: &OrganizationId) -> Result<Vec<OwnedNumber>, StoreError> {
        self.with_conn(|conn| all(conn, "number", NUMBERS, [org.as_str()]))
    }

    fn put_client(&self, client: &Client) -> Result<(), StoreError> {
        let record = to_json("client", client)?;
        let phone = client.cell_phone.map(|p| p.to_string());
        let params = params![
            client.organization.as_str(),
            client.id.as_str(),
            phone,
            record
        ];
        self.write_client(PUT_CLIENT, params)?;
        Ok(())
    }

    fn client(&self, org: &OrganizationId, id: &ClientId) -> Result<Option<Client>, StoreError> {
        self.with_conn(|conn| one(conn, "client", CLIENT, [org.as_str(), id.as_str()]))
    }

    /// Kept in the cache until the database changes.
    fn clients_by_phone(
        &self,
        org: &OrganizationId,
        number: E164,
    ) -> Result<Vec<Client>, StoreError> {
        let key = (org.clone(), number);
        let (cached, generation) =
            self.cache(|c| (c.clients_by_phone.get(&key).cloned(), c.generation))?;
        if let Some(found) = cached {
            return Ok(found);
        }
        let params = params![org.as_str(), number.to_string()];
        let found: Vec<Client> =
            self.with_conn(|conn| all(conn, "client", CLIENTS_BY_PHONE, params))?;
        self.keep(generation, |c| {
            if c.clients_by_phone.len() >= CLIENT_PHONES {
                c.clients_by_phone.clear();
            }
            c.clients_by_phone.insert(key, found.clone());
        })?;
        Ok(found)
    }

    fn number_with_directory(
        &self,
        number: E164,
    ) -> Result<Option<(OwnedNumber, Directory)>, StoreError> {
        Ok(self
            .number_with_shared_directory(number)?
            .map(|(owner, dir)| (owner, Directory::clone(&dir))))
    }

    /// The owner and its directory from the cache when both are there (one
    /// check of `data_version`, none more inside a unit), the directory
    /// shared and not copied; else as the default reads them.
    fn number_with_shared_directory(
        &self,
        number: E164,
    ) -> Result<Option<(OwnedNumber, Arc<Directory>)>, StoreError> {
        let cached = self.cache(|c| match c.numbers.get(&number) {
            Some(Some(owner)) => c
                .directories
                .get(&owner.organization)
                .map(|dir| Some((owner.clone(), Arc::clone(dir)))),
            Some(None) => Some(None),
            None => None,
        })?;
        if let Some(found) = cached {
            return Ok(found);
        }
        match self.number(number)? {
            Some(owner) => {
                let dir = self.shared_directory(&owner.organization)?;
                Ok(Some((owner, dir)))
            }
            None => Ok(None),
        }
    }

    fn directory(&self, org: &OrganizationId) -> Result<Directory, StoreError> {
        Ok(Directory::clone(&*self.shared_directory(org)?))
    }
}

impl SqliteStore {
    /// Reads the four parts in one read transaction (or in the unit that is
    /// open): a consistent snapshot even while another process writes the
    /// file. Kept in the cache until the database changes.
    fn shared_directory(&self, org: &OrganizationId) -> Result<Arc<Directory>, StoreError> {
        let (cached, generation) =
            self.cache(|c| (c.directories.get(org).cloned(), c.generation))?;
        if let Some(found) = cached {
            return Ok(found);
        }
        let dir = self.read_tx(|conn| {
            let key = [org.as_str()];
            let organization = one(conn, "organization", ORGANIZATION, key)?.ok_or_else(|| {
                StoreError::NotFound {
                    what: "organization",
                    id: org.to_string(),
                }
            })?;
            Ok(Directory {
                organization,
                users: all(conn, "user", USERS, key)?,
                groups: all(conn, "group", GROUPS, key)?,
                numbers: all(conn, "number", NUMBERS, key)?,
            })
        })?;
        let dir = Arc::new(dir);
        self.keep(generation, |c| {
            c.directories.insert(org.clone(), Arc::clone(&dir));
        })?;
        Ok(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use practicetext_core::ports::Atomic;
    use practicetext_store_tests::fixtures;

    /// The cached directory and number owners follow this connection's
    /// writes, another connection's commits and a rolled-back unit.
    #[test]
    fn the_cache_follows_every_change() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let (a, b) = (
            SqliteStore::open(&path).unwrap(),
            SqliteStore::open(&path).unwrap(),
        );
        let org = fixtures::organization("org-a");
        a.put_organization(&org).unwrap();
        let users = |s: &SqliteStore| s.directory(&org.id).unwrap().users.len();
        assert_eq!(users(&a), 0);
        a.put_user(&fixtures::bare_user("org-a", "amir")).unwrap();
        assert_eq!(users(&a), 1, "this connection's write");
        b.put_user(&fixtures::bare_user("org-a", "zoe")).unwrap();
        assert_eq!(users(&a), 2, "another connection's commit");
        let n = fixtures::phone(10);
        assert_eq!(a.number(n).unwrap(), None);
        b.put_number(&fixtures::owned_number("org-a", n, None))
            .unwrap();
        assert!(
            a.number(n).unwrap().is_some(),
            "another connection's number"
        );
        let rolled_back: Result<(), StoreError> = a.atomically(|| {
            a.put_user(&fixtures::bare_user("org-a", "temp"))?;
            assert_eq!(users(&a), 3, "the unit sees its own write");
            Err(StoreError::Backend {
                message: "roll back".into(),
            })
        });
        assert!(rolled_back.is_err());
        assert_eq!(users(&a), 2, "a rolled-back write is forgotten");
        // A unit reads the version once; the next unit reads it again.
        for (name, want) in [("ann", 3), ("bea", 4)] {
            let seen: Result<usize, StoreError> = a.atomically(|| {
                let once = users(&a);
                assert_eq!(users(&a), once, "the same snapshot within the unit");
                Ok(once)
            });
            assert_eq!(seen.unwrap(), want - 1, "before {name}");
            b.put_user(&fixtures::bare_user("org-a", name)).unwrap();
            let seen: Result<usize, StoreError> = a.atomically(|| Ok(users(&a)));
            assert_eq!(seen.unwrap(), want, "{name}, committed between units");
        }
    }

    /// The cached clients by phone follow this connection's client writes,
    /// another connection's commits and a rolled-back unit.
    #[test]
    fn the_clients_by_phone_follow_every_change() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let (a, b) = (
            SqliteStore::open(&path).unwrap(),
            SqliteStore::open(&path).unwrap(),
        );
        let org = fixtures::organization("org-a");
        a.put_organization(&org).unwrap();
        let phone = fixtures::phone(20);
        let ids = |s: &SqliteStore| -> Vec<String> {
            s.clients_by_phone(&org.id, phone)
                .unwrap()
                .into_iter()
                .map(|c| c.id.to_string())
                .collect()
        };
        assert_eq!(ids(&a), Vec::<String>::new());
        a.put_client(&fixtures::client("org-a", "c-1", Some(phone)))
            .unwrap();
        assert_eq!(ids(&a), ["c-1"], "this connection's write");
        b.put_client(&fixtures::client("org-a", "c-2", Some(phone)))
            .unwrap();
        assert_eq!(ids(&a), ["c-1", "c-2"], "another connection's commit");
        a.put_client(&fixtures::client("org-a", "c-1", None))
            .unwrap();
        assert_eq!(ids(&a), ["c-2"], "a client whose phone changed");
        let rolled_back: Result<(), StoreError> = a.atomically(|| {
            a.put_client(&fixtures::client("org-a", "c-3", Some(phone)))?;
            assert_eq!(ids(&a), ["c-2", "c-3"], "the unit sees its own write");
            Err(StoreError::Backend {
                message: "roll back".into(),
            })
        });
        assert!(rolled_back.is_err());
        assert_eq!(ids(&a), ["c-2"], "a rolled-back write is forgotten");
        assert_eq!(ids(&b), ["c-2"]);
    }

    /// Every read finds its rows through an index, in the promised order,
    /// with no full scan and no sort, whatever the table holds.
    #[test]
    fn every_read_searches_an_index_and_needs_no_sort() {
        let store = SqliteStore::open_in_memory().unwrap();
        let guard = store.lock();
        let session = guard.borrow();
        let conn = &session.conn;
        let reads = [
            (ORGANIZATION, "PRIMARY KEY"),
            (USER, "PRIMARY KEY"),
            (USERS, "PRIMARY KEY"),
            (GROUPS, "PRIMARY KEY"),
            (NUMBER, "PRIMARY KEY"),
            (NUMBERS, "INDEX numbers_by_organization"),
            (CLIENT, "PRIMARY KEY"),
            (CLIENTS_BY_PHONE, "INDEX clients_by_phone"),
        ];
        for (sql, index) in reads {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let args = ["x"; 2];
            let args = &args[..stmt.parameter_count()];
            let plan: Vec<String> = stmt
                .query_map(rusqlite::params_from_iter(args), |r| r.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(plan.len(), 1, "{sql}: {plan:?}");
            assert!(plan[0].starts_with("SEARCH"), "{sql}: {plan:?}");
            assert!(plan[0].contains(index), "{sql}: {plan:?}");
        }
    }
}
