//! Conversation lifecycle: SPEC V1, V2, V3, V4 and V7.
//!
//! - V1: one active conversation per participants (our number and the
//!   outside number, or two users in chat); the store refuses a second one
//!   and [`active_or_new`] joins the one that won a race. A text or a reply
//!   after a close starts a new active conversation; the closed one stays
//!   closed.
//! - V2: staff start a conversation from the inbox or from a client's
//!   profile ([`start`]); starting one that is already active returns it.
//! - V3: [`close`] takes a conversation out of the inbox and saves a copy of
//!   it with its messages to the communication history
//!   ([`HistoryEntry`]). A conversation with no client is saved with
//!   `client: None` and found by its outside number
//!   ([`HistoryStore::unassigned_history`]); assigning that number to a
//!   client later (V4) moves those entries into the client's history.
//!   [`delete`] removes a conversation, its messages, its unread marks and
//!   its history entry (if it was closed before) for good: nothing is saved
//!   and nothing can be recovered. [`delete_message`] removes one message,
//!   from the conversation and from its history copy.
//! - V4: [`assign`] assigns an SMS conversation, with its outside number, to
//!   an existing client or to a new one. The number becomes the client's
//!   cell phone when the client has none. A client with a different cell
//!   phone is refused with `client_has_other_cell_phone` unless the caller
//!   chooses [`OtherCellPhone::Replace`] (the number becomes the cell phone)
//!   or [`OtherCellPhone::Keep`] (only this conversation is assigned; the
//!   client keeps their number). A client record holds one cell phone, so
//!   "add a second number" is not an option. Several clients may share one
//!   number (a family phone): assigning does not take the number from
//!   another client.
//! - V7: the chat or SMS tag is [`Conversation::participants`]'s
//!   [`kind`](crate::conversation::Participants::kind), and a history entry
//!   keeps the whole conversation, so the tag survives the close.

use serde::{Deserialize, Serialize};

use super::InboxError;
use crate::conversation::{Conversation, ConversationStatus, Message, Participants, ThreadKind};
use crate::directory::Client;
use crate::ids::{ClientId, ConversationId, MessageId, OrganizationId, Username};
use crate::phone::E164;
use crate::ports::{
    ConversationStore, DirectoryStore, HistoryStore, InboxStore, StoreError, Timestamp,
};

/// What a closed conversation leaves in the communication history (V3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The client whose history it is in; `None` when the conversation was
    /// not assigned (then it is found by its outside number).
    pub client: Option<ClientId>,
    /// The conversation as it was closed (status `closed`, with its
    /// participants and so its chat or SMS tag).
    pub conversation: Conversation,
    /// When it was closed.
    pub closed_at: Timestamp,
    /// The staff member who closed it.
    pub closed_by: Username,
    /// Its messages, oldest first.
    pub messages: Vec<Message>,
}

impl HistoryEntry {
    /// The owner.
    pub fn organization(&self) -> &OrganizationId {
        &self.conversation.organization
    }
    /// Chat or SMS (V7).
    pub fn kind(&self) -> ThreadKind {
        self.conversation.participants.kind()
    }
    /// The outside number of an SMS conversation.
    pub fn outside_number(&self) -> Option<E164> {
        outside_number(&self.conversation.participants)
    }
}

/// The outside number of SMS participants; `None` for chat and for senders
/// that cannot be texted back.
pub fn outside_number(participants: &Participants) -> Option<E164> {
    match participants {
        Participants::Sms { outside_number, .. } => Some(*outside_number),
        Participants::SmsUnreplyable { .. } | Participants::Chat { .. } => None,
    }
}

/// The conversation of `org` with this id, or `conversation_not_found`.
pub fn load<S: ConversationStore + ?Sized>(
    store: &S,
    org: &OrganizationId,
    id: &ConversationId,
) -> Result<Conversation, InboxError> {
    store
        .conversation(org, id)?
        .ok_or_else(|| InboxError::ConversationNotFound { id: id.clone() })
}

/// The active conversation between `participants`, or a new active one with
/// id `id` started `now` (V1). When the active one has no client and
/// `client` is given, it is assigned to that client. Another worker that
/// starts the same conversation at the same moment wins the store's
/// uniqueness check; this call then returns theirs.
pub fn active_or_new<S: ConversationStore + ?Sized>(
    store: &S,
    org: &OrganizationId,
    participants: Participants,
    client: Option<ClientId>,
    now: Timestamp,
    id: ConversationId,
) -> Result<Conversation, InboxError> {
    if let Some(existing) = store.active_conversation(org, &participants)? {
        return adopt_client(store, existing, client);
    }
    let conversation = Conversation {
        id,
        organization: org.clone(),
        participants,
        status: ConversationStatus::Active,
        client: client.clone(),
        started_at: now,
    };
    match store.put_conversation(&conversation) {
        Ok(()) => Ok(conversation),
        Err(StoreError::Conflict { .. }) => {
            let winner = store
                .active_conversation(org, &conversation.participants)?
                .ok_or_else(|| StoreError::Conflict {
                    message: "the active conversation vanished while being started; retry".into(),
                })?;
            adopt_client(store, winner, client)
        }
        Err(e) => Err(e.into()),
    }
}

/// Gives an unassigned conversation the client, if one is given.
fn adopt_client<S: ConversationStore + ?Sized>(
    store: &S,
    mut conversation: Conversation,
    client: Option<ClientId>,
) -> Result<Conversation, InboxError> {
    if conversation.client.is_none() && client.is_some() {
        conversation.client = client;
        store.put_conversation(&conversation)?;
    }
    Ok(conversation)
}

/// The client whose cell phone is `number`, when exactly one client of
/// `org` has it. Several clients sharing the number (a family phone) give
/// `None`: a person picks the client (V4).
pub fn client_for_number<S: DirectoryStore + ?Sized>(
    store: &S,
    org: &OrganizationId,
    number: E164,
) -> Result<Option<ClientId>, InboxError> {
    let clients = store.clients_by_phone(org, number)?;
    Ok(match clients.as_slice() {
        [one] => Some(one.id.clone()),
        _ => None,
    })
}

/// The conversation an inbound text joins (V1): the active one between
/// `participants`, or a new one with id `id`, assigned to the client whose
/// cell phone the sender's number is (when exactly one client has it).
/// Texts after a close start a new conversation.
pub fn conversation_for_inbound<S: ConversationStore + DirectoryStore + ?Sized>(
    store: &S,
    org: &OrganizationId,
    participants: Participants,
    now: Timestamp,
    id: ConversationId,
) -> Result<Conversation, InboxError> {
    if let Some(existing) = store.active_conversation(org, &participants)? {
        return Ok(existing);
    }
    let client = match outside_number(&participants) {
        Some(n) => client_for_number(store, org, n)?,
        None => None,
    };
    active_or_new(store, org, participants, client, now, id)
}

/// The conversation a staff reply to `conversation` goes into (V1): the
/// conversation itself while it is active; once closed, the active
/// conversation between the same participants or a new one with id
/// `new_id`, keeping the closed one's client.
pub fn conversation_for_reply<S: ConversationStore + ?Sized>(
    store: &S,
    org: &OrganizationId,
    conversation: &ConversationId,
    now: Timestamp,
    new_id: ConversationId,
) -> Result<Conversation, InboxError> {
    let current = load(store, org, conversation)?;
    match current.status {
        ConversationStatus::Active => Ok(current),
        ConversationStatus::Closed => active_or_new(
            store,
            org,
            current.participants,
            current.client,
            now,
            new_id,
        ),
    }
}

/// Staff start an SMS conversation between `our_number` and `outside`
/// (V2): from the inbox (`client: None`; the client is then found by the
/// outside number when exactly one client has it) or from a client's
/// profile (`client: Some`, which must exist in `org`). When a conversation
/// between the two numbers is already active, that one is returned (and
/// assigned to `client` if it had none); otherwise a new one with id `id`.
/// Whether `started_by` may send from `our_number` is the send check's
/// business (R2, R6), not this one's.
#[allow(clippy::too_many_arguments)] // the inputs of V2, each needed
pub fn start<S: ConversationStore + DirectoryStore + ?Sized>(
    store: &S,
    org: &OrganizationId,
    our_number: E164,
    outside: E164,
    client: Option<ClientId>,
    started_by: &Username,
    now: Timestamp,
    id: ConversationId,
) -> Result<Conversation, InboxError> {
    let client = match client {
        Some(c) => Some(existing_client(store, org, &c)?.id),
        None => client_for_number(store, org, outside)?,
    };
    let participants = Participants::Sms {
        our_number,
        outside_number: outside,
    };
    let conversation = active_or_new(store, org, participants, client, now, id)?;
    tracing::debug!(
        organization = %org,
        conversation = %conversation.id,
        started_by = %started_by,
        "conversation started by staff"
    );
    Ok(conversation)
}

fn existing_client<S: DirectoryStore + ?Sized>(
    store: &S,
    org: &OrganizationId,
    id: &ClientId,
) -> Result<Client, InboxError> {
    store
        .client(org, id)?
        .ok_or_else(|| InboxError::ClientNotFound { id: id.clone() })
}

/// Closes an active conversation (V3): saves it with its messages to the
/// history (the client's, or the unassigned history of its outside number
/// when it has no client), marks it closed and clears every user's unread
/// marks for it, so it leaves the inbox. Returns the saved entry. Closing a
/// closed conversation is refused (`conversation_closed`). The history is
/// written first: a crash half-way leaves the conversation active and a
/// retry rewrites the same entry.
pub fn close<S: ConversationStore + HistoryStore + InboxStore + ?Sized>(
    store: &S,
    org: &OrganizationId,
    id: &ConversationId,
    closed_by: &Username,
    now: Timestamp,
) -> Result<HistoryEntry, InboxError> {
    let mut conversation = load(store, org, id)?;
    if conversation.status == ConversationStatus::Closed {
        return Err(InboxError::ConversationClosed { id: id.clone() });
    }
    conversation.status = ConversationStatus::Closed;
    let entry = HistoryEntry {
        client: conversation.client.clone(),
        conversation,
        closed_at: now,
        closed_by: closed_by.clone(),
        messages: store.messages(org, id)?,
    };
    store.put_history(&entry)?;
    store.put_conversation(&entry.conversation)?;
    store.forget_conversation(org, id)?;
    Ok(entry)
}

/// What [`delete`] removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deleted {
    /// The conversation, gone for good.
    pub conversation: ConversationId,
    /// How many messages went with it.
    pub messages: usize,
}

/// Deletes a conversation for good (V3), active or closed: its messages,
/// every user's unread marks and, if it was closed before, its history
/// entry. Nothing is saved and nothing can be recovered. The conversation
/// record goes last, so a retry after a crash finds it and finishes.
pub fn delete<S: ConversationStore + HistoryStore + InboxStore + ?Sized>(
    store: &S,
    org: &OrganizationId,
    id: &ConversationId,
) -> Result<Deleted, InboxError> {
    load(store, org, id)?;
    let messages = store.messages(org, id)?.len();
    store.delete_history(org, id)?;
    store.forget_conversation(org, id)?;
    store.delete_conversation(org, id)?;
    Ok(Deleted {
        conversation: id.clone(),
        messages,
    })
}

/// Deletes one message for good (V3): from the conversation, from every
/// user's unread marks and from the conversation's history copy if it was
/// closed.
pub fn delete_message<S: ConversationStore + HistoryStore + InboxStore + ?Sized>(
    store: &S,
    org: &OrganizationId,
    conversation: &ConversationId,
    message: &MessageId,
) -> Result<(), InboxError> {
    load(store, org, conversation)?;
    let exists = store
        .messages(org, conversation)?
        .iter()
        .any(|m| &m.id == message);
    if !exists {
        return Err(InboxError::MessageNotFound {
            conversation: conversation.clone(),
            message: message.clone(),
        });
    }
    store.forget_message(org, conversation, message)?;
    if let Some(mut entry) = store.history_entry(org, conversation)? {
        entry.messages.retain(|m| &m.id != message);
        store.put_history(&entry)?;
    }
    store.delete_message(org, conversation, message)?;
    Ok(())
}

/// Whom to assign a conversation to (V4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum AssignTo {
    /// A client that exists in the organization.
    Existing {
        /// The client.
        client: ClientId,
    },
    /// A client to create (the "add client" option); its id must be new.
    New {
        /// The new record; its cell phone may be left empty to take the
        /// conversation's number.
        client: Client,
    },
}

/// What to do when the client already has a different cell phone (V4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OtherCellPhone {
    /// Refuse with `client_has_other_cell_phone`, so a person decides.
    #[default]
    Refuse,
    /// The conversation's number becomes the client's cell phone.
    Replace,
    /// Assign the conversation only; the client keeps their cell phone.
    Keep,
}

/// What assigning did to the client's cell phone (V4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellPhoneChange {
    /// The client had none; the conversation's number is now theirs.
    Set,
    /// The client's cell phone already was the conversation's number.
    Unchanged,
    /// The client's other number was replaced by the conversation's.
    Replaced,
    /// The client kept their other number ([`OtherCellPhone::Keep`]).
    Kept,
}

/// The result of [`assign`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    /// The conversation, now with its client.
    pub conversation: Conversation,
    /// The client as saved.
    pub client: Client,
    /// What happened to the client's cell phone.
    pub cell_phone: CellPhoneChange,
    /// How many history entries moved into the client's history: the
    /// conversation's own if it was closed, and every unassigned entry of
    /// its number when the number became the client's.
    pub history_moved: usize,
}

/// Assigns an SMS conversation and its outside number to an existing or a
/// new client (V4); see the module documentation for the cell-phone rule.
/// The client is saved first, then the conversation, then the history, so
/// a retry after a crash repeats nothing harmful (a retried "new client"
/// finds the client created and answers `client_exists`: assign to it).
pub fn assign<S: ConversationStore + DirectoryStore + HistoryStore + ?Sized>(
    store: &S,
    org: &OrganizationId,
    conversation: &ConversationId,
    to: AssignTo,
    other_cell: OtherCellPhone,
) -> Result<Assignment, InboxError> {
    let mut conv = load(store, org, conversation)?;
    let number = assignable_number(&conv.participants)?;
    let (client, is_new) = resolve_client(store, org, to)?;
    let (client, change) = take_number(client, number, other_cell)?;
    if is_new || matches!(change, CellPhoneChange::Set | CellPhoneChange::Replaced) {
        store.put_client(&client)?;
    }
    conv.client = Some(client.id.clone());
    store.put_conversation(&conv)?;
    let history_moved = move_history(store, &conv, &client.id, number, change)?;
    Ok(Assignment {
        conversation: conv,
        client,
        cell_phone: change,
        history_moved,
    })
}

fn assignable_number(participants: &Participants) -> Result<E164, InboxError> {
    match participants {
        Participants::Sms { outside_number, .. } => Ok(*outside_number),
        Participants::Chat { .. } => Err(InboxError::NotAssignable { reason: "chat" }),
        Participants::SmsUnreplyable { .. } => Err(InboxError::NotAssignable {
            reason: "unreplyable_sender",
        }),
    }
}

/// The client to assign to and whether it is new.
fn resolve_client<S: DirectoryStore + ?Sized>(
    store: &S,
    org: &OrganizationId,
    to: AssignTo,
) -> Result<(Client, bool), InboxError> {
    match to {
        AssignTo::Existing { client } => Ok((existing_client(store, org, &client)?, false)),
        AssignTo::New { client } => {
            if &client.organization != org {
                return Err(InboxError::ForeignClient);
            }
            if store.client(org, &client.id)?.is_some() {
                return Err(InboxError::ClientExists { id: client.id });
            }
            Ok((client, true))
        }
    }
}

/// The V4 cell-phone rule, as a pure function.
pub fn take_number(
    mut client: Client,
    number: E164,
    other_cell: OtherCellPhone,
) -> Result<(Client, CellPhoneChange), InboxError> {
    let change = match (client.cell_phone, other_cell) {
        (None, _) => CellPhoneChange::Set,
        (Some(cell), _) if cell == number => CellPhoneChange::Unchanged,
        (Some(_), OtherCellPhone::Refuse) => {
            return Err(InboxError::ClientHasOtherCellPhone { client: client.id });
        }
        (Some(_), OtherCellPhone::Replace) => CellPhoneChange::Replaced,
        (Some(_), OtherCellPhone::Keep) => CellPhoneChange::Kept,
    };
    if matches!(change, CellPhoneChange::Set | CellPhoneChange::Replaced) {
        client.cell_phone = Some(number);
    }
    Ok((client, change))
}

/// Moves the conversation's own history entry (if closed) and, when the
/// number became the client's, the number's unassigned entries into the
/// client's history.
fn move_history<S: HistoryStore + ?Sized>(
    store: &S,
    conv: &Conversation,
    client: &ClientId,
    number: E164,
    change: CellPhoneChange,
) -> Result<usize, InboxError> {
    let org = &conv.organization;
    let mut entries: Vec<HistoryEntry> = store.history_entry(org, &conv.id)?.into_iter().collect();
    if change != CellPhoneChange::Kept {
        let others = store.unassigned_history(org, number)?;
        entries.extend(others.into_iter().filter(|e| e.conversation.id != conv.id));
    }
    let mut moved: usize = 0;
    for mut entry in entries {
        if entry.client.as_ref() == Some(client) {
            continue;
        }
        entry.client = Some(client.clone());
        entry.conversation.client = Some(client.clone());
        store.put_history(&entry)?;
        moved = moved.saturating_add(1);
    }
    Ok(moved)
}

#[cfg(test)]
mod tests;
