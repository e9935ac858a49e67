//! [`HistoryStore`] on `history_entries`: one row per closed conversation,
//! with its client and (SMS only) outside number typed for the two lookups.

use practicetext_core::ids::{ClientId, ConversationId, OrganizationId};
use practicetext_core::inbox::lifecycle::HistoryEntry;
use practicetext_core::phone::E164;
use practicetext_core::ports::{HistoryStore, StoreError};

use crate::PgStore;
use crate::record::to_json;
use crate::sql::micros;

const PUT: &str = "INSERT INTO history_entries \
     (organization_id, conversation_id, client_id, outside_number, closed_at, record) \
     VALUES ($1, $2, $3, $4, $5, $6::text::json) ON CONFLICT (organization_id, conversation_id) \
     DO UPDATE SET client_id = EXCLUDED.client_id, outside_number = EXCLUDED.outside_number, \
     closed_at = EXCLUDED.closed_at, record = EXCLUDED.record";
const ENTRY: &str =
    "SELECT record::text FROM history_entries WHERE organization_id = $1 AND conversation_id = $2";
const OF_CLIENT: &str = "SELECT record::text FROM history_entries \
     WHERE organization_id = $1 AND client_id = $2 ORDER BY closed_at, conversation_id";
const UNASSIGNED: &str = "SELECT record::text FROM history_entries \
     WHERE organization_id = $1 AND client_id IS NULL AND outside_number = $2 \
     ORDER BY closed_at, conversation_id";
const DELETE: &str =
    "DELETE FROM history_entries WHERE organization_id = $1 AND conversation_id = $2";

impl HistoryStore for PgStore {
    fn put_history(&self, entry: &HistoryEntry) -> Result<(), StoreError> {
        let record = to_json("history entry", entry)?;
        let (org, id) = (
            entry.organization().as_str(),
            entry.conversation.id.as_str(),
        );
        let client = entry.client.as_ref().map(|c| c.as_str());
        let outside = entry.outside_number().map(|n| n.to_string());
        let closed = micros(entry.closed_at);
        self.run(|db| db.execute(PUT, &[&org, &id, &client, &outside, &closed, &record]))?;
        Ok(())
    }

    fn history_entry(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
    ) -> Result<Option<HistoryEntry>, StoreError> {
        self.run(|db| {
            db.one(
                "history entry",
                ENTRY,
                &[&org.as_str(), &conversation.as_str()],
            )
        })
    }

    fn client_history(
        &self,
        org: &OrganizationId,
        client: &ClientId,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        self.run(|db| {
            db.all(
                "history entry",
                OF_CLIENT,
                &[&org.as_str(), &client.as_str()],
            )
        })
    }

    fn unassigned_history(
        &self,
        org: &OrganizationId,
        number: E164,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let number = number.to_string();
        self.run(|db| db.all("history entry", UNASSIGNED, &[&org.as_str(), &number]))
    }

    fn delete_history(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
    ) -> Result<(), StoreError> {
        self.run(|db| db.execute(DELETE, &[&org.as_str(), &conversation.as_str()]))?;
        Ok(())
    }
}
