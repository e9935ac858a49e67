//! [`InboxStore`] on `inbox_marks`, `inbox_unread` and `presence`. Each
//! call is one statement or one transaction: marks written by several
//! processes at once all land.

use practicetext_core::ids::{ConversationId, MessageId, OrganizationId, Username};
use practicetext_core::inbox::state::{InboxEntry, Presence};
use practicetext_core::ports::{InboxStore, StoreError, Timestamp};
use rusqlite::params;

use crate::SqliteStore;
use crate::record::{backend, to_json};
use crate::sql::{from_micros, micros, one, value, write};

/// Creates the marks row if missing and moves its last activity forward.
const TOUCH: &str = "INSERT INTO inbox_marks \
     (organization_id, username, conversation_id, last_activity, muted) VALUES (?1, ?2, ?3, ?4, 0) \
     ON CONFLICT (organization_id, username, conversation_id) DO UPDATE SET \
     last_activity = max(coalesce(last_activity, excluded.last_activity), excluded.last_activity)";
const MARK_UNREAD: &str = "INSERT INTO inbox_unread \
     (organization_id, username, conversation_id, message_id) VALUES (?1, ?2, ?3, ?4) \
     ON CONFLICT DO NOTHING";
const READ: &str = "DELETE FROM inbox_unread \
     WHERE organization_id = ?1 AND username = ?2 AND conversation_id = ?3";
/// Names its index: without statistics SQLite would walk the
/// organization's whole primary key instead.
const FORGET_CONVERSATION: &str = "DELETE FROM inbox_marks INDEXED BY inbox_marks_by_conversation \
     WHERE organization_id = ?1 AND conversation_id = ?2";
const FORGET_MESSAGE: &str = "DELETE FROM inbox_unread \
     WHERE organization_id = ?1 AND conversation_id = ?2 AND message_id = ?3";
const SET_MUTED: &str = "INSERT INTO inbox_marks \
     (organization_id, username, conversation_id, last_activity, muted) VALUES (?1, ?2, ?3, NULL, ?4) \
     ON CONFLICT (organization_id, username, conversation_id) DO UPDATE SET muted = excluded.muted";
const IS_MUTED: &str = "SELECT muted FROM inbox_marks \
     WHERE organization_id = ?1 AND username = ?2 AND conversation_id = ?3";
const PUT_PRESENCE: &str = "INSERT INTO presence (organization_id, username, record) \
     VALUES (?1, ?2, ?3) ON CONFLICT (organization_id, username) DO UPDATE SET record = excluded.record";
const PRESENCE: &str = "SELECT record FROM presence WHERE organization_id = ?1 AND username = ?2";
const ENTRIES: &str = "SELECT m.conversation_id, \
     (SELECT count(*) FROM inbox_unread u WHERE u.organization_id = m.organization_id \
         AND u.username = m.username AND u.conversation_id = m.conversation_id), \
     m.last_activity, m.muted \
     FROM inbox_marks m WHERE m.organization_id = ?1 AND m.username = ?2 \
     ORDER BY m.conversation_id";

impl InboxStore for SqliteStore {
    fn mark_delivered(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        message: &MessageId,
        at: Timestamp,
        users: &[Username],
    ) -> Result<(), StoreError> {
        let (org, conv) = (org.as_str(), conversation.as_str());
        self.write_tx(|conn| {
            for user in users {
                write(conn, TOUCH, params![org, user.as_str(), conv, micros(at)])?;
                write(
                    conn,
                    MARK_UNREAD,
                    params![org, user.as_str(), conv, message.as_str()],
                )?;
            }
            Ok(())
        })
    }

    fn touch(
        &self,
        org: &OrganizationId,
        user: &Username,
        conversation: &ConversationId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let params = params![
            org.as_str(),
            user.as_str(),
            conversation.as_str(),
            micros(at)
        ];
        self.with_conn(|conn| write(conn, TOUCH, params))?;
        Ok(())
    }

    fn mark_read(
        &self,
        org: &OrganizationId,
        user: &Username,
        conversation: &ConversationId,
    ) -> Result<(), StoreError> {
        let params = [org.as_str(), user.as_str(), conversation.as_str()];
        self.with_conn(|conn| write(conn, READ, params))?;
        Ok(())
    }

    fn forget_conversation(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
    ) -> Result<(), StoreError> {
        let params = [org.as_str(), conversation.as_str()];
        self.with_conn(|conn| write(conn, FORGET_CONVERSATION, params))?;
        Ok(())
    }

    fn forget_message(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        message: &MessageId,
    ) -> Result<(), StoreError> {
        let params = [org.as_str(), conversation.as_str(), message.as_str()];
        self.with_conn(|conn| write(conn, FORGET_MESSAGE, params))?;
        Ok(())
    }

    fn set_muted(
        &self,
        org: &OrganizationId,
        user: &Username,
        conversation: &ConversationId,
        muted: bool,
    ) -> Result<(), StoreError> {
        let params = params![org.as_str(), user.as_str(), conversation.as_str(), muted];
        self.with_conn(|conn| write(conn, SET_MUTED, params))?;
        Ok(())
    }

    fn is_muted(
        &self,
        org: &OrganizationId,
        user: &Username,
        conversation: &ConversationId,
    ) -> Result<bool, StoreError> {
        let params = [org.as_str(), user.as_str(), conversation.as_str()];
        let muted: Option<bool> = self.with_conn(|conn| value(conn, IS_MUTED, params))?;
        Ok(muted.unwrap_or(false))
    }

    fn set_presence(
        &self,
        org: &OrganizationId,
        user: &Username,
        presence: &Presence,
    ) -> Result<(), StoreError> {
        let record = to_json("presence", presence)?;
        let params = params![org.as_str(), user.as_str(), record];
        self.with_conn(|conn| write(conn, PUT_PRESENCE, params))?;
        Ok(())
    }

    fn presence(&self, org: &OrganizationId, user: &Username) -> Result<Presence, StoreError> {
        let params = [org.as_str(), user.as_str()];
        let found = self.with_conn(|conn| one(conn, "presence", PRESENCE, params))?;
        Ok(found.unwrap_or_default())
    }

    fn entries(
        &self,
        org: &OrganizationId,
        user: &Username,
    ) -> Result<Vec<InboxEntry>, StoreError> {
        self.with_conn(|conn| {
            let mut stmt = conn.prepare_cached(ENTRIES).map_err(backend)?;
            let rows = stmt
                .query_map([org.as_str(), user.as_str()], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, Option<i64>>(2)?,
                        r.get::<_, bool>(3)?,
                    ))
                })
                .map_err(backend)?;
            rows.map(|row| {
                let (conversation, unread, last, muted) = row.map_err(backend)?;
                Ok(InboxEntry {
                    conversation: ConversationId::new(conversation),
                    unread: u32::try_from(unread).unwrap_or(u32::MAX),
                    last_activity: last.map(from_micros).transpose()?,
                    muted,
                })
            })
            .collect()
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
            (IS_MUTED, "PRIMARY KEY"),
            (PRESENCE, "PRIMARY KEY"),
            (ENTRIES, "PRIMARY KEY"),
            (READ, "PRIMARY KEY"),
            (FORGET_CONVERSATION, "inbox_marks_by_conversation"),
            (FORGET_MESSAGE, "inbox_unread_by_message"),
        ] {
            assert_searches(conn, sql, index);
        }
    }
}
