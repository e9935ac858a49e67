//! In-memory [`DirectoryStore`].

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{MemoryStore, lock};
use crate::directory::{Client, Directory, Group, Organization, OwnedNumber, User};
use crate::ids::{ClientId, GroupId, OrganizationId, Username};
use crate::phone::E164;
use crate::ports::{DirectoryStore, StoreError};

#[derive(Default)]
pub(super) struct DirectoryState {
    organizations: BTreeMap<OrganizationId, Organization>,
    users: BTreeMap<(OrganizationId, Username), User>,
    groups: BTreeMap<(OrganizationId, GroupId), Group>,
    numbers: BTreeMap<E164, OwnedNumber>,
    clients: BTreeMap<(OrganizationId, ClientId), Client>,
    /// Each organization's directory as last read, dropped by every write
    /// to it (clients are not part of it).
    snapshots: rustc_hash::FxHashMap<OrganizationId, Arc<Directory>>,
}

impl DirectoryState {
    /// The directory of `org`, built from the maps on the first read after
    /// a write and shared until the next one.
    fn snapshot(&mut self, org: &OrganizationId) -> Result<Arc<Directory>, StoreError> {
        if let Some(dir) = self.snapshots.get(org) {
            return Ok(Arc::clone(dir));
        }
        let organization =
            self.organizations
                .get(org)
                .cloned()
                .ok_or_else(|| StoreError::NotFound {
                    what: "organization",
                    id: org.to_string(),
                })?;
        let dir = Arc::new(Directory {
            organization,
            users: of_org(&self.users, org),
            groups: of_org(&self.groups, org),
            numbers: self
                .numbers
                .values()
                .filter(|n| &n.organization == org)
                .cloned()
                .collect(),
        });
        self.snapshots.insert(org.clone(), Arc::clone(&dir));
        Ok(dir)
    }

    /// Forgets the snapshot of `org` (it changed).
    fn changed(&mut self, org: &OrganizationId) {
        self.snapshots.remove(org);
    }
}

/// The values of `map` whose key is in `org`, in key order.
fn of_org<K, V: Clone>(map: &BTreeMap<(OrganizationId, K), V>, org: &OrganizationId) -> Vec<V> {
    map.iter()
        .filter(|((o, _), _)| o == org)
        .map(|(_, v)| v.clone())
        .collect()
}

impl DirectoryStore for MemoryStore {
    fn put_organization(&self, org: &Organization) -> Result<(), StoreError> {
        let mut state = lock(&self.directory)?;
        state.changed(&org.id);
        state.organizations.insert(org.id.clone(), org.clone());
        Ok(())
    }

    fn organization(&self, id: &OrganizationId) -> Result<Option<Organization>, StoreError> {
        Ok(lock(&self.directory)?.organizations.get(id).cloned())
    }

    fn put_user(&self, user: &User) -> Result<(), StoreError> {
        let key = (user.organization.clone(), user.username.clone());
        let mut state = lock(&self.directory)?;
        state.changed(&user.organization);
        state.users.insert(key, user.clone());
        Ok(())
    }

    fn user(&self, org: &OrganizationId, username: &Username) -> Result<Option<User>, StoreError> {
        let key = (org.clone(), username.clone());
        Ok(lock(&self.directory)?.users.get(&key).cloned())
    }

    fn users(&self, org: &OrganizationId) -> Result<Vec<User>, StoreError> {
        Ok(of_org(&lock(&self.directory)?.users, org))
    }

    fn put_group(&self, group: &Group) -> Result<(), StoreError> {
        let key = (group.organization.clone(), group.id.clone());
        let mut state = lock(&self.directory)?;
        state.changed(&group.organization);
        state.groups.insert(key, group.clone());
        Ok(())
    }

    fn groups(&self, org: &OrganizationId) -> Result<Vec<Group>, StoreError> {
        Ok(of_org(&lock(&self.directory)?.groups, org))
    }

    fn put_number(&self, number: &OwnedNumber) -> Result<(), StoreError> {
        let mut state = lock(&self.directory)?;
        if let Some(existing) = state.numbers.get(&number.number)
            && existing.organization != number.organization
        {
            return Err(StoreError::Conflict {
                message: format!(
                    "the number {} belongs to another organization",
                    number.number.redacted()
                ),
            });
        }
        state.changed(&number.organization);
        state.numbers.insert(number.number, number.clone());
        Ok(())
    }

    fn number(&self, number: E164) -> Result<Option<OwnedNumber>, StoreError> {
        Ok(lock(&self.directory)?.numbers.get(&number).cloned())
    }

    fn numbers(&self, org: &OrganizationId) -> Result<Vec<OwnedNumber>, StoreError> {
        let state = lock(&self.directory)?;
        Ok(state
            .numbers
            .values()
            .filter(|n| &n.organization == org)
            .cloned()
            .collect())
    }

    fn put_client(&self, client: &Client) -> Result<(), StoreError> {
        let key = (client.organization.clone(), client.id.clone());
        lock(&self.directory)?.clients.insert(key, client.clone());
        Ok(())
    }

    fn client(&self, org: &OrganizationId, id: &ClientId) -> Result<Option<Client>, StoreError> {
        let key = (org.clone(), id.clone());
        Ok(lock(&self.directory)?.clients.get(&key).cloned())
    }

    fn clients_by_phone(
        &self,
        org: &OrganizationId,
        number: E164,
    ) -> Result<Vec<Client>, StoreError> {
        let state = lock(&self.directory)?;
        Ok(state
            .clients
            .iter()
            .filter(|((o, _), c)| o == org && c.cell_phone == Some(number))
            .map(|(_, c)| c.clone())
            .collect())
    }

    fn number_with_shared_directory(
        &self,
        number: E164,
    ) -> Result<Option<(OwnedNumber, Arc<Directory>)>, StoreError> {
        let mut state = lock(&self.directory)?;
        let Some(owner) = state.numbers.get(&number).cloned() else {
            return Ok(None);
        };
        let dir = state.snapshot(&owner.organization)?;
        Ok(Some((owner, dir)))
    }

    fn number_with_directory(
        &self,
        number: E164,
    ) -> Result<Option<(OwnedNumber, Directory)>, StoreError> {
        Ok(self
            .number_with_shared_directory(number)?
            .map(|(owner, dir)| (owner, Directory::clone(&dir))))
    }

    fn directory(&self, org: &OrganizationId) -> Result<Directory, StoreError> {
        let dir = lock(&self.directory)?.snapshot(org)?;
        Ok(Directory::clone(&dir))
    }
}
