//! In-memory [`ConversationStore`].

use std::collections::BTreeMap;

use super::{MemoryStore, lock};
use crate::conversation::{Conversation, ConversationStatus, Direction, Message, Participants};
use crate::ids::{ConversationId, MessageId, OrganizationId};
use crate::ports::{ConversationStore, StoreError};

#[derive(Default)]
pub(super) struct ConversationState {
    conversations: BTreeMap<(OrganizationId, ConversationId), Conversation>,
    /// Messages in insertion order per conversation, keyed by message id.
    messages: BTreeMap<(OrganizationId, ConversationId), Vec<Message>>,
    message_index: BTreeMap<(OrganizationId, MessageId), ConversationId>,
    /// The active conversation of each set of participants.
    active: BTreeMap<(OrganizationId, Participants), ConversationId>,
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
        let slot = (org.clone(), conversation.participants.clone());
        let active = conversation.status == ConversationStatus::Active;
        match state.active.get(&slot) {
            Some(id) if active && id != &conversation.id => {
                return Err(StoreError::Conflict {
                    message: "these participants already have an active conversation".into(),
                });
            }
            Some(id) if !active && id == &conversation.id => {
                state.active.remove(&slot);
            }
            _ => {}
        }
        if active {
            state.active.insert(slot, conversation.id.clone());
        }
        let key = (org, conversation.id.clone());
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
        if let Some(old_conv) = previous {
            let list = state.messages.entry((org.clone(), old_conv)).or_default();
            if let Some(slot) = list
                .iter_mut()
                .find(|m| m.id == message.id && m.conversation == message.conversation)
            {
                *slot = message.clone();
                return Ok(());
            }
            list.retain(|m| m.id != message.id);
        }
        state
            .messages
            .entry((org, message.conversation.clone()))
            .or_default()
            .push(message.clone());
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
            .and_then(|list| list.iter().rev().find(|m| m.direction == direction))
            .cloned())
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
            .cloned()
            .unwrap_or_default())
    }
}
