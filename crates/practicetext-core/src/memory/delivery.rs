//! In-memory [`DeliveryStore`].

use std::collections::BTreeMap;

use super::{MemoryStore, lock};
use crate::ports::{DeliveryRecord, DeliveryStore, StoreError};

#[derive(Default)]
pub(super) struct DeliveryState {
    records: BTreeMap<String, DeliveryRecord>,
}

impl DeliveryStore for MemoryStore {
    fn put_delivery(&self, record: &DeliveryRecord) -> Result<(), StoreError> {
        let mut state = lock(&self.deliveries)?;
        if let Some(existing) = state.records.get(&record.provider_id)
            && existing.organization != record.organization
        {
            return Err(StoreError::Conflict {
                message: "this provider message id belongs to another organization".into(),
            });
        }
        state
            .records
            .insert(record.provider_id.clone(), record.clone());
        Ok(())
    }

    fn delivery(&self, provider_id: &str) -> Result<Option<DeliveryRecord>, StoreError> {
        Ok(lock(&self.deliveries)?.records.get(provider_id).cloned())
    }
}
