//! [`DeliveryStore`] on the `deliveries` table of migration 3.

use practicetext_core::ports::{DeliveryRecord, DeliveryStore, StoreError};
use rusqlite::{OptionalExtension, params};

use crate::SqliteStore;
use crate::record::{backend, from_json, to_json};

/// Updates only the owning organization's row: another organization's
/// record for the same id changes no row, reported as a conflict.
const PUT_DELIVERY: &str = "INSERT INTO deliveries (provider_id, organization_id, record) \
     VALUES (?1, ?2, ?3) ON CONFLICT (provider_id) DO UPDATE SET record = excluded.record \
     WHERE deliveries.organization_id = excluded.organization_id";
pub(crate) const DELIVERY: &str = "SELECT record FROM deliveries WHERE provider_id = ?1";

impl DeliveryStore for SqliteStore {
    fn put_delivery(&self, record: &DeliveryRecord) -> Result<(), StoreError> {
        let json = to_json("delivery", record)?;
        let org = record.organization.as_str();
        let changed = self.with_conn(|conn| {
            let mut stmt = conn.prepare_cached(PUT_DELIVERY).map_err(backend)?;
            stmt.execute(params![record.provider_id, org, json])
                .map_err(backend)
        })?;
        if changed == 0 {
            return Err(StoreError::Conflict {
                message: "this provider message id belongs to another organization".into(),
            });
        }
        Ok(())
    }

    fn delivery(&self, provider_id: &str) -> Result<Option<DeliveryRecord>, StoreError> {
        let text: Option<String> = self.with_conn(|conn| {
            let mut stmt = conn.prepare_cached(DELIVERY).map_err(backend)?;
            stmt.query_row([provider_id], |r| r.get(0))
                .optional()
                .map_err(backend)
        })?;
        text.map(|t| from_json("delivery", &t)).transpose()
    }
}
