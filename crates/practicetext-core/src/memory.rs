//! The in-memory store: every storage port kept in maps behind a lock. For
//! tests, for the CLI's scenario replay and for small hosts that keep
//! nothing between runs. It keeps every promise the SQLite and PostgreSQL
//! stores keep, and runs the same conformance suite.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use crate::directory::{Client, Group, Organization, OwnedNumber, User};
use crate::ids::{ClientId, GroupId, OrganizationId, Username};
use crate::phone::E164;
use crate::ports::{DirectoryStore, StoreError};

#[derive(Default)]
struct State {
    organizations: BTreeMap<OrganizationId, Organization>,
    users: BTreeMap<(OrganizationId, Username), User>,
    groups: BTreeMap<(OrganizationId, GroupId), Group>,
    numbers: BTreeMap<E164, OwnedNumber>,
    clients: BTreeMap<(OrganizationId, ClientId), Client>,
}

/// A store that lives in memory.
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemoryStore { .. }")
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>, StoreError> {
        // A poisoned lock means a panic happened while a write was half
        // done; refuse rather than serve possibly inconsistent state.
        self.state.lock().map_err(|_| StoreError::Backend {
            message: "the in-memory store was poisoned by an earlier panic".into(),
        })
    }
}

impl DirectoryStore for MemoryStore {
    fn put_organization(&self, org: &Organization) -> Result<(), StoreError> {
        self.lock()?.organizations.insert(org.id.clone(), org.clone());
        Ok(())
    }

    fn organization(&self, id: &OrganizationId) -> Result<Option<Organization>, StoreError> {
        Ok(self.lock()?.organizations.get(id).cloned())
    }

    fn put_user(&self, user: &User) -> Result<(), StoreError> {
        let key = (user.organization.clone(), user.username.clone());
        self.lock()?.users.insert(key, user.clone());
        Ok(())
    }

    fn user(&self, org: &OrganizationId, username: &Username) -> Result<Option<User>, StoreError> {
        let key = (org.clone(), username.clone());
        Ok(self.lock()?.users.get(&key).cloned())
    }

    fn users(&self, org: &OrganizationId) -> Result<Vec<User>, StoreError> {
        let state = self.lock()?;
        Ok(state
            .users
            .iter()
            .filter(|((o, _), _)| o == org)
            .map(|(_, u)| u.clone())
            .collect())
    }

    fn put_group(&self, group: &Group) -> Result<(), StoreError> {
        let key = (group.organization.clone(), group.id.clone());
        self.lock()?.groups.insert(key, group.clone());
        Ok(())
    }

    fn groups(&self, org: &OrganizationId) -> Result<Vec<Group>, StoreError> {
        let state = self.lock()?;
        Ok(state
            .groups
            .iter()
            .filter(|((o, _), _)| o == org)
            .map(|(_, g)| g.clone())
            .collect())
    }

    fn put_number(&self, number: &OwnedNumber) -> Result<(), StoreError> {
        let mut state = self.lock()?;
        if let Some(existing) = state.numbers.get(&number.number) {
            if existing.organization != number.organization {
                return Err(StoreError::Conflict {
                    message: format!(
                        "the number {} belongs to another organization",
                        number.number.redacted()
                    ),
                });
            }
        }
        state.numbers.insert(number.number, number.clone());
        Ok(())
    }

    fn number(&self, number: E164) -> Result<Option<OwnedNumber>, StoreError> {
        Ok(self.lock()?.numbers.get(&number).cloned())
    }

    fn numbers(&self, org: &OrganizationId) -> Result<Vec<OwnedNumber>, StoreError> {
        let state = self.lock()?;
        Ok(state
            .numbers
            .values()
            .filter(|n| &n.organization == org)
            .cloned()
            .collect())
    }

    fn put_client(&self, client: &Client) -> Result<(), StoreError> {
        let key = (client.organization.clone(), client.id.clone());
        self.lock()?.clients.insert(key, client.clone());
        Ok(())
    }

    fn client(&self, org: &OrganizationId, id: &ClientId) -> Result<Option<Client>, StoreError> {
        let key = (org.clone(), id.clone());
        Ok(self.lock()?.clients.get(&key).cloned())
    }

    fn clients_by_phone(
        &self,
        org: &OrganizationId,
        number: E164,
    ) -> Result<Vec<Client>, StoreError> {
        let state = self.lock()?;
        Ok(state
            .clients
            .iter()
            .filter(|((o, _), c)| o == org && c.cell_phone == Some(number))
            .map(|(_, c)| c.clone())
            .collect())
    }
}
