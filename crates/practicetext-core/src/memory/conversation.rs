//! In-memory [`ConversationStore`].

use std::collections::BTreeMap;

use super::{MemoryStore, lock};
use crate::conversation::{Conversation, ConversationStatus, Direction, Message, Participants};
use crate::ids::{ConversationId, MessageId, OrganizationId};
use crate::ports::{ConversationFilter, ConversationStore, StoreError};

#[derive(Default)]
pub(super) struct ConversationState {
    conversations: BTreeMap<(OrganizationId, ConversationId), Conversation>,
    /// Messages per conversation, oldest first: by time, then by when they
    /// were put.
    messages: BTreeMap<(OrganizationId, ConversationId), Vec<Stored>>,
    /// The last sequence number given to a put message.
    next_seq: u64,
    /// The conversation of each message (looked up, never listed).
    message_index: rustc_hash::FxHashMap<(OrganizationId, MessageId), ConversationId>,
    /// The active conversation of each set of participants.
    active: BTreeMap<(OrganizationId, Participants), ConversationId>,
}

/// A message and the order it was put in (ties between equal times).
struct Stored {
    seq: u64,
    message: Message,
}

impl ConversationStore for MemoryStore {
    fn active_conversation(
        &self,
        org: &OrganizationId,
        participants: &Participants,
    ) -> Result<Option<Conversation>, StoreError> {
        let state = lock(&self.conversations)?;
        Ok(state
            .active
            .get(&(org.clone(), participants.clone()))
            .and_then(|id| state.conversations.get(&(org.clone(), id.clone())))
            .cloned())
    }

    fn conversation(
        &self,
        org: &OrganizationId,
        id: &ConversationId,
    ) -> Result<Option<Conversation>, StoreError> {
        let state = lock(&self.conversations)?;
        Ok(state.conversations.get(&(org.clone(), id.clone())).cloned())
    }

    fn put_conversation(&self, conversation: &Conversation) -> Result<(), StoreError> {
        let mut state = lock(&self.conversations)?;
        let org = conversation.organization.clone();
        let key = (org.clone(), conversation.id.clone());
        let slot = (org.clone(), conversation.participants.clone());
        let active = conversation.status == ConversationStatus::Active;
        if active
            && state
                .active
                .get(&slot)
                .is_some_and(|id| id != &conversation.id)
        {
            return Err(StoreError::Conflict {
                message: "these participants already have an active conversation".into(),
            });
        }
        // Free the slot this conversation held (closed now, or other participants).
        if let Some(previous) = state.conversations.get(&key) {
            let held = (org, previous.participants.clone());
            if state.active.get(&held) == Some(&conversation.id) {
                state.active.remove(&held);
            }
        }
        if active {
            state.active.insert(slot, conversation.id.clone());
        }
        state.conversations.insert(key, conversation.clone());
        Ok(())
    }

    fn put_message(&self, message: &Message) -> Result<(), StoreError> {
        let mut state = lock(&self.conversations)?;
        let org = message.organization.clone();
        if !state
            .conversations
            .contains_key(&(org.clone(), message.conversation.clone()))
        {
            return Err(StoreError::NotFound {
                what: "conversation",
                id: message.conversation.to_string(),
            });
        }
        let index_key = (org.clone(), message.id.clone());
        let previous = state
            .message_index
            .insert(index_key, message.conversation.clone());
        // A replacement in the same conversation keeps its place among
        // messages of one instant; a new or moved message goes after them.
        let mut seq = None;
        if let Some(old_conv) = previous
            && let Some(list) = state.messages.get_mut(&(org.clone(), old_conv.clone()))
        {
            let kept = list
                .iter()
                .find(|m| m.message.id == message.id)
                .map(|m| m.seq);
            list.retain(|m| m.message.id != message.id);
            if old_conv == message.conversation {
                seq = kept;
            }
        }
        let seq = match seq {
            Some(s) => s,
            None => {
                state.next_seq = state.next_seq.saturating_add(1);
                state.next_seq
            }
        };
        let list = state
            .messages
            .entry((org, message.conversation.clone()))
            .or_default();
        // Messages mostly arrive in order: append without searching.
        let in_order = list
            .last()
            .is_none_or(|m| (m.message.at, m.seq) < (message.at, seq));
        let at = if in_order {
            list.len()
        } else {
            list.partition_point(|m| (m.message.at, m.seq) < (message.at, seq))
        };
        list.insert(
            at,
            Stored {
                seq,
                message: message.clone(),
            },
        );
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
            .messages
            .get(&(org.clone(), conversation.clone()))
            .and_then(|list| list.iter().rev().find(|m| m.message.direction == direction))
            .map(|m| m.message.clone()))
    }

    fn messages(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
    ) -> Result<Vec<Message>, StoreError> {
        let state = lock(&self.conversations)?;
        Ok(state
            .messages
            .get(&(org.clone(), conversation.clone()))
            .map(|list| list.iter().map(|m| m.message.clone()).collect())
            .unwrap_or_default())
    }

    fn conversations(
        &self,
        org: &OrganizationId,
        filter: &ConversationFilter,
    ) -> Result<Vec<Conversation>, StoreError> {
        let state = lock(&self.conversations)?;
        let mut found: Vec<Conversation> = state
            .conversations
            .iter()
            .filter(|((o, _), c)| o == org && filter.matches(c))
            .map(|(_, c)| c.clone())
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
        let key = (org.clone(), id.clone());
        let Some(removed) = state.conversations.remove(&key) else {
            return Err(StoreError::NotFound {
                what: "conversation",
                id: id.to_string(),
            });
        };
        let slot = (org.clone(), removed.participants);
        if state.active.get(&slot) == Some(id) {
            state.active.remove(&slot);
        }
        for stored in state.messages.remove(&key).unwrap_or_default() {
            state
                .message_index
                .remove(&(org.clone(), stored.message.id));
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
        let index_key = (org.clone(), message.clone());
        if state.message_index.get(&index_key) != Some(conversation) {
            return Err(StoreError::NotFound {
                what: "message",
                id: message.to_string(),
            });
        }
        state.message_index.remove(&index_key);
        if let Some(list) = state.messages.get_mut(&(org.clone(), conversation.clone())) {
            list.retain(|m| &m.message.id != message);
        }
        Ok(())
    }
}
