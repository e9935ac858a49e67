//! [`DirectoryStore`] on the tables of migration 1.

use postgres::types::ToSql;
use postgres::{GenericClient, IsolationLevel, Statement};
use practicetext_core::directory::{Client, Directory, Group, Organization, OwnedNumber, User};
use practicetext_core::ids::{ClientId, OrganizationId, Username};
use practicetext_core::phone::E164;
use practicetext_core::ports::{DirectoryStore, StoreError};
use serde::de::DeserializeOwned;

use crate::PgStore;
use crate::record::{backend, from_json, to_json};

const PUT_ORGANIZATION: &str = "INSERT INTO organizations (id, record) VALUES ($1, $2::text::json) \
     ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record";
const ORGANIZATION: &str = "SELECT record::text FROM organizations WHERE id = $1";
const PUT_USER: &str = "INSERT INTO users (organization_id, username, record) \
     VALUES ($1, $2, $3::text::json) \
     ON CONFLICT (organization_id, username) DO UPDATE SET record = EXCLUDED.record";
const USER: &str = "SELECT record::text FROM users WHERE organization_id = $1 AND username = $2";
const USERS: &str = "SELECT record::text FROM users WHERE organization_id = $1 ORDER BY username";
const PUT_GROUP: &str = "INSERT INTO groups (organization_id, id, record) \
     VALUES ($1, $2, $3::text::json) \
     ON CONFLICT (organization_id, id) DO UPDATE SET record = EXCLUDED.record";
const GROUPS: &str = "SELECT record::text FROM groups WHERE organization_id = $1 ORDER BY id";
/// Updates only the owner's row: another organization's claim changes no
/// row, which [`put_number`](DirectoryStore::put_number) reports as a conflict.
const PUT_NUMBER: &str = "INSERT INTO numbers (number, organization_id, record) \
     VALUES ($1, $2, $3::text::json) \
     ON CONFLICT (number) DO UPDATE SET record = EXCLUDED.record \
     WHERE numbers.organization_id = EXCLUDED.organization_id";
const NUMBER: &str = "SELECT record::text FROM numbers WHERE number = $1";
const NUMBERS: &str = "SELECT record::text FROM numbers WHERE organization_id = $1 ORDER BY number";
const PUT_CLIENT: &str = "INSERT INTO clients (organization_id, id, cell_phone, record) \
     VALUES ($1, $2, $3, $4::text::json) ON CONFLICT (organization_id, id) \
     DO UPDATE SET cell_phone = EXCLUDED.cell_phone, record = EXCLUDED.record";
const CLIENT: &str = "SELECT record::text FROM clients WHERE organization_id = $1 AND id = $2";
const CLIENTS_BY_PHONE: &str = "SELECT record::text FROM clients \
     WHERE organization_id = $1 AND cell_phone = $2 ORDER BY id";

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// The record of the one row `stmt` selects, if any.
fn one<T: DeserializeOwned>(
    client: &mut impl GenericClient,
    what: &str,
    stmt: &Statement,
    params: Params<'_>,
) -> Result<Option<T>, StoreError> {
    let row = client.query_opt(stmt, params).map_err(backend)?;
    row.map(|r| from_json(what, r.try_get(0).map_err(backend)?))
        .transpose()
}

/// The records of every row `stmt` selects, in its order.
fn all<T: DeserializeOwned>(
    client: &mut impl GenericClient,
    what: &str,
    stmt: &Statement,
    params: Params<'_>,
) -> Result<Vec<T>, StoreError> {
    let rows = client.query(stmt, params).map_err(backend)?;
    rows.iter()
        .map(|r| from_json(what, r.try_get(0).map_err(backend)?))
        .collect()
}

impl PgStore {
    /// Runs a prepared write; returns the number of rows changed.
    fn write(&self, sql: &'static str, params: Params<'_>) -> Result<u64, StoreError> {
        let mut session = self.lock()?;
        let stmt = session.prepare(sql)?;
        session.client.execute(&stmt, params).map_err(backend)
    }

    /// The record `sql` selects, if any.
    fn read_one<T: DeserializeOwned>(
        &self,
        what: &str,
        sql: &'static str,
        params: Params<'_>,
    ) -> Result<Option<T>, StoreError> {
        let mut session = self.lock()?;
        let stmt = session.prepare(sql)?;
        one(&mut session.client, what, &stmt, params)
    }

    /// Every record `sql` selects, in its order.
    fn read_all<T: DeserializeOwned>(
        &self,
        what: &str,
        sql: &'static str,
        params: Params<'_>,
    ) -> Result<Vec<T>, StoreError> {
        let mut session = self.lock()?;
        let stmt = session.prepare(sql)?;
        all(&mut session.client, what, &stmt, params)
    }
}

impl DirectoryStore for PgStore {
    fn put_organization(&self, org: &Organization) -> Result<(), StoreError> {
        let record = to_json("organization", org)?;
        self.write(PUT_ORGANIZATION, &[&org.id.as_str(), &record])?;
        Ok(())
    }

    fn organization(&self, id: &OrganizationId) -> Result<Option<Organization>, StoreError> {
        self.read_one("organization", ORGANIZATION, &[&id.as_str()])
    }

    fn put_user(&self, user: &User) -> Result<(), StoreError> {
        let record = to_json("user", user)?;
        let keys = (user.organization.as_str(), user.username.as_str());
        self.write(PUT_USER, &[&keys.0, &keys.1, &record])?;
        Ok(())
    }

    fn user(&self, org: &OrganizationId, username: &Username) -> Result<Option<User>, StoreError> {
        self.read_one("user", USER, &[&org.as_str(), &username.as_str()])
    }

    fn users(&self, org: &OrganizationId) -> Result<Vec<User>, StoreError> {
        self.read_all("user", USERS, &[&org.as_str()])
    }

    fn put_group(&self, group: &Group) -> Result<(), StoreError> {
        let record = to_json("group", group)?;
        let keys = (group.organization.as_str(), group.id.as_str());
        self.write(PUT_GROUP, &[&keys.0, &keys.1, &record])?;
        Ok(())
    }

    fn groups(&self, org: &OrganizationId) -> Result<Vec<Group>, StoreError> {
        self.read_all("group", GROUPS, &[&org.as_str()])
    }

    fn put_number(&self, number: &OwnedNumber) -> Result<(), StoreError> {
        let record = to_json("number", number)?;
        let e164 = number.number.to_string();
        let org = number.organization.as_str();
        if self.write(PUT_NUMBER, &[&e164, &org, &record])? == 0 {
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
        self.read_one("number", NUMBER, &[&number.to_string()])
    }

    fn numbers(&self, org: &OrganizationId) -> Result<Vec<OwnedNumber>, StoreError> {
        self.read_all("number", NUMBERS, &[&org.as_str()])
    }

    fn put_client(&self, client: &Client) -> Result<(), StoreError> {
        let record = to_json("client", client)?;
        let phone = client.cell_phone.map(|p| p.to_string());
        let keys = (client.organization.as_str(), client.id.as_str());
        self.write(PUT_CLIENT, &[&keys.0, &keys.1, &phone, &record])?;
        Ok(())
    }

    fn client(&self, org: &OrganizationId, id: &ClientId) -> Result<Option<Client>, StoreError> {
        self.read_one("client", CLIENT, &[&org.as_str(), &id.as_str()])
    }

    fn clients_by_phone(
        &self,
        org: &OrganizationId,
        number: E164,
    ) -> Result<Vec<Client>, StoreError> {
        let phone = number.to_string();
        self.read_all("client", CLIENTS_BY_PHONE, &[&org.as_str(), &phone])
    }

    /// Reads the four parts in one read-only REPEATABLE READ transaction: a
    /// consistent snapshot even while other app servers write.
    fn directory(&self, org: &OrganizationId) -> Result<Directory, StoreError> {
        let mut session = self.lock()?;
        let stmts = [ORGANIZATION, USERS, GROUPS, NUMBERS].map(|sql| session.prepare(sql));
        let [organization, users, groups, numbers] = stmts;
        let (organization, users, groups, numbers) = (organization?, users?, groups?, numbers?);
        let mut tx = session
            .client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(backend)?;
        let key: Params<'_> = &[&org.as_str()];
        let organization = one(&mut tx, "organization", &organization, key)?.ok_or_else(|| {
            StoreError::NotFound {
                what: "organization",
                id: org.to_string(),
            }
        })?;
        let dir = Directory {
            organization,
            users: all(&mut tx, "user", &users, key)?,
            groups: all(&mut tx, "group", &groups, key)?,
            numbers: all(&mut tx, "number", &numbers, key)?,
        };
        tx.commit().map_err(backend)?;
        Ok(dir)
    }
}
