//! [`ConsentStore`] on `consent_states` and `consent_history`. A change
//! locks the number's state row (creating it first if missing, so two
//! first STOPs from two app servers meet on one row), applies the core's
//! [`apply`] to it and appends the history, in one transaction (C4: one
//! opt-out, one confirmation).

use practicetext_core::consent::{ConsentChange, ConsentState, ConsentTransition, apply};
use practicetext_core::ids::OrganizationId;
use practicetext_core::phone::E164;
use practicetext_core::ports::{ConsentStore, StoreError};

use crate::PgStore;
use crate::record::to_json;

const STATE: &str =
    "SELECT record::text FROM consent_states WHERE organization_id = $1 AND number = $2";
const ENSURE: &str = "INSERT INTO consent_states (organization_id, number, record) \
     VALUES ($1, $2, $3::text::json) ON CONFLICT (organization_id, number) DO NOTHING";
const LOCK: &str = "SELECT record::text FROM consent_states \
     WHERE organization_id = $1 AND number = $2 FOR UPDATE";
const WRITE: &str = "WITH state AS (UPDATE consent_states SET record = $3::text::json \
         WHERE organization_id = $1 AND number = $2) \
     INSERT INTO consent_history (organization_id, number, record) VALUES ($1, $2, $4::text::json)";
const HISTORY: &str =
    "SELECT record::text FROM consent_history WHERE organization_id = $1 ORDER BY seq";
const HISTORY_OF_NUMBER: &str = "SELECT record::text FROM consent_history \
     WHERE organization_id = $1 AND number = $2 ORDER BY seq";

impl ConsentStore for PgStore {
    fn consent(&self, org: &OrganizationId, number: E164) -> Result<ConsentState, StoreError> {
        let number = number.to_string();
        let found = self.run(|db| db.one("consent state", STATE, &[&org.as_str(), &number]))?;
        Ok(found.unwrap_or_default())
    }

    fn record_consent(
        &self,
        org: &OrganizationId,
        change: &ConsentChange,
    ) -> Result<ConsentTransition, StoreError> {
        let (org, number) = (org.as_str(), change.number.to_string());
        let entry = to_json("consent change", change)?;
        let default = to_json("consent state", &ConsentState::default())?;
        self.in_tx(|db| {
            db.execute(ENSURE, &[&org, &number, &default])?;
            let before: ConsentState = db
                .one("consent state", LOCK, &[&org, &number])?
                .unwrap_or_default();
            let transition = apply(&before, change);
            let after = to_json("consent state", &transition.after)?;
            db.execute(WRITE, &[&org, &number, &after, &entry])?;
            Ok(transition)
        })
    }

    fn consent_history(
        &self,
        org: &OrganizationId,
        number: Option<E164>,
    ) -> Result<Vec<ConsentChange>, StoreError> {
        self.run(|db| match number {
            Some(n) => db.all(
                "consent change",
                HISTORY_OF_NUMBER,
                &[&org.as_str(), &n.to_string()],
            ),
            None => db.all("consent change", HISTORY, &[&org.as_str()]),
        })
    }
}
