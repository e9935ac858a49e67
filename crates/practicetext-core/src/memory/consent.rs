//! In-memory [`ConsentStore`].

use super::{Map, MemoryStore, lock};
use crate::consent::{ConsentChange, ConsentState, ConsentTransition, apply};
use crate::ids::OrganizationId;
use crate::phone::E164;
use crate::ports::{ConsentStore, StoreError};

#[derive(Default)]
pub(super) struct ConsentLedger {
    /// By organization, then number.
    states: Map<OrganizationId, Map<E164, ConsentState>>,
    history: Vec<(OrganizationId, ConsentChange)>,
}

impl ConsentStore for MemoryStore {
    fn consent(&self, org: &OrganizationId, number: E164) -> Result<ConsentState, StoreError> {
        let ledger = lock(&self.consent)?;
        Ok(ledger
            .states
            .get(org)
            .and_then(|numbers| numbers.get(&number))
            .cloned()
            .unwrap_or_default())
    }

    fn record_consent(
        &self,
        org: &OrganizationId,
        change: &ConsentChange,
    ) -> Result<ConsentTransition, StoreError> {
        let mut ledger = lock(&self.consent)?;
        let state = ledger
            .states
            .entry_ref(org)
            .or_default()
            .entry(change.number)
            .or_default();
        let transition = apply(state, change);
        *state = transition.after.clone();
        ledger.history.push((org.clone(), change.clone()));
        Ok(transition)
    }

    fn consent_history(
        &self,
        org: &OrganizationId,
        number: Option<E164>,
    ) -> Result<Vec<ConsentChange>, StoreError> {
        let ledger = lock(&self.consent)?;
        Ok(ledger
            .history
            .iter()
            .filter(|(o, c)| o == org && number.is_none_or(|n| n == c.number))
            .map(|(_, c)| c.clone())
            .collect())
    }
}
