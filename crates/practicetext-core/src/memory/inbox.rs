//! In-memory [`InboxStore`].

use super::keyed::HashedSet;
use super::{Map, MemoryStore, lock};
use crate::ids::{ConversationId, MessageId, OrganizationId, Username};
use crate::inbox::state::{InboxEntry, Presence};
use crate::ports::{InboxStore, Recipient, StoreError, Timestamp};

/// One user's marks in one conversation.
#[derive(Default)]
struct Marks {
    /// Unread messages (counted, never listed).
    unread: HashedSet<MessageId>,
    last_activity: Option<Timestamp>,
    muted: bool,
}

/// One user's marks, by conversation (`entries` sorts them).
type UserMarks = Map<ConversationId, Marks>;

#[derive(Default)]
pub(super) struct InboxState {
    /// By organization, then user.
    marks: Map<OrganizationId, Map<Username, UserMarks>>,
    presence: Map<OrganizationId, Map<Username, Presence>>,
}

impl InboxState {
    fn marks(
        &mut self,
        org: &OrganizationId,
        user: &Username,
        conv: &ConversationId,
    ) -> &mut Marks {
        self.marks
            .entry_ref(org)
            .or_default()
            .entry_ref(user)
            .or_default()
            .entry_ref(conv)
            .or_default()
    }

    fn of_user(&self, org: &OrganizationId, user: &Username) -> Option<&UserMarks> {
        self.marks.get(org).and_then(|users| users.get(user))
    }

    /// Every user's marks in one conversation.
    fn of_conversation<'a>(
        &'a mut self,
        org: &OrganizationId,
        conv: &'a ConversationId,
    ) -> impl Iterator<Item = &'a mut Marks> + 'a {
        self.marks
            .get_mut(org)
            .into_iter()
            .flat_map(|users| users.values_mut())
            .filter_map(move |of_user| of_user.get_mut(conv))
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
        self.mark_delivered_to(org, conversation, message, at, users)
            .map(drop)
    }

    /// One lock pass: marks each user's unread message and reads their
    /// presence and mute from the same maps (no presence copied).
    fn mark_delivered_to(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        message: &MessageId,
        at: Timestamp,
        users: &[Username],
    ) -> Result<Vec<Recipient>, StoreError> {
        let mut state = lock(&self.inbox)?;
        let state = &mut *state;
        let presence = state.presence.get(org);
        let mut reached = Vec::with_capacity(users.len());
        for user in users {
            let marks = state
                .marks
                .entry_ref(org)
                .or_default()
                .entry_ref(user)
                .or_default()
                .entry_ref(conversation)
                .or_default();
            marks
                .unread
                .get_or_insert_with(message, || (message.clone(), ()));
            marks.touch(at);
            reached.push(Recipient {
                online: presence
                    .and_then(|users| users.get(user))
                    .is_some_and(|p| p.online),
                muted: marks.muted,
            });
        }
        Ok(reached)
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
        let marks = state
            .marks
            .get_mut(org)
            .and_then(|users| users.get_mut(user))
            .and_then(|of_user| of_user.get_mut(conversation));
        if let Some(marks) = marks {
            marks.unread.clear();
        }
        Ok(())
    }

    fn forget_conversation(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
    ) -> Result<(), StoreError> {
        let mut state = lock(&self.inbox)?;
        if let Some(users) = state.marks.get_mut(org) {
            for of_user in users.values_mut() {
                of_user.remove(conversation);
            }
        }
        Ok(())
    }

    fn forget_message(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        message: &MessageId,
    ) -> Result<(), StoreError> {
        let mut state = lock(&self.inbox)?;
        for marks in state.of_conversation(org, conversation) {
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
        let state = lock(&self.inbox)?;
        Ok(state
            .of_user(org, user)
            .and_then(|of_user| of_user.get(conversation))
            .is_some_and(|m| m.muted))
    }

    fn set_presence(
        &self,
        org: &OrganizationId,
        user: &Username,
        presence: &Presence,
    ) -> Result<(), StoreError> {
        *lock(&self.inbox)?
            .presence
            .entry_ref(org)
            .or_default()
            .entry_ref(user)
            .or_default() = presence.clone();
        Ok(())
    }

    fn presence(&self, org: &OrganizationId, user: &Username) -> Result<Presence, StoreError> {
        let state = lock(&self.inbox)?;
        Ok(state
            .presence
            .get(org)
            .and_then(|users| users.get(user))
            .cloned()
            .unwrap_or_default())
    }

    fn entries(
        &self,
        org: &OrganizationId,
        user: &Username,
    ) -> Result<Vec<InboxEntry>, StoreError> {
        let state = lock(&self.inbox)?;
        let mut entries: Vec<InboxEntry> = state
            .of_user(org, user)
            .into_iter()
            .flatten()
            .map(|(c, m)| InboxEntry {
                conversation: c.clone(),
                unread: u32::try_from(m.unread.len()).unwrap_or(u32::MAX),
                last_activity: m.last_activity,
                muted: m.muted,
            })
            .collect();
        entries.sort_by(|a, b| a.conversation.cmp(&b.conversation));
        Ok(entries)
    }
}
