//! In-memory [`InboxStore`].

use std::collections::{BTreeMap, BTreeSet};

use super::{MemoryStore, lock};
use crate::ids::{ConversationId, MessageId, OrganizationId, Username};
use crate::inbox::state::{InboxEntry, Presence};
use crate::ports::{InboxStore, StoreError, Timestamp};

/// One user's marks in one conversation.
#[derive(Default)]
struct Marks {
    unread: BTreeSet<MessageId>,
    last_activity: Option<Timestamp>,
    muted: bool,
}

type MarkKey = (OrganizationId, Username, ConversationId);

#[derive(Default)]
pub(super) struct InboxState {
    marks: BTreeMap<MarkKey, Marks>,
    presence: BTreeMap<(OrganizationId, Username), Presence>,
}

impl InboxState {
    fn marks(
        &mut self,
        org: &OrganizationId,
        user: &Username,
        conv: &ConversationId,
    ) -> &mut Marks {
        self.marks
            .entry((org.clone(), user.clone(), conv.clone()))
            .or_default()
    }

    /// Every user's marks in one conversation.
    fn of_conversation<'a>(
        &'a mut self,
        org: &'a OrganizationId,
        conv: &'a ConversationId,
    ) -> impl Iterator<Item = (&'a MarkKey, &'a mut Marks)> + 'a {
        self.marks
            .iter_mut()
            .filter(move |((o, _, c), _)| o == org && c == conv)
    }
}

impl Marks {
    fn touch(&mut self, at: Timestamp) {
        self.last_activity = self.last_activity.max(Some(at));
    }
}

impl InboxStore for MemoryStore {
    fn mark_delivered(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        message: &MessageId,
        at: Timestamp,
        users: &[Username],
    ) -> Result<(), StoreError> {
        let mut state = lock(&self.inbox)?;
        for user in users {
            let marks = state.marks(org, user, conversation);
            marks.unread.insert(message.clone());
            marks.touch(at);
        }
        Ok(())
    }

    fn touch(
        &self,
        org: &OrganizationId,
        user: &Username,
        conversation: &ConversationId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        lock(&self.inbox)?.marks(org, user, conversation).touch(at);
        Ok(())
    }

    fn mark_read(
        &self,
        org: &OrganizationId,
        user: &Username,
        conversation: &ConversationId,
    ) -> Result<(), StoreError> {
        let mut state = lock(&self.inbox)?;
        let key = (org.clone(), user.clone(), conversation.clone());
        if let Some(marks) = state.marks.get_mut(&key) {
            marks.unread.clear();
        }
        Ok(())
    }

    fn forget_conversation(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
    ) -> Result<(), StoreError> {
        lock(&self.inbox)?
            .marks
            .retain(|(o, _, c), _| !(o == org && c == conversation));
        Ok(())
    }

    fn forget_message(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        message: &MessageId,
    ) -> Result<(), StoreError> {
        let mut state = lock(&self.inbox)?;
        for (_, marks) in state.of_conversation(org, conversation) {
            marks.unread.remove(message);
        }
        Ok(())
    }

    fn set_muted(
        &self,
        org: &OrganizationId,
        user: &Username,
        conversation: &ConversationId,
        muted: bool,
    ) -> Result<(), StoreError> {
        lock(&self.inbox)?.marks(org, user, conversation).muted = muted;
        Ok(())
    }

    fn is_muted(
        &self,
        org: &OrganizationId,
        user: &Username,
        conversation: &ConversationId,
    ) -> Result<bool, StoreError> {
        let key = (org.clone(), user.clone(), conversation.clone());
        Ok(lock(&self.inbox)?.marks.get(&key).is_some_and(|m| m.muted))
    }

    fn set_presence(
        &self,
        org: &OrganizationId,
        user: &Username,
        presence: &Presence,
    ) -> Result<(), StoreError> {
        lock(&self.inbox)?
            .presence
            .insert((org.clone(), user.clone()), presence.clone());
        Ok(())
    }

    fn presence(&self, org: &OrganizationId, user: &Username) -> Result<Presence, StoreError> {
        let key = (org.clone(), user.clone());
        Ok(lock(&self.inbox)?
            .presence
            .get(&key)
            .cloned()
            .unwrap_or_default())
    }

    fn entries(
        &self,
        org: &OrganizationId,
        user: &Username,
    ) -> Result<Vec<InboxEntry>, StoreError> {
        let state = lock(&self.inbox)?;
        Ok(state
            .marks
            .iter()
            .filter(|((o, u, _), _)| o == org && u == user)
            .map(|((_, _, c), m)| InboxEntry {
                conversation: c.clone(),
                unread: u32::try_from(m.unread.len()).unwrap_or(u32::MAX),
                last_activity: m.last_activity,
                muted: m.muted,
            })
            .collect())
    }
}
