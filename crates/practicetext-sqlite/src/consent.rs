//! [`ConsentStore`] on `consent_states` and `consent_history`: a change is
//! applied with the core's [`apply`] to the state read inside one
//! `IMMEDIATE` transaction, which also appends it to the history, so two
//! STOPs racing from two processes opt the number out once (C4).

use practicetext_core::consent::{ConsentChange, ConsentState, ConsentTransition, apply};
use practicetext_core::ids::OrganizationId;
use practicetext_core::phone::E164;
use practicetext_core::ports::{ConsentStore, StoreError};
use rusqlite::params;

use crate::SqliteStore;
use crate::record::to_json;
use crate::sql::{all, one, write};

const STATE: &str = "SELECT record FROM consent_states WHERE organization_id = ?1 AND number = ?2";
const PUT_STATE: &str = "INSERT INTO consent_states (organization_id, number, record) \
     VALUES (?1, ?2, ?3) ON CONFLICT (organization_id, number) DO UPDATE SET record = excluded.record";
const APPEND: &str =
    "INSERT INTO consent_history (organization_id, number, record) VALUES (?1, ?2, ?3)";
const HISTORY: &str = "SELECT record FROM consent_history WHERE organization_id = ?1 ORDER BY seq";
const HISTORY_OF_NUMBER: &str = "SELECT record FROM consent_history \
     WHERE organization_id = ?1 AND number = ?2 ORDER BY seq";

impl ConsentStore for SqliteStore {
    fn consent(&self, org: &OrganizationId, number: E164) -> Result<ConsentState, StoreError> {
        let found = self.with_conn(|conn| {
            one(
                conn,
                "consent state",
                STATE,
                params![org.as_str(), number.to_string()],
            )
        })?;
        Ok(found.unwrap_or_default())
    }

    fn record_consent(
        &self,
        org: &OrganizationId,
        change: &ConsentChange,
    ) -> Result<ConsentTransition, StoreError> {
        let number = change.number.to_string();
        let entry = to_json("consent change", change)?;
        self.write_tx(|conn| {
            let keys = params![org.as_str(), number];
            let before: ConsentState = one(conn, "consent state", STATE, keys)?.unwrap_or_default();
            let transition = apply(&before, change);
            let state = to_json("consent state", &transition.after)?;
            write(conn, PUT_STATE, params![org.as_str(), number, state])?;
            write(conn, APPEND, params![org.as_str(), number, entry])?;
            Ok(transition)
        })
    }

    fn consent_history(
        &self,
        org: &OrganizationId,
        number: Option<E164>,
    ) -> Result<Vec<ConsentChange>, StoreError> {
        self.with_conn(|conn| match number {
            Some(n) => all(
                conn,
                "consent change",
                HISTORY_OF_NUMBER,
                params![org.as_str(), n.to_string()],
            ),
            None => all(conn, "consent change", HISTORY, [org.as_str()]),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::plans::assert_searches;

    /// Every read (and every delete's search) goes through an index, in
    /// the promised order, with no full scan and no sort.
    #[test]
    fn every_read_searches_an_index_and_needs_no_sort() {
        let store = SqliteStore::open_in_memory().unwrap();
        let guard = store.lock();
        let session = guard.borrow();
        let conn = &session.conn;
        for (sql, index) in [
            (STATE, "PRIMARY KEY"),
            (HISTORY, "INDEX consent_history_by_organization"),
            (HISTORY_OF_NUMBER, "INDEX consent_history_by_number"),
        ] {
            assert_searches(conn, sql, index);
        }
    }
}
