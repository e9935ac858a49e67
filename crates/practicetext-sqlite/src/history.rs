//! [`HistoryStore`] on `history_entries`: one row per closed conversation,
//! with its client and (SMS only) outside number typed for the two lookups.

use practicetext_core::ids::{ClientId, ConversationId, OrganizationId};
use practicetext_core::inbox::lifecycle::HistoryEntry;
use practicetext_core::phone::E164;
use practicetext_core::ports::{HistoryStore, StoreError};
use rusqlite::params;

use crate::SqliteStore;
use crate::record::to_json;
use crate::sql::{all, micros, one, write};

const PUT: &str = "INSERT INTO history_entries \
     (organization_id, conversation_id, client_id, outside_number, closed_at, record) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (organization_id, conversation_id) DO UPDATE SET \
     client_id = excluded.client_id, outside_number = excluded.outside_number, \
     closed_at = excluded.closed_at, record = excluded.record";
const ENTRY: &str =
    "SELECT record FROM history_entries WHERE organization_id = ?1 AND conversation_id = ?2";
const OF_CLIENT: &str = "SELECT record FROM history_entries \
     WHERE organization_id = ?1 AND client_id = ?2 ORDER BY closed_at, conversation_id";
const UNASSIGNED: &str = "SELECT record FROM history_entries \
     WHERE organization_id = ?1 AND client_id IS NULL AND outside_number = ?2 \
     ORDER BY closed_at, conversation_id";
const DELETE: &str =
    "DELETE FROM history_entries WHERE organization_id = ?1 AND conversation_id = ?2";

impl HistoryStore for SqliteStore {
    fn put_history(&self, entry: &HistoryEntry) -> Result<(), StoreError> {
        let record = to_json("history entry", entry)?;
        let params = params![
            entry.organization().as_str(),
            entry.conversation.id.as_str(),
            entry.client.as_ref().map(|c| c.as_str()),
            entry.outside_number().map(|n| n.to_string()),
            micros(entry.closed_at),
            record
        ];
        self.with_conn(|conn| write(conn, PUT, params))?;
        Ok(())
    }

    fn history_entry(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
    ) -> Result<Option<HistoryEntry>, StoreError> {
        let params = [org.as_str(), conversation.as_str()];
        self.with_conn(|conn| one(conn, "history entry", ENTRY, params))
    }

    fn client_history(
        &self,
        org: &OrganizationId,
        client: &ClientId,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let params = [org.as_str(), client.as_str()];
        self.with_conn(|conn| all(conn, "history entry", OF_CLIENT, params))
    }

    fn unassigned_history(
        &self,
        org: &OrganizationId,
        number: E164,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let params = params![org.as_str(), number.to_string()];
        self.with_conn(|conn| all(conn, "history entry", UNASSIGNED, params))
    }

    fn delete_history(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
    ) -> Result<(), StoreError> {
        let params = [org.as_str(), conversation.as_str()];
        self.with_conn(|conn| write(conn, DELETE, params))?;
        Ok(())
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
            (ENTRY, "PRIMARY KEY"),
            (OF_CLIENT, "history_by_client"),
            (UNASSIGNED, "history_unassigned_by_number"),
            (DELETE, "PRIMARY KEY"),
        ] {
            assert_searches(conn, sql, index);
        }
    }
}
