//! In-memory [`ConversationStore`].

use super::keyed::HashedMap;
use super::{Map, MemoryStore, lock};
use crate::conversation::{
    Author, Conversation, ConversationStatus, Direction, Message, Participants,
};
use crate::ids::{ConversationId, MessageId, OrganizationId};
use crate::ports::{ConversationFilter, ConversationStore, StoreError, Timestamp};
use crate::sensitive::MessageBody;

#[derive(Default)]
pub(super) struct ConversationState {
    /// Each organization's conversations.
    orgs: Map<OrganizationId, Conversations>,
    /// The last sequence number given to a put message.
    next_seq: u64,
}

/// The conversations of one organization.
#[derive(Default)]
struct Conversations {
    threads: Map<ConversationId, Thread>,
    /// The conversation of each message (looked up, never listed).
    message_index: HashedMap<MessageId, ConversationId>,
    /// The active conversation of each set of participants.
    active: Map<Participants, ConversationId>,
}

/// A conversation and its messages, oldest first: by time, then by when
/// they were put.
struct Thread {
    conversation: Conversation,
    messages: Vec<Stored>,
}

/// A message and the order it was put in (ties between equal times), as a
/// thread keeps it: without what the thread already says (organization,
/// conversation), and without the provider id when the id spells it out
/// (`in_` and the provider id: how the engine names an inbound text).
struct Stored {
    seq: u64,
    id: MessageId,
    author: Author,
    body: MessageBody,
    provider_id: Option<Box<str>>,
    at: Timestamp,
    direction: Direction,
    /// The provider id is the id after `in_` (`provider_id` is `None`).
    provider_in_id: bool,
}

impl Stored {
    fn new(seq: u64, m: &Message) -> Self {
        let in_id = m
            .provider_id
            .as_deref()
            .is_some_and(|p| m.id.as_str().strip_prefix(INBOUND_PREFIX) == Some(p));
        Stored {
            seq,
            id: m.id.clone(),
            author: m.author.clone(),
            body: m.body.clone(),
            provider_id: m.provider_id.as_deref().filter(|_| !in_id).map(Box::from),
            at: m.at,
            direction: m.direction,
            provider_in_id: in_id,
        }
    }

    fn provider_id(&self) -> Option<&str> {
        if self.provider_in_id {
            self.id.as_str().strip_prefix(INBOUND_PREFIX)
        } else {
            self.provider_id.as_deref()
        }
    }

    /// The message, in `conversation`.
    fn to_message(&self, conversation: &Conversation) -> Message {
        Message {
            id: self.id.clone(),
            organization: conversation.organization.clone(),
            conversation: conversation.id.clone(),
            direction: self.direction,
            author: self.author.clone(),
            body: self.body.clone(),
            at: self.at,
            provider_id: self.provider_id().map(str::to_owned),
        }
    }
}

/// How the engine's inbound message ids start (then the provider id).
const INBOUND_PREFIX: &str = "in_";

impl ConversationState {
    fn thread(&self, org: &OrganizationId, id: &ConversationId) -> Option<&Thread> {
        self.orgs.get(org).and_then(|c| c.threads.get(id))
    }

    /// The active conversation of `participants` and what `pick` takes
    /// from its newest message in `direction` (what an inbound text needs,
    /// in one lock pass).
    pub(super) fn active_with_last<T>(
        &self,
        org: &OrganizationId,
        participants: &Participants,
        direction: Direction,
        pick: impl FnOnce(&Message) -> T,
    ) -> (Option<Conversation>, Option<T>) {
        self.active_with_last_stored(org, participants, direction, |m, c| pick(&m.to_message(c)))
    }

    /// [`active_with_last`](Self::active_with_last) with the newest
    /// message's body alone (no message built).
    pub(super) fn active_with_last_body(
        &self,
        org: &OrganizationId,
        participants: &Participants,
        direction: Direction,
    ) -> (Option<Conversation>, Option<MessageBody>) {
        self.active_with_last_stored(org, participants, direction, |m, _| m.body.clone())
    }

    fn active_with_last_stored<T>(
        &self,
        org: &OrganizationId,
        participants: &Participants,
        direction: Direction,
        pick: impl FnOnce(&Stored, &Conversation) -> T,
    ) -> (Option<Conversation>, Option<T>) {
        let thread = self
            .orgs
            .get(org)
            .and_then(|c| c.threads.get(c.active.get(participants)?));
        match thread {
            Some(t) => (
                Some(t.conversation.clone()),
                t.last(direction).map(|m| pick(m, &t.conversation)),
            ),
            None => (None, None),
        }
    }
}

impl Conversations {
    /// Takes `message` out of the thread it was put in, if any; returns
    /// its sequence number when that thread is `conversation` (a
    /// replacement keeps its place among messages of one instant).
    fn unput(&mut self, message: &Message) -> Option<u64> {
        let old_conv = self
            .message_index
            .insert(message.id.clone(), message.conversation.clone())?;
        let list = &mut self.threads.get_mut(&old_conv)?.messages;
        let kept = list.iter().find(|m| m.id == message.id).map(|m| m.seq);
        list.retain(|m| m.id != message.id);
        kept.filter(|_| old_conv == message.conversation)
    }
}

impl Thread {
    /// The newest message in `direction`.
    fn last(&self, direction: Direction) -> Option<&Stored> {
        self.messages
            .iter()
            .rev()
            .find(|m| m.direction == direction)
    }

    /// Inserts `message` after the messages before it (by time, then seq).
    fn insert(&mut self, seq: u64, message: &Message) {
        let list = &mut self.messages;
        // Messages mostly arrive in order: append without searching.
        let in_order = list
            .last()
            .is_none_or(|m| (m.at, m.seq) < (message.at, seq));
        let at = if in_order {
            list.len()
        } else {
            list.partition_point(|m| (m.at, m.seq) < (message.at, seq))
        };
        list.insert(at, Stored::new(seq, message));
    }
}

fn not_found(what: &'static str, id: &impl ToString) -> StoreError {
    StoreError::NotFound {
        what,
        id: id.to_string(),
    }
}

impl ConversationStore for MemoryStore {
    fn active_conversation(
        &self,
        org: &OrganizationId,
        participants: &Participants,
    ) -> Result<Option<Conversation>, StoreError> {
        let state = lock(&self.conversations)?;
        Ok(state
            .orgs
            .get(org)
            .and_then(|c| c.threads.get(c.active.get(participants)?))
            .map(|t| t.conversation.clone()))
    }

    fn conversation(
        &self,
        org: &OrganizationId,
        id: &ConversationId,
    ) -> Result<Option<Conversation>, StoreError> {
        let state = lock(&self.conversations)?;
        Ok(state.thread(org, id).map(|t| t.conversation.clone()))
    }

    fn put_conversation(&self, conversation: &Conversation) -> Result<(), StoreError> {
        let mut state = lock(&self.conversations)?;
        let convs = state
            .orgs
            .entry_ref(&conversation.organization)
            .or_default();
        let id = &conversation.id;
        let active = conversation.status == ConversationStatus::Active;
        if active
            && convs
                .active
                .get(&conversation.participants)
                .is_some_and(|held| held != id)
        {
            return Err(StoreError::Conflict {
                message: "these participants already have an active conversation".into(),
            });
        }
        // Free the slot this conversation held (closed now, or other participants).
        if let Some(previous) = convs.threads.get(id)
            && convs.active.get(&previous.conversation.participants) == Some(id)
        {
            convs.active.remove(&previous.conversation.participants);
        }
        if active {
            convs
                .active
                .insert(conversation.participants.clone(), id.clone());
        }
        match convs.threads.get_mut(id) {
            Some(thread) => thread.conversation = conversation.clone(),
            None => {
                convs.threads.insert(
                    id.clone(),
                    Thread {
                        conversation: conversation.clone(),
                        messages: Vec::new(),
                    },
                );
            }
        }
        Ok(())
    }

    fn put_message(&self, message: &Message) -> Result<(), StoreError> {
        let mut guard = lock(&self.conversations)?;
        let state = &mut *guard;
        let convs = state
            .orgs
            .get_mut(&message.organization)
            .filter(|c| c.threads.contains_key(&message.conversation))
            .ok_or_else(|| not_found("conversation", &message.conversation))?;
        let seq = match convs.unput(message) {
            Some(seq) => seq,
            None => {
                state.next_seq = state.next_seq.saturating_add(1);
                state.next_seq
            }
        };
        convs
            .threads
            .get_mut(&message.conversation)
            .ok_or_else(|| not_found("conversation", &message.conversation))?
            .insert(seq, message);
        Ok(())
    }

    fn last_message(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        direction: Direction,
    ) -> Result<Option<Message>, StoreError> {
        let state = lock(&self.conversations)?;
        Ok(state
            .thread(org, conversation)
            .and_then(|t| Some(t.last(direction)?.to_message(&t.conversation))))
    }

    fn messages(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
    ) -> Result<Vec<Message>, StoreError> {
        let state = lock(&self.conversations)?;
        Ok(state
            .thread(org, conversation)
            .map(|t| {
                t.messages
                    .iter()
                    .map(|m| m.to_message(&t.conversation))
                    .collect()
            })
            .unwrap_or_default())
    }

    fn conversations(
        &self,
        org: &OrganizationId,
        filter: &ConversationFilter,
    ) -> Result<Vec<Conversation>, StoreError> {
        let state = lock(&self.conversations)?;
        let mut found: Vec<Conversation> = state
            .orgs
            .get(org)
            .into_iter()
            .flat_map(|c| c.threads.values())
            .map(|t| &t.conversation)
            .filter(|c| filter.matches(c))
            .cloned()
            .collect();
        found.sort_by(|a, b| a.started_at.cmp(&b.started_at).then(a.id.cmp(&b.id)));
        Ok(found)
    }

    fn delete_conversation(
        &self,
        org: &OrganizationId,
        id: &ConversationId,
    ) -> Result<(), StoreError> {
        let mut state = lock(&self.conversations)?;
        let convs = state.orgs.get_mut(org);
        let Some((convs, removed)) = convs.and_then(|c| {
            let removed = c.threads.remove(id)?;
            Some((c, removed))
        }) else {
            return Err(not_found("conversation", id));
        };
        let participants = &removed.conversation.participants;
        if convs.active.get(participants) == Some(id) {
            convs.active.remove(participants);
        }
        for stored in &removed.messages {
            convs.message_index.remove(&stored.id);
        }
        Ok(())
    }

    fn delete_message(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        message: &MessageId,
    ) -> Result<(), StoreError> {
        let mut state = lock(&self.conversations)?;
        let convs = state
            .orgs
            .get_mut(org)
            .filter(|c| c.message_index.get(message) == Some(conversation))
            .ok_or_else(|| not_found("message", message))?;
        convs.message_index.remove(message);
        if let Some(thread) = convs.threads.get_mut(conversation) {
            thread.messages.retain(|m| &m.id != message);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use proptest::prelude::*;

    use super::*;
    use crate::conversation::Participants;
    use crate::ids::Username;
    use crate::phone::E164;

    fn conversation() -> Conversation {
        let number = |s| E164::parse(s).unwrap_or_else(|_| unreachable!());
        Conversation {
            id: ConversationId::from("conv_1"),
            organization: OrganizationId::from("org_1"),
            participants: Participants::Sms {
                our_number: number("6502530001"),
                outside_number: number("4162530000"),
            },
            status: ConversationStatus::Active,
            client: None,
            started_at: DateTime::UNIX_EPOCH,
        }
    }

    /// Ids and provider ids that do and do not spell each other out.
    fn ids() -> impl Strategy<Value = (String, Option<String>)> {
        let part = "(in_|in|out_|)[A-Za-z0-9_]{0,6}";
        prop_oneof![
            "[A-Za-z0-9]{0,8}".prop_map(|p| (format!("in_{p}"), Some(p))),
            (part, proptest::option::of(part)),
        ]
    }

    proptest! {
        /// A stored message reads back as the very message put, whether
        /// its provider id is kept or derived from its id.
        #[test]
        fn stored_message_reads_back_as_put(
            (id, provider_id) in ids(),
            author in 0u8..3,
            outbound in any::<bool>(),
            secs in 0i64..4_000_000_000,
        ) {
            let c = conversation();
            let message = Message {
                id: MessageId::new(id),
                organization: c.organization.clone(),
                conversation: c.id.clone(),
                direction: if outbound { Direction::Outbound } else { Direction::Inbound },
                author: match author {
                    0 => Author::Outside,
                    1 => Author::Automated,
                    _ => Author::User(Username::from("alice")),
                },
                body: MessageBody::from("Is Rex ready?"),
                at: DateTime::from_timestamp(secs, 0).unwrap_or_default(),
                provider_id,
            };
            prop_assert_eq!(Stored::new(7, &message).to_message(&c), message);
        }
    }
}
