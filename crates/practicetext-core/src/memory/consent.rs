//! In-memory [`ConsentStore`].

use std::collections::BTreeMap;

use super::{MemoryStore, lock};
use crate::consent::{ConsentChange, ConsentState, ConsentTransition, apply};
use crate::ids::OrganizationId;
use crate::phone::E164;
use crate::ports::{ConsentStore, StoreError};

#[derive(Default)]
pub(super) struct ConsentLedger {
    states: BTreeMap<(OrganizationId, E164), ConsentState>,
    history: Vec<(OrganizationId, ConsentChange)>,
}

impl ConsentStore for MemoryStore {
    fn consent(&self, org: &OrganizationId, number: E164) -> Result<ConsentState, StoreError> {
        let ledger = lock(&self.consent)?;
        Ok(ledger
            .states
            .get(&(org.clone(), number))
            .cloned()
            .unwrap_or_default())
    }

    fn record_consent(
        &self,
        org: &OrganizationId,
        change: &ConsentChange,
    ) -> Result<ConsentTransition, StoreError> {
        let mut ledger = lock(&self.consent)?;
        let key = (org.clone(), change.number);
        let before = ledger.states.get(&key).cloned().unwrap_or_default();
        let transition = apply(&before, change);
        ledger.states.insert(key, transition.after.clone());
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
