//! [`DirectoryStore`] on the tables of migration 1.

use practicetext_core::directory::{Client, Directory, Group, Organization, OwnedNumber, User};
use practicetext_core::ids::{ClientId, OrganizationId, Username};
use practicetext_core::phone::E164;
use practicetext_core::ports::{DirectoryStore, StoreError};

use crate::PgStore;
use crate::record::{from_json, to_json};
use crate::sql::get;

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
/// For each (organization, number) of the arrays: whether a client has
/// that cell phone, in order.
const HAVE_CLIENTS_BY_PHONE: &str = "SELECT EXISTS (SELECT 1 FROM clients c \
         WHERE c.organization_id = q.org AND c.cell_phone = q.num) \
     FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS q(org, num, i) ORDER BY q.i";
/// A number's owner record with its organization's directory (as
/// [`DIRECTORY`]) and the directory's version (migration 4), in one
/// statement. When the organization and version are `$2` and `$3` (the
/// directory this connection kept), only they are read: one index lookup
/// each instead of reading and encoding the whole directory.
const NUMBER_WITH_DIRECTORY: &str = "SELECT n.organization_id, v.version, \
     coalesce(n.organization_id = $2 AND v.version = $3, false) AS fresh, \
     CASE WHEN n.organization_id = $2 AND v.version = $3 THEN NULL ELSE n.record::text END, \
     CASE WHEN n.organization_id = $2 AND v.version = $3 THEN NULL ELSE \
         (SELECT json_build_array(o.record, \
             (SELECT coalesce(json_agg(u.record ORDER BY u.username), '[]') FROM users u \
                 WHERE u.organization_id = n.organization_id), \
             (SELECT coalesce(json_agg(g.record ORDER BY g.id), '[]') FROM groups g \
                 WHERE g.organization_id = n.organization_id), \
             (SELECT coalesce(json_agg(x.record ORDER BY x.number), '[]') FROM numbers x \
                 WHERE x.organization_id = n.organization_id)) \
          FROM organizations o WHERE o.id = n.organization_id)::text END \
     FROM numbers n LEFT JOIN directory_versions v ON v.organization_id = n.organization_id \
     WHERE n.number = $1";
/// The organization and its users, groups and numbers (each a JSON array in
/// the list methods' order) in one statement: one snapshot, one round trip.
const DIRECTORY: &str = "SELECT o.record::text, \
     (SELECT coalesce(json_agg(u.record ORDER BY u.username), '[]') FROM users u \
         WHERE u.organization_id = o.id)::text, \
     (SELECT coalesce(json_agg(g.record ORDER BY g.id), '[]') FROM groups g \
         WHERE g.organization_id = o.id)::text, \
     (SELECT coalesce(json_agg(n.record ORDER BY n.number), '[]') FROM numbers n \
         WHERE n.organization_id = o.id)::text \
     FROM organizations o WHERE o.id = $1";

/// A directory a connection read for one of our numbers, with the
/// organization and version it had.
pub(crate) struct KeptDirectory {
    organization: String,
    version: i64,
    owner: OwnedNumber,
    directory: Directory,
}

/// The owner and directory of a row of [`NUMBER_WITH_DIRECTORY`] that was
/// read in full.
fn read_directory(row: &postgres::Row) -> Result<(OwnedNumber, Directory), StoreError> {
    let owner: OwnedNumber = from_json("number", get(row, 3)?)?;
    let parts: Option<&str> = get(row, 4)?;
    let parts = parts.ok_or_else(|| StoreError::NotFound {
        what: "organization",
        id: owner.organization.to_string(),
    })?;
    let (organization, users, groups, numbers) = from_json("directory", parts)?;
    let directory = Directory {
        organization,
        users,
        groups,
        numbers,
    };
    Ok((owner, directory))
}

impl DirectoryStore for PgStore {
    fn put_organization(&self, org: &Organization) -> Result<(), StoreError> {
        let record = to_json("organization", org)?;
        self.run(|db| db.execute(PUT_ORGANIZATION, &[&org.id.as_str(), &record]))?;
        Ok(())
    }

    fn organization(&self, id: &OrganizationId) -> Result<Option<Organization>, StoreError> {
        self.run(|db| db.one("organization", ORGANIZATION, &[&id.as_str()]))
    }

    fn put_user(&self, user: &User) -> Result<(), StoreError> {
        let record = to_json("user", user)?;
        let keys = (user.organization.as_str(), user.username.as_str());
        self.run(|db| db.execute(PUT_USER, &[&keys.0, &keys.1, &record]))?;
        Ok(())
    }

    fn user(&self, org: &OrganizationId, username: &Username) -> Result<Option<User>, StoreError> {
        self.run(|db| db.one("user", USER, &[&org.as_str(), &username.as_str()]))
    }

    fn users(&self, org: &OrganizationId) -> Result<Vec<User>, StoreError> {
        self.run(|db| db.all("user", USERS, &[&org.as_str()]))
    }

    fn put_group(&self, group: &Group) -> Result<(), StoreError> {
        let record = to_json("group", group)?;
        let keys = (group.organization.as_str(), group.id.as_str());
        self.run(|db| db.execute(PUT_GROUP, &[&keys.0, &keys.1, &record]))?;
        Ok(())
    }

    fn groups(&self, org: &OrganizationId) -> Result<Vec<Group>, StoreError> {
        self.run(|db| db.all("group", GROUPS, &[&org.as_str()]))
    }

    fn put_number(&self, number: &OwnedNumber) -> Result<(), StoreError> {
        let record = to_json("number", number)?;
        let e164 = number.number.to_string();
        let org = number.organization.as_str();
        if self.run(|db| db.execute(PUT_NUMBER, &[&e164, &org, &record]))? == 0 {
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
        self.run(|db| db.one("number", NUMBER, &[&number.to_string()]))
    }

    fn numbers(&self, org: &OrganizationId) -> Result<Vec<OwnedNumber>, StoreError> {
        self.run(|db| db.all("number", NUMBERS, &[&org.as_str()]))
    }

    fn put_client(&self, client: &Client) -> Result<(), StoreError> {
        let record = to_json("client", client)?;
        let phone = client.cell_phone.map(|p| p.to_string());
        let keys = (client.organization.as_str(), client.id.as_str());
        self.run(|db| db.execute(PUT_CLIENT, &[&keys.0, &keys.1, &phone, &record]))?;
        Ok(())
    }

    fn client(&self, org: &OrganizationId, id: &ClientId) -> Result<Option<Client>, StoreError> {
        self.run(|db| db.one("client", CLIENT, &[&org.as_str(), &id.as_str()]))
    }

    fn clients_by_phone(
        &self,
        org: &OrganizationId,
        number: E164,
    ) -> Result<Vec<Client>, StoreError> {
        let phone = number.to_string();
        self.run(|db| db.all("client", CLIENTS_BY_PHONE, &[&org.as_str(), &phone]))
    }

    /// Every number in one statement.
    fn have_clients_by_phone(
        &self,
        numbers: &[(&OrganizationId, E164)],
    ) -> Result<Vec<bool>, StoreError> {
        if numbers.is_empty() {
            return Ok(Vec::new());
        }
        let orgs: Vec<&str> = numbers.iter().map(|(o, _)| o.as_str()).collect();
        let phones: Vec<String> = numbers.iter().map(|(_, n)| n.to_string()).collect();
        let rows = self.run(|db| db.rows(HAVE_CLIENTS_BY_PHONE, &[&orgs, &phones]))?;
        if rows.len() != numbers.len() {
            return Err(StoreError::Backend {
                message: "the client query did not answer every number".into(),
            });
        }
        rows.iter().map(|r| get(r, 0)).collect()
    }

    /// Reads the owner and its directory in one statement; when the
    /// directory this connection kept for `number` is still current (its
    /// version, migration 4), that statement reads only the version.
    fn number_with_directory(
        &self,
        number: E164,
    ) -> Result<Option<(OwnedNumber, Directory)>, StoreError> {
        let e164 = number.to_string();
        self.run(|db| {
            let (org, version) = db.kept.get(&number).map_or((None, None), |k| {
                (Some(k.organization.clone()), Some(k.version))
            });
            let Some(row) = db.row(NUMBER_WITH_DIRECTORY, &[&e164, &org, &version])? else {
                db.kept.remove(&number);
                return Ok(None);
            };
            if get::<bool>(&row, 2)?
                && let Some(k) = db.kept.get(&number)
            {
                return Ok(Some((k.owner.clone(), k.directory.clone())));
            }
            let (owner, directory) = read_directory(&row)?;
            match get::<Option<i64>>(&row, 1)? {
                Some(version) => db.keep(
                    number,
                    KeptDirectory {
                        organization: get(&row, 0)?,
                        version,
                        owner: owner.clone(),
                        directory: directory.clone(),
                    },
                ),
                None => {
                    db.kept.remove(&number);
                }
            }
            Ok(Some((owner, directory)))
        })
    }

    /// Reads the organization and its users, groups and numbers in one
    /// statement: a consistent snapshot even while other app servers
    /// write, in one round trip.
    fn directory(&self, org: &OrganizationId) -> Result<Directory, StoreError> {
        let row = self.run(|db| db.row(DIRECTORY, &[&org.as_str()]))?;
        let row = row.ok_or_else(|| StoreError::NotFound {
            what: "organization",
            id: org.to_string(),
        })?;
        Ok(Directory {
            organization: from_json("organization", get(&row, 0)?)?,
            users: from_json("user", get(&row, 1)?)?,
            groups: from_json("group", get(&row, 2)?)?,
            numbers: from_json("number", get(&row, 3)?)?,
        })
    }
}
