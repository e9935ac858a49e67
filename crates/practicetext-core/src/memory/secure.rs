//! In-memory [`SecureStore`].

use std::collections::BTreeMap;

use super::{MemoryStore, lock};
use crate::ids::{ConversationId, OrganizationId};
use crate::ports::{SecureStore, StoreError};
use crate::secure::{SecureConversation, SecureEvent, TokenHash};

#[derive(Default)]
pub(super) struct SecureState {
    conversations: BTreeMap<(OrganizationId, ConversationId), SecureConversation>,
    links: BTreeMap<(OrganizationId, TokenHash), ConversationId>,
    events: BTreeMap<(OrganizationId, ConversationId), Vec<SecureEvent>>,
}

fn conflict(message: &str) -> StoreError {
    StoreError::Conflict {
        message: message.to_owned(),
    }
}

impl SecureState {
    fn check(
        &self,
        org: &OrganizationId,
        conv: &SecureConversation,
        expected_version: Option<u64>,
        events: &[SecureEvent],
    ) -> Result<(), StoreError> {
        let foreign_event = events
            .iter()
            .any(|e| &e.organization != org || e.conversation != conv.id);
        if &conv.organization != org || foreign_event {
            return Err(conflict(
                "the secure conversation or its events belong to another organization or conversation",
            ));
        }
        let key = (org.clone(), conv.id.clone());
        match (self.conversations.get(&key), expected_version) {
            (None, None) => {}
            (Some(stored), Some(v)) if stored.version == v => {}
            (Some(_), None) => return Err(conflict("the secure conversation already exists")),
            _ => {
                return Err(conflict(
                    "the secure conversation changed since it was read; read it again and retry",
                ));
            }
        }
        let taken = conv.links.iter().any(|l| {
            self.links
                .get(&(org.clone(), l.token_hash))
                .is_some_and(|owner| owner != &conv.id)
        });
        if taken {
            return Err(conflict(
                "a link token hash belongs to another conversation",
            ));
        }
        Ok(())
    }
}

impl SecureStore for MemoryStore {
    fn save_secure_conversation(
        &self,
        org: &OrganizationId,
        conversation: &SecureConversation,
        expected_version: Option<u64>,
        events: &[SecureEvent],
    ) -> Result<(), StoreError> {
        let mut state = lock(&self.secure)?;
        state.check(org, conversation, expected_version, events)?;
        for l in &conversation.links {
            state
                .links
                .insert((org.clone(), l.token_hash), conversation.id.clone());
        }
        let key = (org.clone(), conversation.id.clone());
        state
            .events
            .entry(key.clone())
            .or_default()
            .extend_from_slice(events);
        state.conversations.insert(key, conversation.clone());
        Ok(())
    }

    fn secure_conversation(
        &self,
        org: &OrganizationId,
        id: &ConversationId,
    ) -> Result<Option<SecureConversation>, StoreError> {
        let key = (org.clone(), id.clone());
        Ok(lock(&self.secure)?.conversations.get(&key).cloned())
    }

    fn secure_conversation_by_link(
        &self,
        org: &OrganizationId,
        token_hash: &TokenHash,
    ) -> Result<Option<SecureConversation>, StoreError> {
        let state = lock(&self.secure)?;
        let Some(id) = state.links.get(&(org.clone(), *token_hash)) else {
            return Ok(None);
        };
        Ok(state.conversations.get(&(org.clone(), id.clone())).cloned())
    }

    fn secure_events(
        &self,
        org: &OrganizationId,
        id: &ConversationId,
    ) -> Result<Vec<SecureEvent>, StoreError> {
        let key = (org.clone(), id.clone());
        Ok(lock(&self.secure)?
            .events
            .get(&key)
            .cloned()
            .unwrap_or_default())
    }
}
