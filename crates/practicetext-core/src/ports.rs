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

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::broadcast::{Broadcast, RecipientProgress, RecipientStatus};
use crate::consent::{ConsentChange, ConsentState, ConsentTransition};
use crate::conversation::{Conversation, ConversationStatus, Direction, Message, Participants};
use crate::directory::{Client, Directory, Group, Organization, OwnedNumber, User};
use crate::ids::{
    BroadcastId, ClientId, ConversationId, GroupId, MessageId, OrganizationId, Username,
};
use crate::inbox::lifecycle::HistoryEntry;
use crate::inbox::state::{InboxEntry, Presence};
use crate::inbox::usage::UsageRow;
use crate::phone::E164;
use crate::secure::{SecureConversation, SecureEvent, TokenHash};
use crate::sensitive::MessageBody;

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

    /// The owner record of one of our numbers together with its
    /// organization's directory (what an inbound text needs first), `None`
    /// when nobody owns the number. The default reads
    /// [`number`](Self::number), then [`directory`](Self::directory); a
    /// store may answer in one round trip.
    fn number_with_directory(
        &self,
        number: E164,
    ) -> Result<Option<(OwnedNumber, Directory)>, StoreError> {
        match self.number(number)? {
            Some(owner) => {
                let dir = self.directory(&owner.organization)?;
                Ok(Some((owner, dir)))
            }
            None => Ok(None),
        }
    }

    /// [`number_with_directory`](Self::number_with_directory) with the
    /// directory shared rather than owned: what the engine reads for every
    /// inbound text. The default wraps `number_with_directory`'s answer; a
    /// store that keeps directories in memory hands out its snapshot
    /// without copying it. Same answers, same refusals.
    fn number_with_shared_directory(
        &self,
        number: E164,
    ) -> Result<Option<(OwnedNumber, Arc<Directory>)>, StoreError> {
        Ok(self
            .number_with_directory(number)?
            .map(|(owner, dir)| (owner, Arc::new(dir))))
    }

    /// For each (organization, number): whether the organization has a
    /// client whose cell phone is the number ([`clients_by_phone`] is not
    /// empty), in order. The default asks `clients_by_phone` for each; a
    /// store may answer all in one round trip.
    ///
    /// [`clients_by_phone`]: Self::clients_by_phone
    fn have_clients_by_phone(
        &self,
        numbers: &[(&OrganizationId, E164)],
    ) -> Result<Vec<bool>, StoreError> {
        numbers
            .iter()
            .map(|(org, n)| Ok(!self.clients_by_phone(org, *n)?.is_empty()))
            .collect()
    }

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

/// The consent ledger and block list (SPEC C1-C7, X2 suppression).
pub trait ConsentStore: Send + Sync {
    /// The current consent state of `number` in `org` (the default state,
    /// opted in and unblocked, if nothing was ever recorded).
    fn consent(&self, org: &OrganizationId, number: E164) -> Result<ConsentState, StoreError>;
    /// Appends `change` to the history and applies it to the state
    /// atomically (with [`crate::consent::apply`]); returns the transition,
    /// so the caller knows whether this change opted the number out just now.
    fn record_consent(
        &self,
        org: &OrganizationId,
        change: &ConsentChange,
    ) -> Result<ConsentTransition, StoreError>;
    /// The history of `org` in the order it was recorded (oldest first, the
    /// order [`crate::consent::replay`] folds it in); only `number`'s when
    /// given (C7).
    fn consent_history(
        &self,
        org: &OrganizationId,
        number: Option<E164>,
    ) -> Result<Vec<ConsentChange>, StoreError>;
}

/// The key of a rate window, e.g. "one auto-reply per outside number per
/// 30 seconds" (A2). Built by the core; may contain a phone number, so its
/// `Debug` redacts.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RateKey(String);

impl RateKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        RateKey(key.into())
    }
    /// The key as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = self.0.split(':').next().unwrap_or_default();
        write!(f, "RateKey({kind}:<redacted>)")
    }
}

/// Rate windows (A2, X4, B5). Implementations make [`try_acquire`]
/// atomic across threads and, for shared stores, across processes: four
/// processes racing for one key at one instant get exactly one `true`.
///
/// [`try_acquire`]: RateWindowStore::try_acquire
pub trait RateWindowStore: Send + Sync {
    /// Acquires `key` at `now` if it was not acquired in the `window` before
    /// `now` (an acquisition at `t` blocks until `t + window`, exclusive:
    /// at 29.999 s of a 30 s window the answer is `false`, at 30 s `true`).
    /// A zero window always succeeds and only records the acquisition.
    fn try_acquire(
        &self,
        org: &OrganizationId,
        key: &RateKey,
        window: TimeDelta,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
    /// When `key` was last acquired, if ever.
    fn last_acquired(
        &self,
        org: &OrganizationId,
        key: &RateKey,
    ) -> Result<Option<Timestamp>, StoreError>;
    /// How many successful acquisitions of `key` happened at or after `since`.
    /// A store may forget an acquisition once a later one of the same key
    /// is more than 48 hours (and more than that later one's window) newer,
    /// so a count looking back further than 48 hours may come out short;
    /// the 24-hour count of X4 is exact.
    fn count_since(
        &self,
        org: &OrganizationId,
        key: &RateKey,
        since: Timestamp,
    ) -> Result<u32, StoreError>;
}

/// The outcome of claiming an idempotency key (V10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Claim {
    /// First time (or a crashed holder's lease ran out): go ahead, then call
    /// [`IdempotencyStore::complete`].
    Acquired,
    /// Another worker holds the key right now; do nothing (the provider will
    /// retry if that worker dies).
    InProgress,
    /// Already handled: do nothing.
    Done,
}

/// Idempotency keys: the provider's message id makes an inbound webhook or
/// a status callback change state once however often it is delivered (V10).
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` (scoped by `scope`, e.g. `"inbound"`) for `lease`.
    fn claim(
        &self,
        scope: &str,
        key: &str,
        lease: TimeDelta,
        now: Timestamp,
    ) -> Result<Claim, StoreError>;
    /// Marks a claimed key done for good.
    fn complete(&self, scope: &str, key: &str, now: Timestamp) -> Result<(), StoreError>;

    /// [`claim`](Self::claim)s each of `keys` in order, with the answers in
    /// that order (a key repeated in `keys` is claimed once: the repeat is
    /// [`Claim::InProgress`] when the first was acquired). The default
    /// claims one by one; a store may claim all in one round trip.
    fn claim_all(
        &self,
        scope: &str,
        keys: &[&str],
        lease: TimeDelta,
        now: Timestamp,
    ) -> Result<Vec<Claim>, StoreError> {
        keys.iter()
            .map(|k| self.claim(scope, k, lease, now))
            .collect()
    }

    /// [`complete`](Self::complete)s each of `keys`. The default completes
    /// one by one; a store may complete all in one round trip.
    fn complete_all(&self, scope: &str, keys: &[&str], now: Timestamp) -> Result<(), StoreError> {
        keys.iter().try_for_each(|k| self.complete(scope, k, now))
    }
}

/// Conversations and their messages (V1-V7; the engine records every
/// inbound and outbound text here, so nothing acknowledged is lost).
pub trait ConversationStore: Send + Sync {
    /// The active conversation between these participants, if any (V1).
    fn active_conversation(
        &self,
        org: &OrganizationId,
        participants: &Participants,
    ) -> Result<Option<Conversation>, StoreError>;
    /// A conversation by id.
    fn conversation(
        &self,
        org: &OrganizationId,
        id: &ConversationId,
    ) -> Result<Option<Conversation>, StoreError>;
    /// Creates or replaces a conversation. At most one conversation per
    /// participants may be active: putting a second active one is a
    /// [`StoreError::Conflict`].
    fn put_conversation(&self, conversation: &Conversation) -> Result<(), StoreError>;
    /// Appends a message; putting a message id twice replaces it (with
    /// another conversation of the organization, it moves there).
    /// [`StoreError::NotFound`] when the organization has no such
    /// conversation.
    fn put_message(&self, message: &Message) -> Result<(), StoreError>;
    /// [`put_message`](Self::put_message)s each of `messages` in order.
    /// On an error the messages before the failing one may or may not be
    /// written (inside a unit the caller rolls back anyway). The default
    /// puts one by one; a store may put all in one round trip.
    fn put_messages(&self, messages: &[Message]) -> Result<(), StoreError> {
        messages.iter().try_for_each(|m| self.put_message(m))
    }
    /// The newest message of a conversation in `direction`, if any (the
    /// loop breaker compares a text with the sender's previous one, X4): the
    /// last of [`messages`](Self::messages) in that direction.
    fn last_message(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        direction: crate::conversation::Direction,
    ) -> Result<Option<Message>, StoreError>;
    /// Messages of a conversation, oldest first: by `at`, and messages of
    /// one instant in the order they were first put (a replacement keeps
    /// its place).
    fn messages(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
    ) -> Result<Vec<Message>, StoreError>;
    /// Conversations of `org` that pass `filter`, oldest `started_at` first
    /// (then by id).
    fn conversations(
        &self,
        org: &OrganizationId,
        filter: &ConversationFilter,
    ) -> Result<Vec<Conversation>, StoreError>;
    /// Deletes a conversation and every one of its messages for good (V3);
    /// nothing of it can be read back. [`StoreError::NotFound`] when `org`
    /// has no such conversation.
    fn delete_conversation(
        &self,
        org: &OrganizationId,
        id: &ConversationId,
    ) -> Result<(), StoreError>;
    /// Deletes one message of a conversation for good (V3).
    /// [`StoreError::NotFound`] when the conversation of `org` has no such
    /// message.
    fn delete_message(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        message: &MessageId,
    ) -> Result<(), StoreError>;
}

/// Which conversations [`ConversationStore::conversations`] returns; every
/// field that is set must hold (an empty filter returns them all).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConversationFilter {
    /// Only active or only closed ones.
    pub status: Option<ConversationStatus>,
    /// Only those assigned to this client (V4).
    pub client: Option<ClientId>,
    /// Only SMS conversations with this outside number.
    pub outside_number: Option<E164>,
}

impl ConversationFilter {
    /// The active conversations (the inbox).
    pub fn active() -> Self {
        ConversationFilter {
            status: Some(ConversationStatus::Active),
            ..Default::default()
        }
    }
    /// True when `conversation` passes every condition that is set.
    pub fn matches(&self, conversation: &Conversation) -> bool {
        let status = self.status.is_none_or(|s| s == conversation.status);
        let client = self
            .client
            .as_ref()
            .is_none_or(|c| conversation.client.as_ref() == Some(c));
        let outside = self.outside_number.is_none_or(|n| {
            matches!(conversation.participants,
                Participants::Sms { outside_number, .. } if outside_number == n)
        });
        status && client && outside
    }
}

/// The communication history of clients: what closed conversations leave
/// behind (V3). One entry per conversation; putting it again replaces it.
pub trait HistoryStore: Send + Sync {
    /// Saves (or replaces) the entry of `entry.conversation.id`.
    fn put_history(&self, entry: &HistoryEntry) -> Result<(), StoreError>;
    /// The entry a conversation left, if it was closed.
    fn history_entry(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
    ) -> Result<Option<HistoryEntry>, StoreError>;
    /// The communication history of a client, oldest `closed_at` first.
    fn client_history(
        &self,
        org: &OrganizationId,
        client: &ClientId,
    ) -> Result<Vec<HistoryEntry>, StoreError>;
    /// Entries with no client whose outside number is `number` (SMS
    /// conversations closed before the number was assigned, V4), oldest
    /// `closed_at` first.
    fn unassigned_history(
        &self,
        org: &OrganizationId,
        number: E164,
    ) -> Result<Vec<HistoryEntry>, StoreError>;
    /// Removes the entry of a conversation, if any (a permanent delete, V3).
    fn delete_history(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
    ) -> Result<(), StoreError>;
}

/// How a user stood when a message was marked unread for them
/// ([`InboxStore::mark_delivered_to`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recipient {
    /// Logged in right now ([`Presence::online`]).
    pub online: bool,
    /// Turned notifications for the conversation off.
    pub muted: bool,
}

/// One message marked unread for users
/// ([`InboxStore::mark_delivered_to_all`]): the arguments of one
/// [`InboxStore::mark_delivered_to`].
#[derive(Debug, Clone, Copy)]
pub struct Marking<'a> {
    /// The organization.
    pub org: &'a OrganizationId,
    /// The conversation.
    pub conversation: &'a ConversationId,
    /// The message.
    pub message: &'a MessageId,
    /// When it was sent or received.
    pub at: Timestamp,
    /// Whom it is marked unread for.
    pub users: &'a [Username],
}

/// Per-user inbox state (V5, V6): unread messages and last activity per
/// conversation, mutes and presence. The rules that decide who gets what
/// live in [`crate::inbox::state`]; a store only keeps the marks.
pub trait InboxStore: Send + Sync {
    /// Marks `message` (sent or received `at`) unread for each of `users` in
    /// `conversation`, and moves each one's last activity there to `at` if
    /// that is later. Marking a message twice changes nothing.
    fn mark_delivered(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        message: &MessageId,
        at: Timestamp,
        users: &[Username],
    ) -> Result<(), StoreError>;
    /// Moves `user`'s last activity in `conversation` to `at` if that is
    /// later, without marking anything unread (the author of a message).
    fn touch(
        &self,
        org: &OrganizationId,
        user: &Username,
        conversation: &ConversationId,
        at: Timestamp,
    ) -> Result<(), StoreError>;
    /// Clears everything unread for `user` in `conversation`.
    fn mark_read(
        &self,
        org: &OrganizationId,
        user: &Username,
        conversation: &ConversationId,
    ) -> Result<(), StoreError>;
    /// Removes every user's marks for a conversation (closed or deleted).
    /// A user's mute of it goes too.
    fn forget_conversation(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
    ) -> Result<(), StoreError>;
    /// Removes one message from every user's unread marks (deleted, V3).
    fn forget_message(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        message: &MessageId,
    ) -> Result<(), StoreError>;
    /// Turns `user`'s notifications for `conversation` off (`true`) or on.
    fn set_muted(
        &self,
        org: &OrganizationId,
        user: &Username,
        conversation: &ConversationId,
        muted: bool,
    ) -> Result<(), StoreError>;
    /// Whether `user` turned notifications for `conversation` off.
    fn is_muted(
        &self,
        org: &OrganizationId,
        user: &Username,
        conversation: &ConversationId,
    ) -> Result<bool, StoreError>;
    /// Records `user`'s presence.
    fn set_presence(
        &self,
        org: &OrganizationId,
        user: &Username,
        presence: &Presence,
    ) -> Result<(), StoreError>;
    /// `user`'s presence; offline and never logged in if nothing was recorded.
    fn presence(&self, org: &OrganizationId, user: &Username) -> Result<Presence, StoreError>;
    /// Every conversation `user` has marks in, sorted by conversation id.
    fn entries(&self, org: &OrganizationId, user: &Username)
    -> Result<Vec<InboxEntry>, StoreError>;

    /// [`mark_delivered`](Self::mark_delivered), then how each of `users`
    /// stands, in their order: online ([`presence`](Self::presence)) and
    /// muted in `conversation` ([`is_muted`](Self::is_muted)), as read
    /// after the marks. The default calls each in turn; a store may answer
    /// in one round trip.
    fn mark_delivered_to(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        message: &MessageId,
        at: Timestamp,
        users: &[Username],
    ) -> Result<Vec<Recipient>, StoreError> {
        self.mark_delivered(org, conversation, message, at, users)?;
        users
            .iter()
            .map(|u| {
                Ok(Recipient {
                    online: self.presence(org, u)?.online,
                    muted: self.is_muted(org, u, conversation)?,
                })
            })
            .collect()
    }

    /// [`mark_delivered_to`](Self::mark_delivered_to) for each of
    /// `markings` in order, with the answers in that order. The default
    /// marks one by one; a store may mark all in one round trip.
    fn mark_delivered_to_all(
        &self,
        markings: &[Marking<'_>],
    ) -> Result<Vec<Vec<Recipient>>, StoreError> {
        markings
            .iter()
            .map(|m| self.mark_delivered_to(m.org, m.conversation, m.message, m.at, m.users))
            .collect()
    }

    /// Unread counts of `user`, only conversations with at least one unread
    /// message, sorted by conversation id.
    fn unread(
        &self,
        org: &OrganizationId,
        user: &Username,
    ) -> Result<Vec<(ConversationId, u32)>, StoreError> {
        Ok(self
            .entries(org, user)?
            .into_iter()
            .filter(|e| e.unread > 0)
            .map(|e| (e.conversation, e.unread))
            .collect())
    }
}

/// One text for [`UsageStore::record_all`]: the arguments of one
/// [`UsageStore::record`].
#[derive(Debug, Clone, Copy)]
pub struct UsageCount<'a> {
    /// The organization.
    pub org: &'a OrganizationId,
    /// The user who alone sent or received it, if any.
    pub user: Option<&'a Username>,
    /// Its day in the organization's time zone.
    pub day: NaiveDate,
    /// In or out.
    pub direction: Direction,
    /// Its segments.
    pub segments: u32,
}

/// Usage statistics (V9): texts and segments in and out per organization,
/// per user and per day (the day in the organization's time zone, computed
/// by [`crate::inbox::usage::local_day`]).
pub trait UsageStore: Send + Sync {
    /// Adds one text of `segments` segments in `direction` to the counters
    /// of (`org`, `user`, `day`). `user` is `None` for texts no single user
    /// sent or received (an inbound text to a group or queue, an automated
    /// reply). Counters saturate instead of overflowing.
    fn record(
        &self,
        org: &OrganizationId,
        user: Option<&Username>,
        day: NaiveDate,
        direction: Direction,
        segments: u32,
    ) -> Result<(), StoreError>;
    /// [`record`](Self::record)s each of `counts`. The default records one
    /// by one; a store may add them all in one round trip (and texts with
    /// the same counters as one).
    fn record_all(&self, counts: &[UsageCount<'_>]) -> Result<(), StoreError> {
        counts
            .iter()
            .try_for_each(|c| self.record(c.org, c.user, c.day, c.direction, c.segments))
    }
    /// Rows of `org` with `from <= day <= to`, sorted by day, then user
    /// (`None` first). Days and users with no texts have no row.
    fn usage(
        &self,
        org: &OrganizationId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<UsageRow>, StoreError>;
}

/// What the library knows about one outbound text at the provider (X2):
/// who it went to and how far it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRecord {
    /// The sending organization.
    pub organization: OrganizationId,
    /// The provider's message id.
    pub provider_id: String,
    /// The stored message.
    pub message: crate::ids::MessageId,
    /// The recipient.
    pub to: E164,
    /// Its delivery state.
    pub state: crate::delivery::DeliveryState,
}

/// Delivery states of outbound texts, by provider message id (X2, V10).
pub trait DeliveryStore: Send + Sync {
    /// Creates or replaces the record of `record.provider_id`.
    fn put_delivery(&self, record: &DeliveryRecord) -> Result<(), StoreError>;
    /// The record of a provider message id, whichever organization sent it:
    /// status callbacks name only the message.
    fn delivery(&self, provider_id: &str) -> Result<Option<DeliveryRecord>, StoreError>;
}

/// The outcome of [`BroadcastStore::claim_recipient`] (SPEC B9).
#[derive(Debug, Clone, PartialEq)]
pub enum RecipientClaim {
    /// This worker now holds the recipient (its status is
    /// [`RecipientStatus::Sending`] with this worker and lease).
    Claimed {
        /// The recipient as claimed.
        recipient: RecipientProgress,
        /// True when it was already in `sending` (a worker stopped while
        /// handing its text over, or this worker's own earlier attempt): its
        /// text may have gone out, so look it up before sending.
        interrupted: bool,
    },
    /// Nothing can be claimed now; ask again at `until` (the earliest
    /// deferral or another worker's lease end).
    NotYet {
        /// When to ask again.
        until: Timestamp,
    },
    /// Every recipient has a final status.
    Finished,
}

/// Mass alerts and the progress of each recipient (SPEC B7-B9). Kept apart
/// from [`Store`] so the engine does not need it.
///
/// The claim is the crash-safety promise: [`claim_recipient`] moves one
/// recipient to `sending` atomically (across threads, and for shared stores
/// across processes), so two workers never hold the same recipient, and a
/// recipient left in `sending` by a worker that stopped is handed out
/// again, flagged `interrupted`, once its lease has run out.
///
/// [`claim_recipient`]: BroadcastStore::claim_recipient
pub trait BroadcastStore: Send + Sync {
    /// Stores a new broadcast with its recipients (their `index` must be 0,
    /// 1, 2, ... in order; new ones are [`RecipientStatus::NEW`], a host
    /// moving a broadcast between stores passes them as they are). Refused
    /// with [`StoreError::Conflict`] if the id exists in the organization.
    fn create_broadcast(
        &self,
        broadcast: &Broadcast,
        recipients: &[RecipientProgress],
    ) -> Result<(), StoreError>;
    /// A broadcast of `org`.
    fn broadcast(
        &self,
        org: &OrganizationId,
        id: &BroadcastId,
    ) -> Result<Option<Broadcast>, StoreError>;
    /// Every broadcast of `org`, oldest first (the activity section, B7).
    fn broadcasts(&self, org: &OrganizationId) -> Result<Vec<Broadcast>, StoreError>;
    /// The recipients of a broadcast, by index.
    fn recipients(
        &self,
        org: &OrganizationId,
        id: &BroadcastId,
    ) -> Result<Vec<RecipientProgress>, StoreError>;
    /// Atomically claims one recipient for `worker` until `now + lease`:
    /// first one in `sending` whose worker is `worker` or whose lease ended
    /// at or before `now` (`interrupted`); otherwise the pending one with the
    /// lowest index whose `not_before` is absent or at or before `now`. The
    /// claimed status is `Sending` with this worker and lease, keeping
    /// `retries`. [`StoreError::NotFound`] for an unknown broadcast.
    fn claim_recipient(
        &self,
        org: &OrganizationId,
        id: &BroadcastId,
        worker: &str,
        lease: TimeDelta,
        now: Timestamp,
    ) -> Result<RecipientClaim, StoreError>;
    /// Sets the status of a recipient `worker` holds (to pending to hand it
    /// back or defer it, or to a final status). Refused with
    /// [`StoreError::Conflict`] when the recipient is not in `sending` held
    /// by `worker` (its lease ran out and another worker took it over).
    fn update_recipient(
        &self,
        org: &OrganizationId,
        id: &BroadcastId,
        index: u32,
        worker: &str,
        status: &RecipientStatus,
    ) -> Result<(), StoreError>;
}

/// What the engine reads about an inbound text once it knows the
/// organization (SPEC A2, C4, V1, X4), asked in one call so that a store can
/// answer in one round trip ([`InboundStore::inbound_context`]).
#[derive(Debug, Clone, Copy)]
pub struct InboundQuery<'a> {
    /// The organization.
    pub organization: &'a OrganizationId,
    /// The sender's number, when it can be texted back.
    pub from: Option<E164>,
    /// Who the conversation is between.
    pub participants: &'a Participants,
    /// The sender's auto-reply window (A2), if any.
    pub rate_key: Option<&'a RateKey>,
    /// The conversation's auto-reply counter (X4), if any.
    pub conversation_key: Option<&'a RateKey>,
    /// From when the counter counts.
    pub since: Timestamp,
}

/// The answers to an [`InboundQuery`].
#[derive(Debug, Clone, PartialEq)]
pub struct InboundContext {
    /// [`ConsentStore::consent`] of the sender (the default state without
    /// a number).
    pub consent: ConsentState,
    /// [`ConversationStore::active_conversation`] of the participants.
    pub conversation: Option<Conversation>,
    /// [`ConversationStore::last_message`] inbound of that conversation.
    pub previous_inbound: Option<Message>,
    /// [`RateWindowStore::last_acquired`] of the rate key (`None` without
    /// one).
    pub last_acquired: Option<Timestamp>,
    /// [`RateWindowStore::count_since`] of the conversation key (0 without
    /// one).
    pub count_since: u32,
}

/// The engine's reads for an inbound text in one call.
pub trait InboundStore: ConsentStore + ConversationStore + RateWindowStore {
    /// Answers every part of `query` as the ports named in
    /// [`InboundContext`] would, from one consistent state (inside a unit,
    /// the unit's). The default asks each port in turn; a store may answer
    /// in one round trip.
    fn inbound_context(&self, query: &InboundQuery<'_>) -> Result<InboundContext, StoreError> {
        let org = query.organization;
        let consent = match query.from {
            Some(n) => self.consent(org, n)?,
            None => ConsentState::default(),
        };
        let conversation = self.active_conversation(org, query.participants)?;
        let previous_inbound = match &conversation {
            Some(c) => self.last_message(org, &c.id, Direction::Inbound)?,
            None => None,
        };
        let last_acquired = match query.rate_key {
            Some(key) => self.last_acquired(org, key)?,
            None => None,
        };
        let count_since = match query.conversation_key {
            Some(key) => self.count_since(org, key, query.since)?,
            None => 0,
        };
        Ok(InboundContext {
            consent,
            conversation,
            previous_inbound,
            last_acquired,
            count_since,
        })
    }

    /// [`inbound_context`](Self::inbound_context) with the previous inbound
    /// message's body taken out (`previous_inbound` is `None`): all the
    /// engine reads of that message (SPEC X4's repeat check). The default
    /// takes it from `inbound_context`; a store may skip copying the rest.
    fn inbound_context_with_body(
        &self,
        query: &InboundQuery<'_>,
    ) -> Result<(InboundContext, Option<MessageBody>), StoreError> {
        let mut context = self.inbound_context(query)?;
        let body = context.previous_inbound.take().map(|m| m.body);
        Ok((context, body))
    }

    /// [`inbound_context_with_body`](Self::inbound_context_with_body) for
    /// each of `queries`, with the answers in that order. The default asks
    /// one by one; a store may answer all in one round trip.
    fn inbound_contexts(
        &self,
        queries: &[InboundQuery<'_>],
    ) -> Result<Vec<(InboundContext, Option<MessageBody>)>, StoreError> {
        queries
            .iter()
            .map(|q| self.inbound_context_with_body(q))
            .collect()
    }
}

/// Several store calls as one unit: all of them take effect or none does,
/// and they are durable once the unit returns `Ok` (the engine records an
/// inbound text, its consent change, its rate windows, its replies and its
/// idempotency key in one unit, so a crash leaves either all of it or
/// nothing, and a redelivered webhook finds it done or finds nothing).
pub trait Atomic: Send + Sync {
    /// Runs `work` as one unit: every call it makes on this store from this
    /// thread belongs to the unit. SQL stores run the unit in one
    /// transaction, committed before this returns `Ok` and rolled back when
    /// `work` returns `Err` (or panics); calls from other threads on the
    /// same store object wait for the unit to end, other processes see
    /// nothing of it before the commit. A unit inside a unit is part of
    /// the outer one. Keep units short and free of network calls: other
    /// writers wait for them.
    ///
    /// [`MemoryStore`](crate::memory::MemoryStore) runs `work` as it comes:
    /// each of its calls is atomic on its own, nothing is rolled back, and
    /// nothing outlives the process anyway.
    fn atomically<R, E, F>(&self, work: F) -> Result<R, E>
    where
        F: FnOnce() -> Result<R, E>,
        E: From<StoreError>,
        Self: Sized;
}

/// Every port at once: what the engine needs from a store.
pub trait Store:
    Atomic
    + InboundStore
    + DirectoryStore
    + DeliveryStore
    + ConsentStore
    + RateWindowStore
    + IdempotencyStore
    + ConversationStore
    + HistoryStore
    + InboxStore
    + UsageStore
{
}

impl<T> Store for T where
    T: Atomic
        + InboundStore
        + DirectoryStore
        + DeliveryStore
        + ConsentStore
        + RateWindowStore
        + IdempotencyStore
        + ConversationStore
        + HistoryStore
        + InboxStore
        + UsageStore
{
}
