//! Ports: how time, randomness and storage come into the core. The core
//! never reads a clock or a random source itself and does no I/O; a host
//! hands in a [`Clock`] and a [`Random`] (or passes `now` as a value to a
//! one-shot decision) and a store that implements the storage traits.
//!
//! Storage traits are synchronous and split by concern, one per aggregate,
//! with core-only types in their signatures. Every method that reads or
//! writes organization data takes the organization, so a store cannot hand
//! one practice's data to another (tenancy). Methods take `&self`: stores
//! are shared between threads (`Send + Sync`) and synchronise inside.

use chrono::{DateTime, Utc};

use crate::directory::{Client, Directory, Group, Organization, OwnedNumber, User};
use crate::ids::{ClientId, ConversationId, GroupId, OrganizationId, Username};
use crate::phone::E164;
use crate::secure::{SecureConversation, SecureEvent, TokenHash};

/// An instant in UTC, millisecond precision or better.
pub type Timestamp = DateTime<Utc>;

/// The current time, for long-lived objects that need it repeatedly.
/// One-shot decisions take `now: Timestamp` as an argument instead.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// A source of random bytes (secure-link tokens, salts, one-time codes).
/// Hosts pass the operating system's CSPRNG; tests pass a seeded one.
pub trait Random: Send + Sync {
    /// Fills `dest` with random bytes.
    fn fill(&self, dest: &mut [u8]);
}

/// A store failed or refused an operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist (in this organization).
    #[error("no {what} '{id}' in this organization")]
    NotFound {
        /// Kind of record.
        what: &'static str,
        /// Its id (never patient data).
        id: String,
    },
    /// The write conflicts with existing data (for example a number that
    /// another organization already owns).
    #[error("conflict: {message}")]
    Conflict {
        /// What conflicts.
        message: String,
    },
    /// The backend failed (disk, connection, ...). Safe to retry later.
    #[error("storage backend failed: {message}")]
    Backend {
        /// The backend's message, with no patient data.
        message: String,
    },
}

impl StoreError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::NotFound { .. } => "not_found",
            StoreError::Conflict { .. } => "conflict",
            StoreError::Backend { .. } => "store_backend",
        }
    }
}

/// Organizations, users, groups, owned numbers and clients.
pub trait DirectoryStore: Send + Sync {
    /// Creates or replaces an organization.
    fn put_organization(&self, org: &Organization) -> Result<(), StoreError>;
    /// An organization by id.
    fn organization(&self, id: &OrganizationId) -> Result<Option<Organization>, StoreError>;
    /// Creates or replaces a user (keyed by organization and username).
    fn put_user(&self, user: &User) -> Result<(), StoreError>;
    /// A user of `org`.
    fn user(&self, org: &OrganizationId, username: &Username) -> Result<Option<User>, StoreError>;
    /// Every user of `org`, sorted by username.
    fn users(&self, org: &OrganizationId) -> Result<Vec<User>, StoreError>;
    /// Creates or replaces a group.
    fn put_group(&self, group: &Group) -> Result<(), StoreError>;
    /// Every group of `org`, sorted by id.
    fn groups(&self, org: &OrganizationId) -> Result<Vec<Group>, StoreError>;
    /// Creates or replaces an owned number. A number belongs to one
    /// organization: claiming another organization's number is a
    /// [`StoreError::Conflict`].
    fn put_number(&self, number: &OwnedNumber) -> Result<(), StoreError>;
    /// The owner record of one of our numbers, whichever organization owns
    /// it: inbound webhooks arrive addressed to a number, not a practice.
    fn number(&self, number: E164) -> Result<Option<OwnedNumber>, StoreError>;
    /// Every number `org` owns, sorted.
    fn numbers(&self, org: &OrganizationId) -> Result<Vec<OwnedNumber>, StoreError>;
    /// Creates or replaces a client.
    fn put_client(&self, client: &Client) -> Result<(), StoreError>;
    /// A client of `org`.
    fn client(&self, org: &OrganizationId, id: &ClientId) -> Result<Option<Client>, StoreError>;
    /// Clients of `org` whose cell phone is `number`, sorted by id.
    fn clients_by_phone(
        &self,
        org: &OrganizationId,
        number: E164,
    ) -> Result<Vec<Client>, StoreError>;

    /// The whole directory of `org` in one consistent snapshot.
    fn directory(&self, org: &OrganizationId) -> Result<Directory, StoreError> {
        let organization = self
            .organization(org)?
            .ok_or_else(|| StoreError::NotFound {
                what: "organization",
                id: org.to_string(),
            })?;
        Ok(Directory {
            organization,
            users: self.users(org)?,
            groups: self.groups(org)?,
            numbers: self.numbers(org)?,
        })
    }
}

/// Secure conversations (SPEC S1-S5, X7): their state, an index from link
/// token hashes to conversations, and the append-only history of events.
///
/// A conversation is written whole, together with the events that record
/// the change, in one atomic step guarded by its version (optimistic
/// concurrency): two patients' tabs racing on a PIN cannot lose a counted
/// failure. Stores keep only token hashes, never tokens.
pub trait SecureStore: Send + Sync {
    /// Writes `conversation` and appends `events`, atomically.
    ///
    /// `expected_version` is `None` to create (refused with
    /// [`StoreError::Conflict`] if the id exists in `org`) or the version
    /// that was read (refused with `Conflict` if the stored one differs).
    /// The conversation and every event must belong to `org`, and each
    /// link's token hash may index only this conversation; otherwise
    /// `Conflict`. Every link's token hash is indexed for
    /// [`secure_conversation_by_link`](Self::secure_conversation_by_link).
    fn save_secure_conversation(
        &self,
        org: &OrganizationId,
        conversation: &SecureConversation,
        expected_version: Option<u64>,
        events: &[SecureEvent],
    ) -> Result<(), StoreError>;

    /// A secure conversation of `org` by id.
    fn secure_conversation(
        &self,
        org: &OrganizationId,
        id: &ConversationId,
    ) -> Result<Option<SecureConversation>, StoreError>;

    /// The secure conversation of `org` that has a link with this token
    /// hash (live or not). Another organization's hash finds nothing.
    fn secure_conversation_by_link(
        &self,
        org: &OrganizationId,
        token_hash: &TokenHash,
    ) -> Result<Option<SecureConversation>, StoreError>;

    /// Every event of a secure conversation of `org`, oldest first.
    fn secure_events(
        &self,
        org: &OrganizationId,
        id: &ConversationId,
    ) -> Result<Vec<SecureEvent>, StoreError>;
}

/// Looks a group up by id in `org`; a convenience over [`DirectoryStore::groups`].
pub fn find_group(
    store: &dyn DirectoryStore,
    org: &OrganizationId,
    id: &GroupId,
) -> Result<Option<Group>, StoreError> {
    Ok(store.groups(org)?.into_iter().find(|g| &g.id == id))
}
