//! In-memory [`HistoryStore`].

use std::collections::BTreeMap;

use super::{MemoryStore, lock};
use crate::ids::{ClientId, ConversationId, OrganizationId};
use crate::inbox::lifecycle::HistoryEntry;
use crate::phone::E164;
use crate::ports::{HistoryStore, StoreError};

#[derive(Default)]
pub(super) struct HistoryState {
    entries: BTreeMap<(OrganizationId, ConversationId), HistoryEntry>,
}

impl HistoryState {
    /// Entries of `org` that pass `keep`, oldest `closed_at` first.
    fn select(
        &self,
        org: &OrganizationId,
        keep: impl Fn(&HistoryEntry) -> bool,
    ) -> Vec<HistoryEntry> {
        let mut found: Vec<HistoryEntry> = self
            .entries
            .iter()
            .filter(|((o, _), e)| o == org && keep(e))
            .map(|(_, e)| e.clone())
            .collect();
        found.sort_by(|a, b| {
            a.closed_at
                .cmp(&b.closed_at)
                .then_with(|| a.conversation.id.cmp(&b.conversation.id))
        });
        found
    }
}

impl HistoryStore for MemoryStore {
    fn put_history(&self, entry: &HistoryEntry) -> Result<(), StoreError> {
        let key = (entry.organization().clone(), entry.conversation.id.clone());
        lock(&self.history)?.entries.insert(key, entry.clone());
        Ok(())
    }

    fn history_entry(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
    ) -> Result<Option<HistoryEntry>, StoreError> {
        let key = (org.clone(), conversation.clone());
        Ok(lock(&self.history)?.entries.get(&key).cloned())
    }

    fn client_history(
        &self,
        org: &OrganizationId,
        client: &ClientId,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        Ok(lock(&self.history)?.select(org, |e| e.client.as_ref() == Some(client)))
    }

    fn unassigned_history(
        &self,
        org: &OrganizationId,
        number: E164,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        Ok(lock(&self.history)?.select(org, |e| {
            e.client.is_none() && e.outside_number() == Some(number)
        }))
    }

    fn delete_history(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
    ) -> Result<(), StoreError> {
        let key = (org.clone(), conversation.clone());
        lock(&self.history)?.entries.remove(&key);
        Ok(())
    }
}
