//! [`DirectoryStore`] on the tables of migration 1.

use practicetext_core::directory::{Client, Directory, Group, Organization, OwnedNumber, User};
use practicetext_core::ids::{ClientId, OrganizationId, Username};
use practicetext_core::phone::E164;
use practicetext_core::ports::{DirectoryStore, StoreError};
use rusqlite::params;

use crate::SqliteStore;
use crate::record::to_json;
use crate::sql::{all, one, write};

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
        self.with_conn(|conn| write(conn, PUT_ORGANIZATION, params))?;
        Ok(())
    }

    fn organization(&self, id: &OrganizationId) -> Result<Option<Organization>, StoreError> {
        self.with_conn(|conn| one(conn, "organization", ORGANIZATION, [id.as_str()]))
    }

    fn put_user(&self, user: &User) -> Result<(), StoreError> {
        let record = to_json("user", user)?;
        let params = params![user.organization.as_str(), user.username.as_str(), record];
        self.with_conn(|conn| write(conn, PUT_USER, params))?;
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
        self.with_conn(|conn| write(conn, PUT_GROUP, params))?;
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
        let changed = self.with_conn(|conn| write(conn, PUT_NUMBER, params))?;
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
        self.with_conn(|conn| one(conn, "number", NUMBER, [number.to_string()]))
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
        self.with_conn(|conn| write(conn, PUT_CLIENT, params))?;
        Ok(())
    }

    fn client(&self, org: &OrganizationId, id: &ClientId) -> Result<Option<Client>, StoreError> {
        self.with_conn(|conn| one(conn, "client", CLIENT, [org.as_str(), id.as_str()]))
    }

    fn clients_by_phone(
        &self,
        org: &OrganizationId,
        number: E164,
    ) -> Result<Vec<Client>, StoreError> {
        let params = params![org.as_str(), number.to_string()];
        self.with_conn(|conn| all(conn, "client", CLIENTS_BY_PHONE, params))
    }

    /// Reads the four parts in one read transaction (or in the unit that is
    /// open): a consistent snapshot even while another process writes the
    /// file.
    fn directory(&self, org: &OrganizationId) -> Result<Directory, StoreError> {
        self.read_tx(|conn| {
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
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
