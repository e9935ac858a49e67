//! In-memory [`DirectoryStore`].

use std::collections::BTreeMap;

use super::{MemoryStore, lock};
use crate::directory::{Client, Group, Organization, OwnedNumber, User};
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
}

impl DirectoryStore for MemoryStore {
    fn put_organization(&self, org: &Organization) -> Result<(), StoreError> {
        lock(&self.directory)?
            .organizations
            .insert(org.id.clone(), org.clone());
        Ok(())
    }

    fn organization(&self, id: &OrganizationId) -> Result<Option<Organization>, StoreError> {
        Ok(lock(&self.directory)?.organizations.get(id).cloned())
    }

    fn put_user(&self, user: &User) -> Result<(), StoreError> {
        let key = (user.organization.clone(), user.username.clone());
        lock(&self.directory)?.users.insert(key, user.clone());
        Ok(())
    }

    fn user(&self, org: &OrganizationId, username: &Username) -> Result<Option<User>, StoreError> {
        let key = (org.clone(), username.clone());
        Ok(lock(&self.directory)?.users.get(&key).cloned())
    }

    fn users(&self, org: &OrganizationId) -> Result<Vec<User>, StoreError> {
        let state = lock(&self.directory)?;
        Ok(state
            .users
            .iter()
            .filter(|((o, _), _)| o == org)
            .map(|(_, u)| u.clone())
            .collect())
    }

    fn put_group(&self, group: &Group) -> Result<(), StoreError> {
        let key = (group.organization.clone(), group.id.clone());
        lock(&self.directory)?.groups.insert(key, group.clone());
        Ok(())
    }

    fn groups(&self, org: &OrganizationId) -> Result<Vec<Group>, StoreError> {
        let state = lock(&self.directory)?;
        Ok(state
            .groups
            .iter()
            .filter(|((o, _), _)| o == org)
            .map(|(_, g)| g.clone())
            .collect())
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
}
