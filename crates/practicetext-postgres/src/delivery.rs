//! [`DeliveryStore`] on the `deliveries` table of migration 3.

use practicetext_core::ports::{DeliveryRecord, DeliveryStore, StoreError};

use crate::PgStore;
use crate::record::to_json;

/// Updates only the owning organization's row: another organization's
/// record for the same id changes no row, reported as a conflict.
const PUT_DELIVERY: &str = "INSERT INTO deliveries (provider_id, organization_id, record) \
     VALUES ($1, $2, $3::text::json) ON CONFLICT (provider_id) \
     DO UPDATE SET record = EXCLUDED.record \
     WHERE deliveries.organization_id = EXCLUDED.organization_id";
const DELIVERY: &str = "SELECT record::text FROM deliveries WHERE provider_id = $1";

impl DeliveryStore for PgStore {
    fn put_delivery(&self, record: &DeliveryRecord) -> Result<(), StoreError> {
        let json = to_json("delivery", record)?;
        let org = record.organization.as_str();
        let changed =
            self.run(|db| db.execute(PUT_DELIVERY, &[&record.provider_id, &org, &json]))?;
        if changed == 0 {
            return Err(StoreError::Conflict {
                message: "this provider message id belongs to another organization".into(),
            });
        }
        Ok(())
    }

    fn delivery(&self, provider_id: &str) -> Result<Option<DeliveryRecord>, StoreError> {
        self.run(|db| db.one("delivery", DELIVERY, &[&provider_id]))
    }
}
